/**
 * Level 1 of the capacity benchmark: the coordinator's own code without transport.
 *  - scheduler: the pure TileScheduler, W workers each holding one lease; a worker completes its tile
 *    and leases the next. Lease latency is the lease() call.
 *  - run controller: RunController.lease/complete as the gRPC handlers call them (validation, digest
 *    check, shard encoded and written atomically before acceptance, metrics), W concurrent workers.
 *    Lease latency is the lease() call (synchronous: no queue in front of it without transport).
 */
import { join } from 'node:path';
import { silentLogger } from '../../worker/common/log.js';
import { cellsDigest, type CellResult } from '../../worker/tile-compute.js';
import { createCoordinatorMetrics } from '../../coordinator/metrics.js';
import { RunController } from '../../coordinator/run/run-controller.js';
import type { CompiledRun } from '../../coordinator/scenario/compile.js';
import { TileScheduler } from '../../coordinator/schedule/scheduler.js';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { cpuSummary, latencySummary, round, type CpuSummary, type LatencySummary } from './capacity-stats.js';
import { syntheticCells, tileResult } from './capacity-run.js';

export interface InProcessLevelResult {
  readonly tiles: number;
  readonly workers: number;
  readonly wallMs: number;
  readonly completionsPerS: number;
  readonly leaseLatency: LatencySummary;
  readonly cpu: CpuSummary;
  /** CPU (user + system, every thread of this process) per completion */
  readonly cpuUsPerCompletion: number;
}

export interface RunControllerLevelResult extends InProcessLevelResult {
  /** time from the last accepted tile to the written curves and decisions (reads every shard) */
  readonly aggregateMs: number;
  readonly runDir: string;
  readonly leasesIssued: number;
  readonly duplicates: number;
}

const usPer = (cpu: CpuSummary, n: number): number => round(((cpu.userS + cpu.systemS) * 1e6) / n);
const subjectsOf = (compiled: CompiledRun, scenarioIndex: number): number => compiled.spec.scenarios[scenarioIndex]?.population.subjects ?? 0;

/** The pure scheduler, W workers each holding one lease at a time, round robin. */
export function schedulerLevel(compiled: CompiledRun, tileTrajectories: number, workers: number): InProcessLevelResult {
  const tiles = planTiles(compiled.spec, { targetTrajectories: tileTrajectories });
  const digests = new Map(tiles.map((t) => [t.tileId, cellsDigest(syntheticCells(t, subjectsOf(compiled, t.scenarioIndex)))]));
  const s = new TileScheduler(tiles.map((t) => t.tileId), [], {});
  const latencies = new Float64Array(tiles.length);
  let leases = 0;
  const held: (string | undefined)[] = new Array<string | undefined>(workers);
  const lease = (w: number): void => {
    const t0 = performance.now();
    const d = s.lease(`w${w}`, 1, t0);
    const t1 = performance.now();
    const tile = d.tiles[0];
    held[w] = tile?.tileId;
    if (tile !== undefined) latencies[leases++] = t1 - t0;
  };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let w = 0; w < workers; w += 1) lease(w);
  for (let live = true; live; ) {
    live = false;
    for (let w = 0; w < workers; w += 1) {
      const id = held[w];
      if (id === undefined) continue;
      live = true;
      const d = s.complete(`w${w}`, id, digests.get(id) ?? '', performance.now());
      if (d.outcome !== 'accepted') throw new Error(`capacity bench (scheduler): tile ${id} was ${d.outcome}, expected accepted`);
      lease(w);
    }
  }
  const wallMs = performance.now() - start;
  const snap = s.snapshot();
  if (snap.run !== 'succeeded' || snap.leasesIssued !== tiles.length) throw new Error(`capacity bench (scheduler): run ${snap.run} after ${snap.leasesIssued} leases of ${tiles.length} tiles`);
  const cpu = cpuSummary(process.cpuUsage(cpu0), wallMs);
  return {
    tiles: tiles.length, workers, wallMs: round(wallMs), completionsPerS: Math.round(tiles.length / (wallMs / 1000)),
    leaseLatency: latencySummary(latencies.subarray(0, leases)), cpu, cpuUsPerCompletion: usPer(cpu, tiles.length),
  };
}

/** RunController as the gRPC handlers drive it (minus transport), W concurrent workers, real shards. */
export async function runControllerLevel(
  compiled: CompiledRun,
  tileTrajectories: number,
  workers: number,
  dir: string,
  cellsFor: (tileId: string) => readonly CellResult[] | undefined,
): Promise<RunControllerLevelResult> {
  const runDir = join(dir, 'run-inprocess');
  const run = new RunController(compiled, { dir: runDir, targetTrajectories: tileTrajectories, format: 'parquet', scheduler: {} }, createCoordinatorMetrics(), silentLogger);
  await run.prepare();
  const total = run.tiles.length;
  const done = new Promise<void>((ok) => run.once('done', () => ok()));
  const latencies: number[] = [];
  let lastAcceptedMs = 0;
  run.on('tile-accepted', () => (lastAcceptedMs = performance.now()));
  const worker = async (w: number): Promise<void> => {
    const id = `w${w}`;
    for (;;) {
      const t0 = performance.now();
      const d = run.lease(id, 1, Date.now());
      const tile = d.tiles[0];
      if (tile === undefined) return; // nothing pending: no tile can come back without a failure
      latencies.push(performance.now() - t0);
      const cells = cellsFor(tile.tileId) ?? syntheticCells(tile, subjectsOf(compiled, tile.scenarioIndex));
      const outcome = await run.complete(id, tileResult(tile, cells), Date.now);
      if (outcome !== 'accepted') throw new Error(`capacity bench (run controller): tile ${tile.tileId} was ${outcome}, expected accepted`);
    }
  };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  const wallMs = lastAcceptedMs - start;
  const cpu = cpuSummary(process.cpuUsage(cpu0), wallMs);
  await done;
  const aggregateMs = performance.now() - lastAcceptedMs;
  if (run.phase !== 'SUCCEEDED') throw new Error(`capacity bench (run controller): run ended ${run.phase}: ${run.progress().error}`);
  const snap = run.snapshot();
  return {
    tiles: total, workers, wallMs: round(wallMs), completionsPerS: Math.round(total / (wallMs / 1000)), leaseLatency: latencySummary(latencies), cpu,
    cpuUsPerCompletion: usPer(cpu, total),
    aggregateMs: Math.round(aggregateMs), runDir, leasesIssued: snap.leasesIssued, duplicates: snap.duplicates,
  };
}
