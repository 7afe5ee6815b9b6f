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
 *
 * Evaluation: the 3 exponentials of each mode (lambda_i, the band's kLow, kHigh) are stacked, S = 3 x modes,
 * each with a weight such that Ce = sum_j weight_j K(rho_j, t) (Z = K / rho). Per exponential, [S, B]:
 * after the input weight K = g e^{-rho (t - D)}, g = weight phi(rho D) / (tau phi(rho tau)); during it
 * e^{-rho s} = e^{-rho (tau - D)} e^{-rho t}, so weight K = r + (g e^{-rho (tau - D)} - r) e^{-rho t},
 * r = weight / D (the sum of the r's once, [1, B]); at t = 0 it is g e^{-rho (tau - D)}. So the [T, B] work is
 * one term per exponential and row, a chain of products along the rows (block() below), and one sum over
 * the S exponentials. Writing r (1 - e^{-rho t}) as r - r e^{-rho t} costs an absolute eps64 r: against the
 * term (>= g e^{-rho (tau - D)} ~ weight / tau where rho t is small, >= r (1 - e^{-rho t}) where it is not)
 * that is ~ eps64 tau / t_1 relative, t_1 the first output time after 0 (< 4e-13 on QW's 0.05 h), which
 * the band's 1 / DELTA leaves < 4e-10; t = 0 itself takes the [1, B] value.
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
    const D = Math.min(Math.max(infusionH, D_MIN_H), tauH);
    // the rows in three blocks: t = 0 (every e^{-rho t} is 1: a [1, B] value), during the input (0 < t < D),
    // after it (t >= D)
    const indices = timesH.map((_, n) => n);
    const zeroRows = indices.filter((n) => timesH[n] === 0);
    const duringRows = indices.filter((n) => (timesH[n] ?? NaN) > 0 && (timesH[n] ?? NaN) < D);
    const afterRows = indices.filter((n) => (timesH[n] ?? NaN) >= D);
    if (zeroRows.length + duringRows.length + afterRows.length !== timesH.length) throw new RangeError(`effect-site infusion graph: output times must be >= 0 h, got ${timesH.join(', ')}`);

    const unit = one('one', 1);
    let factorial = 1;
    const coefficients = Array.from({ length: SERIES_TERMS }, (_, j) => { factorial *= j + 1; return one(`series_${j}`, (j % 2 === 0 ? 1 : -1) / factorial); });
    const cut = one('series_below', SERIES_BELOW);
    /** phi(x) = (1 - e^{-x}) / x, x >= 0, from x and e^{-x} (as computed): its Taylor series below the cut. */
    const phi = (x: string, expNegX: string, hint: string): string => w.scoped(hint, () => {
      let acc = coefficients[SERIES_TERMS - 1]!;
      for (let j = SERIES_TERMS - 2; j >= 0; j -= 1) acc = w.add(w.mul(acc, x, `x_acc_${j}`), coefficients[j]!, `s_${j}`);
      const direct = w.div(w.sub(unit, expNegX, 'one_minus_exp'), w.op('Max', [x, cut], 'x_clamped'), 'direct');
      return w.where(w.less(x, cut, 'small'), acc, direct, 'value');
    });
    const tau = one('tau', tauH);
    const duration = one('duration', D);
    const fillTime = one('tau_minus_duration', tauH - D);

    const k = toDouble(w.op('Min', [ke0, w.scalar('ke0_cap', KE0_CAP)], 'ke0_capped'), 'k');
    // each mode's three exponentials (rates lambda, kLow, kHigh) with weights such that the mode's term is
    // sum_j weight_j K(rate_j, t), K(rho, t) = rho Z(rho, t): a alpha Z(lambda) = (a alpha / lambda) K(lambda)
    const rates: string[] = [];
    const weights: string[] = [];
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
      rates.push(lambda, kLow, kHigh);
      weights.push(w.div(w.mul(a, alpha, `a_alpha_${i}`), lambda, `a_alpha_over_rate_${i}`), w.neg(w.mul(a, overLow, `a_beta_low_${i}`), `minus_a_beta_low_${i}`), w.neg(w.mul(a, overHigh, `a_beta_high_${i}`), `minus_a_beta_high_${i}`));
    });
    // the S = 3 x modes exponentials stacked ([S, B]): weight K(rho, t) = G e^{-rho s} + [t < D] r (1 - e^{-rho t}),
    // G = weight phi(rho D) / (tau phi(rho tau)) (`after`), r = weight / D; during the input
    // e^{-rho s} = e^{-rho (tau - D)} e^{-rho t}, so there weight K = r + (G e^{-rho (tau - D)} - r) e^{-rho t}
    const rate = w.concat(rates, 0, 'rates');
    const weight = w.concat(weights, 0, 'weights');
    // e^{-rho D}, e^{-rho (tau - D)} and their product e^{-rho tau}: phi's direct form and the fill share them
    const expNeg = (x: string, hint: string): string => w.exp(w.neg(x, `neg_${hint}`), `exp_neg_${hint}`);
    const rateD = w.mul(rate, duration, 'rate_d');
    const rateTau = w.mul(rate, tau, 'rate_tau');
    const decayD = expNeg(rateD, 'rate_d');
    const decayFill = expNeg(w.mul(rate, fillTime, 'rate_fill_time'), 'rate_fill_time');
    const decayTau = w.mul(decayD, decayFill, 'exp_neg_rate_tau');
    const after = w.div(w.mul(weight, phi(rateD, decayD, 'phi_d'), 'weight_phi_d'), w.mul(tau, phi(rateTau, decayTau, 'phi_tau'), 'tau_phi'), 'after');
    const atZero = w.mul(after, decayFill, 'at_zero');
    const running = w.div(weight, duration, 'running');
    const during = w.sub(atZero, running, 'during_coefficient');
    const perRow = (x: string, hint: string): string => w.unsqueeze(x, [1], hint); // [S, 1, B]
    const rateRow = perRow(rate, 'rate_row');
    /**
     * sum_j coefficient_j e^{-rate_j v} at each of the block's offsets v >= 0 ([rows, B]), as a chain along the
     * increasing offsets: c e^{-rho v'} = (c e^{-rho v}) e^{-rho (v' - v)}. A step that is m <= 64 times the
     * block's smallest step q (to 4 eps64: the grids' steps are multiples of 0.05 h) is the product of the
     * binary powers of e^{-rho q}, each further step its own exponential. Each exponential, product or squaring
     * adds about one rounding to the relative error and a squaring doubles what it squares; the double steps
     * sum to v within eps64 v / 2 and m q is a step within 4 eps64 of it, so the n-th offset carries
     * <= sum over its steps of (2 m + 2) eps64 + 5 eps64 rho v: < 1e-12 on the grids (m <= 20, <= 26 offsets,
     * rho v <= 745 where e^{-rho v} is not 0), for 2 exponentials of [S, B] per block instead of [S, rows, B].
     */
    const block = (offsets: readonly number[], coefficient: string, hint: string): string => w.scoped(hint, () => {
      const sorted = [...new Set(offsets)].sort((x, y) => x - y);
      const steps = sorted.slice(1).map((v, j) => v - (sorted[j] ?? NaN));
      const q = Math.min(...steps.filter((d) => d > 0));
      const expOf = (v: number, label: string): string => w.exp(w.mul(rateRow, one(`neg_${label}`, -v), `exponent_${label}`), `decay_${label}`);
      const powers: string[] = []; // e^{-rho q 2^i}
      const power = (i: number): string => {
        const known = powers[i];
        if (known !== undefined) return known;
        const p = i === 0 ? expOf(q, 'base_step') : w.mul(power(i - 1), power(i - 1), `base_step_power_${i}`);
        powers[i] = p;
        return p;
      };
      const byStep = new Map<number, string>();
      const stepDecay = (d: number, j: number): string => {
        const known = byStep.get(d);
        if (known !== undefined) return known;
        const m = Math.round(d / q);
        let e: string;
        if (m >= 1 && m <= 64 && Math.abs(m * q - d) <= 4 * Number.EPSILON * d) {
          const bits = Array.from({ length: 7 }, (_, i) => i).filter((i) => (m >> i) & 1);
          e = bits.slice(1).reduce((acc, i) => w.mul(acc, power(i), `step_${m}_times_${i}`), power(bits[0] ?? 0));
        } else e = expOf(d, `step_${j}`);
        byStep.set(d, e);
        return e;
      };
      const atOffset = new Map<number, string>();
      sorted.forEach((v, j) => {
        const previous = sorted[j - 1];
        atOffset.set(v, previous === undefined ? w.mul(perRow(coefficient, 'coefficients'), expOf(v, 'first'), 'term_0') : w.mul(atOffset.get(previous) ?? '', stepDecay(v - previous, j), `term_${j}`));
      });
      const terms = offsets.length === 1 ? atOffset.get(offsets[0] ?? NaN) ?? '' : w.concat(offsets.map((v) => atOffset.get(v) ?? ''), 1, 'terms'); // [S, rows, B]
      return w.reduceSum(terms, [0], false, 'sum');
    });
    // the blocks stacked ([1 + T_d + T_a, B]), then each output time's row (several t = 0 share one)
    const parts: string[] = [];
    const position: number[] = new Array<number>(timesH.length).fill(0);
    let placed = 0;
    const place = (rows: readonly number[], x: () => string, size: number): void => {
      if (rows.length === 0) return;
      rows.forEach((n, j) => { position[n] = placed + (size === 1 ? 0 : j); });
      placed += size;
      parts.push(x());
    };
    place(zeroRows, () => w.reduceSum(atZero, [0], true, 'at_zero_sum'), 1);
    place(duringRows, () => w.add(block(duringRows.map((n) => timesH[n] ?? NaN), during, 'during'), w.reduceSum(running, [0], true, 'running_sum'), 'during'), duringRows.length);
    place(afterRows, () => block(afterRows.map((n) => (timesH[n] ?? NaN) - D), after, 'after'), afterRows.length);
    const stacked = parts.length === 1 ? parts[0]! : w.concat(parts, 0, 'stacked');
    const ce = placed === timesH.length && position.every((p, n) => p === n) ? stacked : w.gather(stacked, 0, position, 'placed');
    return w.op('Cast', [ce], 'ce', { to: attr.int(DataType.FLOAT) });
  });
}
