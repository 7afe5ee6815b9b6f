/**
 * Test kit: a synthetic IV trial of known truth (issue 18 §1), simulated here in double precision
 * independently of models/structures/ (closed-form sums of exponentials per dose):
 *   bolus D:            A1(u) = D (a_alpha e^{-alpha u} + a_beta e^{-beta u})
 *   infusion D over T:  A1(u) = (D / T) sum_lambda a_lambda (1 - e^{-lambda min(u, T)}) e^{-lambda max(u - T, 0)} / lambda
 * with a_alpha = (alpha - k21) / (alpha - beta), a_beta = (k21 - beta) / (alpha - beta) (two compartments),
 * or the single mode lambda = CL / V, a = 1 (one compartment); C = A1 / V1.
 * Design: N adults (WT uniform 50-100 kg), a 100 mg bolus at 0 h and a 100 mg infusion over 2 h at
 * 48 h (RATE = 50 mg/h), or (INFUSION_DOSES) 100 mg infusions over 4 h at 0 and 48 h, concentrations at
 * 0.25-47 h and 48.5-96 h; log-normal IIV on CL and V1
 * (allometric WT), proportional + additive residual error as the fit assumes. Deterministic by seed.
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

export interface IvTruth {
  readonly compartments: 1 | 2;
  /** typical values at 70 kg; Q and V2 unused for one compartment */
  readonly CL: number; readonly V1: number; readonly Q: number; readonly V2: number;
  /** IIV sds (log scale) */
  readonly omegaSd: { readonly CL: number; readonly V1: number };
  readonly sigma: { readonly pkProportional: number; readonly pkAdditive: number };
}

export const IV_TRUTH_1: IvTruth = { compartments: 1, CL: 2, V1: 30, Q: 0, V2: 0, omegaSd: { CL: 0.3, V1: 0.2 }, sigma: { pkProportional: 0.1, pkAdditive: 0.01 } };
export const IV_TRUTH_2: IvTruth = { compartments: 2, CL: 2, V1: 10, Q: 5, V2: 40, omegaSd: { CL: 0.3, V1: 0.2 }, sigma: { pkProportional: 0.1, pkAdditive: 0.01 } };

const TIMES = [0.25, 0.5, 1, 2, 4, 6, 8, 12, 24, 47, 48.5, 49, 50, 51, 52, 54, 56, 60, 72, 96];
type IvDose = { readonly t: number; readonly amt: number; readonly rate: number };
const DOSES: readonly IvDose[] = [{ t: 0, amt: 100, rate: 0 }, { t: 48, amt: 100, rate: 50 }];
/** The `infusions` design: every dose a 100 mg infusion over 4 h (RATE 25 mg/h), at 0 and 48 h. */
export const INFUSION_DOSES: readonly IvDose[] = [{ t: 0, amt: 100, rate: 25 }, { t: 48, amt: 100, rate: 25 }];

/** The modes (rate, amplitude per mg of dose into the central compartment) of an individual. */
export function ivModes(cl: number, v1: number, q: number, v2: number, compartments: 1 | 2): { lambda: number; a: number }[] {
  const k10 = cl / v1;
  if (compartments === 1) return [{ lambda: k10, a: 1 / v1 }];
  const k12 = q / v1, k21 = q / v2;
  const sum = k10 + k12 + k21;
  const disc = Math.sqrt(sum * sum - 4 * k10 * k21);
  const alpha = (sum + disc) / 2, beta = (sum - disc) / 2;
  return [{ lambda: alpha, a: (alpha - k21) / (alpha - beta) / v1 }, { lambda: beta, a: (k21 - beta) / (alpha - beta) / v1 }];
}

function concentration(modes: readonly { lambda: number; a: number }[], t: number, doses: readonly IvDose[] = DOSES): number {
  let c = 0;
  for (const d of doses) {
    const u = t - d.t;
    if (u < 0) continue;
    for (const { lambda, a } of modes) {
      if (d.rate === 0) c += d.amt * a * Math.exp(-lambda * u);
      else {
        const T = d.amt / d.rate;
        c += d.rate * a * (-Math.expm1(-lambda * Math.min(u, T))) * Math.exp(-lambda * Math.max(u - T, 0)) / lambda;
      }
    }
  }
  return c;
}

/** Writes the trial (ID, TIME, AMT, RATE, DV, EVID, MDV, CMT, WT; doses into CMT 1 = the observed one) to `path`. */
export async function writeIvTrial(path: string, truth: IvTruth, seed: number, subjects = 40, doses: readonly IvDose[] = DOSES): Promise<string> {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT'];
  for (let id = 1; id <= subjects; id += 1) {
    const wt = Number((50 + 50 * u()).toFixed(1));
    const w = wt / 70;
    const cl = truth.CL * w ** 0.75 * Math.exp(truth.omegaSd.CL * normal());
    const v1 = truth.V1 * w * Math.exp(truth.omegaSd.V1 * normal());
    const modes = ivModes(cl, v1, truth.Q * w ** 0.75, truth.V2 * w, truth.compartments);
    const events = [
      ...doses.map((d) => ({ t: d.t, row: `${id},${d.t},${d.amt},${d.rate},.,1,1,1,${wt}` })),
      ...TIMES.map((t) => {
        const f = concentration(modes, t, doses);
        const dv = f + Math.sqrt(truth.sigma.pkAdditive ** 2 + (truth.sigma.pkProportional * f) ** 2) * normal();
        return { t, row: `${id},${t},.,.,${Number(dv.toPrecision(6))},0,0,1,${wt}` };
      }),
    ].sort((a, b) => a.t - b.t);
    rows.push(...events.map((e) => e.row));
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}
