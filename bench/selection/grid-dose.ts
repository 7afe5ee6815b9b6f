/**
 * Pure helpers of the library selection bench (library-structures.ts): the true minimal grid dose of a
 * known truth whose statistic is monotone in the dose (nonlinear PD included), and the comparison of
 * an answer with it.
 *
 * A virtual subject's threshold dose is the smallest grid dose at which its steady-state statistic meets
 * the question (`meets(dose)`, monotone: once met, met at every larger dose), found by bisection on the
 * grid's indices; the true p(d) is the share of subjects whose threshold dose is <= d, and the true
 * minimal dose the smallest grid dose with p(d) >= target.
 */

export interface DoseGrid {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
}

/** The grid's doses, start + i step (rounded to 1e-9 mg so decimal steps give the doses written in the file). */
export function gridDoses(g: DoseGrid): number[] {
  const n = Math.floor((g.stop - g.start) / g.step + 1e-9) + 1;
  return Array.from({ length: n }, (_, i) => Number((g.start + i * g.step).toFixed(9)));
}

/** Index of the smallest grid dose where `meets` holds (monotone in the dose); the grid's length when none does. */
export function thresholdIndex(doses: readonly number[], meets: (dose: number) => boolean): number {
  let lo = 0;
  let hi = doses.length; // invariant: meets fails below lo, holds at hi (hi = length: not met anywhere seen)
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (meets(doses[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The true minimal grid dose from the subjects' threshold indices: the smallest dose whose share of
 * subjects with index <= its own reaches `target`; `close`: some grid point's share lay within 3 Monte
 * Carlo sd (sqrt(target (1 - target) / n)) of the target, so a one-step disagreement there is chance.
 * NaN dose: the target is not reached on the grid.
 */
export function trueMinimalDose(doses: readonly number[], indices: readonly number[], target: number): { dose: number; p: number; close: boolean } {
  const n = indices.length;
  const sd = Math.sqrt((target * (1 - target)) / n);
  const counts = new Array<number>(doses.length + 1).fill(0);
  for (const i of indices) counts[Math.min(i, doses.length)]! += 1;
  let cumulative = 0;
  let close = false;
  for (let i = 0; i < doses.length; i += 1) {
    cumulative += counts[i]!;
    const p = cumulative / n;
    if (Math.abs(p - target) < 3 * sd) close = true;
    if (p >= target) return { dose: doses[i]!, p, close };
  }
  return { dose: NaN, p: NaN, close };
}

/** |answer - truth| <= one grid step (1e-9 mg of slack for decimal steps); false when either is missing. */
export function withinOneStep(answer: number | null, truth: number, step: number): boolean {
  return answer !== null && Number.isFinite(answer) && Number.isFinite(truth) && Math.abs(answer - truth) <= step + 1e-9;
}

/**
 * lo <= truth <= hi. hi null is an interval open above: the 97.5 % quantile of the replicates' minimal doses
 * lies past the grid (coordinator/aggregate/decisions.ts writes +Infinity as null), so [lo, beyond the grid)
 * holds every dose from lo up. False when lo or the truth is missing (no replicate reached the target).
 */
export function covers(interval: readonly [number | null, number | null], truth: number): boolean {
  const [lo, hi] = interval;
  return lo !== null && Number.isFinite(truth) && lo <= truth && (hi === null || truth <= hi);
}

/** The interval is open above (see covers). */
export const openAbove = (interval: readonly [number | null, number | null]): boolean => interval[0] !== null && interval[1] === null;

/** The q-quantile (0..1) of finite values by the nearest-rank rule (used to place a question's threshold). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
