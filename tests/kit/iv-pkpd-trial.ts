/**
 * Test kit: a synthetic IV bolus (or infusion) PK/PD trial of known truth (issue 18 §1), simulated here in double
 * precision independently of models/structures/: one-compartment IV PK in closed form (a bolus D gives
 * C(u) = D / V e^{-k u}, k = CL / V) and an indirect response I biomarker
 *   dR/dt = KIN (1 - IMAX C^g / (IC50^g + C^g)) - KOUT R,  R(0) = R0 = KIN / KOUT,
 * by classical RK4 on steps of at most 0.05 h aligned to every dose and sampling time; C jumps at a
 * bolus, so a step starts at C(t+) and ends at C((t + h)-) (local error ~ (0.05 max(k, KOUT))^5, far
 * below the noise). Design: N adults (WT uniform 50-100 kg, no COMED column), four daily boluses at
 * 0, 24, 48, 72 h of 50, 200, 800 or 1600 mg by subject (the range reaches well above IC50, so
 * both the potency and the maximal inhibition are informed: up to 400 mg, IMAX was 0.99 +- 0.08),
 * concentrations and biomarker samples over the first and the last interval (biomarker also at 0 h,
 * the baseline). Log-normal IIV on CL, V, R0, KOUT, IC50 (allometric WT on CL and V), PK proportional
 * + additive, PD additive residual error; deterministic by seed (mulberry32 + Box-Muller).
 */
import { writeFile } from 'node:fs/promises';
import { mulberry32 } from './prng.js';

/** Typical values (70 kg) and variability. */
export const IV_PKPD_TRUTH = {
  CL: 2, V: 30, R0: 10, KOUT: 0.1, IMAX: 0.9, IC50: 2, GAMMA: 1,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.3, V: 0.2, R0: 0.15, KOUT: 0.2, IC50: 0.3 },
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.4 },
} as const;

export interface IvPkPdIndividual { readonly CL: number; readonly V: number; readonly R0: number; readonly KOUT: number; readonly IC50: number }

const DOSE_TIMES = [0, 24, 48, 72];
const DOSE_LEVELS = [50, 200, 800, 1600];
const PK_TIMES = [0.25, 2, 6, 12, 23.5, 72.25, 74, 78, 84, 95.5];
const PD_TIMES = [0, 2, 6, 12, 24, 48, 72, 74, 78, 84, 96];

/** C (mg/L) at t after boluses of `doseMg` at `doseTimes`: `side` -1 takes the left limit at a dose time. */
export function ivConcentration(p: IvPkPdIndividual, doseMg: number, doseTimes: readonly number[], t: number, side: -1 | 1 = 1): number {
  const k = p.CL / p.V;
  let c = 0;
  for (const td of doseTimes) if (side > 0 ? td <= t : td < t) c += (doseMg / p.V) * Math.exp(-k * (t - td));
  return c;
}

/** The inhibition of production at C. */
export function inhibitionOf(p: IvPkPdIndividual, c: number): number {
  const { IMAX, GAMMA } = IV_PKPD_TRUTH;
  return c > 0 ? IMAX / (1 + (p.IC50 / c) ** GAMMA) : 0;
}

/**
 * R from `from` (value r0 there) to each of the sorted `stops` by RK4 (steps <= maxStepH aligned to the
 * stops, which must include every dose time in between); returns R at each stop.
 */
