/**
 * Uncertainty bands for an attainment probability: exact Clopper–Pearson (the default, what the
 * paper's chance constraint needs: it never under-covers), Wilson score (shorter, approximate), and
 * the replicate-quantile band (spread of per-replicate p-hats: reflects replicate-to-replicate
 * variation, including parameter-uncertainty draws, that a binomial band cannot see).
 * Also the type-7 quantile with +Infinity support that per-replicate minimal doses need.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { quantileSorted } from 'd3-array';
import { InputError } from '../../worker/common/errors.js';

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

function checkCounts(k: number, n: number, level: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`band: n is ${n}, expected an integer >= 1`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new InputError(`band: k is ${k}, expected an integer in [0, ${n}]`);
  if (!(level > 0 && level < 1)) throw new InputError(`band: level is ${level}, expected 0 < level < 1`);
}

/**
 * Two-sided exact Clopper–Pearson interval: lo = Beta^-1(alpha/2; k, n-k+1), hi = Beta^-1(1-alpha/2;
 * k+1, n-k), alpha = 1 - level; lo = 0 when k = 0 and hi = 1 when k = n (the Beta is degenerate there).
 */
export function clopperPearson(k: number, n: number, level: number): Interval {
  checkCounts(k, n, level);
  const alpha = 1 - level;
  return {
    lo: k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1),
    hi: k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k),
  };
}

/** Wilson score interval (closed form, z = Phi^-1(1 - alpha/2)); exact 0 / 1 at k = 0 / k = n. */
export function wilson(k: number, n: number, level: number): Interval {
  checkCounts(k, n, level);
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}

/**
 * R type-7 quantile (d3 `quantileSorted`) of ascending `sorted`, which may end in +Infinity
 * ("never reached"): the result is +Infinity exactly when the interpolation puts positive weight on
 * an infinite value (d3 alone would return NaN there).
 */
export function quantileType7(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new InputError('quantile: empty sample');
  if (!(p >= 0 && p <= 1)) throw new InputError(`quantile: p is ${p}, expected 0 <= p <= 1`);
  if (sorted.every(Number.isFinite)) return quantileSorted(sorted as number[], p) ?? Number.NaN;
  // same position arithmetic as d3, so finite cases agree bit for bit
  if (p >= 1) return sorted[n - 1] ?? Infinity;
  const i = (n - 1) * p;
  const i0 = Math.floor(i);
  if (i === i0) return sorted[i0] ?? Infinity;
  const v1 = sorted[i0 + 1] ?? Infinity;
  return Number.isFinite(v1) ? (quantileSorted(sorted as number[], p) ?? Number.NaN) : Infinity;
}

/**
 * R type-1 quantile (inverse empirical CDF) of ascending `sorted`: always one of the sample values,
 * so quantiles of per-replicate minimal doses stay on the dose grid.
 */
export function quantileType1(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new InputError('quantile: empty sample');
  if (!(p >= 0 && p <= 1)) throw new InputError(`quantile: p is ${p}, expected 0 <= p <= 1`);
  return sorted[Math.max(0, Math.ceil(n * p - 1e-12) - 1)] ?? Infinity;
}

/** The level-coverage band of per-replicate p-hats: its (1-level)/2 and 1-(1-level)/2 quantiles. */
export function replicateQuantileBand(sortedPHats: readonly number[], level: number): Interval {
  if (!(level > 0 && level < 1)) throw new InputError(`band: level is ${level}, expected 0 < level < 1`);
  const tail = (1 - level) / 2;
  return { lo: quantileType7(sortedPHats, tail), hi: quantileType7(sortedPHats, 1 - tail) };
}
