/**
 * When a dose grid is too short. A target that the curve has not reached by the top of the grid is
 * not an answer ("null") when the curve is still rising: the grid is extended (stop doubled, same start
 * and step) and that scenario re-run. With common random numbers across doses the re-run's cells at
 * the old doses are the old cells exactly, so only the new doses add information. A curve that has
 * not left the floor yet (p-hat ~0 at the top dose) is extended too. A curve that has
 * flattened below the target (a model whose maximal effect cannot get there) is left as "not reached";
 * so is one still short after MAX_EXTENSIONS doublings (the stop would be 2^MAX_EXTENSIONS x the asked one).
 */
import type { CurveRow } from '../../coordinator/aggregate/curves.js';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import type { RegimenName } from './questions.js';

export interface GridSpec {
  /** mg */
  readonly start: number;
  readonly stop: number;
  readonly step: number;
}

/** SCIENCE.md's grids: QD 0.5-40 mg by 0.5, QW 5-400 mg by 5. */
export const DEFAULT_GRIDS: Readonly<Record<RegimenName, GridSpec>> = {
  qd: { start: 0.5, stop: 40, step: 0.5 },
  qw: { start: 5, stop: 400, step: 5 },
};

export const MAX_EXTENSIONS = 3;

/**
 * "Still rising": p-hat gained at least this much over the top quarter of the grid. Under common random
 * numbers the gain counts subjects that switch from failure to success as the dose grows (not the noise
 * of two independent estimates), so a small fixed amount separates a creeping curve from a flat one.
 */
export const MIN_RISE = 0.005;

/** A decision the answer cannot give yet: no mean crossing, no conservative dose, or replicates that never reach. */
export function unresolved(d: Pick<Decision, 'mean_crossing' | 'conservative' | 'replicate_hi'>): boolean {
  return d.mean_crossing === null || d.conservative === null || d.replicate_hi === null;
}

/** p-hat at the top dose minus p-hat three quarters up the grid (0 for a one-dose grid). */
export function topQuarterRise(curve: readonly Pick<CurveRow, 'p_hat'>[]): number {
  const n = curve.length;
  if (n < 2) return 0;
  const last = curve[n - 1]?.p_hat ?? 0;
  const at = curve[Math.min(n - 2, Math.floor((3 * (n - 1)) / 4))]?.p_hat ?? 0;
  return last - at;
}

export type ExtensionVerdict =
  | { readonly extend: false; readonly reason: 'resolved' | 'plateau' | 'limit' }
  | { readonly extend: true; readonly grid: GridSpec; readonly rise: number };

/**
 * Decide for one (scenario, regimen) after a round: `extensions` is how many times its grid has already
 * been extended. Pure.
 */
export function extensionVerdict(
  grid: GridSpec,
  curve: readonly Pick<CurveRow, 'p_hat'>[],
  decisions: readonly Pick<Decision, 'mean_crossing' | 'conservative' | 'replicate_hi'>[],
  extensions: number,
): ExtensionVerdict {
  if (!decisions.some(unresolved)) return { extend: false, reason: 'resolved' };
  const rise = topQuarterRise(curve);
  const top = curve[curve.length - 1]?.p_hat ?? 0;
  // a curve still on the floor has not started to rise: the grid is simply too low
  if (!(rise >= MIN_RISE) && !(top < MIN_RISE)) return { extend: false, reason: 'plateau' };
  if (extensions >= MAX_EXTENSIONS) return { extend: false, reason: 'limit' };
  return { extend: true, grid: extendedGrid(grid), rise };
}

/** Same start and step, stop doubled (rounded down onto the step lattice). */
export function extendedGrid(g: GridSpec): GridSpec {
  const steps = Math.floor((2 * g.stop - g.start) / g.step + 1e-9);
  return { start: g.start, stop: Math.round((g.start + steps * g.step) * 1e9) / 1e9, step: g.step };
}
