/**
 * In-graph steady-state concentration of an IV bolus regimen (the IV structures; infusion regimens
 * are not in the graph yet: a regimen grid has no infusion duration):
 *   2 compartments: C(t) = (dose / V1) [ (alpha - k21) e^{-alpha t} / (1 - e^{-alpha tau})
 *                                       + (k21 - beta) e^{-beta t} / (1 - e^{-beta tau}) ] / (alpha - beta)
 *   1 compartment:  C(t) = (dose / V) e^{-k t} / (1 - e^{-k tau}),  k = CL / V.
 * alpha - beta >= k12 > 0 (pk-steady-state.ts), so no coefficient cancels in float32.
 */
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';
import { dispositionRates, oneMinusExp } from './pk-steady-state.js';
import type { SteadyStateModes } from './pk-steady-state.js';

export function ivBolusModes(w: GraphWriter, p: IndividualTensors, doseRow: string, tauH: number, compartments: 1 | 2): SteadyStateModes {
  return w.scoped('pk_iv', () => {
    const k10 = w.div(p.CL, p.V1, 'k10');
    const scale = w.div(doseRow, p.V1, 'dose_over_v1');
    const accumulation = (rate: string, name: string): string =>
      w.div(w.scalar(`one_${name}`, 1), oneMinusExp(w, w.mul(rate, w.scalar(`tau_${name}`, tauH), `${name}_tau`), `one_minus_exp_${name}`), `accumulation_${name}`);
    if (compartments === 1) return { rates: [k10], amplitudes: [w.mul(scale, accumulation(k10, 'k'), 'amplitude_k')] };
    const k12 = w.div(p.Q, p.V1, 'k12');
    const k21 = w.div(p.Q, p.V2, 'k21');
    const { disc, alpha, beta } = dispositionRates(w, k10, k12, k21);
    const over = w.div(scale, disc, 'scale_over_spread'); // alpha - beta = disc
    const aAlpha = w.mul(w.mul(w.sub(alpha, k21, 'alpha_minus_k21'), over, 'c_alpha'), accumulation(alpha, 'alpha'), 'amplitude_alpha');
    const aBeta = w.mul(w.mul(w.sub(k21, beta, 'k21_minus_beta'), over, 'c_beta'), accumulation(beta, 'beta'), 'amplitude_beta');
    return { rates: [alpha, beta], amplitudes: [aAlpha, aBeta] };
  });
}
