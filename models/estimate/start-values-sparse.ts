/**
 * PK start values for sparsely sampled trials (one or two samples per subject, as in most phase 2/3 and
 * neonatal studies): when no subject has the >= 3 post-dose samples per-subject NCA needs, the typical CL,
 * V and KA come from a naive-pooled grid search instead. Every subject's samples are predicted from its
 * own dosing history by the one-compartment model (first-order absorption; IV doses go to the central
 * compartment as the dose events say), allometrically scaled to 70 kg like the fit, and the grid point
 * with the least sum of squared log residuals wins. The grid is centred on crude scales read from the data
 * (CL from dose per interval over the median concentration, V from the median first dose over the
 * highest concentration, both scaled to 70 kg by the median weight) and spans 4^-3 .. 4^3 around them, wide enough that the naive-pooled
 * refinement in start-values.ts (bounded to +-4 on the log scale) starts in the right basin.
 */
import { max, median } from 'd3-array';
import type { Subject } from '../ingest/trial.js';
import { recordedDoses, simulatorDoses } from '../ingest/trial.js';
import { ALLOMETRY, REFERENCE_BW_KG, individualParameters, toTransformed, type FixedEffectName } from '../structures/parameters.js';
import { concentrations } from '../structures/pk.js';
import { ONE_COMPARTMENT_PK } from '../structures/structure.js';
import { fixedFromTheta, thetaIndex } from './popmodel-problem.js';

/** The pooled typical values at 70 kg (the same quantities per-subject NCA gives). */
export interface PooledPkScale {
  readonly clKg70: number;
  readonly vKg70: number;
  readonly kaPerH: number;
  /** the one-compartment oral tmax of (CL, V, KA) */
  readonly tmaxH: number;
}

const GRID_STEPS = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3].map((e) => 4 ** e);
const KA_GRID = [0.1, 0.3, 1, 3, 10];

/** Sum of squared log residuals of the one-compartment model with (cl, v, ka) at 70 kg over every positive post-dose sample. */
function pooledSse(subjects: readonly Subject[], cl: number, v: number, ka: number): number {
  const s1 = ONE_COMPARTMENT_PK;
  const theta = new Float64Array(s1.fixedEffects.length);
  const set = (name: FixedEffectName, value: number): void => { const i = thetaIndex(name, s1); if (i >= 0) theta[i] = toTransformed(name, value); };
  set('CL', cl); set('V1', v); set('KA', ka);
  const fixed = fixedFromTheta(theta, s1);
  let sse = 0;
  for (const s of subjects) {
    const first = recordedDoses(s)[0]?.timeH ?? Infinity;
    const obs = s.pk.filter((o) => o.dv > 0 && o.timeH > first);
    if (obs.length === 0) continue;
    const c = concentrations(individualParameters(fixed, s.bwKg, s.comed, [], s1, s.covariates), simulatorDoses(s), obs.map((o) => o.timeH));
    obs.forEach((o, j) => { const r = Math.log(o.dv) - Math.log(Math.max(c[j] ?? 0, 1e-300)); sse += r * r; });
  }
  return sse;
}

/** Crude scales from the data: dose per interval over the median concentration (CL), first dose over the highest concentration (V). */
function crudeScales(subjects: readonly Subject[]): { cl: number; v: number } {
  const conc = subjects.flatMap((s) => s.pk.filter((o) => o.dv > 0).map((o) => o.dv));
  const firstDose = median(subjects.map((s) => recordedDoses(s)[0]?.amtMg ?? NaN).filter((x) => x > 0)) ?? 1;
  const intervals = subjects.flatMap((s) => s.doses.slice(1).map((d, i) => d.timeH - (s.doses[i]?.timeH ?? d.timeH))).filter((x) => x > 0);
  // one dose: the span the samples cover stands in for the interval
  const tau = median(intervals) ?? median(subjects.flatMap((s) => s.pk.map((o) => o.timeH - (recordedDoses(s)[0]?.timeH ?? 0))).filter((x) => x > 0)) ?? 24;
  const medianConc = median(conc) ?? 1;
  // d3's max, not Math.max(...conc): a spread of a large trial's samples overflows the call stack
  const maxConc = Math.max(max(conc) ?? 0, 1e-12);
  // at 70 kg, as the grid's values are (a neonatal trial's raw scales are 10-50x below)
  const w = (median(subjects.map((s) => s.bwKg)) ?? REFERENCE_BW_KG) / REFERENCE_BW_KG;
  return { cl: firstDose / (medianConc * tau) / w ** ALLOMETRY.clearance, v: firstDose / maxConc / w ** ALLOMETRY.volume };
}

/** The naive-pooled grid's best (CL, V, KA), or null when no subject has a positive post-dose sample. */
export function pooledPkScale(subjects: readonly Subject[]): PooledPkScale | null {
  const used = subjects.filter((s) => s.doses.length > 0 && s.pk.some((o) => o.dv > 0 && o.timeH > (recordedDoses(s)[0]?.timeH ?? Infinity)));
  if (used.length === 0) return null;
  const crude = crudeScales(used);
  let best = { sse: Infinity, cl: crude.cl, v: crude.v, ka: 1 };
  for (const fc of GRID_STEPS) {
    for (const fv of GRID_STEPS) {
      for (const ka of KA_GRID) {
        const cl = crude.cl * fc;
        const v = crude.v * fv;
        const sse = pooledSse(used, cl, v, ka);
        if (sse < best.sse) best = { sse, cl, v, ka };
      }
    }
  }
  const k = best.cl / best.v;
  const tmaxH = Math.abs(best.ka - k) < 1e-12 ? 1 / k : Math.log(best.ka / k) / (best.ka - k);
  return { clKg70: best.cl, vKg70: best.v, kaPerH: best.ka, tmaxH };
}
