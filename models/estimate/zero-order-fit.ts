/**
 * D1 in the fit: its start value and its range. Range: D1's (the zero-order structures, structures/zero-order-structures.ts): from D1_LOWER_H
 * (the bolus limit) to just below the shortest inter-dose interval, of the trial and of the regimen grids
 * (QD's 24 h). Inputs that overlap the next dose are exact in the simulator, but the steady-state graph is
 * the periodic solution of one input per interval (D1 <= tau), so a D1 beyond the grid's interval would
 * be swept as something else than was fitted; and a D1 beyond the trial's interval is not told apart from
 * a slower elimination by the trial's own doses. An estimate at either bound is named by the degeneracy
 * screen (at-bound) and the fit is not exported unless forced.
 */
import { median } from 'd3-array';
import { recordedDoses, type Trial } from '../ingest/trial.js';
import { D1_LOWER_H, SHORTEST_REGIMEN_TAU_H } from '../structures/zero-order-structures.js';

/** Fraction of the shortest interval D1 may reach: strictly below it, and its bound still told from the interval itself. */
const BELOW_INTERVAL = 0.99;

/** The shortest gap between two successive doses of one subject (hours; Infinity when no subject has two at distinct times). */
export function shortestDoseIntervalH(trial: Trial): number {
  let shortest = Infinity;
  for (const s of trial.subjects) {
    const times = s.doses.map((d) => d.timeH).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i += 1) {
      const gap = (times[i] ?? NaN) - (times[i - 1] ?? NaN);
      if (gap > 0) shortest = Math.min(shortest, gap);
    }
  }
  return shortest;
}

/** D1's bounds (natural scale, hours) for a fit of this trial. */
export function d1Bounds(trial: Trial): { name: 'D1'; lower: number; upper: number } {
  return { name: 'D1', lower: D1_LOWER_H, upper: BELOW_INTERVAL * Math.min(shortestDoseIntervalH(trial), SHORTEST_REGIMEN_TAU_H) };
}

/**
 * D1's start value: a zero-order input raises the concentration until it ends (exactly so for one
 * compartment), so D1 ~ the median time of the first observed peak after each subject's first dose,
 * within the bounds (the naive-pooled fit of start-values.ts then moves it with CL and V1).
 */
export function d1Start(trial: Trial): number {
  const peaks = trial.subjects.flatMap((s) => {
    const [first, next = Infinity] = recordedDoses(s).map((d) => d.timeH);
    if (first === undefined) return [];
    const window = s.pk.filter((o) => o.timeH > first && o.timeH < next && o.blq !== true);
    const top = window.reduce<(typeof window)[number] | undefined>((best, o) => (best === undefined || o.dv > best.dv ? o : best), undefined);
    return top === undefined ? [] : [top.timeH - first];
  });
  const { lower, upper } = d1Bounds(trial);
  return Math.min(upper * 0.9, Math.max(lower * 10, median(peaks) ?? 1));
}

/** theta's D1 entry (transformed, log h) held inside its bounds (a pooled start fit can step past them). */
export function clampD1(trial: Trial, logD1: number): number {
  const { lower, upper } = d1Bounds(trial);
  return Math.min(Math.log(upper), Math.max(Math.log(lower), logD1));
}
