/**
 * Test kit: a synthetic trial in EstData's design (its subjects, BW, COMED, doses, sampling times and
 * row layout) whose biomarker follows an indirect response with STIMULATED production (type III):
 * one-compartment oral PK and
 *   dR/dt = KIN (1 + SMAX C^g / (IC50^g + C^g)) - KOUT R,  R(0) = R0 = KIN / KOUT,
 * R0 = R0_typ exp(BETA_COMED_R0 COMED). Simulated here in double precision, independently of
 * models/structures/: C in closed form, R by classical RK4 on steps of at most 0.05 h aligned to every
 * dose and sampling time (local error ~ (0.05 KOUT (1 + SMAX))^5, far below the noise). Log-normal IIV on
 * CL, V, KA, R0, KOUT, IC50 (allometric BW on CL and V), PK combined and PD additive residual error;
 * deterministic by seed (mulberry32 + Box-Muller).
 */
import { oneCompartmentOral, rk4Aligned, writeEstDataTrial, type Dose } from './estdata-design.js';

/** Typical values (70 kg): EstData's PK in one compartment; a turnover of ~17 h half-life, stimulated up to 2.8x. */
export const STIMULATED_PRODUCTION_TRUTH = {
  CL: 0.0437, V: 8.43, KA: 1.04, R0: 9.98, BETA_COMED_R0: -0.264, KOUT: 0.04, SMAX: 1.8, IC50: 1.2, GAMMA: 1,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.29, V: 0.21, KA: 0.21, R0: 0.15, KOUT: 0.2, IC50: 0.2 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.5 },
} as const;

export interface StimulatedIndividual { readonly CL: number; readonly V: number; readonly KA: number; readonly R0: number; readonly KOUT: number; readonly IC50: number }

/** S(C), the fractional stimulation of production. */
export function stimulationOf(p: StimulatedIndividual, c: number): number {
  const { SMAX, GAMMA } = STIMULATED_PRODUCTION_TRUTH;
  return c > 0 ? SMAX / (1 + (p.IC50 / c) ** GAMMA) : 0;
}

/** R at each (sorted) time by RK4 aligned to the doses and the times. */
export function stimulatedBiomarker(p: StimulatedIndividual, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  return rk4Aligned((t, r) => p.KOUT * (p.R0 * (1 + stimulationOf(p, oneCompartmentOral(p, doses, t))) - r), p.R0, doses, times);
}

/** One subject of the true model for body-weight ratio bw / 70 and COMED. */
export function drawStimulatedIndividual(bwRatio: number, comed: number, draw: () => number): StimulatedIndividual {
  const T = STIMULATED_PRODUCTION_TRUTH;
  const w = T.omegaSd;
  return {
    CL: T.CL * bwRatio ** 0.75 * Math.exp(w.CL * draw()),
    V: T.V * bwRatio * Math.exp(w.V * draw()),
    KA: T.KA * Math.exp(w.KA * draw()),
    R0: T.R0 * Math.exp(T.BETA_COMED_R0 * comed + w.R0 * draw()),
    KOUT: T.KOUT * Math.exp(w.KOUT * draw()),
    IC50: T.IC50 * Math.exp(w.IC50 * draw()),
  };
}

/** Writes the trial (EstData's rows, observations replaced) to `path`; returns the path. */
export async function writeStimulatedProductionTrial(path: string, seed: number): Promise<string> {
  return writeEstDataTrial(path, seed, STIMULATED_PRODUCTION_TRUTH.sigma, (bw, comed, draw) => {
    const p = drawStimulatedIndividual(bw, comed, draw);
    return {
      conc: (doses, t) => oneCompartmentOral(p, doses, t),
      biomarker: (doses, times) => stimulatedBiomarker(p, doses, times),
    };
  });
}
