/**
 * In-graph effect-site concentration Ce at the periodic steady state of an IV infusion regimen (every tau
 * hours a dose enters the central compartment at dose / D for D hours; infusion-regimen.ts), for the
 * effect-compartment structures: dCe/dt = k (C - Ce), k = KE0.
 *
 * One bolus into the central compartment gives C = sum_i a_i e^{-lambda_i t} (bolus modes,
 * pk-zero-order-steady-state.ts); a periodic zero-order input of one exponential e^{-mu t} gives
 *   Z(mu, t) = phi(mu D) e^{-mu s} / (1 - e^{-mu tau})  +  [t < D] (t / D) phi(mu t),
 *   s = t - D after the input, tau - D + t during it,   phi(x) = (1 - e^{-x}) / x,
 * (the zero-order graph's C = sum_i a_i Z(lambda_i, t)). The effect site filters each mode: its bolus
 * response a k (e^{-lambda t} - e^{-k t}) / (k - lambda) is two exponentials, so by superposition
 *   Ce(t) = sum_i a_i f_i(k, t),   f_i(k, t) = (k Z(lambda_i, t) - K(k, t)) / (k - lambda_i),
 *   K(k, t) = k Z(k, t) = phi(k D) e^{-k s} / (tau phi(k tau))  +  [t < D] (1 - e^{-k t}) / D,
 * K written so that k = 0 is exact: f_i -> K(0, t) / lambda_i = 1 / (lambda_i tau), Ce -> the interval's
 * mean C (KE0 -> 0); k -> infinity gives f_i -> Z(lambda_i, t), Ce -> C (k is capped at KE0_CAP).
 * Z decreases in mu, so each f_i > 0: no cancellation between modes. Within a mode the difference
 * k Z(lambda) - K(k) cancels as k meets lambda_i: there (|k - lambda_i| < DELTA lambda_i) f_i is
 * interpolated linearly in k between lambda_i (1 -+ DELTA), as the oral graph does for ka
 * (pk-steady-state.ts), costing O(DELTA^2); and the whole [T, B] evaluation runs in double, so the
 * cancellation left costs ~eps64 / DELTA ~ 1e-13 (float32 would lose ~1e-4 there). D -> 0 is the bolus's
 * periodic Ce (phi(mu D) -> 1, s -> t; pd-direct.ts), D = tau a constant rate (Ce = C = dose / (tau CL)).
 * The output is cast back to float32.
 */
import { attr, DataType, doubleTensor } from '../../worker/onnx/graph-builder.js';
import type { GraphWriter } from './graph-writer.js';
import type { BolusMode } from './pk-zero-order-steady-state.js';
import { KE0_CAP } from './pd-direct.js';

/** The half-width (relative) of the band around a disposition rate where f is interpolated in k. */
export const KE0_DELTA = 1e-3;
/** The infusion's shortest duration (h), as the zero-order graph's: below it the input is a bolus to ~1e-6 h. */
const D_MIN_H = 1e-6;
/**
 * phi's series below this argument (5 terms: truncation < x^5 / 6! < 3e-14 relative), (1 - e^{-x}) / x
 * above (loses < eps64 / x ~ 3e-14): the cut balances the two.
 */
const SERIES_BELOW = 0.0075;
/** phi(x) = sum_j (-x)^j / (j + 1)!, j < SERIES_TERMS, evaluated by Horner (a multiply-add a term). */
const SERIES_TERMS = 5;

