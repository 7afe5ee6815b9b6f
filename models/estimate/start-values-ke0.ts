/**
 * The start of the effect-compartment structures' PD (the `-ke0-` ones: a direct sigmoid Imax or Emax
 * driven by Ce, dCe/dt = KE0 (C - Ce)) from a grid search over the trial's own time scale: for each KE0
 * of a grid, Ce at every PD sample of the typical subject (per weight, COMED and covariates; the pooled
 * PK start), and for each IC50 and GAMMA of a grid the response R0 b_i (1 -+ MAX H(Ce)), H = Ce^g / (IC50^g
 * + Ce^g), is linear in R0 and R0 MAX (b_i the subject's baseline factor), so those two come by least
 * squares in closed form. The grid point with the least sum of squared biomarker residuals starts the
 * naive-pooled refinement of all PD parameters (start-values.ts), which keeps it or the refinement from
 * the onset's start, whichever has the lesser sum of squares.
 *
 * Why: the one KE0 start the data give directly (the response's onset half-time, as KOUT's) needs a
 * subject with PD samples both in its last dosing interval and during the onset; on a sparse design (2-3
 * PD samples per subject) there is rarely one, and the start falls back to the terminal rate of the PK,
 * which can be a factor 10 or more from KE0. The naive-pooled least squares from there traded KE0 against
 * IC50 and GAMMA into a far local minimum (a sparse 1cmt-oral-ke0-imax trial with KE0 0.05 /h: start
 * 0.0048, refined to KE0 0.26, IC50 225, GAMMA 0.15), and the PD stage's SAEM did not leave it. A plain
 * multi-start of that refinement from each grid KE0 was tried first: its Levenberg-Marquardt runs
 * (ml-levenberg-marquardt, 25 iterations) ended erratically, one start at the truth's KE0 among them
 * ending at twice the least sum of squares, so which start won depended on the design.
 *
 * The grids: KE0 = ln 2 / half-lives from the shortest time between a dose and a later quantified PD
 * sample (an equilibration faster than every sampled delay looks like a plasma-driven effect, whose
 * structure is a candidate of its own) to the longest time from the first dose to a PD sample (a slower
 * one is no visible effect at all), log-spaced a factor 2 apart (wider where that would take more than
 * KE0_STARTS_MAX points);
 * IC50 log-spaced over the 5-95 % range of the positive Ce at that KE0 (a potency outside the exposure is
 * not located by the data; the refinement may still move there); GAMMA over GAMMA_GRID (0.125..8, a factor 2
 * apart, inside its bounds 0.05..20). The refinement is restarted from its own result while it
 * lowers the sum of squares by 1 % and stays below the onset's refinement (at most KE0_REFINEMENT_RUNS runs): each run stops after a fixed
 * number of iterations, too few for a slow equilibration on noise-free data (KE0 0.02 /h: 0.0295 after one).
 * The start's KE0 is then kept within the grid's range, where the data can place it (with IIV the
 * naive-pooled refinement of a sparse IV Emax trial ran to KE0 1430 /h, past the degeneracy screen's 1e3).
 */
import { simulatorDoses, type Subject, type Trial } from '../ingest/trial.js';
import { individualParameters, type FixedEffects } from '../structures/parameters.js';
import { effectConcentrations } from '../structures/direct-effect.js';
import type { Structure } from '../structures/structure.js';
import { GAMMA_GRID, RATE_STARTS_MAX, linearFit, pdRateStarts, potencyGrid } from './start-values-pd-grid.js';

export { GAMMA_GRID, pdTimeScale } from './start-values-pd-grid.js';
/** At most this many KE0 grid points. */
export const KE0_STARTS_MAX = RATE_STARTS_MAX;
/** At most this many refinements of all PD parameters from the grid's best point. */
export const KE0_REFINEMENT_RUNS = 4;

/** KE0 grid (1/h): the shared PD rate grid (start-values-pd-grid.ts). */
export const ke0Starts = (trial: Trial): number[] => pdRateStarts(trial);

/** The best grid point: PD typical values on the natural scale and the sum of squares there. */
export interface Ke0GridStart {
  readonly KE0: number; readonly IC50: number; readonly GAMMA: number; readonly R0: number;
  /** IMAX (inhibition) or SMAX (stimulation), within (0, maxCap] */
  readonly max: number;
  readonly sse: number;
  /** KE0 grid points, and the grid's least and greatest KE0 */
  readonly points: number;
  readonly ke0Range: readonly [number, number];
}

/**
 * The grid search above over `subjects`' PD samples, every other typical value (PK, BETA_COMED_R0) from
 * `fixed`; the maximal effect kept within [MIN_MAX_EFFECT, maxCap] (R0 then its least squares alone).
 * Null without a KE0 grid or PD samples. `structure` must be a direct Imax or Emax one with KE0.
 */
export function ke0GridStart(trial: Trial, subjects: readonly Subject[], fixed: FixedEffects, structure: Structure, maxCap: number): Ke0GridStart | null {
  const ke0s = ke0Starts(trial);
  const stimulatory = structure.directEffect?.stimulatory === true;
  const gammas = structure.fixedEffects.some((f) => f.name === 'GAMMA') ? GAMMA_GRID : [1];
  const withPd = subjects.filter((s) => s.pd.length > 0);
  const y = withPd.flatMap((s) => s.pd.map((o) => o.dv));
  if (ke0s.length === 0 || y.length === 0) return null;
  let best: Ke0GridStart | null = null;
  for (const ke0 of ke0s) {
    const f = { ...fixed, KE0: ke0 };
    const b: number[] = [];
    const ce: number[] = [];
    for (const s of withPd) {
      const p = individualParameters(f, s.bwKg, s.comed, [], structure, s.covariates);
      effectConcentrations(p, simulatorDoses(s), s.pd.map((o) => o.timeH)).forEach((c) => { ce.push(c); b.push(p.R0 / fixed.R0); });
    }
    for (const ic50 of potencyGrid(ce)) {
      for (const gamma of gammas) {
        const x2 = ce.map((c, j) => (c > 0 ? (stimulatory ? 1 : -1) * (b[j] ?? NaN) / (1 + (ic50 / c) ** gamma) : 0));
        const fit = linearFit(y, b, x2, maxCap);
        if (fit !== null && (best === null || fit.sse < best.sse)) best = { KE0: ke0, IC50: ic50, GAMMA: gamma, R0: fit.r0, max: fit.max, sse: fit.sse, points: ke0s.length, ke0Range: [Math.min(...ke0s), Math.max(...ke0s)] };
      }
    }
  }
  return best;
}
