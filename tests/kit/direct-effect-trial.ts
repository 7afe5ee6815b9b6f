/**
 * Test kit: a synthetic trial in EstData's design (its subjects, BW, COMED, doses, sampling times and
 * row layout) whose biomarker follows a DIRECT effect through an effect compartment: one-compartment
 * oral PK and
 *   E = E0 (1 - IMAX Ce^g / (IC50^g + Ce^g)),  dCe/dt = KE0 (C - Ce),  Ce(0) = 0,
 * E0 = R0 exp(BETA_COMED_R0 COMED). Simulated here in double precision, independently of
 * models/structures/: C in closed form (as one-compartment-trial.ts), Ce by classical RK4 on steps of at
 * most 0.05 h aligned to every dose and sampling time (local error ~ (0.05 KE0)^5, far below the noise).
 * Log-normal IIV on CL, V, KA, R0, IC50 (allometric BW on CL and V), PK combined and PD additive
 * residual error; deterministic by seed (mulberry32 + Box-Muller).
 */
import { oneCompartmentOral, rk4Aligned, writeEstDataTrial, type Dose } from './estdata-design.js';

/** Typical values (70 kg): EstData's PK in one compartment; a delayed, potent direct inhibition. */
export const DIRECT_EFFECT_TRUTH = {
  CL: 0.0437, V: 8.43, KA: 1.04, R0: 9.98, BETA_COMED_R0: -0.264, IMAX: 0.9, IC50: 1.5, GAMMA: 1.3, KE0: 0.05,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.29, V: 0.21, KA: 0.21, R0: 0.15, IC50: 0.2 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.5 },
} as const;

export interface DirectEffectIndividual { readonly CL: number; readonly V: number; readonly KA: number; readonly E0: number; readonly IC50: number }

export function concentration(p: DirectEffectIndividual, doses: readonly Dose[], t: number): number {
  return oneCompartmentOral(p, doses, t);
}

/** The direct effect of an effect-site concentration. */
export function effectOf(p: DirectEffectIndividual, ce: number): number {
  const { IMAX, GAMMA } = DIRECT_EFFECT_TRUTH;
  return p.E0 * (1 - (ce > 0 ? IMAX / (1 + (p.IC50 / ce) ** GAMMA) : 0));
}

/** Ce at each (sorted) time by RK4 aligned to the doses and the times. */
export function effectSite(p: DirectEffectIndividual, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  const ke0 = DIRECT_EFFECT_TRUTH.KE0;
  return rk4Aligned((t, ce) => ke0 * (concentration(p, doses, t) - ce), 0, doses, times);
}

/** Writes the trial (EstData's rows, observations replaced) to `path`; returns the path. */
export async function writeDirectEffectTrial(path: string, seed: number): Promise<string> {
  const T = DIRECT_EFFECT_TRUTH;
  const w = T.omegaSd;
  return writeEstDataTrial(path, seed, T.sigma, (bw, comed, draw) => {
    const p: DirectEffectIndividual = {
      CL: T.CL * bw ** 0.75 * Math.exp(w.CL * draw()),
      V: T.V * bw * Math.exp(w.V * draw()),
      KA: T.KA * Math.exp(w.KA * draw()),
      E0: T.R0 * Math.exp(T.BETA_COMED_R0 * comed + w.R0 * draw()),
      IC50: T.IC50 * Math.exp(w.IC50 * draw()),
    };
    return {
      conc: (doses, t) => concentration(p, doses, t),
      biomarker: (doses, times) => new Map([...effectSite(p, doses, times)].map(([t, ce]) => [t, effectOf(p, ce)])),
    };
  });
}