/** Ce [T, B] (mg/L, float32) at the output times, from the bolus modes and KE0 [1, B] (float32). */
export function infusionEffectConcentrationAt(w: GraphWriter, modes: readonly BolusMode[], ke0: string, timesH: readonly number[], tauH: number, infusionH: number): string {
  return w.scoped('effect_infusion', () => {
    const dbl = (hint: string, dims: number[], values: readonly number[]): string => {
      const name = w.fresh(hint);
      w.initializers.push(doubleTensor(name, dims, values));
      return name;
    };
    const one = (hint: string, value: number): string => dbl(hint, [], [value]);
    const toDouble = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.DOUBLE) });
    // the times' constants in double: s (time since the last input ended), [t < D] t, [t < D] / D
    const D = Math.min(Math.max(infusionH, D_MIN_H), tauH);
    const during = timesH.map((t) => t < D);
    const column = (hint: string, values: readonly number[]): string => dbl(hint, [timesH.length, 1], values);
    const negSinceEnd = column('neg_since_end', timesH.map((t, n) => -(during[n] ? tauH - D + t : t - D)));
    // the running input's terms are zero after D: computed on the rows during it ([T_d, B]) alone, then
    // placed by a Gather from [zero row; those rows]
    const duringRows = timesH.map((_, n) => n).filter((n) => during[n]);
    const duringColumn = (hint: string, values: readonly number[]): string => dbl(hint, [duringRows.length, 1], values);
    const negTimesDuring = duringColumn('neg_times_during', duringRows.map((n) => -(timesH[n] ?? NaN)));
    const fractionDuring = duringColumn('fraction_during', duringRows.map((n) => (timesH[n] ?? NaN) / D));
    const rateDuring = duringColumn('rate_during', duringRows.map(() => 1 / D));
    const placement = timesH.map((_, n) => (during[n] ? 1 + duringRows.indexOf(n) : 0));
    /** [T, B] from a [T_d, B] value on the rows during the input (zero elsewhere), added to `rest` [T, B]. */
    const plusDuring = (rest: string, running: () => string, hint: string): string => {
      if (duringRows.length === 0) return rest;
      const x = running();
      const zero = w.mul(w.slice(x, 0, 0, 1, `${hint}_first`), one(`${hint}_zero`, 0), `${hint}_zero_row`);
      return w.add(rest, w.gather(w.concat([zero, x], 0, `${hint}_padded`), 0, placement, `${hint}_placed`), hint);
    };
    const tau = one('tau', tauH);
    const duration = one('duration', D);

    const unit = one('one', 1);
    let factorial = 1;
    const coefficients = Array.from({ length: SERIES_TERMS }, (_, j) => { factorial *= j + 1; return one(`series_${j}`, (j % 2 === 0 ? 1 : -1) / factorial); });
    const cut = one('series_below', SERIES_BELOW);
    /** phi(x) = (1 - e^{-x}) / x, x >= 0 (any shape): its Taylor series below the cut. */
    const phi = (x: string, hint: string): string => w.scoped(hint, () => {
      let acc = coefficients[SERIES_TERMS - 1]!;
      for (let j = SERIES_TERMS - 2; j >= 0; j -= 1) acc = w.add(w.mul(acc, x, `x_acc_${j}`), coefficients[j]!, `s_${j}`);
      const xc = w.op('Max', [x, cut], 'x_clamped');
      const direct = w.div(w.sub(unit, w.exp(w.neg(xc, 'neg_x'), 'exp_neg_x'), 'one_minus_exp'), xc, 'direct');
      return w.where(w.less(x, cut, 'small'), acc, direct, 'value');
    });
    /** e^{-mu s} factor [T, B] for mu, factor [1, B]: the periodic input's part from the previous inputs' ends (factor phi(mu D) over the fill). */
    const sinceEnd = (mu: string, factor: string, hint: string): string => w.mul(w.exp(w.mul(negSinceEnd, mu, `${hint}_s`), `decay_${hint}`), factor, `periodic_${hint}`);
    /** Z(mu, t) [T, B]. */
    const Z = (mu: string, hint: string): string => {
      const factor = w.div(phi(w.mul(mu, duration, `${hint}_d`), `phi_${hint}_d`), w.mul(w.mul(mu, tau, `${hint}_tau`), phi(w.mul(mu, tau, `${hint}_tau_phi`), `phi_${hint}_tau`), `fill_${hint}`), `factor_${hint}`);
      const accumulated = sinceEnd(mu, factor, hint);
      return plusDuring(accumulated, () => w.mul(fractionDuring, phi(w.neg(w.mul(negTimesDuring, mu, `${hint}_t_neg`), `${hint}_t`), `phi_${hint}_t`), `running_${hint}`), `z_${hint}`);
    };
    /** K(k, t) = k Z(k, t) [T, B], exact at k = 0. */
    const K = (k: string, hint: string): string => {
      const factor = w.div(phi(w.mul(k, duration, `${hint}_d`), `phi_${hint}_d`), w.mul(tau, phi(w.mul(k, tau, `${hint}_tau`), `phi_${hint}_tau`), `tau_phi_${hint}`), `factor_${hint}`);
      const accumulated = sinceEnd(k, factor, hint);
      return plusDuring(accumulated, () => {
        const kt = w.neg(w.mul(negTimesDuring, k, `${hint}_t_neg`), `${hint}_t`);
        return w.mul(rateDuring, w.mul(kt, phi(kt, `phi_${hint}_t`), `one_minus_exp_${hint}_t`), `running_${hint}`);
      }, `k_z_${hint}`);
    };

    const k = toDouble(w.op('Min', [ke0, w.scalar('ke0_cap', KE0_CAP)], 'ke0_capped'), 'k');
    let ce = '';
    modes.forEach((mode, i) => {
      const lambda = toDouble(mode.rate, `rate_${i}`);
      const a = toDouble(mode.a, `a_${i}`);
      // k within DELTA of lambda: f at lambda (1 -+ DELTA), interpolated linearly in k
      const near = w.less(w.op('Abs', [w.sub(k, lambda, `k_minus_rate_${i}`)], `abs_k_minus_rate_${i}`), w.mul(lambda, one(`delta_${i}`, KE0_DELTA), `band_${i}`), `near_${i}`);
      const kLow = w.where(near, w.mul(lambda, one(`one_minus_delta_${i}`, 1 - KE0_DELTA), `band_low_${i}`), k, `k_low_${i}`);
      const kHigh = w.where(near, w.mul(lambda, one(`one_plus_delta_${i}`, 1 + KE0_DELTA), `band_high_${i}`), k, `k_high_${i}`);
      const wHigh = w.where(near, w.div(w.sub(k, kLow, `k_above_low_${i}`), w.sub(kHigh, kLow, `band_width_${i}`), `w_interp_${i}`), one(`half_${i}`, 0.5), `w_high_${i}`);
      // a ((1 - w) f(kLow) + w f(kHigh)), f(kk) = (kk Z(lambda) - K(kk)) / (kk - lambda), with the per-subject
      // coefficients formed first ([1, B]): a alpha Z - a betaLow K(kLow) - a betaHigh K(kHigh)
      const wLow = w.sub(unit, wHigh, `w_low_${i}`);
      const overLow = w.div(wLow, w.sub(kLow, lambda, `k_low_minus_rate_${i}`), `beta_low_${i}`);
      const overHigh = w.div(wHigh, w.sub(kHigh, lambda, `k_high_minus_rate_${i}`), `beta_high_${i}`);
      const alpha = w.add(w.mul(kLow, overLow, `alpha_low_${i}`), w.mul(kHigh, overHigh, `alpha_high_${i}`), `alpha_${i}`);
      const zPart = w.mul(Z(lambda, `mode_${i}`), w.mul(a, alpha, `a_alpha_${i}`), `z_part_${i}`);
      const lowPart = w.mul(K(kLow, `effect_${i}_low`), w.mul(a, overLow, `a_beta_low_${i}`), `low_part_${i}`);
      const highPart = w.mul(K(kHigh, `effect_${i}_high`), w.mul(a, overHigh, `a_beta_high_${i}`), `high_part_${i}`);
      const term = w.sub(w.sub(zPart, lowPart, `term_low_${i}`), highPart, `term_${i}`);
      ce = i === 0 ? term : w.add(ce, term, `ce_${i}`);
    });
    return w.op('Cast', [ce], 'ce', { to: attr.int(DataType.FLOAT) });
  });
}
