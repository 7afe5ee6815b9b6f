/**
 * The start of the indirect responses' PD (types I-IV, every PK body: the structures with KOUT and a
 * turnover, start-values.ts) from a grid search over KOUT on the trial's own PD time scale, as
 * start-values-ke0.ts does for KE0 (the grids: start-values-pd-grid.ts).
 *
 * Why: KOUT's one direct start, the response's onset half-time, needs a subject with PD samples both in its
 * last dosing interval and during the onset; on a sparse design (2-3 PD samples per subject) there is
 * rarely one and the start fell back to the PK's terminal rate. On the sparse 1cmt-oral-idr trials of the
 * selection bench (truth KOUT 0.03 /h, IMAX 0.9, IC50 1.2, GAMMA 1) that start was 0.0028 and 0.0036 /h, and the
 * naive-pooled refinement from it ended at KOUT 0.0028 (seed 1) and at KOUT 0.195, IC50 6.3, GAMMA 0.30
 * (seed 2); 2cmt-oral-idr's at GAMMA 55, IC50 0.016 (seed 1). The fits themselves mostly recovered from
 * that start (measured, `qusop fit` on those two trials): the simultaneous 1cmt-oral-idr fit's KOUT 0.020
 * from either start (seed 1), the staged selection the same structure; in the PD stage of seed 2 the
 * old start left 1cmt-oral-idr unconverged and 2cmt-oral-idr4 at -2LL 695 (no effect), the grid's
 * start converged both (351, 356).
 *
 * For each KOUT of the rate grid, each IC50 of a grid over the 5-95 % range of the typical subject's
 * concentrations at the PD samples (per weight, COMED and covariates; the pooled PK start) and each GAMMA
 * of GAMMA_GRID, the typical biomarker of every subject is computed by the structure's own simulator
 * (pd.ts). Types I and III (the drug acts on production) are linear in R0 and R0 times the maximal effect
 * (R = R0 b (1 -+ MAX v), v the KOUT-filtered H(C)): one simulation at a reference maximal effect gives v,
 * and both come by least squares in closed form. Types II and IV (the drug acts on the loss rate) are
 * linear in R0 only: the maximal effect is a grid too, the full-effect steady state R / R0 = 1 / (1 - IMAX) or
 * 1 / (1 + SMAX) a factor 2^k from 1 for k in LOSS_EFFECT_EXPONENTS, and R0 comes in closed form.
 * The best point starts the naive-pooled refinement of all PD parameters (start-values.ts), which keeps it
 * or the refinement from the onset's start, whichever has the lesser sum of squares.
 */
import { simulatorDoses, type Subject, type Trial } from '../ingest/trial.js';
import { individualParameters, type FixedEffects } from '../structures/parameters.js';
import { concentrations } from '../structures/pk.js';
import { biomarker } from '../structures/pd.js';
import type { Structure } from '../structures/structure.js';
import { ESTIMATION_PD_REL_TOL } from './popmodel-problem.js';
import { GAMMA_GRID, linearFit, pdRateStarts, potencyGrid, scaleFit } from './start-values-pd-grid.js';

/** Types II and IV: the full-effect steady state R / R0 a factor 2^k from 1 for these k (IMAX = 1 - 2^-k, SMAX = 2^k - 1). */
export const LOSS_EFFECT_EXPONENTS = [0.5, 1, 2, 3, 4];

/** The best grid point: PD typical values on the natural scale and the sum of squares there. */
export interface KoutGridStart {
  readonly KOUT: number; readonly IC50: number; readonly GAMMA: number; readonly R0: number;
  /** IMAX (inhibition) or SMAX (stimulation), within (0, maxCap] */
  readonly max: number;
  readonly sse: number;
  /** KOUT grid points, and the grid's least and greatest KOUT */
  readonly points: number;
  readonly koutRange: readonly [number, number];
}

/** True for the structures this grid serves: a turnover (indirect response) with KOUT. */
export const hasTurnoverRate = (structure: Structure): boolean =>
  structure.pd && structure.directEffect === undefined && structure.transit === undefined && structure.fixedEffects.some((f) => f.name === 'KOUT');

