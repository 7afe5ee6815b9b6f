/**
 * Test kit: a synthetic oral trial of known truth whose drug has linear + saturable (Michaelis-Menten)
 * elimination (issue 18 §1), simulated here in double precision independently of models/structures/
 * (no Dormand-Prince, no shooting): classical RK4 of depot and central amount with a fixed 0.005 h step,
 * every sampling time on the step grid (local error ~ (0.005 max rate)^5, far below the residual error).
 * Design: N adults (WT uniform 50-100 kg) randomised in turn to one of four single oral doses spanning
 * KM (peaks ~0.5 to ~30 mg/L against KM 4 mg/L), concentrations from 0.5 h to 96 h; log-normal IIV on
 * CL, V and KA (allometric WT on CL, VMAX and V), proportional + additive residual error. Deterministic by seed.
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

export interface MichaelisMentenTruth {
  /** typical values at 70 kg: CL (L/h), V (L), KA (1/h), VMAX (mg/h), KM (mg/L) */
  readonly CL: number; readonly V: number; readonly KA: number; readonly VMAX: number; readonly KM: number;
  readonly omegaSd: { readonly CL: number; readonly V: number; readonly KA: number };
  readonly sigma: { readonly pkProportional: number; readonly pkAdditive: number };
}

// low-concentration clearance CL + VMAX / KM = 6 L/h, at the top dose's peak (~30 mg/L) under 2 L/h: exposure rises ~3x faster than dose
export const MM_TRUTH: MichaelisMentenTruth = { CL: 1, V: 50, KA: 1, VMAX: 20, KM: 4, omegaSd: { CL: 0.3, V: 0.2, KA: 0.3 }, sigma: { pkProportional: 0.1, pkAdditive: 0.005 } };

export const MM_DOSES_MG = [25, 100, 400, 1600];
const TIMES = [0.5, 1, 2, 3, 4, 6, 8, 12, 24, 36, 48, 72, 96];
const H = 0.005;

/** Central concentration at each time (sorted, multiples of H) after one oral dose at 0, by RK4. */
export function mmSingleDose(p: { CL: number; V: number; KA: number; VMAX: number; KM: number }, dose: number, times: readonly number[]): number[] {
  const f = (a0: number, a1: number): [number, number] => {
    const c = a1 / p.V;
    return [-p.KA * a0, p.KA * a0 - p.CL * c - (p.VMAX * c) / (p.KM + c)];
  };
  let [a0, a1] = [dose, 0];
  const out: number[] = [];
  let step = 0;
  for (const t of times) {
    for (const end = Math.round(t / H); step < end; step += 1) {
      const [d1, e1] = f(a0, a1);
      const [d2, e2] = f(a0 + (H / 2) * d1, a1 + (H / 2) * e1);
      const [d3, e3] = f(a0 + (H / 2) * d2, a1 + (H / 2) * e2);
      const [d4, e4] = f(a0 + H * d3, a1 + H * e3);
      a0 += (H / 6) * (d1 + 2 * d2 + 2 * d3 + d4);
      a1 += (H / 6) * (e1 + 2 * e2 + 2 * e3 + e4);
    }
    out.push(a1 / p.V);
  }
  return out;
}

/** Writes the trial (ID, TIME, AMT, DV, EVID, MDV, CMT, WT; doses into the depot, CMT 1; samples CMT 2) to `path`. */
export async function writeMichaelisMentenTrial(path: string, truth: MichaelisMentenTruth, seed: number, subjects = 40): Promise<string> {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,CMT,WT'];
  for (let id = 1; id <= subjects; id += 1) {
    const wt = Number((50 + 50 * u()).toFixed(1));
    const w = wt / 70;
    const dose = MM_DOSES_MG[(id - 1) % MM_DOSES_MG.length] ?? NaN;
    const p = { CL: truth.CL * w ** 0.75 * Math.exp(truth.omegaSd.CL * normal()), V: truth.V * w * Math.exp(truth.omegaSd.V * normal()), KA: truth.KA * Math.exp(truth.omegaSd.KA * normal()), VMAX: truth.VMAX * w ** 0.75, KM: truth.KM };
    const conc = mmSingleDose(p, dose, TIMES);
    rows.push(`${id},0,${dose},.,1,1,1,${wt}`);
    TIMES.forEach((t, i) => {
      const f = conc[i] ?? NaN;
      const dv = f + Math.sqrt(truth.sigma.pkAdditive ** 2 + (truth.sigma.pkProportional * f) ** 2) * normal();
      rows.push(`${id},${t},.,${Number(dv.toPrecision(6))},0,0,2,${wt}`);
    });
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}
