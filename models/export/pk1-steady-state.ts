/**
 * In-graph steady-state concentration of the 1-compartment model with first-order absorption:
 *   C(t) = sum_i A_i exp(-lambda_i t),  t in [0, tau],  lambda in {k, ka},  k = CL / V,
 *   A_k = (dose / V) ka / (ka - k) / (1 - e^{-k tau}),  A_ka = (dose / V) ka / (k - ka) / (1 - e^{-ka tau}).
 * ka ~ k is handled as in the 2-compartment graph (pk-steady-state.ts): within KA_DELTA of k, C is
 * interpolated linearly in ka between k (1 - DELTA) and k (1 + DELTA). Three modes [k, ka_low, ka_high];
 * V is the individual V1 (the structure's only volume), Q and V2 are not read.
 */
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';
import { KA_DELTA, oneMinusExp } from './pk-steady-state.js';
import type { SteadyStateModes } from './pk-steady-state.js';

export function oneCompartmentModes(w: GraphWriter, p: IndividualTensors, doseRow: string, tauH: number): SteadyStateModes {
  return w.scoped('pk1', () => {
    const k = w.div(p.CL, p.V1, 'k');
    const ka = p.KA;
    const near = w.less(w.op('Abs', [w.sub(ka, k, 'ka_minus_k')], 'abs_ka_minus_k'), w.mul(k, w.scalar('delta', KA_DELTA), 'delta_k'), 'near_k');
    const kaLow = w.where(near, w.mul(k, w.scalar('one_minus_delta', 1 - KA_DELTA), 'k_low'), ka, 'ka_low');
    const kaHigh = w.where(near, w.mul(k, w.scalar('one_plus_delta', 1 + KA_DELTA), 'k_high'), ka, 'ka_high');
    const span = w.mul(k, w.scalar('two_delta', 2 * KA_DELTA), 'span');
    const wHigh = w.where(near, w.div(w.sub(ka, kaLow, 'ka_above_low'), span, 'w_interp'), w.scalar('half_w', 0.5), 'w_high');
    const weights = w.concat([w.sub(w.scalar('one_w', 1), wHigh, 'w_low'), wHigh], 0, 'w_ka'); // [2, B]
    const kappa = w.concat([kaLow, kaHigh], 0, 'kappa'); // [2, B]

    const rates = w.concat([k, kappa], 0, 'rates'); // [3, B]
    const accumulation = w.div(w.scalar('one', 1), oneMinusExp(w, w.mul(rates, w.scalar('tau', tauH), 'rate_tau'), 'one_minus_exp_tau'), 'accumulation');
    // c_k = kappa / (kappa - k), c_kappa = -c_k, both kappas at once ([2, B])
    const cK = w.div(kappa, w.sub(kappa, k, 'kappa_minus_k'), 'c_k');
    const cKWeighted = w.reduceSum(w.mul(cK, weights, 'c_k_weighted'), [0], true, 'c_k_sum');
    const cKappa = w.mul(w.neg(cK, 'c_kappa'), weights, 'c_kappa_weighted');
    const coefficients = w.concat([cKWeighted, cKappa], 0, 'coefficients');
    const amplitudes = w.mul(w.mul(coefficients, accumulation, 'coefficients_acc'), w.div(doseRow, p.V1, 'dose_over_v'), 'amplitudes'); // [3, B]
    const names = ['k', 'ka_low', 'ka_high'];
    return {
      rates: w.split(rates, 0, names.map((n) => `rate_${n}`)),
      amplitudes: w.split(amplitudes, 0, names.map((n) => `amplitude_${n}`)),
    };
  });
}
