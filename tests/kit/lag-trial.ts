/**
 * Test kit: a PK-only synthetic trial in EstData's design whose oral doses are absorbed after a lag:
 * the one-compartment drug of one-compartment-trial.ts with each dose entering the depot LAG_TRUTH
 * hours after it is given (no IIV on the lag), biomarker rows removed. Simulated here in double
 * precision, independently of models/structures/ (the closed form of estdata-design.ts at t - lag).
 */
import { oneCompartmentOral, writeEstDataTrial, dropBiomarkerRows } from './estdata-design.js';
import { ONE_CMT_TRUTH } from './one-compartment-trial.js';

export const LAG_TRUTH = 0.75;

export async function writeLagTrial(path: string, seed: number): Promise<string> {
  const T = ONE_CMT_TRUTH;
  const w = T.omegaSd;
  await writeEstDataTrial(path, seed, T.sigma, (bw, _comed, draw) => {
    const p = { CL: T.CL * bw ** 0.75 * Math.exp(w.CL * draw()), V: T.V * bw * Math.exp(w.V * draw()), KA: T.KA * Math.exp(w.KA * draw()) };
    return {
      conc: (doses, t) => oneCompartmentOral(p, doses.map((d) => ({ ...d, t: d.t + LAG_TRUTH })), t),
      biomarker: (_doses, times) => new Map(times.map((t) => [t, 0])),
    };
  });
  return dropBiomarkerRows(path);
}
