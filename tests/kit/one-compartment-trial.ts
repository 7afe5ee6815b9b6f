/**
 * Test kit: a synthetic trial in EstData's design (its subjects, BW, COMED, doses, sampling times and
 * row layout) whose drug follows ONE-compartment oral kinetics, the structure the shipped
 * 2-compartment model over-parameterises (issue 18: its fit runs Q and V2 to their limits).
 *
 * Simulated here in double precision, independently of models/structures/:
 *   C(t) = sum over doses of D ka / (V (ka - k)) (e^{-k u} - e^{-ka u}),  u = t - t_dose, k = CL / V;
 *   dR/dt = KIN (1 - IMAX C^g / (IC50^g + C^g)) - KOUT R, R(0) = R0 = KIN / KOUT, by classical RK4 on
 *   steps of at most 0.05 h aligned to every dose and sampling time (C is smooth between them; the
 *   local error ~ (0.05 k)^5 is far below the PD noise).
 * Log-normal IIV on CL, V, KA, R0, KOUT, IC50 (allometric BW on CL and V, COMED on the baseline) and
 * residual error as the fit assumes it (PK combined, PD additive); deterministic by seed (mulberry32 +
 * Box-Muller), so a seed is a fixed file.
 *
 * What `qusop fit` (seed 20251121) returned on these trials before the degeneracy check: seed 1
 * converged with a small peripheral compartment (Q 0.016 L/h, V2 0.34 L; not degenerate); seed 2
 * Q 2.3e13 L/h, V2 0.73 L, "converged: false", information singular, exported and answered; seed 3
 * Q 1.9e31 L/h, V2 0.043 L, 72 of 200 draws non-finite, every float32 prediction NaN (the issue's
 * symptom; the export itself then failed on a non-finite draw).
 */
import { oneCompartmentOral, rk4Aligned, writeEstDataTrial, type Dose } from './estdata-design.js';

/** Typical values (70 kg): the shipped EstData fit's, with V = V1 + V2 in one compartment. */
export const ONE_CMT_TRUTH = {
  CL: 0.0437, V: 8.43, KA: 1.04, R0: 9.98, BETA_COMED_R0: -0.264, KOUT: 0.0149, IMAX: 0.931, IC50: 1.12, GAMMA: 0.949,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.29, V: 0.21, KA: 0.21, R0: 0.21, KOUT: 0.08, IC50: 0.08 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.745 },
} as const;

interface Individual { readonly CL: number; readonly V: number; readonly KA: number; readonly R0: number; readonly KOUT: number; readonly IC50: number }

/** R at each (sorted) time by RK4 aligned to the doses and the times. */
function biomarker(p: Individual, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  const { IMAX, GAMMA } = ONE_CMT_TRUTH;
  const kin = p.R0 * p.KOUT;
  const rate = (t: number, r: number): number => {
    const c = oneCompartmentOral(p, doses, t);
    const inhibition = c > 0 ? IMAX / (1 + (p.IC50 / c) ** GAMMA) : 0;
    return kin * (1 - inhibition) - p.KOUT * r;
  };
  return rk4Aligned(rate, p.R0, doses, times);
}

/** Writes the trial (EstData's rows, observations replaced) to `path`; returns the path. */
export async function writeOneCompartmentTrial(path: string, seed: number): Promise<string> {
  const T = ONE_CMT_TRUTH;
  const w = T.omegaSd;
  return writeEstDataTrial(path, seed, T.sigma, (bw, comed, draw) => {
    const p: Individual = {
      CL: T.CL * bw ** 0.75 * Math.exp(w.CL * draw()),
      V: T.V * bw * Math.exp(w.V * draw()),
      KA: T.KA * Math.exp(w.KA * draw()),
      R0: T.R0 * Math.exp(T.BETA_COMED_R0 * comed + w.R0 * draw()),
      KOUT: T.KOUT * Math.exp(w.KOUT * draw()),
      IC50: T.IC50 * Math.exp(w.IC50 * draw()),
    };
    return { conc: (doses, t) => oneCompartmentOral(p, doses, t), biomarker: (doses, times) => biomarker(p, doses, times) };
  });
}
