/**
 * Visual predictive check: the trial's design (subjects, doses, sampling times) is simulated many times
 * from the fitted population model (random effects and residual error), and the 5th/50th/95th
 * percentiles of the observations per (endpoint, dose arm, nominal time) are compared with the 90 %
 * prediction interval of the same percentiles across simulated trials. With BLQ rows (M3 data) the
 * simulated trials are censored at the same limits and a percentile among BLQ values is BELOW_LLOQ
 * (-Infinity: "below the limit", inside an interval whose lower end is below it too).
 */
import { periodClock } from '../ingest/history-length.js';
import { quantileSorted } from 'd3-array';
import type { Subject, Trial } from '../ingest/trial.js';
import type { PopulationParameters } from '../structures/parameters.js';
import { simulateTrial } from './simulate-trial.js';
import type { Structure } from '../structures/structure.js';

export const VPC_PERCENTILES = [0.05, 0.5, 0.95] as const;

export interface VpcBin {
  readonly dvid: 1 | 2;
  readonly doseMg: number;
  /** nominal time (observations within 1 % of it, or 0.05 h, share a bin) */
  readonly timeH: number;
  readonly n: number;
  /** observed percentiles, VPC_PERCENTILES order */
  readonly observed: readonly number[];
  /** per percentile: 5 %, 50 %, 95 % of that percentile across simulated trials */
  readonly simulated: readonly (readonly [number, number, number])[];
}

export interface VpcResult {
  readonly replicates: number;
  readonly bins: readonly VpcBin[];
  /** fraction of observed percentiles inside their simulated 90 % interval, per endpoint */
  readonly coverage: { readonly pk: number; readonly pd: number };
  /** subjects with observations of each endpoint (the independent units behind the points) */
  readonly subjects?: { readonly pk: number; readonly pd: number };
  /**
   * The same coverage for each simulated trial, its percentiles against the intervals of the other
   * R - 1 (leave one out): the coverage's distribution under the fitted model, with the design's own
   * correlation between points (one subject in the tail moves every percentile of its arm).
   */
  readonly nullCoverage?: { readonly pk: readonly number[]; readonly pd: readonly number[] };
}

type Key = string;
const binKey = (dvid: number, dose: number, t: number): Key => `${dvid}|${dose}|${t}`;

/** Nominal times: sort the distinct times and merge those within 1 % (or 0.05 h) of the bin's first. */
function nominalTimes(times: readonly number[]): (t: number) => number {
  const sorted = [...new Set(times)].sort((x, y) => x - y);
  const starts: number[] = [];
  for (const t of sorted) {
    const last = starts[starts.length - 1];
    if (last === undefined || t - last > Math.max(0.05, 0.01 * last)) starts.push(t);
  }
  return (t) => {
    let best = starts[0] ?? t;
    for (const s of starts) if (s <= t + 1e-9) best = s;
    return best;
  };
}

function groups(trial: Trial, nominal: (t: number) => number): Map<Key, number[]> {
  const out = new Map<Key, number[]>();
  const add = (s: Subject, dvid: 1 | 2): void => {
    for (const o of dvid === 1 ? s.pk : s.pd) {
      // a reset's period on its own clock and dose (history-length.ts); one period: the time and arm dose
      const at = periodClock(s, o.timeH);
      const k = binKey(dvid, at.doseMg, nominal(at.timeH));
      const list = out.get(k) ?? [];
      // a BLQ row is "below its limit", not a value: it sorts below every value
      list.push(o.blq === true ? BELOW_LLOQ : o.dv);
      out.set(k, list);
    }
  };
  for (const s of trial.subjects) {
    add(s, 1);
    add(s, 2);
  }
  return out;
}

/** A percentile that falls among BLQ rows (observed or simulated, M3 data) is itself below LLOQ. */
export const BELOW_LLOQ = -Infinity;

/** quantileSorted, except that a percentile whose lower neighbour is below LLOQ is BELOW_LLOQ. */
function censoredQuantile(sorted: number[], p: number): number {
  const below = sorted[Math.floor((sorted.length - 1) * p)] === BELOW_LLOQ;
  return below ? BELOW_LLOQ : quantileSorted(sorted, p) ?? NaN;
}

