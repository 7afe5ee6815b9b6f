/**
 * In-graph steady-state concentration of zero-order absorption (the zero-order structures: every tau
 * hours a dose enters the central compartment at dose / D for D hours, D the individual D1). Per
 * disposition mode lambda with bolus coefficient a (mg/L per dose; 1 compartment: lambda = k = CL / V,
 * a = dose / V; 2 compartments: a_alpha = (dose / V1) (alpha - k21) / (alpha - beta),
 * a_beta = (dose / V1) (k21 - beta) / (alpha - beta)), superposing the periodic inputs:
 *   C(t) = sum a [ phi(lambda D) e^{-lambda u} / (1 - e^{-lambda tau})  +  [t < D] (t / D) phi(lambda t) ],
 *   u = (t - D) mod tau (the time since the last input ended),  phi(x) = (1 - e^{-x}) / x.
 * beta <= k21 <= alpha, so every term is >= 0 and nothing cancels in float32. D -> 0 is the bolus graph
 * (phi -> 1, u -> t, pk-iv-steady-state.ts); D = tau the constant rate, C = dose / (tau CL) (the two
 * terms meet at t = D). D is clamped into [D_MIN_H, tau]: the fit bounds D1 below the grids' shortest
 * interval (estimate/zero-order-fit.ts); the clamp keeps any uncertainty draw finite, one past tau
 * being swept as the constant-rate limit.
 */
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';
import { dispositionRates, oneMinusExp } from './pk-steady-state.js';

/** Below any D1 the fit returns (1e-3 h) and far above float32's smallest normal: t / D stays finite. */
const D_MIN_H = 1e-6;

/** C [N, B] (mg/L) at the given times of the zero-order steady state for dose [1, B]. */
export function zeroOrderConcentrationAt(w: GraphWriter, p: IndividualTensors, doseRow: string, timesH: readonly number[], tauH: number, compartments: 1 | 2): string {
  return w.scoped('pk_zo', () => {
    const D = w.op('Min', [w.op('Max', [p.D1, w.scalar('d_min', D_MIN_H)], 'd_floor'), w.scalar('d_max', tauH)], 'duration');
    const modes = bolusCoefficientModes(w, p, doseRow, compartments);
    const times = w.floats('times', [timesH.length, 1], timesH); // [N, 1]
    const during = w.less(times, D, 'during_input'); // [N, B]
    // u = t - D after the input, tau - D + t during it (t, D in [0, tau]: no modulo, whose t - D would
    // round a tiny D away at t = tau and read the trough as the peak)
    const sinceEnd = w.where(during, w.add(w.sub(w.scalar('tau', tauH), D, 'tau_minus_d'), times, 'since_previous_end'), w.sub(times, D, 't_minus_d'), 'since_end');
    const negSinceEnd = w.neg(sinceEnd, 'neg_since_end'); // [N, B]
    const fraction = w.div(w.op('Min', [times, D], 't_within_input'), D, 't_over_d'); // [N, B], <= 1
    const zero = w.scalar('zero', 0);
    let conc = '';
    for (const { rate, a, name } of modes) {
      const amplitude = w.div(w.mul(a, phi(w, w.mul(rate, D, `${name}_d`), `phi_${name}_d`), `a_phi_${name}`), oneMinusExp(w, w.mul(rate, w.scalar(`tau_${name}`, tauH), `${name}_tau`), `one_minus_exp_${name}_tau`), `amplitude_${name}`);
      const after = w.mul(w.exp(w.mul(negSinceEnd, rate, `${name}_u`), `decay_${name}`), amplitude, `after_${name}`);
      const rising = w.mul(w.mul(fraction, phi(w, w.mul(times, rate, `${name}_t`), `phi_${name}_t`), `rise_${name}`), a, `rising_${name}`);
      const term = w.add(after, w.where(during, rising, zero, `input_${name}`), `term_${name}`);
      conc = conc === '' ? term : w.add(conc, term, 'conc');
    }
    return conc;
  });
}

/** A disposition mode of one IV bolus: C = sum a e^{-rate t} after a dose into an empty system. */
export interface BolusMode {
  readonly rate: string;
  /** mg/L per dose, >= 0 */
  readonly a: string;
  readonly name: string;
}

/**
 * The bolus coefficients of 1 or 2 compartments ([1, B] each, written in the caller's scope):
 * k = CL / V, a = dose / V; or alpha, beta with a_alpha = (dose / V1) (alpha - k21) / (alpha - beta),
 * a_beta = (dose / V1) (k21 - beta) / (alpha - beta), both >= 0.
 */
export function bolusCoefficientModes(w: GraphWriter, p: IndividualTensors, doseRow: string, compartments: 1 | 2): BolusMode[] {
  const k10 = w.div(p.CL, p.V1, 'k10');
  const scale = w.div(doseRow, p.V1, 'dose_over_v1');
  if (compartments === 1) return [{ rate: k10, a: scale, name: 'k' }];
  const k12 = w.div(p.Q, p.V1, 'k12');
  const k21 = w.div(p.Q, p.V2, 'k21');
  const { disc, alpha, beta } = dispositionRates(w, k10, k12, k21);
  const over = w.div(scale, disc, 'scale_over_spread'); // alpha - beta = disc
  return [
    { rate: alpha, a: w.mul(w.sub(alpha, k21, 'alpha_minus_k21'), over, 'a_alpha'), name: 'alpha' },
    { rate: beta, a: w.mul(w.sub(k21, beta, 'k21_minus_beta'), over, 'a_beta'), name: 'beta' },
  ];
}

/** phi(x) = (1 - e^{-x}) / x for x >= 0 (float32, any shape), 1 at 0: the series below 0.1 (oneMinusExp's, divided by x; rel. error < 2e-9). */
export function phi(w: GraphWriter, x: string, hint: string): string {
  return w.scoped(hint, () => {
    let acc = w.scalar('one', 1);
    for (const k of [6, 5, 4, 3, 2]) acc = w.sub(w.scalar(`one_${k}`, 1), w.mul(w.mul(x, w.scalar(`inv_${k}`, 1 / k), `x_over_${k}`), acc, `t_${k}`), `s_${k}`);
    const cut = w.scalar('cut', 0.1);
    const direct = w.div(w.sub(w.scalar('one_d', 1), w.exp(w.neg(x, 'neg_x'), 'exp_neg_x'), 'one_minus'), w.op('Max', [x, cut], 'x_safe'), 'direct');
    return w.where(w.less(x, cut, 'small'), acc, direct, 'value');
  });
}
