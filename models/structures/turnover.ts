/**
 * The four indirect responses (Dayneka, Garg & Jusko 1993): the drug acts on the production KIN or on the
 * loss KOUT of the biomarker, inhibiting it (sigmoid Imax, I(C) = IMAX C^g / (IC50^g + C^g), IMAX < 1) or
 * stimulating it (sigmoid Smax, S(C) = SMAX C^g / (IC50^g + C^g), SMAX > 0):
 *   I   kin-inhibition    dR/dt = KIN (1 - I(C)) - KOUT R
 *   II  kout-inhibition   dR/dt = KIN - KOUT (1 - I(C)) R
 *   III kin-stimulation   dR/dt = KIN (1 + S(C)) - KOUT R
 *   IV  kout-stimulation  dR/dt = KIN - KOUT (1 + S(C)) R
 * with R(0) = R0 = KIN / KOUT. Both are written h(C) = -I(C) or +S(C), the signed fractional change of
 * the rate the drug acts on. The potency of a stimulation is IC50 (the namespace's potency, with its
 * eta), its Hill coefficient GAMMA: one concentration scale per structure, so no new eta is needed.
 * Production types (I, III) are linear in R with a fixed rate: pd.ts solves them by one quadrature; the
 * loss types (II, IV) have a time-varying rate KOUT (1 + h(C)): turnover-loss.ts.
 * This file holds only what depends on the parameters (no simulator), so parameters.ts can import it.
 */
import type { FixedEffects, IndividualParameters } from './parameters.js';
import type { Structure } from './structure.js';

export type Turnover = 'kin-inhibition' | 'kout-inhibition' | 'kin-stimulation' | 'kout-stimulation';

/** The individual's PD variant from its structure: which rate the drug acts on, and SMAX when it stimulates. */
export function pdVariantOf(fixed: FixedEffects, structure: Structure | undefined): { TURNOVER?: Turnover; SMAX?: number } {
  const turnover = structure?.turnover;
  const stimulates = structure?.directEffect?.stimulatory === true || turnover === 'kin-stimulation' || turnover === 'kout-stimulation';
  return { ...(turnover === undefined ? {} : { TURNOVER: turnover }), ...(stimulates ? { SMAX: fixed.SMAX } : {}) };
}

/** The indirect response of an individual (absent: type I). */
export const turnoverOf = (p: IndividualParameters): Turnover => p.TURNOVER ?? 'kin-inhibition';

/** True when the drug acts on the loss rate KOUT (types II, IV). */
export const actsOnLoss = (p: IndividualParameters): boolean => p.TURNOVER === 'kout-inhibition' || p.TURNOVER === 'kout-stimulation';

/** I(C) of the individual, 0 for C <= 0, NaN for NaN. */
export function inhibitionFunction(p: IndividualParameters): (concMgL: number) => number {
  const { IMAX, IC50, GAMMA } = p;
  // c <= 0 (before any drug) inhibits nothing; NaN stays NaN so broken parameters show in R
  return GAMMA === 1 ? (c) => (c > 0 ? (IMAX * c) / (IC50 + c) : c <= 0 ? 0 : NaN) : (c) => (c > 0 ? IMAX / (1 + (IC50 / c) ** GAMMA) : c <= 0 ? 0 : NaN);
}

/** S(C) = SMAX / (1 + (IC50 / C)^g), 0 for C <= 0, NaN for NaN. */
export function stimulationFunction(p: IndividualParameters): (concMgL: number) => number {
  const { IC50, GAMMA } = p;
  const SMAX = p.SMAX ?? NaN;
  return GAMMA === 1 ? (c) => (c > 0 ? (SMAX * c) / (IC50 + c) : c <= 0 ? 0 : NaN) : (c) => (c > 0 ? SMAX / (1 + (IC50 / c) ** GAMMA) : c <= 0 ? 0 : NaN);
}

/**
 * The bound on R / R0 from below over any history, which sets the quadrature tolerance: 1 - IMAX (I),
 * 1 (II, III: R only rises), 1 / (1 + SMAX) (IV).
 */
export function lowestFractionOfBaseline(p: IndividualParameters): number {
  switch (turnoverOf(p)) {
    case 'kin-inhibition': return 1 - p.IMAX;
    case 'kout-stimulation': return 1 / (1 + (p.SMAX ?? NaN));
    default: return 1;
  }
}
