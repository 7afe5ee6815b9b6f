/**
 * Trial designs other than EstData's for the library selection bench (library-trial.ts writes them and
 * fills in the simulated DV): NONMEM-layout lines as `qusop data` reads them, built from the truth's
 * route and PD and a seeded design stream (subjects' weights, COMED, sampling times).
 *
 * - `sad`: a single-ascending-dose study, 5 cohorts x 8 subjects at 1, 3, 10, 30, 100 mg (one dose
 *   each, no multiple dosing), rich sampling from 0.25 h to 5 terminal half-lives of the truth's typical
 *   subject (at least 48 h), a biomarker baseline before the dose for PK/PD truths.
 * - `sparse`: a population design, 120 subjects at 3, 10, 30 mg QD for 28 days (one dose record with
 *   II=24, ADDL=27), 2-4 samples each on distinct days among 1, 2, 7, 14, 21, 28 at a uniform random
 *   time 0.5-23.5 h after that day's dose, a biomarker baseline before the first dose for PK/PD truths.
 *
 * Both: body weight log-normal (median 75 kg, 18 % CV, within 45-130 kg, whole kg); COMED (Bernoulli
 * 0.4) only where the truth's PD has its COMED effect on the baseline, no COMED column otherwise;
 * concentrations with an LLOQ column (the assay limit: 2 x the truth's additive PK error SD) and a
 * BLQ column the writer sets where the simulated value falls below it (fitted by the M3 likelihood).
 * The truths' questions anchor at 10 mg QD / 100 mg QW (library-true-dose.ts), so these fixed dose
 * levels bracket the answers for every truth.
 */
import { mulberry32 } from '../../tests/kit/prng.js';
import type { LibraryTruth } from './library-truths.js';

export type TrialDesign = 'estdata' | 'sad' | 'sparse';
export const TRIAL_DESIGNS: readonly TrialDesign[] = ['estdata', 'sad', 'sparse'];

export const DESIGN_HEADER = ['ID', 'TIME', 'AMT', 'II', 'ADDL', 'EVID', 'MDV', 'CMT', 'DVID', 'DV', 'LLOQ', 'BLQ', 'BW'] as const;
const SAD_DOSES_MG = [1, 3, 10, 30, 100];
const SAD_PER_COHORT = 8;
const SAD_TIMES_H = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 144, 168, 216, 264, 336, 408, 504, 672, 840, 1008, 1344];
const SPARSE_DOSES_MG = [3, 10, 30];
const SPARSE_SUBJECTS = 120;
const SPARSE_DAYS = 28;
const SPARSE_VISIT_DAYS = [1, 2, 7, 14, 21, 28];

/** The typical subject's terminal half-life (h) of the truth's PK (1 or 2 compartments). */
export function terminalHalfLifeH(t: LibraryTruth): number {
  const f = t.truth.fixed;
  const k10 = f.CL / f.V1;
  if (t.structure.compartments === 1) return Math.LN2 / k10;
  const k12 = f.Q / f.V1;
  const k21 = f.Q / f.V2;
  const sum = k10 + k12 + k21;
  const beta = (sum - Math.sqrt(sum * sum - 4 * k10 * k21)) / 2;
  return Math.LN2 / beta;
}

/** The SAD's sampling times (h after the dose): the schedule up to 5 half-lives, at least 48 h. */
export function sadTimesH(t: LibraryTruth): number[] {
  const end = Math.max(48, 5 * terminalHalfLifeH(t));
  const kept = SAD_TIMES_H.filter((x) => x <= end);
  const next = SAD_TIMES_H.find((x) => x > end);
  // the first scheduled time at or past 5 half-lives closes the schedule
  return next === undefined ? kept : [...kept, next];
}

interface Ctx { readonly t: LibraryTruth; readonly u: () => number; readonly normal: () => number }

function ctxOf(t: LibraryTruth, seed: number): Ctx {
  // the design stream is its own (the simulator's draws come from Philox with the trial seed)
  const u = mulberry32((seed ^ 0x5eed_d351) >>> 0);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { t, u, normal };
}

const usesComed = (t: LibraryTruth): boolean => t.structure.pd && (t.truth.fixed.BETA_COMED_R0 ?? 0) !== 0;

/** The header of the truth's design: COMED only where the truth uses it. */
export function designHeader(t: LibraryTruth): string[] {
  return usesComed(t) ? [...DESIGN_HEADER, 'COMED'] : [...DESIGN_HEADER];
}

/** Lines of one subject (no header): doses and observations in time order, covariates on every row. */
function subjectLines(c: Ctx, id: number, dose: { amt: number; ii: number; addl: number }, pkTimes: readonly number[], pdBaseline: boolean): string[] {
  const { t, u, normal } = c;
  const bw = Math.round(Math.min(130, Math.max(45, 75 * Math.exp(0.18 * normal()))));
  const comed = u() < 0.4 ? 1 : 0;
  const lloq = Number((2 * t.truth.sigma.pkAdditive).toPrecision(3));
  const doseCmt = t.structure.route === 'oral' ? 1 : 2;
  const cov = (): string[] => (usesComed(t) ? [String(bw), String(comed)] : [String(bw)]);
  const row = (time: number, amt: number, ii: number, addl: number, evid: number, cmt: number, dvid: number, rowLloq: string): string =>
    [id, time, amt, ii, addl, evid, evid === 1 ? 1 : 0, cmt, dvid, 0, rowLloq, 0, ...cov()].join(',');
  const out: string[] = [];
  if (t.structure.pd && pdBaseline) out.push(row(0, 0, 0, 0, 0, 3, 2, '.'));
  out.push(row(0, dose.amt, dose.ii, dose.addl, 1, doseCmt, 0, '.'));
  for (const time of pkTimes) {
    out.push(row(time, 0, 0, 0, 0, 2, 1, String(lloq)));
    if (t.structure.pd) out.push(row(time, 0, 0, 0, 0, 3, 2, '.'));
  }
  return out;
}

/** The design's lines, header first (no trailing newline); DV 0 and BLQ 0 until the writer fills them. */
export function syntheticDesignLines(t: LibraryTruth, design: Exclude<TrialDesign, 'estdata'>, seed: number): string[] {
  const c = ctxOf(t, seed);
  const lines = [designHeader(t).join(',')];
  if (design === 'sad') {
    const times = sadTimesH(t);
    SAD_DOSES_MG.forEach((mg, k) => {
      for (let j = 0; j < SAD_PER_COHORT; j += 1) lines.push(...subjectLines(c, k * SAD_PER_COHORT + j + 1, { amt: mg, ii: 0, addl: 0 }, times, true));
    });
    return lines;
  }
  for (let i = 0; i < SPARSE_SUBJECTS; i += 1) {
    const mg = SPARSE_DOSES_MG[i % SPARSE_DOSES_MG.length]!;
    const n = 2 + Math.floor(c.u() * 3);
    const days = [...SPARSE_VISIT_DAYS].map((d) => ({ d, key: c.u() })).sort((a, b) => a.key - b.key).slice(0, n).map((x) => x.d).sort((a, b) => a - b);
    const times = days.map((d) => (d - 1) * 24 + Number((0.5 + 23 * c.u()).toFixed(2)));
    lines.push(...subjectLines(c, i + 1, { amt: mg, ii: 24, addl: SPARSE_DAYS - 1 }, times, true));
  }
  return lines;
}