/**
 * The grid search above over `subjects`' PD samples, every other typical value (PK, BETA_COMED_R0) from
 * `fixed`, the maximal effect within [MIN_MAX_EFFECT, maxCap]. Null without a KOUT grid, PD samples or a
 * positive concentration at them.
 */
export function koutGridStart(trial: Trial, subjects: readonly Subject[], fixed: FixedEffects, structure: Structure, maxCap: number): KoutGridStart | null {
  const kouts = pdRateStarts(trial);
  const withPd = subjects.filter((s) => s.pd.length > 0);
  const y = withPd.flatMap((s) => s.pd.map((o) => o.dv));
  if (kouts.length === 0 || y.length === 0) return null;
  const stimulates = structure.fixedEffects.some((f) => f.name === 'SMAX');
  const onLoss = structure.turnover === 'kout-inhibition' || structure.turnover === 'kout-stimulation';
  const gammas = structure.fixedEffects.some((f) => f.name === 'GAMMA') ? GAMMA_GRID : [1];
  const doses = withPd.map((s) => simulatorDoses(s));
  const times = withPd.map((s) => s.pd.map((o) => o.timeH));
  const c = withPd.flatMap((s, i) => [...concentrations(individualParameters(fixed, s.bwKg, s.comed, [], structure, s.covariates), doses[i]!, times[i]!)]);
  const ic50s = potencyGrid(c);
  if (ic50s.length === 0) return null;
  // production (I, III): one reference maximal effect, the actual one by least squares; loss (II, IV): a grid
  const reference = Math.min(1, maxCap);
  const maxes = onLoss
    ? LOSS_EFFECT_EXPONENTS.map((k) => (stimulates ? 2 ** k - 1 : 1 - 2 ** -k)).filter((m) => m <= maxCap)
    : [reference];
  // relative to R0, the typical subject's biomarker: R / R0 (its baseline factor b included)
  const relative = (f: FixedEffects): { u: number[]; b: number[] } => {
    const u: number[] = [];
    const b: number[] = [];
    withPd.forEach((s, i) => {
      const p = individualParameters(f, s.bwKg, s.comed, [], structure, s.covariates);
      biomarker(p, doses[i]!, times[i]!, { relTol: ESTIMATION_PD_REL_TOL }).forEach((r) => { u.push(r / f.R0); b.push(p.R0 / f.R0); });
    });
    return { u, b };
  };
  let best: KoutGridStart | null = null;
  const at = (KOUT: number, IC50: number, GAMMA: number, max: number): KoutGridStart | null => {
    const simulated = onLoss ? max : reference;
    const { u, b } = relative({ ...fixed, KOUT, IC50, GAMMA, IMAX: stimulates ? fixed.IMAX : simulated, SMAX: stimulates ? simulated : fixed.SMAX });
    const point = (R0: number, m: number, sse: number): KoutGridStart | null => (Number.isFinite(sse) && R0 > 0 ? { KOUT, IC50, GAMMA, R0, max: m, sse, points: kouts.length, koutRange: [Math.min(...kouts), Math.max(...kouts)] } : null);
    if (onLoss) {
      const r0 = scaleFit(y, u);
      return point(r0, max, y.reduce((a, v, j) => a + (v - r0 * (u[j] ?? NaN)) ** 2, 0));
    }
    // R / R0 = b + MAX x with x = (u - b) / reference, signed by the direction of the effect
    const fit = linearFit(y, b, u.map((v, j) => (v - (b[j] ?? NaN)) / reference), maxCap);
    return fit === null ? null : point(fit.r0, fit.max, fit.sse);
  };
  // one coordinate at a time: KOUT with the whole potency grid (GAMMA 1, the middle loss effect), then the
  // loss effect, then GAMMA, each pass at the best point of the one before (the full product grid of type I
  // took 11 s on a dense 48-subject trial)
  const scan = (points: readonly { KOUT: number; GAMMA: number; max: number }[], potencies: readonly number[]): void => {
    for (const q of points) {
      for (const IC50 of potencies) {
        const r = at(q.KOUT, IC50, q.GAMMA, q.max);
        if (r !== null && (best === null || r.sse < best.sse)) best = r;
      }
    }
  };
  const middle = maxes[Math.floor((maxes.length - 1) / 2)] ?? reference;
  scan(kouts.map((KOUT) => ({ KOUT, GAMMA: 1, max: middle })), ic50s);
  const after = (): KoutGridStart | null => best;
  let now = after();
  if (now === null) return null;
  // the later passes over the best potency and its two grid neighbours (the compass search below moves it further)
  const near = (ic50: number): number[] => { const i = ic50s.indexOf(ic50); return ic50s.slice(Math.max(i - 1, 0), i + 2); };
  if (onLoss) { const { KOUT, GAMMA, IC50 } = now; scan(maxes.map((max) => ({ KOUT, GAMMA, max })), near(IC50)); now = after() ?? now; }
  { const { KOUT, max, IC50 } = now; scan(gammas.map((GAMMA) => ({ KOUT, GAMMA, max })), near(IC50)); }
  now = after() ?? now;
  return polish(now, (q) => at(q.KOUT, q.IC50, q.GAMMA, q.max), {
    kout: [Math.min(...kouts), Math.max(...kouts)], gamma: gammas.length > 1 ? [GAMMA_GRID[0]!, GAMMA_GRID[GAMMA_GRID.length - 1]!] : [1, 1],
    maxExponent: onLoss ? { stimulates, cap: maxCap } : null,
  });
}

