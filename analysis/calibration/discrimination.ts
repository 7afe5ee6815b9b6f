/**
 * Discrimination (pure): the AUC of predicted success probabilities for observed success, i.e. the
 * probability that a random success was predicted higher than a random failure (ties count one half;
 * the Mann–Whitney statistic), with DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988): the
 * structural components V10_i (share of failures below success i) and V01_j (share of successes above
 * failure j) give Var(AUC) = s²(V10) / m + s²(V01) / n. The 95 % interval is AUC ± z se, cut to [0, 1].
 * Components come from sorted arrays (d3 bisect), O(N log N), so large synthetic sets are cheap.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { bisectLeft, bisectRight, variance } from 'd3-array';
import { InputError } from '../../worker/common/errors.js';

export const AUC_LEVEL = 0.95;
export const AUC_METHOD = 'DeLong';

export type AucEstimate =
  | { readonly estimable: true; readonly auc: number; readonly se: number; readonly lo: number; readonly hi: number; readonly successes: number; readonly failures: number }
  | { readonly estimable: false; readonly reason: string; readonly successes: number; readonly failures: number };

const ascending = (a: number, b: number): number => a - b;

export function aucDeLong(predicted: readonly number[], observed: readonly (0 | 1)[]): AucEstimate {
  if (predicted.length !== observed.length) throw new InputError(`calibration: ${predicted.length} predictions but ${observed.length} outcomes`);
  const pos = predicted.filter((_, i) => observed[i] === 1).sort(ascending);
  const neg = predicted.filter((_, i) => observed[i] === 0).sort(ascending);
  const m = pos.length;
  const n = neg.length;
  if (m < 2 || n < 2) {
    return { estimable: false, reason: `${m} success(es) and ${n} failure(s): DeLong's variance needs at least two of each`, successes: m, failures: n };
  }
  // V10_i: failures predicted below success i, ties one half, over n
  const v10 = pos.map((x) => (bisectLeft(neg, x) + 0.5 * (bisectRight(neg, x) - bisectLeft(neg, x))) / n);
  // V01_j: successes predicted above failure j, ties one half, over m
  const v01 = neg.map((y) => (m - bisectRight(pos, y) + 0.5 * (bisectRight(pos, y) - bisectLeft(pos, y))) / m);
  const auc = v10.reduce((s, v) => s + v, 0) / m;
  const se = Math.sqrt((variance(v10) ?? 0) / m + (variance(v01) ?? 0) / n);
  const z = normalQuantile(1 - (1 - AUC_LEVEL) / 2, 0, 1);
  return { estimable: true, auc, se, lo: Math.max(0, auc - z * se), hi: Math.min(1, auc + z * se), successes: m, failures: n };
}
