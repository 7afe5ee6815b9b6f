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
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ESTDATA } from './derived-trial.js';
import { mulberry32 } from './prng.js';

/** Typical values (70 kg): EstData's PK in one compartment; a delayed, potent direct inhibition. */
export const DIRECT_EFFECT_TRUTH = {
  CL: 0.0437, V: 8.43, KA: 1.04, R0: 9.98, BETA_COMED_R0: -0.264, IMAX: 0.9, IC50: 1.5, GAMMA: 1.3, KE0: 0.05,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.29, V: 0.21, KA: 0.21, R0: 0.15, IC50: 0.2 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.5 },
} as const;

export interface DirectEffectIndividual { readonly CL: number; readonly V: number; readonly KA: number; readonly E0: number; readonly IC50: number }
interface Dose { readonly t: number; readonly amt: number }

function normals(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function concentration(p: DirectEffectIndividual, doses: readonly Dose[], t: number): number {
  const k = p.CL / p.V;
  let c = 0;
  for (const d of doses) {
    const u = t - d.t;
    if (u <= 0) continue;
    c += ((d.amt * p.KA) / (p.V * (p.KA - k))) * (Math.exp(-k * u) - Math.exp(-p.KA * u));
  }
  return c;
}

/** The direct effect of an effect-site concentration. */
export function effectOf(p: DirectEffectIndividual, ce: number): number {
  const { IMAX, GAMMA } = DIRECT_EFFECT_TRUTH;
  return p.E0 * (1 - (ce > 0 ? IMAX / (1 + (p.IC50 / ce) ** GAMMA) : 0));
}

/** Ce at each (sorted) time by RK4 aligned to the doses and the times. */
export function effectSite(p: DirectEffectIndividual, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  const ke0 = DIRECT_EFFECT_TRUTH.KE0;
  const rate = (t: number, ce: number): number => ke0 * (concentration(p, doses, t) - ce);
  const stops = [...new Set([...doses.map((d) => d.t), ...times])].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let ce = 0;
  let now = Math.min(0, stops[0] ?? 0);
  for (const stop of stops) {
    const n = Math.ceil((stop - now) / 0.05);
    const h = n > 0 ? (stop - now) / n : 0;
    for (let i = 0; i < n; i += 1) {
      const t = now + i * h;
      const k1 = rate(t, ce);
      const k2 = rate(t + h / 2, ce + (h / 2) * k1);
      const k3 = rate(t + h / 2, ce + (h / 2) * k2);
      const k4 = rate(t + h, ce + h * k3);
      ce += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    now = stop;
    out.set(stop, ce);
  }
  return out;
}

/** Writes the trial (EstData's rows, observations replaced) to `path`; returns the path. */
export async function writeDirectEffectTrial(path: string, seed: number): Promise<string> {
  const rows = parse(await readFile(ESTDATA, 'utf8'), { skip_empty_lines: true }) as string[][];
  const [header, ...data] = rows;
  if (header === undefined) throw new Error(`${ESTDATA} is empty`);
  const col = (name: string): number => header.indexOf(name);
  const [ID, BW, COMED, TIME, DV, EVID, AMT, DVID] = ['ID', 'BW', 'COMED', 'TIME', 'DV', 'EVID', 'AMT', 'DVID'].map(col) as number[] as [number, number, number, number, number, number, number, number];
  const ids = [...new Set(data.map((r) => r[ID]!))];
  const draw = normals(seed);
  const T = DIRECT_EFFECT_TRUTH;
  const w = T.omegaSd;
  const out = data.map((r) => [...r]);
  for (const id of ids) {
    const rowsOf = out.filter((r) => r[ID] === id);
    const bw = Number(rowsOf[0]![BW]) / 70;
    const comed = Number(rowsOf[0]![COMED]);
    const p: DirectEffectIndividual = {
      CL: T.CL * bw ** 0.75 * Math.exp(w.CL * draw()),
      V: T.V * bw * Math.exp(w.V * draw()),
      KA: T.KA * Math.exp(w.KA * draw()),
      E0: T.R0 * Math.exp(T.BETA_COMED_R0 * comed + w.R0 * draw()),
      IC50: T.IC50 * Math.exp(w.IC50 * draw()),
    };
    const doses = rowsOf.filter((r) => r[EVID] === '1').map((r) => ({ t: Number(r[TIME]), amt: Number(r[AMT]) }));
    const obs = rowsOf.filter((r) => r[EVID] === '0');
    const ce = effectSite(p, doses, [...new Set(obs.filter((r) => r[DVID] === '2').map((r) => Number(r[TIME])))]);
    for (const r of obs) {
      const t = Number(r[TIME]);
      let dv: number;
      if (r[DVID] === '1') {
        const f = concentration(p, doses, t);
        dv = f + Math.sqrt(T.sigma.pkAdditive ** 2 + (T.sigma.pkProportional * f) ** 2) * draw();
      } else dv = effectOf(p, ce.get(t) ?? NaN) + T.sigma.pdAdditive * draw();
      r[DV] = String(Number(dv.toPrecision(6)));
    }
  }
  await writeFile(path, [header, ...out].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}