/** The compass search's first step and its least (log2 units: a factor 2^0.5, halved to 2^(1/16)). */
const POLISH_STEPS = [0.5, 0.25, 0.125, 0.0625];
/** At most this many points the compass search evaluates. */
const POLISH_EVALUATIONS = 80;

/**
 * A compass search from the grid's best point over log2 KOUT, log2 IC50, log2 GAMMA and, for the loss types,
 * the full-effect exponent k (IMAX = 1 - 2^-k, SMAX = 2^k - 1): each coordinate moved by +-step while that
 * lowers the sum of squares, the step halved when no move does. Between grid points, where the
 * naive-pooled Levenberg-Marquardt refinement does not always move (finite differences of the loss
 * types' adaptive ODE steps: a sparse IDR IV start stayed at its grid point, 3.5 % above the truth's sum of squares).
 */
function polish(start: KoutGridStart, at: (q: { KOUT: number; IC50: number; GAMMA: number; max: number }) => KoutGridStart | null,
  range: { kout: readonly [number, number]; gamma: readonly [number, number]; maxExponent: { stimulates: boolean; cap: number } | null }): KoutGridStart {
  const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(Math.max(v, lo), hi);
  const m = range.maxExponent;
  const toMax = (k: number): number => (m === null ? NaN : m.stimulates ? 2 ** k - 1 : 1 - 2 ** -k);
  const kOf = (max: number): number => (m === null ? NaN : m.stimulates ? Math.log2(1 + max) : -Math.log2(1 - max));
  const kRange: readonly [number, number] = m === null ? [0, 0] : [0.01, kOf(m.cap)];
  const moves: ((q: KoutGridStart, d: number) => { KOUT: number; IC50: number; GAMMA: number; max: number })[] = [
    (q, d) => ({ ...q, KOUT: clamp(q.KOUT * 2 ** d, range.kout) }),
    (q, d) => ({ ...q, IC50: q.IC50 * 2 ** d }),
    (q, d) => ({ ...q, GAMMA: clamp(q.GAMMA * 2 ** d, range.gamma) }),
    ...(m === null ? [] : [(q: KoutGridStart, d: number) => ({ ...q, max: toMax(clamp(kOf(q.max) + d, kRange)) })]),
  ];
  let best = start;
  let evaluations = 0;
  for (const step of POLISH_STEPS) {
    for (let improved = true; improved && evaluations < POLISH_EVALUATIONS;) {
      improved = false;
      for (const move of moves) {
        for (const d of [-step, step]) {
          if (evaluations >= POLISH_EVALUATIONS) break;
          evaluations += 1;
          const r = at(move(best, d));
          if (r !== null && r.sse < best.sse) { best = r; improved = true; }
        }
      }
    }
  }
  return best;
}
