/**
 * Test kit: a PK-only synthetic trial in EstData's design whose drug follows TWO-compartment oral
 * kinetics with a mild peripheral compartment (small V2 and Q next to V1 and CL): the concentrations
 * bend a little after the peak, so a 1- and a 2-compartment fit both describe them and both get BIC
 * weight (the model-averaging tests: tests/e2e/model-average.test.ts).
 *
 * Simulated here in double precision, independently of models/structures/, in closed form:
 *   C(u) = D ka / V1 * sum over the roots r in {alpha, beta, ka} of c_r e^{-r u}, u = t - t_dose, with
 *   alpha, beta the roots of s^2 - (k10 + k12 + k21) s + k10 k21 (k10 = CL/V1, k12 = Q/V1, k21 = Q/V2),
 *   c_alpha = (k21 - alpha) / ((ka - alpha)(beta - alpha)), c_beta = (k21 - beta) / ((ka - beta)(alpha - beta)),
 *   c_ka = (k21 - ka) / ((alpha - ka)(beta - ka)).
 * Log-normal IIV on CL, V1, KA (allometric BW on CL, Q, V1, V2), PK combined residual error; the
 * biomarker rows are dropped (PK-only: fits take seconds). Deterministic by seed.
 *
 * Measured with `qusop fit` (seed 20251121) on seed 1 while choosing these values (V1 6.5 L, CL 0.0437 L/h):
 * Q 0.06 / V2 2.5 gives BIC 1cmt -837.8 vs 2cmt -1474.8 (no 1cmt weight); Q 0.02 / V2 0.4: -1537.4 vs
 * -1544.9 (1cmt weight 0.023); Q 0.04 / V2 0.5: -1541.9 vs -1545.8, weights 0.125 / 0.875 (the default);
 * V2 0.3 and below: the 2-compartment fit runs V2 under its plausible range (degenerate).
 */
import { writeEstDataTrial, type Dose, dropBiomarkerRows } from './estdata-design.js';

export const TWO_CMT_TRUTH = {
  CL: 0.0437, V1: 6.5, Q: 0.04, V2: 0.5, KA: 1.04,
  omegaSd: { CL: 0.29, V1: 0.21, KA: 0.21 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.745 },
} as const;

export interface TwoCmtIndividual { readonly CL: number; readonly V1: number; readonly Q: number; readonly V2: number; readonly KA: number }

/** The oral 2-compartment concentration at t after the doses (closed form above). */
export function twoCompartmentOral(p: TwoCmtIndividual, doses: readonly Dose[], t: number): number {
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q / p.V2;
  const sum = k10 + k12 + k21;
  const disc = Math.sqrt(sum * sum - 4 * k10 * k21);
  const alpha = (sum + disc) / 2, beta = (sum - disc) / 2, ka = p.KA;
  const ca = (k21 - alpha) / ((ka - alpha) * (beta - alpha));
  const cb = (k21 - beta) / ((ka - beta) * (alpha - beta));
  const ck = (k21 - ka) / ((alpha - ka) * (beta - ka));
  let c = 0;
  for (const d of doses) {
    const u = t - d.t;
    if (u <= 0) continue;
    c += ((d.amt * ka) / p.V1) * (ca * Math.exp(-alpha * u) + cb * Math.exp(-beta * u) + ck * Math.exp(-ka * u));
  }
  return c;
}

/** Writes the PK-only trial (EstData's rows without the biomarker rows) to `path`; returns the path. */
export async function writeTwoCompartmentPkTrial(path: string, seed: number, truth: typeof TWO_CMT_TRUTH = TWO_CMT_TRUTH): Promise<string> {
  const T = truth;
  const w = T.omegaSd;
  await writeEstDataTrial(path, seed, T.sigma, (bw, _comed, draw) => {
    const p: TwoCmtIndividual = {
      CL: T.CL * bw ** 0.75 * Math.exp(w.CL * draw()),
      V1: T.V1 * bw * Math.exp(w.V1 * draw()),
      Q: T.Q * bw ** 0.75,
      V2: T.V2 * bw,
      KA: T.KA * Math.exp(w.KA * draw()),
    };
    return { conc: (doses, t) => twoCompartmentOral(p, doses, t), biomarker: (_doses, times) => new Map(times.map((t) => [t, 0])) };
  });
  return dropBiomarkerRows(path);
}
