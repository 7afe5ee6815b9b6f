/**
 * Latency and CPU summaries shared by both levels of the capacity benchmark (in-process and gRPC).
 * Quantiles are d3-array's (type 7) over every sample; nothing is sampled or bucketed.
 */
import { quantileSorted } from 'd3-array';

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export function latencySummary(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Array.from(samplesMs).sort((a, b) => a - b);
  const n = sorted.length;
  const q = (p: number): number => round(quantileSorted(sorted, p) ?? NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: round(sorted[n - 1] ?? NaN), meanMs: round(n === 0 ? NaN : sum / n) };
}

/** CPU seconds a process spent in a window, and that as a share of one core. */
export interface CpuSummary {
  readonly userS: number;
  readonly systemS: number;
  /** (user + system) / wall: 1.0 = one core busy the whole window */
  readonly cores: number;
}

export function cpuSummary(usage: NodeJS.CpuUsage, wallMs: number): CpuSummary {
  const userS = usage.user / 1e6;
  const systemS = usage.system / 1e6;
  return { userS: round(userS), systemS: round(systemS), cores: round(wallMs > 0 ? (userS + systemS) / (wallMs / 1000) : 0) };
}

/** Four significant decimals are plenty for timings on a shared machine. */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}