export function rk4Turnover(p: IvPkPdIndividual, conc: (t: number, side: -1 | 1) => number, from: number, r0: number, stops: readonly number[], maxStepH = 0.05): number[] {
  const kin = p.R0 * p.KOUT;
  const f = (t: number, r: number, side: -1 | 1): number => kin * (1 - inhibitionOf(p, conc(t, side))) - p.KOUT * r;
  const out: number[] = [];
  let r = r0;
  let now = from;
  for (const stop of stops) {
    const n = Math.ceil((stop - now) / maxStepH);
    const h = n > 0 ? (stop - now) / n : 0;
    for (let i = 0; i < n; i += 1) {
      const t = now + i * h;
      const k1 = f(t, r, 1);
      const k2 = f(t + h / 2, r + (h / 2) * k1, 1);
      const k3 = f(t + h / 2, r + (h / 2) * k2, 1);
      const k4 = f(t + h, r + h * k3, -1);
      r += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    now = stop;
    out.push(r);
  }
  return out;
}

/**
 * C (mg/L) at t after zero-order infusions of `doseMg` over `durationH` hours starting at `doseTimes`
 * (one compartment, closed form: rising as (rate / CL)(1 - e^{-k u}) during an infusion, falling as
 * e^{-k u} after it; continuous, so no side is needed).
 */
export function ivInfusionConcentration(p: IvPkPdIndividual, doseMg: number, durationH: number, doseTimes: readonly number[], t: number): number {
  const k = p.CL / p.V;
  const plateau = doseMg / durationH / p.CL;
  let c = 0;
  for (const td of doseTimes) {
    const u = t - td;
    if (u <= 0) continue;
    c += u < durationH ? plateau * -Math.expm1(-k * u) : plateau * -Math.expm1(-k * durationH) * Math.exp(-k * (u - durationH));
  }
  return c;
}

/**
 * Writes the trial (ID, TIME, AMT, RATE, DV, EVID, MDV, CMT, DVID, WT; doses into CMT 1, the observed one)
 * to `path`: boluses, or with `infusionH` > 0 infusions of that many hours (RATE = AMT / infusionH; the
 * RK4 of the biomarker then also stops at each infusion's end, where C has a kink).
 */
export async function writeIvPkPdTrial(path: string, seed: number, subjects = 30, infusionH = 0): Promise<string> {
  const T = IV_PKPD_TRUTH;
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,DVID,WT'];
  for (let id = 1; id <= subjects; id += 1) {
    const wt = Number((50 + 50 * u()).toFixed(1));
    const w = wt / 70;
    const p: IvPkPdIndividual = {
      CL: T.CL * w ** 0.75 * Math.exp(T.omegaSd.CL * normal()),
      V: T.V * w * Math.exp(T.omegaSd.V * normal()),
      R0: T.R0 * Math.exp(T.omegaSd.R0 * normal()),
      KOUT: T.KOUT * Math.exp(T.omegaSd.KOUT * normal()),
      IC50: T.IC50 * Math.exp(T.omegaSd.IC50 * normal()),
    };
    const dose = DOSE_LEVELS[(id - 1) % DOSE_LEVELS.length] ?? NaN;
    const conc = (t: number, side: -1 | 1): number => (infusionH > 0 ? ivInfusionConcentration(p, dose, infusionH, DOSE_TIMES, t) : ivConcentration(p, dose, DOSE_TIMES, t, side));
    const ends = infusionH > 0 ? DOSE_TIMES.map((t) => t + infusionH) : [];
    const stops = [...new Set([...DOSE_TIMES, ...ends, ...PD_TIMES])].sort((a, b) => a - b);
    const rAt = new Map(rk4Turnover(p, conc, 0, p.R0, stops).map((r, i) => [stops[i], r]));
    const events = [
      // at a shared time the sample comes first (a pre-dose sample), then the dose
      ...PD_TIMES.map((t) => ({ t, o: 0, row: `${id},${t},.,.,${Number(((rAt.get(t) ?? NaN) + T.sigma.pdAdditive * normal()).toPrecision(6))},0,0,2,2,${wt}` })),
      ...PK_TIMES.map((t) => {
        const c = conc(t, 1);
        const dv = c + Math.sqrt(T.sigma.pkAdditive ** 2 + (T.sigma.pkProportional * c) ** 2) * normal();
        return { t, o: 0, row: `${id},${t},.,.,${Number(dv.toPrecision(6))},0,0,1,1,${wt}` };
      }),
      ...DOSE_TIMES.map((t) => ({ t, o: 1, row: `${id},${t},${dose},${infusionH > 0 ? dose / infusionH : 0},.,1,1,1,.,${wt}` })),
    ].sort((a, b) => a.t - b.t || a.o - b.o);
    rows.push(...events.map((e) => e.row));
  }
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}
