/**
 * In-graph steady-state concentration of the 2-compartment model with first-order absorption:
 *   C(t) = sum_i A_i exp(-lambda_i t),  t in [0, tau],
 *   A_i = (dose / V1) ka (k21 - lambda_i) / prod_{j != i} (lambda_i - lambda_j) / (1 - exp(-lambda_i tau))
 * over lambda in {alpha, beta, ka} (superposition of infinitely many doses, a geometric series per mode).
 *
 * float32 and ka ~ alpha or beta: the A_i grow like 1 / (ka - lambda) and cancel, losing
 * eps32 / |ka / lambda - 1| of C. Where |ka / lambda - 1| < DELTA the graph instead linearly
 * interpolates C in ka between lambda (1 - DELTA) and lambda (1 + DELTA) (both well separated), which
 * costs O(DELTA^2) ~ 1e-5 and loses at most eps32 / DELTA ~ 1e-5 to cancellation. Every row carries
 * four modes [alpha, beta, ka_low, ka_high]; away from alpha and beta, ka_low = ka_high = ka with half
 * the amplitude each. Rates are per-subject [1, B] work; only the exponentials touch [N, B].
 */
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';

export const KA_DELTA = 0.01;

/** 1 - exp(-x) for x >= 0 without cancellation near 0 (series below 0.1: 6 terms, rel. error < 2e-9). */
export function oneMinusExp(w: GraphWriter, x: string, hint: string): string {
  return w.scoped(hint, () => {
    // x (1 - x/2 (1 - x/3 (1 - x/4 (1 - x/5 (1 - x/6)))))
    let acc = w.scalar('one', 1);
    for (const k of [6, 5, 4, 3, 2]) acc = w.sub(w.scalar(`one_${k}`, 1), w.mul(w.mul(x, w.scalar(`inv_${k}`, 1 / k), `x_over_${k}`), acc, `t_${k}`), `s_${k}`);
    const series = w.mul(x, acc, 'series');
    const direct = w.sub(w.scalar('one', 1), w.exp(w.neg(x, 'neg_x'), 'exp_neg_x'), 'direct');
    return w.where(w.less(x, w.scalar('cut', 0.1), 'small'), series, direct, 'value');
  });
}

/**
 * The 2-compartment disposition rates alpha > beta (roots of s^2 - (k10 + k12 + k21) s + k10 k21), [1, B]
 * each, and disc = alpha - beta, written in the caller's scope (the oral and IV graphs share them):
 * alpha - beta = sqrt((k10 - k21)^2 + k12 (k12 + 2 (k10 + k21))), a sum of positive terms, and
 * beta = k10 k21 / alpha (the product of the roots over alpha), so neither cancels.
 */
export function dispositionRates(w: GraphWriter, k10: string, k12: string, k21: string): { disc: string; alpha: string; beta: string } {
  const d1 = w.sub(k10, k21, 'k10_minus_k21');
  const twoSum = w.mul(w.add(k10, k21, 'k10_plus_k21'), w.scalar('two', 2), 'two_k10_plus_k21');
  const disc = w.op('Sqrt', [w.add(w.mul(d1, d1, 'd1_sq'), w.mul(k12, w.add(k12, twoSum, 'k12_plus'), 'k12_term'), 'disc_sq')], 'disc');
  const sum = w.add(w.add(k10, k12, 'k10_k12'), k21, 'sum');
  const alpha = w.mul(w.add(sum, disc, 'sum_plus_disc'), w.scalar('half', 0.5), 'alpha');
  const beta = w.div(w.mul(k10, k21, 'k10_k21'), alpha, 'beta');
  return { disc, alpha, beta };
}

/** A steady-state concentration as modes: rates and amplitudes (mg/L), each [1, B], four modes. */
export interface SteadyStateModes {
  readonly rates: readonly string[];
  readonly amplitudes: readonly string[];
}

