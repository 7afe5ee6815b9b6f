/**
 * Test kit: a synthetic zero-order absorption trial of known truth (issue 18 §1, NONMEM RATE = -2),
 * simulated here in double precision independently of models/structures/ (one compartment, closed form):
 *   a dose D over d hours:  C(u) = (D / d) (1 - e^{-k min(u, d)}) e^{-k max(u - d, 0)} / (k V),  k = CL / V.
 * Design: N adults (WT uniform 50-100 kg), 100 mg at 0 h and 24 h written with RATE = -2 into CMT 1 (the
 * observed compartment), concentrations at 0.5-23.5 h and 24.5-72 h; log-normal IIV on CL and V
 * (allometric WT), none on D1 (as the structures assume); proportional + additive residual error.
 * `oral: true` writes the same doses as plain oral records (RATE 0, CMT 2 = a depot) for the structures
 * forced on an oral trial. Deterministic by seed. `zeroOrderTroughPerMg` is the steady-state trough of the
 * same model per mg of dose, for the true minimal dose of a concentration question.
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

export const ZO_TRUTH = { CL: 2, V: 30, D1: 3, omegaSd: { CL: 0.3, V: 0.2 }, sigma: { pkProportional: 0.1, pkAdditive: 0.01 } } as const;

const TIMES = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 6, 8, 12, 23.5, 24.5, 25, 26, 27, 28, 30, 36, 48, 72];
const DOSES = [{ t: 0, amt: 100 }, { t: 24, amt: 100 }];

function concentration(cl: number, v: number, t: number): number {
  const k = cl / v;
  const d = ZO_TRUTH.D1;
  return DOSES.reduce((c, x) => {
    const u = t - x.t;
    return u <= 0 ? c : c + ((x.amt / d) * -Math.expm1(-k * Math.min(u, d)) * Math.exp(-k * Math.max(u - d, 0))) / (k * v);
  }, 0);
}

/** Writes the trial (ID, TIME, AMT, RATE, DV, EVID, MDV, CMT, WT) to `path`. */
export async function writeZeroOrderTrial(path: string, seed: number, o: { subjects?: number; oral?: boolean } = {}): Promise<string> {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT'];
  const [rate, doseCmt] = o.oral === true ? [0, 2] : [-2, 1];
  for (let id = 1; id <= (o.subjects ?? 40); id += 1) {
    const wt = Number((50 + 50 * u()).toFixed(1));
    const w = wt / 70;
    const cl = ZO_TRUTH.CL * w ** 0.75 * Math.exp(ZO_TRUTH.omegaSd.CL * normal());
    const v = ZO_TRUTH.V * w * Math.exp(ZO_TRUTH.omegaSd.V * normal());
    const events = [
      ...DOSES.map((d) => ({ t: d.t, row: `${id},${d.t},${d.amt},${rate},.,1,1,${doseCmt},${wt}` })),
      ...TIMES.map((t) => {
        const f = concentration(cl, v, t);
        const dv = f + Math.sqrt(ZO_TRUTH.sigma.pkAdditive ** 2 + (ZO_TRUTH.sigma.pkProportional * f) ** 2) * normal();
        return { t, row: `${id},${t},.,.,${Number(dv.toPrecision(6))},0,0,1,${wt}` };
      }),
    ].sort((a, b) => a.t - b.t);
    rows.push(...events.map((e) => e.row));
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}

/** Steady-state trough (just before a dose) per mg, every tau hours, for n virtual subjects of WT uniform 50-100 kg. */
export function zeroOrderTroughPerMg(tauH: number, n: number, seed = 2024): Float64Array {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const d = ZO_TRUTH.D1;
  return Float64Array.from({ length: n }, () => {
    const w = (50 + 50 * u()) / 70;
    const cl = ZO_TRUTH.CL * w ** 0.75 * Math.exp(ZO_TRUTH.omegaSd.CL * normal());
    const v = ZO_TRUTH.V * w * Math.exp(ZO_TRUTH.omegaSd.V * normal());
    const k = cl / v;
    // the input ended tau - d hours ago; the sum over all earlier inputs is the geometric series 1 / (1 - e^{-k tau})
    return ((1 / d) * -Math.expm1(-k * d) * Math.exp(-k * (tauH - d))) / (k * v) / -Math.expm1(-k * tauH);
  });
}
