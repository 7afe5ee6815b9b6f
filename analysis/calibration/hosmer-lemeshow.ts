/**
 * Hosmer–Lemeshow goodness of fit (pure): subjects sorted by predicted risk (ties in input order) and
 * cut into g groups of near-equal size (group k holds sorted positions floor(kN/g) .. floor((k+1)N/g) - 1);
 * C = sum over groups of (O_k - E_k)² / (E_k (1 - E_k / n_k)), O = observed successes, E = sum of the
 * predictions. Its p-value is the chi-square upper tail, from the regularized upper incomplete gamma
 * Q((df) / 2, C / 2) (@stdlib/math-base-special-gammainc).
 *
 * Degrees of freedom: g - 2 when the model was fitted to these very subjects (Hosmer & Lemeshow's
 * in-sample test: two parameters' worth of fit are spent on them); g when the predictions were made
 * without them (held out / external validation: nothing was fitted, and under calibration C is
 * approximately chi-square with g degrees of freedom — Hosmer, Lemeshow & Sturdivant, Applied Logistic
 * Regression, 3rd ed., §5.4). Using g - 2 on held-out predictions would make p-values too small.
 *
 * A group whose variance term is 0 (every prediction 0, or every one 1) adds nothing when O = E and
 * makes C infinite (p = 0) otherwise: a certain prediction that is wrong is as uncalibrated as can be.
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import { InputError } from '../../worker/common/errors.js';

export const HL_GROUPS = 10;

export interface HosmerLemeshowGroup {
  readonly n: number;
  readonly observed: number;
  readonly expected: number;
  readonly p_lo: number;
  readonly p_hi: number;
}

export interface HosmerLemeshow {
  readonly groups: readonly HosmerLemeshowGroup[];
  readonly statistic: number;
  readonly df: number;
  readonly p_value: number;
}

export type HlDegreesOfFreedom = 'in-sample' | 'held-out';

export function hosmerLemeshow(predicted: readonly number[], observed: readonly (0 | 1)[], dfRule: HlDegreesOfFreedom, g = HL_GROUPS): HosmerLemeshow {
  if (predicted.length !== observed.length) throw new InputError(`calibration: ${predicted.length} predictions but ${observed.length} outcomes`);
  const n = predicted.length;
  if (!(Number.isInteger(g) && g >= 3)) throw new InputError(`calibration: ${g} Hosmer–Lemeshow groups, expected an integer >= 3`);
  if (n < g) throw new InputError(`calibration: ${n} subjects cannot fill ${g} Hosmer–Lemeshow groups`);
  const order = predicted.map((p, i) => ({ p, y: observed[i] ?? 0, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const groups: HosmerLemeshowGroup[] = [];
  let statistic = 0;
  for (let k = 0; k < g; k += 1) {
    const members = order.slice(Math.floor((k * n) / g), Math.floor(((k + 1) * n) / g));
    const o = members.reduce((s, x) => s + x.y, 0);
    const e = members.reduce((s, x) => s + x.p, 0);
    const v = e * (1 - e / members.length);
    statistic += v > 0 ? (o - e) ** 2 / v : Math.abs(o - e) < 1e-12 ? 0 : Infinity;
    groups.push({ n: members.length, observed: o, expected: e, p_lo: members[0]?.p ?? NaN, p_hi: members[members.length - 1]?.p ?? NaN });
  }
  const df = dfRule === 'in-sample' ? g - 2 : g;
  const pValue = Number.isFinite(statistic) ? gammainc(statistic / 2, df / 2, true, true) : 0;
  return { groups, statistic, df, p_value: pValue };
}