/** censoredQuantile of `sorted` with its element at index `skip` left out (type 7 over n - 1 values). */
function quantileWithout(sorted: readonly number[], skip: number, p: number): number {
  const n = sorted.length - 1;
  const at = (m: number): number => sorted[m < skip ? m : m + 1] ?? NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (at(lo) === BELOW_LLOQ) return BELOW_LLOQ;
  const frac = h - lo;
  return frac === 0 ? at(lo) : at(lo) + (at(lo + 1) - at(lo)) * frac;
}

/**
 * Per simulated trial, the fraction of its percentiles inside the 90 % intervals of the other trials,
 * per endpoint (the series: one per (bin, percentile), the endpoint and the R trials' values).
 */
function leaveOneOutCoverage(series: readonly { readonly dvid: 1 | 2; readonly values: readonly number[] }[], replicates: number): { pk: number[]; pd: number[] } {
  const inside = { 1: new Array<number>(replicates).fill(0), 2: new Array<number>(replicates).fill(0) };
  const total = { 1: 0, 2: 0 };
  for (const { dvid, values } of series) {
    if (values.length !== replicates) continue;
    const order = [...values.keys()].sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
    const sorted = order.map((r) => values[r] ?? NaN);
    total[dvid] += 1;
    order.forEach((r, rank) => {
      const v = values[r] ?? NaN;
      if (v >= quantileWithout(sorted, rank, 0.05) && v <= quantileWithout(sorted, rank, 0.95)) inside[dvid][r] = (inside[dvid][r] ?? 0) + 1;
    });
  }
  const frac = (dvid: 1 | 2): number[] => (total[dvid] === 0 ? [] : inside[dvid].map((k) => k / total[dvid]));
  return { pk: frac(1), pd: frac(2) };
}

const percentiles = (values: number[]): number[] => {
  const sorted = [...values].sort((x, y) => x - y);
  return VPC_PERCENTILES.map((p) => censoredQuantile(sorted, p));
};

export function visualPredictiveCheck(trial: Trial, pop: PopulationParameters, opts: { readonly replicates: number; readonly seed: number; readonly structure?: Structure }): VpcResult {
  const nominal = nominalTimes(trial.subjects.flatMap((s) => [...s.pk, ...s.pd].map((o) => periodClock(s, o.timeH).timeH)));
  const observed = groups(trial, nominal);
  const sims = new Map<Key, number[][]>();
  for (let r = 0; r < opts.replicates; r += 1) {
    const sim = groups(simulateTrial(trial, pop, opts.seed, r, opts.structure).trial, nominal);
    for (const [k, values] of sim) {
      const list = sims.get(k) ?? [];
      list.push(percentiles(values));
      sims.set(k, list);
    }
  }
  const bins: VpcBin[] = [];
  const series: { dvid: 1 | 2; values: number[] }[] = [];
  const inside = { 1: [0, 0], 2: [0, 0] } as Record<1 | 2, [number, number]>;
  for (const [k, values] of observed) {
    const [dvid, dose, t] = k.split('|').map(Number) as [1 | 2, number, number];
    const obs = percentiles(values);
    const perRep = sims.get(k) ?? [];
    const simulated = VPC_PERCENTILES.map((_, i) => {
      series.push({ dvid, values: perRep.map((p) => p[i] ?? NaN) });
      const sorted = perRep.map((p) => p[i] ?? NaN).sort((x, y) => x - y);
      return [censoredQuantile(sorted, 0.05), censoredQuantile(sorted, 0.5), censoredQuantile(sorted, 0.95)] as [number, number, number];
    });
    obs.forEach((o, i) => {
      const [lo, , hi] = simulated[i] ?? [NaN, NaN, NaN];
      inside[dvid][1] += 1;
      if (o >= lo && o <= hi) inside[dvid][0] += 1;
    });
    bins.push({ dvid, doseMg: dose, timeH: t, n: values.length, observed: obs, simulated });
  }
  bins.sort((x, y) => x.dvid - y.dvid || x.doseMg - y.doseMg || x.timeH - y.timeH);
  const frac = ([a, b]: [number, number]): number => (b === 0 ? NaN : a / b);
  const subjects = { pk: trial.subjects.filter((s) => s.pk.length > 0).length, pd: trial.subjects.filter((s) => s.pd.length > 0).length };
  return { replicates: opts.replicates, bins, coverage: { pk: frac(inside[1]), pd: frac(inside[2]) }, subjects, nullCoverage: leaveOneOutCoverage(series, opts.replicates) };
}