/** The four modes [alpha, beta, ka_low, ka_high] of the steady state for dose [1, B]. */
export function steadyStateModes(w: GraphWriter, p: IndividualTensors, doseRow: string, tauH: number): SteadyStateModes {
  return w.scoped('pk', () => {
    const k10 = w.div(p.CL, p.V1, 'k10');
    const k12 = w.div(p.Q, p.V1, 'k12');
    const k21 = w.div(p.Q, p.V2, 'k21');
    const { alpha, beta } = dispositionRates(w, k10, k12, k21);

    // ka near alpha or beta: interpolate between lambda* (1 -+ DELTA)
    const ka = p.KA;
    const delta = w.scalar('delta', KA_DELTA);
    const nearTo = (lam: string, name: string): string =>
      w.less(w.op('Abs', [w.sub(ka, lam, `ka_minus_${name}`)], `abs_ka_minus_${name}`), w.mul(lam, delta, `delta_${name}`), `near_${name}`);
    const nearAlpha = nearTo(alpha, 'alpha');
    const near = w.op('Or', [nearAlpha, nearTo(beta, 'beta')], 'near');
    const star = w.where(nearAlpha, alpha, beta, 'lambda_star');
    const kaLow = w.where(near, w.mul(star, w.scalar('one_minus_delta', 1 - KA_DELTA), 'star_low'), ka, 'ka_low');
    const kaHigh = w.where(near, w.mul(star, w.scalar('one_plus_delta', 1 + KA_DELTA), 'star_high'), ka, 'ka_high');
    const span = w.mul(star, w.scalar('two_delta', 2 * KA_DELTA), 'span');
    const wHigh = w.where(near, w.div(w.sub(ka, kaLow, 'ka_above_low'), span, 'w_interp'), w.scalar('half_w', 0.5), 'w_high');
    const weights = w.concat([w.sub(w.scalar('one_w', 1), wHigh, 'w_low'), wHigh], 0, 'w_ka'); // [2, B]
    const kappa = w.concat([kaLow, kaHigh], 0, 'kappa'); // [2, B]

    // per-mode factor 1 / (1 - exp(-lambda tau)) for lambda in [alpha, beta, ka_low, ka_high]
    const rates = w.concat([alpha, beta, kappa], 0, 'rates'); // [4, B]
    const accumulation = w.div(w.scalar('one', 1), oneMinusExp(w, w.mul(rates, w.scalar('tau', tauH), 'rate_tau'), 'one_minus_exp_tau'), 'accumulation');

    // coefficients for node sets {alpha, beta, kappa}, both kappas at once ([2, B])
    const aMinusB = w.sub(alpha, beta, 'alpha_minus_beta');
    const kMinusA = w.sub(kappa, alpha, 'kappa_minus_alpha');
    const kMinusB = w.sub(kappa, beta, 'kappa_minus_beta');
    const cAlpha = w.div(w.mul(kappa, w.sub(k21, alpha, 'k21_minus_alpha'), 'num_alpha'), w.mul(w.neg(aMinusB, 'beta_minus_alpha'), kMinusA, 'den_alpha'), 'c_alpha');
    const cBeta = w.div(w.mul(kappa, w.sub(k21, beta, 'k21_minus_beta'), 'num_beta'), w.mul(aMinusB, kMinusB, 'den_beta'), 'c_beta');
    const cKappa = w.div(w.mul(kappa, w.sub(k21, kappa, 'k21_minus_kappa'), 'num_kappa'), w.mul(kMinusA, kMinusB, 'den_kappa'), 'c_kappa');
    const weighted = (c: string, name: string): string => w.reduceSum(w.mul(c, weights, `${name}_weighted`), [0], true, `${name}_sum`);
    const coefficients = w.concat([weighted(cAlpha, 'c_alpha'), weighted(cBeta, 'c_beta'), w.mul(cKappa, weights, 'c_kappa_weighted')], 0, 'coefficients');
    const scale = w.div(doseRow, p.V1, 'dose_over_v1');
    const amplitudes = w.mul(w.mul(coefficients, accumulation, 'coefficients_acc'), scale, 'amplitudes'); // [4, B]
    const names = ['alpha', 'beta', 'ka_low', 'ka_high'];
    return {
      rates: w.split(rates, 0, names.map((n) => `rate_${n}`)),
      amplitudes: w.split(amplitudes, 0, names.map((n) => `amplitude_${n}`)),
    };
  });
}

/**
 * C [N, B] (mg/L) at the given times: one outer product and Exp per mode, all spans of length B. With
 * an absorption lag [1, B] (oral doses given at 0, tau, ... enter at lag, tau + lag, ...), the periodic
 * steady state is the lag-free one at (t - lag) mod tau: times become [N, B].
 */
export function concentrationAt(w: GraphWriter, modes: SteadyStateModes, timesH: readonly number[], lag?: { readonly row: string; readonly tauH: number }): string {
  return w.scoped('pk', () => {
    const times = w.floats(lag === undefined ? 'neg_times' : 'times', [timesH.length, 1], timesH.map((t) => (lag === undefined ? -t : t)));
    const negTimes = lag === undefined ? times : lagged(w, times, lag.row, lag.tauH);
    let conc = '';
    modes.rates.forEach((rate, i) => {
      const term = w.mul(w.exp(w.mul(negTimes, rate, `rate_times_${i}`), `decay_${i}`), modes.amplitudes[i] ?? '', `term_${i}`);
      conc = i === 0 ? term : w.add(conc, term, `conc_${i}`);
    });
    return conc;
  });
}

/** -((t - lag) mod tau), [N, B]: the time since the lagged dose entered, negated for the exponentials. */
function lagged(w: GraphWriter, times: string, lagRow: string, tauH: number): string {
  const u = w.sub(times, lagRow, 't_minus_lag'); // [N, B]
  const periods = w.op('Floor', [w.mul(u, w.scalar('inv_tau', 1 / tauH), 'u_over_tau')], 'periods');
  const since = w.sub(u, w.mul(periods, w.scalar('tau_lag', tauH), 'whole_periods'), 'since_lag');
  // float32 rounding can leave since = tau or a hair below 0: clamp into [0, tau]
  const clamped = w.op('Min', [w.op('Max', [since, w.scalar('zero_lag', 0)], 'since_nonneg'), w.scalar('tau_max', tauH)], 'since_clamped');
  return w.neg(clamped, 'neg_times_lagged');
}
