/**
 * In-graph steady state of the direct-effect biomarker (structures/direct-effect.ts):
 *   pd = R0 (1 - I(Ce)) at the T output times, Ce = C (plasma-driven) or the effect-site concentration.
 * Effect compartment: with the steady-state C = sum_i A_i e^{-lambda_i t} (pk-steady-state.ts modes,
 * A_i = a_i / (1 - e^{-lambda_i tau})), the periodic solution of dCe/dt = k (C - Ce) is
 *   Ce(t) = sum_i A_i [ e^{-lambda_i t} e^{-lo_i tau} phi(d_i tau) / phi(k tau)
 *                      + (1 - e^{-lambda_i tau}) / (tau phi(k tau)) t e^{-lo_i t} phi(d_i t) ],
 * lo_i = min(lambda_i, k), d_i = |k - lambda_i|, phi(x) = (1 - e^{-x}) / x (1 at 0): the divided differences
 * of e^{-lambda t} and of 1 / (1 - e^{-lambda tau}) written without a difference of rates in a
 * denominator, so k meeting a PK rate costs nothing and every factor is positive (no cancellation in
 * float32). Limits: k -> 0 gives phi(0) = 1 (Ce -> the mean of C over the interval, finite); k -> infinity
 * gives Ce -> C, with k capped at KE0_CAP so that phi(k tau) stays a positive float.
 */
import { attr } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import { inhibitionAt, stimulationAt } from './pd-periodic.js';
import { oneMinusExp } from './pk-steady-state.js';
import type { SteadyStateModes } from './pk-steady-state.js';
import type { GraphWriter } from './graph-writer.js';

/** KE0 above this (1/h) is this: Ce equals C to ~lambda / KE0_CAP there. */
export const KE0_CAP = 1e6;
const SERIES_BELOW = 0.1;

/** phi(x) = (1 - e^{-x}) / x for x >= 0: series below 0.1 (6 terms, rel. error < 2e-9), else direct. */
function phi(w: GraphWriter, x: string, hint: string): string {
  return w.scoped(hint, () => {
    let acc = w.scalar('one', 1);
    for (const k of [6, 5, 4, 3, 2]) acc = w.sub(w.scalar(`one_${k}`, 1), w.mul(w.mul(x, w.scalar(`inv_${k}`, 1 / k), `x_over_${k}`), acc, `t_${k}`), `s_${k}`);
    const xc = w.op('Max', [x, w.scalar('floor', SERIES_BELOW)], 'x_clamped');
    const direct = w.div(w.sub(w.scalar('one', 1), w.exp(w.neg(xc, 'neg_x'), 'exp_neg_x'), 'one_minus_exp'), xc, 'direct');
    return w.where(w.less(x, w.scalar('cut', SERIES_BELOW), 'small'), acc, direct, 'value');
  });
}

/** Ce [T, B] (mg/L) at the given times of the periodic steady state, from the modes of C and KE0 [1, B]. */
export function effectConcentrationAt(w: GraphWriter, modes: SteadyStateModes, ke0: string, timesH: readonly number[], tauH: number): string {
  return w.scoped('effect', () => {
    const times = w.floats('times', [timesH.length, 1], timesH);
    const negTimes = w.floats('neg_times', [timesH.length, 1], timesH.map((t) => -t));
    const tau = w.scalar('tau', tauH);
    const k = w.op('Min', [ke0, w.scalar('ke0_cap', KE0_CAP)], 'ke0_capped');
    const phiKTau = phi(w, w.mul(k, tau, 'k_tau'), 'phi_k_tau');
    let ce = '';
    modes.rates.forEach((rate, i) => {
      const amplitude = modes.amplitudes[i] ?? '';
      const lo = w.op('Min', [rate, k], `lo_${i}`);
      const d = w.op('Abs', [w.sub(k, rate, `k_minus_rate_${i}`)], `d_${i}`);
      const c1 = w.div(w.mul(w.mul(amplitude, w.exp(w.neg(w.mul(lo, tau, `lo_tau_${i}`), `neg_lo_tau_${i}`), `decay_lo_tau_${i}`), `a_decay_${i}`), phi(w, w.mul(d, tau, `d_tau_${i}`), `phi_d_tau_${i}`), `a_phi_${i}`), phiKTau, `c1_${i}`);
      const c2 = w.div(w.mul(amplitude, oneMinusExp(w, w.mul(rate, tau, `rate_tau_${i}`), `one_minus_exp_${i}`), `a_fill_${i}`), w.mul(tau, phiKTau, `tau_phi_k_${i}`), `c2_${i}`);
      const first = w.mul(w.exp(w.mul(negTimes, rate, `rate_t_${i}`), `decay_rate_${i}`), c1, `first_${i}`);
      const rise = w.mul(w.mul(times, w.exp(w.mul(negTimes, lo, `lo_t_${i}`), `decay_lo_${i}`), `t_decay_lo_${i}`), phi(w, w.mul(times, d, `d_t_${i}`), `phi_d_t_${i}`), `rise_${i}`);
      const term = w.add(first, w.mul(rise, c2, `second_${i}`), `term_${i}`);
      ce = i === 0 ? term : w.add(ce, term, `ce_${i}`);
    });
    return ce;
  });
}

/** pd [B, T] (ng/mL, graph output `outputName`) = R0 (1 - I(Ce)), or R0 (1 + S(Ce)) when stimulatory, from Ce [T, B] at the output times. */
export function directBiomarker(w: GraphWriter, p: IndividualTensors, effectConc: string, outputName: string, stimulatory = false): string {
  return w.scoped('pd_direct', () => {
    const fraction = stimulatory
      ? w.add(w.scalar('one', 1), stimulationAt(w, p, effectConc), 'fraction_of_baseline')
      : w.sub(w.scalar('one', 1), inhibitionAt(w, p, effectConc), 'fraction_of_baseline');
    return w.op('Transpose', [w.mul(p.R0, fraction, 'pd_by_time')], outputName, { perm: attr.ints([1, 0]) }, true);
  });
}

/** pd [B, T] (ng/mL) = max(0, R0 + SLOPE C) of the direct linear structures, from C [T, B] at the output times. */
export function linearBiomarker(w: GraphWriter, p: IndividualTensors, conc: string, outputName: string): string {
  return w.scoped('pd_linear', () => {
    const line = w.add(p.R0, w.mul(p.SLOPE, conc, 'slope_c'), 'line');
    return w.op('Transpose', [w.op('Relu', [line], 'pd_by_time')], outputName, { perm: attr.ints([1, 0]) }, true);
  });
}
