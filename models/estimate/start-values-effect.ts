/**
 * Start values of the drug effect for every PD structure, from the steady-state ratio rho = (mean
 * biomarker over the last dosing interval) / baseline. At a steady concentration each structure's
 * biomarker is R0 times: 1 - I (IDR I, direct inhibition), 1 / (1 - I) (II), 1 + S (III, direct Emax),
 * 1 / (1 + S) (IV); inverting it gives the fractional effect on the rate the drug acts on (I or S), which
 * start-values.ts relates to the concentration for IMAX or SMAX and the potency IC50.
 */
import type { Structure } from '../structures/structure.js';

/** The fractional effect I or S implied by the ratio meanPd / base (IDR I: 1 - meanPd / base, as ever). */
export function effectFromRatio(structure: Structure, meanPd: number, base: number): number {
  switch (structure.turnover) {
    case 'kout-inhibition': return 1 - base / meanPd;
    case 'kin-stimulation': return meanPd / base - 1;
    case 'kout-stimulation': return base / meanPd - 1;
    default: return structure.directEffect?.stimulatory === true ? meanPd / base - 1 : 1 - meanPd / base;
  }
}

/** +1 when the drug lowers the biomarker (I, IV, direct inhibition), -1 when it raises it (II, III, Emax). */
export function loweringSign(structure: Structure): 1 | -1 {
  const t = structure.turnover;
  return t === 'kout-inhibition' || t === 'kin-stimulation' || structure.directEffect?.stimulatory === true ? -1 : 1;
}

/** Upper end of the start value of the maximal effect: IMAX < 1 (0.95), SMAX any positive (100). */
export const startMaxEffectCap = (structure: Structure): number => (structure.fixedEffects.some((f) => f.name === 'SMAX') ? 100 : 0.95);
