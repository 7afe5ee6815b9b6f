/**
 * Test kit: the pieces the synthetic-trial generators in EstData's design share, independent of
 * models/structures/: the one-compartment oral concentration in closed form, RK4 aligned to doses
 * and sampling times, and the rewrite of EstData's rows with each subject's simulated observations
 * (PK combined error, PD additive; parameters drawn first, then one noise draw per observation row).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ESTDATA } from './derived-trial.js';
import { mulberry32 } from './prng.js';

export interface Dose { readonly t: number; readonly amt: number }

export function normals(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** C(t) = sum over doses of D ka / (V (ka - k)) (e^{-k u} - e^{-ka u}), u = t - t_dose, k = CL / V. */
export function oneCompartmentOral(p: { readonly CL: number; readonly V: number; readonly KA: number }, doses: readonly Dose[], t: number): number {
  const k = p.CL / p.V;
  let c = 0;
  for (const d of doses) {
    const u = t - d.t;
    if (u <= 0) continue;
    c += ((d.amt * p.KA) / (p.V * (p.KA - k))) * (Math.exp(-k * u) - Math.exp(-p.KA * u));
  }
  return c;
}

/** y at each of `times` for dy/dt = rate(t, y), y(start) = y0, by classical RK4 on steps <= 0.05 h aligned to every dose and time. */
export function rk4Aligned(rate: (t: number, y: number) => number, y0: number, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  const stops = [...new Set([...doses.map((d) => d.t), ...times])].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let y = y0;
  let now = Math.min(0, stops[0] ?? 0);
  for (const stop of stops) {
    const n = Math.ceil((stop - now) / 0.05);
    const h = n > 0 ? (stop - now) / n : 0;
    for (let i = 0; i < n; i += 1) {
      const t = now + i * h;
      const k1 = rate(t, y);
      const k2 = rate(t + h / 2, y + (h / 2) * k1);
      const k3 = rate(t + h / 2, y + (h / 2) * k2);
      const k4 = rate(t + h, y + h * k3);
      y += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    now = stop;
    out.set(stop, y);
  }
  return out;
}

/** One subject's simulated truth: its concentration at a time and its biomarker at the PD sampling times. */
export interface SubjectTruth {
  conc(doses: readonly Dose[], t: number): number;
  biomarker(doses: readonly Dose[], times: readonly number[]): Map<number, number>;
}

/**
 * Writes EstData's rows with observations replaced to `path`: per subject (file order), `subject(bw / 70,
 * COMED, draw)` draws its parameters; then each observation row gets its value plus residual noise.
 */
export async function writeEstDataTrial(
  path: string,
  seed: number,
  sigma: { readonly pkAdditive: number; readonly pkProportional: number; readonly pdAdditive: number },
  subject: (bwRatio: number, comed: number, draw: () => number) => SubjectTruth,
): Promise<string> {
  const rows = parse(await readFile(ESTDATA, 'utf8'), { skip_empty_lines: true }) as string[][];
  const [header, ...data] = rows;
  if (header === undefined) throw new Error(`${ESTDATA} is empty`);
  const col = (name: string): number => header.indexOf(name);
  const [ID, BW, COMED, TIME, DV, EVID, AMT, DVID] = ['ID', 'BW', 'COMED', 'TIME', 'DV', 'EVID', 'AMT', 'DVID'].map(col) as number[] as [number, number, number, number, number, number, number, number];
  const ids = [...new Set(data.map((r) => r[ID]!))];
  const draw = normals(seed);
  const out = data.map((r) => [...r]);
  for (const id of ids) {
    const rowsOf = out.filter((r) => r[ID] === id);
    const truth = subject(Number(rowsOf[0]![BW]) / 70, Number(rowsOf[0]![COMED]), draw);
    const doses = rowsOf.filter((r) => r[EVID] === '1').map((r) => ({ t: Number(r[TIME]), amt: Number(r[AMT]) }));
    const obs = rowsOf.filter((r) => r[EVID] === '0');
    const pd = truth.biomarker(doses, [...new Set(obs.filter((r) => r[DVID] === '2').map((r) => Number(r[TIME])))]);
    for (const r of obs) {
      const t = Number(r[TIME]);
      let dv: number;
      if (r[DVID] === '1') {
        const f = truth.conc(doses, t);
        dv = f + Math.sqrt(sigma.pkAdditive ** 2 + (sigma.pkProportional * f) ** 2) * draw();
      } else dv = (pd.get(t) ?? NaN) + sigma.pdAdditive * draw();
      r[DV] = String(Number(dv.toPrecision(6)));
    }
  }
  await writeFile(path, [header, ...out].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

/** Rewrites the trial at `from` to `to` (default: in place) without its biomarker rows (DVID 2): a PK-only trial. */
export async function dropBiomarkerRows(from: string, to = from): Promise<string> {
  const lines = (await readFile(from, 'utf8')).trimEnd().split('\n');
  const dvid = lines[0]!.split(',').indexOf('DVID');
  await writeFile(to, `${lines.filter((l, i) => i === 0 || l.split(',')[dvid] !== '2').join('\n')}\n`);
  return to;
}
