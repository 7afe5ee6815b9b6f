/**
 * Test kit: a synthetic PK-only trial of known truth whose oral doses are absorbed through a chain of
 * transit compartments (Savic et al. 2007; issue 18's library, 1cmt-oral-tabs), simulated here in double
 * precision independently of models/structures/ (closed form, no matrix exponential): the chain of 3
 * compartments of rate ktr = 4 / MTT delivers a unit dose into the depot at the Erlang rate
 * ktr^3 s^2 e^{-ktr s} / 2, and a unit depot input at s gives the central amount
 * KA / (KA - k) (e^{-k u} - e^{-KA u}), u = t - s, so
 *   A(t) = ktr^3 KA / (2 (KA - k)) [e^{-k t} M(ktr - k, t) - e^{-KA t} M(ktr - KA, t)],
 *   M(d, t) = int_0^t s^2 e^{-d s} ds = 2 / d^3 (1 - e^{-d t} (1 + d t + (d t)^2 / 2))  (a series for small d t).
 * Design: N adults (WT uniform 50-100 kg), 100 mg at 0 h and 24 h as oral records (CMT 2, a depot),
 * concentrations sampled richly early (0.25-6 h) and to 72 h; log-normal IIV on CL, V (allometric WT) and
 * KA, none on MTT (as the structures assume); proportional + additive residual error. Deterministic by seed.
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

export const TABS_TRUTH = { CL: 2, V: 30, KA: 0.8, MTT: 2, omegaSd: { CL: 0.3, V: 0.2, KA: 0.3 }, sigma: { pkProportional: 0.1, pkAdditive: 0.01 } } as const;

const TIMES = [0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 12, 23.5, 24.5, 25, 26, 27, 28, 30, 36, 48, 72];
const DOSES = [{ t: 0, amt: 100 }, { t: 24, amt: 100 }];

/** int_0^t s^2 e^{-d s} ds for any real d. */
function m2(d: number, t: number): number {
  const x = d * t;
  if (Math.abs(x) < 0.5) {
    // sum_j (-x)^j / (j! (j + 3)) t^3: 30 terms leave < 1e-40
    let term = 1;
    let sum = 0;
    for (let j = 0; j < 30; j += 1) {
      sum += term / (j + 3);
      term *= -x / (j + 1);
    }
    return sum * t ** 3;
  }
  return (2 / d ** 3) * (1 - Math.exp(-x) * (1 + x + (x * x) / 2));
}

/** Central amount t hours after a unit oral dose (0 before it). */
export function unitDoseAmount(cl: number, v: number, ka: number, mtt: number, t: number): number {
  if (t <= 0) return 0;
  const ktr = 4 / mtt;
  const k = cl / v;
  return ((ktr ** 3 * ka) / (2 * (ka - k))) * (Math.exp(-k * t) * m2(ktr - k, t) - Math.exp(-ka * t) * m2(ktr - ka, t));
}

interface Subject { readonly cl: number; readonly v: number; readonly ka: number }

function drawSubject(u: () => number, normal: () => number): { wt: number; s: Subject } {
  const wt = Number((50 + 50 * u()).toFixed(1));
  const w = wt / 70;
  const T = TABS_TRUTH;
  return { wt, s: { cl: T.CL * w ** 0.75 * Math.exp(T.omegaSd.CL * normal()), v: T.V * w * Math.exp(T.omegaSd.V * normal()), ka: T.KA * Math.exp(T.omegaSd.KA * normal()) } };
}

/** Writes the trial (ID, TIME, AMT, RATE, DV, EVID, MDV, CMT, WT) to `path`. */
export async function writeTransitAbsorptionTrial(path: string, seed: number, o: { subjects?: number } = {}): Promise<string> {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT'];
  for (let id = 1; id <= (o.subjects ?? 40); id += 1) {
    const { wt, s } = drawSubject(u, normal);
    const events = [
      ...DOSES.map((d) => ({ t: d.t, row: `${id},${d.t},${d.amt},0,.,1,1,2,${wt}` })),
      ...TIMES.map((t) => {
        const f = DOSES.reduce((c, d) => c + d.amt * unitDoseAmount(s.cl, s.v, s.ka, TABS_TRUTH.MTT, t - d.t), 0) / s.v;
        const dv = f + Math.sqrt(TABS_TRUTH.sigma.pkAdditive ** 2 + (TABS_TRUTH.sigma.pkProportional * f) ** 2) * normal();
        return { t, row: `${id},${t},.,.,${Number(dv.toPrecision(6))},0,0,1,${wt}` };
      }),
    ].sort((a, b) => a.t - b.t);
    rows.push(...events.map((e) => e.row));
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}

/**
 * Steady-state trough (just before a dose) per mg, every tau hours, for n virtual subjects of WT uniform
 * 50-100 kg: the sum of the unit responses of the earlier doses (until they are below 1e-15 of the first).
 */
export function transitAbsorptionTroughPerMg(tauH: number, n: number, seed = 2024): Float64Array {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return Float64Array.from({ length: n }, () => {
    const { s } = drawSubject(u, normal);
    const slowest = Math.min(s.cl / s.v, s.ka, 4 / TABS_TRUTH.MTT);
    const periods = Math.ceil(35 / (slowest * tauH)) + 2;
    let c = 0;
    for (let j = 1; j <= periods; j += 1) c += unitDoseAmount(s.cl, s.v, s.ka, TABS_TRUTH.MTT, j * tauH);
    return c / s.v;
  });
}
