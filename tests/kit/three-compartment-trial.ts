/**
 * Test kit: a synthetic 3-compartment IV trial of known truth (issue 18 §1), simulated here in double
 * precision independently of models/structures/ (no cubic, no divided differences): the modes of an
 * individual are the eigenpairs of the symmetrized system matrix, found by Jacobi rotations,
 *   S = [[k10 + k12 + k13, -sqrt(k12 k21), -sqrt(k13 k31)], [., k21, 0], [., 0, k31]],
 * rate lambda_i = eigenvalue, amplitude per mg into the central compartment a_i = v_i[0]^2 / V1; a bolus
 * D gives C = D sum a_i e^{-lambda_i u}, an infusion the closed-form integral (as iv-trial.ts).
 * Design (rich sampling, so the slow third phase is seen): N adults (WT uniform 50-100 kg), a 100 mg
 * bolus at 0 h and a 100 mg infusion over 2 h at 72 h, concentrations from 0.1 h to 240 h; log-normal
 * IIV on CL and V1 (allometric WT), proportional + additive residual error. Deterministic by seed.
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

export interface ThreeCompartmentTruth {
  /** typical values at 70 kg (L/h, L) */
  readonly CL: number; readonly V1: number; readonly Q: number; readonly V2: number; readonly Q3: number; readonly V3: number;
  readonly omegaSd: { readonly CL: number; readonly V1: number };
  readonly sigma: { readonly pkProportional: number; readonly pkAdditive: number };
}

// half-lives ~0.3 h, ~5 h and ~4 days: three well separated phases
export const IV_TRUTH_3: ThreeCompartmentTruth = { CL: 2, V1: 10, Q: 8, V2: 20, Q3: 2, V3: 150, omegaSd: { CL: 0.3, V1: 0.2 }, sigma: { pkProportional: 0.1, pkAdditive: 0.002 } };

const TIMES = [0.1, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24, 36, 48, 71, 72.5, 73, 74, 75, 76, 78, 84, 96, 120, 168, 240];
const DOSES = [{ t: 0, amt: 100, rate: 0 }, { t: 72, amt: 100, rate: 50 }];

/** Eigenvalues and eigenvectors (columns of V) of a symmetric 3 x 3 matrix by cyclic Jacobi rotations. */
function jacobi3(m: number[][]): { values: number[]; vectors: number[][] } {
  const a = m.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep += 1) {
    const off = Math.abs(a[0]![1]!) + Math.abs(a[0]![2]!) + Math.abs(a[1]![2]!);
    if (off === 0) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = a[p]![q]!;
      if (apq === 0) continue;
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < 3; k += 1) { // A <- A J
        const akp = a[k]![p]!, akq = a[k]![q]!;
        a[k]![p] = c * akp - s * akq; a[k]![q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k += 1) { // A <- J^T A
        const apk = a[p]![k]!, aqk = a[q]![k]!;
        a[p]![k] = c * apk - s * aqk; a[q]![k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k += 1) {
        const vkp = v[k]![p]!, vkq = v[k]![q]!;
        v[k]![p] = c * vkp - s * vkq; v[k]![q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0]![0]!, a[1]![1]!, a[2]![2]!], vectors: v };
}

/** The modes (rate, amplitude per mg of dose into the central compartment) of an individual. */
export function threeCompartmentModes(cl: number, v1: number, q: number, v2: number, q3: number, v3: number): { lambda: number; a: number }[] {
  const k10 = cl / v1, k12 = q / v1, k21 = q / v2, k13 = q3 / v1, k31 = q3 / v3;
  const b2 = -Math.sqrt(k12 * k21), b3 = -Math.sqrt(k13 * k31);
  const { values, vectors } = jacobi3([[k10 + k12 + k13, b2, b3], [b2, k21, 0], [b3, 0, k31]]);
  return values.map((lambda, i) => ({ lambda, a: (vectors[0]![i]! ** 2) / v1 }));
}

export function concentration3(modes: readonly { lambda: number; a: number }[], t: number): number {
  let c = 0;
  for (const d of DOSES) {
    const u = t - d.t;
    if (u < 0) continue;
    for (const { lambda, a } of modes) {
      if (d.rate === 0) c += d.amt * a * Math.exp(-lambda * u);
      else {
        const T = d.amt / d.rate;
        c += (d.rate * a * -Math.expm1(-lambda * Math.min(u, T)) * Math.exp(-lambda * Math.max(u - T, 0))) / lambda;
      }
    }
  }
  return c;
}

/** Writes the trial (ID, TIME, AMT, RATE, DV, EVID, MDV, CMT, WT; doses into CMT 1 = the observed one) to `path`. */
export async function writeThreeCompartmentTrial(path: string, truth: ThreeCompartmentTruth, seed: number, subjects = 40): Promise<string> {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT'];
  for (let id = 1; id <= subjects; id += 1) {
    const wt = Number((50 + 50 * u()).toFixed(1));
    const w = wt / 70;
    const cl = truth.CL * w ** 0.75 * Math.exp(truth.omegaSd.CL * normal());
    const v1 = truth.V1 * w * Math.exp(truth.omegaSd.V1 * normal());
    const modes = threeCompartmentModes(cl, v1, truth.Q * w ** 0.75, truth.V2 * w, truth.Q3 * w ** 0.75, truth.V3 * w);
    const events = [
      ...DOSES.map((d) => ({ t: d.t, row: `${id},${d.t},${d.amt},${d.rate},.,1,1,1,${wt}` })),
      ...TIMES.map((t) => {
        const f = concentration3(modes, t);
        const dv = f + Math.sqrt(truth.sigma.pkAdditive ** 2 + (truth.sigma.pkProportional * f) ** 2) * normal();
        return { t, row: `${id},${t},.,.,${Number(dv.toPrecision(6))},0,0,1,${wt}` };
      }),
    ].sort((a, b) => a.t - b.t);
    rows.push(...events.map((e) => e.row));
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}
