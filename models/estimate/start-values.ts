/**
 * Data-driven start values for the population fit: nothing is copied from a particular trial.
 * PK: per-subject NCA (terminal rate, AUC -> clearance, first-dose peak -> central volume, time of
 * peak -> absorption), allometrically normalised to 70 kg and pooled by medians (sparse trials, where no
 * subject has an NCA profile: a naive-pooled grid, start-values-sparse.ts), then refined by a
 * naive-pooled fit of the typical profile (log scale). PD: baselines by COMED group, inhibition at the
 * last dosing interval vs average concentration (-> IMAX, IC50; a single-dose subject: the response's
 * extreme vs the concentration then, start-values-effect.ts), onset half-time (-> KOUT), then a
 * naive-pooled fit with the pooled PK; the effect compartment's KE0 and the indirect responses' KOUT also
 * from a grid on the trial's PD time scale (start-values-ke0.ts, start-values-kout.ts), kept when its least
 * squares beat the onset's. Residual sds start from the naive-pooled residuals (which
 * include the between-subject spread, so they start high and SAEM's annealing brings them down);
 * Omega starts at variance 1 on every random effect (Monolix's default), wide enough to explore.
 */
import { median, quantile } from 'd3-array';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { quantifiedTrial, recordedDoses, simulatorDoses, type Subject, type Trial } from '../ingest/trial.js';
import { clampD1, d1Start } from './zero-order-fit.js';
import { pooledPkScale } from './start-values-sparse.js';
import { InputError } from '../../worker/common/errors.js';
import {
  ALLOMETRY, REFERENCE_BW_KG, individualParameters, toTransformed,
  type FixedEffectName, type PopulationParameters,
} from '../structures/parameters.js';
import { concentrations, type Dose } from '../structures/pk.js';
import { biomarker } from '../structures/pd.js';
import { ESTIMATION_PD_REL_TOL, fixedFromTheta, thetaIndex } from './popmodel-problem.js';
import { auc, logMedian, peak, terminalRate, type Point } from './nca.js';
import { effectFromRatio, loweringSign, singleDoseEffect, startMaxEffectCap, startSlope, startTransitRate } from './start-values-effect.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import { KE0_REFINEMENT_RUNS as GRID_REFINEMENT_RUNS, ke0GridStart } from './start-values-ke0.js';
import { hasTurnoverRate, koutGridStart } from './start-values-kout.js';

/** A predicted concentration of 0 on the log scale (the floor of the pooled PK fit). */
const ZERO = 1e-300;
const LOG_ZERO = Math.log(ZERO);

/** Start variance of every random effect (log scale). */
export const START_OMEGA_VARIANCE = 1;
const LM_ITERATIONS = 25;

const doseList = (s: Subject): Dose[] => simulatorDoses(s);
const points = (obs: readonly { timeH: number; dv: number }[]): Point[] => obs.map((o) => ({ timeH: o.timeH, value: o.dv }));

interface SubjectNca { clKg70: number; vzKg70: number; v1Kg70: number; c0V1Kg70: number; tmaxH: number; lambdaZ: number }

function subjectNca(s: Subject): SubjectNca | null {
  const pts = points(s.pk);
  // a steady-state record's implied history counts for the interval, not as the first dose
  const recorded = recordedDoses(s);
  const first = recorded[0];
  const last = s.doses[s.doses.length - 1];
  if (first === undefined || last === undefined || pts.length < 3) return null;
  const prev = s.doses[s.doses.length - 2];
  const tauH = prev === undefined ? Infinity : last.timeH - prev.timeH;
  const lambdaZ = terminalRate(pts.filter((p) => p.timeH >= last.timeH)) ?? terminalRate(pts);
  if (lambdaZ === null) return null;
  const window = pts.filter((p) => p.timeH >= last.timeH && p.timeH <= last.timeH + tauH);
  const span = window.length > 0 ? (window[window.length - 1]?.timeH ?? 0) - (window[0]?.timeH ?? 0) : 0;
  let cl: number;
  if (Number.isFinite(tauH) && window.length >= 4 && span >= 0.8 * tauH) {
    cl = last.amtMg / auc(window); // steady-state AUC over one interval
  } else {
    const total = recorded.reduce((acc, d) => acc + d.amtMg, 0);
    const lastPoint = pts[pts.length - 1]!;
    cl = total / (auc([{ timeH: first.timeH, value: 0 }, ...pts]) + lastPoint.value / lambdaZ);
  }
  const second = recorded[1];
  const pk1 = peak(pts, first.timeH, second?.timeH ?? Infinity);
  if (!(cl > 0) || pk1 === null || !(pk1.value > 0)) return null;
  const w = s.bwKg / REFERENCE_BW_KG;
  return {
    clKg70: cl / w ** ALLOMETRY.clearance,
    vzKg70: cl / lambdaZ / w ** ALLOMETRY.volume,
    v1Kg70: first.amtMg / pk1.value / w ** ALLOMETRY.volume,
    c0V1Kg70: first.amtMg / (backExtrapolatedC0(pts, first.timeH, second?.timeH ?? Infinity) ?? pk1.value) / w ** ALLOMETRY.volume,
    tmaxH: pk1.timeH,
    lambdaZ,
  };
}

/**
 * An IV bolus's C0: the log-linear line through the first two positive samples after the dose (and
 * before the next), back-extrapolated to the dose time; null when there are not two.
 */
function backExtrapolatedC0(pts: readonly Point[], fromH: number, toH: number): number | null {
  const [a, b] = pts.filter((p) => p.timeH > fromH && p.timeH < toH && p.value > 0);
  if (a === undefined || b === undefined || !(b.timeH > a.timeH)) return null;
  const slope = (Math.log(b.value) - Math.log(a.value)) / (b.timeH - a.timeH);
  // a rising pair (distribution not yet visible, noise): the first sample is the better C0
  return Math.exp(Math.log(a.value) - Math.min(slope, 0) * (a.timeH - fromH));
}

/** KA such that a one-compartment oral profile with elimination k peaks at tmax (bisection). */
function absorptionFromTmax(tmaxH: number, k: number): number {
  const tmaxOf = (ka: number): number => Math.log(ka / k) / (ka - k);
  if (!(tmaxH > 0) || tmaxH >= 1 / k) return 2 * k;
  let lo = k * (1 + 1e-9);
  let hi = k * 1e6;
  for (let i = 0; i < 200; i += 1) {
    const mid = Math.sqrt(lo * hi);
    if (tmaxOf(mid) > tmaxH) lo = mid; else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

/** Naive-pooled least squares over the given theta entries; returns the refined theta. */
function pooledFit(theta: Float64Array, idx: readonly number[], y: readonly number[], predictAll: (t: Float64Array) => Float64Array, bound: number): Float64Array {
  let cacheKey = '';
  let cache: Float64Array = new Float64Array(0);
  const at = (params: number[]): Float64Array => {
    const key = params.join(',');
    if (key !== cacheKey) {
      const t = Float64Array.from(theta);
      idx.forEach((i, q) => { t[i] = params[q] ?? 0; });
      cache = predictAll(t);
      cacheKey = key;
    }
    return cache;
  };
  const start = idx.map((i) => theta[i] ?? 0);
  const fit = levenbergMarquardt({ x: y.map((_, i) => i), y }, (params) => {
    const f = at(params);
    return (x) => f[x] ?? NaN;
  }, {
    initialValues: start, gradientDifference: 1e-4, maxIterations: LM_ITERATIONS, errorTolerance: 1e-10,
    minValues: start.map((v) => v - bound), maxValues: start.map((v) => v + bound),
  });
  const out = Float64Array.from(theta);
  if (fit.parameterValues.every(Number.isFinite)) idx.forEach((i, q) => { out[i] = fit.parameterValues[q] ?? out[i] ?? 0; });
  return out;
}

export interface StartValues {
  readonly population: PopulationParameters;
  /** how each group of values was obtained (for the fit report) */
  readonly notes: readonly string[];
}

export function startValues(data: Trial, structure: Structure = TWO_COMPARTMENT): StartValues {
  // BLQ rows are limits, not values: the start values come from the quantified samples
  const trial = quantifiedTrial(data);
  const notes: string[] = [];
  const active = trial.subjects.filter((s) => s.pk.length > 0 && s.doses.length > 0);
  const perSubject = active.map(subjectNca).filter((x): x is SubjectNca => x !== null);
  // sparse sampling (no subject with the >= 3 post-dose samples NCA needs): a naive-pooled grid over CL, V, KA
  const pooled = perSubject.length > 0 ? null : pooledPkScale(active);
  if (perSubject.length === 0 && pooled === null) throw new InputError(`${trial.file}: no subject has a positive concentration after a dose to derive start values from`, { details: { file: trial.file } });
  const nca: SubjectNca[] = pooled === null ? perSubject : [{ clKg70: pooled.clKg70, vzKg70: pooled.vKg70, v1Kg70: pooled.vKg70, c0V1Kg70: pooled.vKg70, tmaxH: pooled.tmaxH, lambdaZ: pooled.clKg70 / pooled.vKg70 }];
  if (pooled !== null) notes.push(`sparse sampling (no subject has >= 3 samples after a dose): PK scales from a naive-pooled one-compartment grid over ${active.length} subjects`);
  const cl = logMedian(nca.map((n) => n.clKg70));
  const vz = logMedian(nca.map((n) => n.vzKg70));
  // one compartment: its volume is the whole Vz
  // IV: the central volume from C0 back-extrapolation (dose / C0); oral: dose / first peak
  const v1Central = logMedian(nca.map((n) => (structure.route === 'iv' ? n.c0V1Kg70 : n.v1Kg70)));
  const v1 = structure.compartments === 1 ? vz : Math.min(v1Central, 0.9 * vz);
  const v2 = Math.max(vz - v1, 0.1 * vz);
  const ka = absorptionFromTmax(median(nca.map((n) => n.tmaxH)) ?? NaN, cl / v1);
  notes.push(`${pooled === null ? `NCA on ${nca.length} PK subjects` : 'naive-pooled grid'}: CL ${cl.toPrecision(3)} L/h, Vz ${vz.toPrecision(3)} L, V1 ${v1.toPrecision(3)} L${structure.absent.KA !== undefined ? '' : `, KA ${ka.toPrecision(3)} 1/h`} (70 kg)`);

  const theta = new Float64Array(structure.fixedEffects.length);
  const at = (name: FixedEffectName): number => thetaIndex(name, structure);
  const has = (name: FixedEffectName): boolean => at(name) >= 0;
  const set = (name: FixedEffectName, value: number): void => { if (has(name)) theta[at(name)] = toTransformed(name, value); };
  const fixedOf = (t: Float64Array) => fixedFromTheta(t, structure);
  set('CL', cl); set('V1', v1); set('Q', cl); set('V2', v2); set('KA', ka);
  // 3 compartments: the peripheral volume split, the second peripheral a slower, deeper one (the pooled fit below moves them)
  if (has('Q3')) { set('Q', 2 * cl); set('V2', 0.3 * v2); set('Q3', 0.5 * cl); set('V3', 0.7 * v2); }
  // lag: half the median time of the first measurable sample after the first dose (the pooled fit below moves it)
  if (has('D1')) set('D1', d1Start(trial));
  // transit absorption: half the median tmax to the chain (MTT), half to the depot (KA from a first-order tmax of that half)
  if (has('MTT')) {
    const tmax = median(nca.map((n) => n.tmaxH)) ?? NaN;
    set('MTT', Math.max(0.5 * tmax, 0.05));
    set('KA', absorptionFromTmax(0.5 * tmax, cl / v1));
  }
  if (has('ALAG')) set('ALAG', Math.max(0.5 * (median(active.map((s) => (s.pk.find((o) => o.dv > 0 && o.timeH > (recordedDoses(s)[0]?.timeH ?? Infinity))?.timeH ?? NaN) - (recordedDoses(s)[0]?.timeH ?? 0)).filter(Number.isFinite)) ?? 0.5), 0.01));

  // PK: naive-pooled fit of log concentrations (typical subject per BW)
  // samples at or before the first dose are left out: the model predicts 0 there, log 0 = -infinity (a
  // pre-dose level, as theophylline's time-0 samples, would make the log residual and the start sd absurd)
  const afterDose = (s: Subject) => s.pk.filter((o) => o.dv > 0 && o.timeH > (recordedDoses(s)[0]?.timeH ?? Infinity));
  const pkObs = active.flatMap((s) => afterDose(s).map((o) => ({ s, t: o.timeH, y: Math.log(o.dv) })));
  const pkBySubject = active.map((s) => afterDose(s).map((o) => o.timeH));
  const predictPk = (t: Float64Array): Float64Array => {
    const fixed = fixedOf(t);
    const out: number[] = [];
    active.forEach((s, i) => {
      const c = concentrations(individualParameters(fixed, s.bwKg, s.comed, [], structure, s.covariates), doseList(s), pkBySubject[i]!);
      c.forEach((v) => out.push(Math.log(Math.max(v, ZERO))));
    });
    return Float64Array.from(out);
  };
  // saturable elimination: KM at the median observed concentration, VMAX so that at that concentration the
  // saturable route clears 80 % of the NCA clearance (VMAX / (2 KM) = 0.8 CL); the pooled fit below moves them
  if (has('VMAX')) { const km = median(pkObs.map((o) => Math.exp(o.y))) ?? 1; set('CL', 0.2 * cl); set('KM', km); set('VMAX', 1.6 * cl * km); }
  const pkFree = (['CL', 'V1', 'Q', 'V2', 'KA', 'ALAG', 'D1', 'Q3', 'V3', 'MTT', 'VMAX', 'KM'] as const).filter(has).map(at);
  const pkTheta = pooledFit(theta, pkFree, pkObs.map((o) => o.y), predictPk, 4);
  theta.set(pkTheta);
  if (has('D1')) theta[at('D1')] = clampD1(trial, theta[at('D1')] ?? NaN);
  // a sample the typical profile puts at exactly 0 (before the typical lag time: a SAD's 0.25 h sample of
  // a subject absorbing early) has a log residual of ~690 that measures no residual error: left out of the
  // start sd (one such sample among 900 made it 40, and SAEM ran off to a proportional sd of 10^5)
  const pkRes = [...predictPk(theta)].flatMap((f, j) => (f <= LOG_ZERO ? [] : [(pkObs[j]?.y ?? 0) - f]));
  const pkProportional = Math.sqrt(pkRes.reduce((s, r) => s + r * r, 0) / Math.max(pkRes.length, 1));

  const k = structure.etaNames.length;
  const omega = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? START_OMEGA_VARIANCE : 0)));
  const lowPkOf = (): number => quantile(pkObs.map((o) => Math.exp(o.y)), 0.1) ?? 0;
  if (!structure.pd) {
    notes.push('naive-pooled refinement of the PK typical values (log scale)');
    return { population: { fixed: fixedOf(theta), omega, sigma: { pkProportional, pkAdditive: Math.max(pkProportional * lowPkOf(), 1e-9), pdAdditive: 0 } }, notes };
  }

  // PD: baselines by COMED group (observations at or before the first dose; all of a placebo subject's)
  const baseline = new Map<Subject, number>();
  for (const s of trial.subjects) {
    const t0 = s.doses[0]?.timeH ?? Infinity;
    const pre = s.pd.filter((o) => o.timeH <= t0 && o.dv > 0);
    if (pre.length > 0) baseline.set(s, Math.exp(pre.reduce((a, o) => a + Math.log(o.dv), 0) / pre.length));
  }
  const logBase = (comed: 0 | 1): number[] => [...baseline].filter(([s]) => s.comed === comed).map(([, b]) => Math.log(b));
  const b0 = logBase(0);
  const b1 = logBase(1);
  const allBase = [...b0, ...b1];
  // no sample before a first dose (every subject at steady state from an SS=1 record, or dosed before sampling):
  // R0 starts at the geometric mean of every biomarker sample, a start only (SAEM estimates it through the model)
  const treated = allBase.length > 0 ? [] : trial.subjects.flatMap((s) => s.pd.filter((o) => o.dv > 0).map((o) => Math.log(o.dv)));
  if (allBase.length === 0 && treated.length === 0) throw new InputError(`${trial.file}: no positive biomarker value to derive the baseline's start value from`, { details: { file: trial.file } });
  const mean = (xs: readonly number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length;
  const r0 = Math.exp(b0.length > 0 ? mean(b0) : b1.length > 0 ? mean(b1) : mean(treated));
  if (allBase.length === 0) notes.push(`PD: no biomarker sample at or before a subject's first dose: R0 starts at the geometric mean of all ${treated.length} samples (${r0.toPrecision(3)})`);
  const beta = b0.length > 0 && b1.length > 0 ? mean(b1) - mean(b0) : 0;

  // inhibition over each treated subject's last dosing interval against its average concentration
  const inhibition: { f: number; c: number }[] = [];
  const onset: number[] = [];
  for (const s of active) {
    const base = baseline.get(s);
    const last = s.doses[s.doses.length - 1];
    const prev = s.doses[s.doses.length - 2];
    if (base === undefined || last === undefined) continue;
    if (prev === undefined) {
      // one dose: no steady state to read; the response's extreme instead (start-values-effect.ts)
      const x = singleDoseEffect(structure, s, base);
      if (x !== null) { inhibition.push({ f: x.f, c: x.c }); if (x.onsetH !== null) onset.push(x.onsetH); }
      continue;
    }
    const end = last.timeH + (prev === undefined ? 24 : last.timeH - prev.timeH);
    const pdWin = s.pd.filter((o) => o.timeH >= last.timeH && o.timeH <= end);
    const pkWin = s.pk.filter((o) => o.timeH >= last.timeH && o.timeH <= end);
    if (pdWin.length === 0 || pkWin.length === 0) continue;
    const meanPd = mean(pdWin.map((o) => o.dv));
    const f = effectFromRatio(structure, meanPd, base);
    inhibition.push({ f, c: mean(pkWin.map((o) => o.dv)) });
    if (f > 0.2 && s.doses[0]?.steadyState === undefined) {
      // first time the response covers half of the late suppression (or rise: sign)
      const t0 = s.doses[0]?.timeH ?? 0;
      const sign = loweringSign(structure);
      const half = s.pd.find((o) => o.timeH > t0 && o.timeH <= last.timeH && sign * (base - o.dv) >= 0.5 * (sign * (1 - meanPd / base)) * base);
      if (half !== undefined) onset.push(half.timeH - t0);
    }
  }
  const fMax = Math.max(0, ...inhibition.map((x) => x.f));
  const imax = Math.min(Math.max(fMax, 0.1), startMaxEffectCap(structure));
  const ic50s = inhibition.filter((x) => x.f > 0.05 && x.f < 0.95 * imax).map((x) => (x.c * (imax - x.f)) / x.f);
  const ic50 = ic50s.length > 0 ? logMedian(ic50s) : logMedian(inhibition.map((x) => x.c));
  const lambdaZ = logMedian(nca.map((n) => n.lambdaZ));
  const kout = onset.length > 0 ? Math.LN2 / Math.max(median(onset) ?? NaN, 1e-3) : lambdaZ;
  set('R0', r0); set('BETA_COMED_R0', structure.holdComed === true ? 0 : beta); set('KOUT', kout); set('IMAX', imax); set('SMAX', imax);
  // no inhibition read from the data (no treated subject with PD over an interval): IC50 starts at 1
  const ic50Start = Number.isFinite(ic50) && ic50 > 0 ? ic50 : 1;
  set('IC50', ic50Start); set('GAMMA', 1);
  // direct effect (no KOUT): the response's onset half-time is the effect compartment's delay instead
  if (structure.directEffect?.effectCompartment === true) set('KE0', kout);
  // transit chain: its delay from the same onset; direct linear: the change per unit concentration
  set('KTR', startTransitRate(kout)); set('SLOPE', startSlope(inhibition, r0));
  notes.push(`PD: baseline ${r0.toPrecision(3)} (COMED log-ratio ${beta.toFixed(3)}), max inhibition ${fMax.toFixed(2)}, IC50 ${ic50Start.toPrecision(3)}${ic50Start === ic50 ? '' : ' (none read from the data)'}, KOUT ${kout.toPrecision(3)} 1/h`);

  // PD: naive-pooled fit with the pooled PK
  const pdSubjects = trial.subjects.filter((s) => s.pd.length > 0);
  const pdY = pdSubjects.flatMap((s) => s.pd.map((o) => o.dv));
  const predictPd = (t: Float64Array): Float64Array => {
    const fixed = fixedOf(t);
    const out: number[] = [];
    for (const s of pdSubjects) {
      const r = biomarker(individualParameters(fixed, s.bwKg, s.comed, [], structure, s.covariates), doseList(s), s.pd.map((o) => o.timeH), { relTol: ESTIMATION_PD_REL_TOL });
      r.forEach((v) => out.push(v));
    }
    return Float64Array.from(out);
  };
  const pdFree = (['R0', 'BETA_COMED_R0', 'KOUT', 'IMAX', 'IC50', 'GAMMA', 'KE0', 'SMAX', 'SLOPE', 'KTR'] as const).filter(has).map(at);
  const pdSse = (t: Float64Array): number => { const f = predictPd(t); const sse = pdY.reduce((a, y, j) => a + (y - (f[j] ?? NaN)) ** 2, 0); return Number.isFinite(sse) ? sse : Infinity; };
  let pdTheta = pooledFit(theta, pdFree, pdY, predictPd, 4);
  // a grid's best point (start-values-ke0.ts, start-values-kout.ts) refined: each Levenberg-Marquardt run
  // stops after LM_ITERATIONS, so it is restarted while it still gains 1 % and is ahead of the onset's
  // refinement (a dense trial's two runs end in one minimum: no third run); kept when its least squares
  // beat the onset's refinement
  // computed only for the structures with a grid below (one more pass of the PD simulator over every sample)
  const fromOnset = has('KE0') || hasTurnoverRate(structure) ? pdSse(pdTheta) : NaN;
  const refineFrom = (values: Partial<Record<FixedEffectName, number>>): { t: Float64Array; sse: number } => {
    const start = Float64Array.from(theta);
    for (const [name, value] of Object.entries(values) as [FixedEffectName, number][]) if (has(name)) start[at(name)] = toTransformed(name, value);
    let refined: { t: Float64Array; sse: number } = { t: start, sse: pdSse(start) };
    for (let run = 0; run < GRID_REFINEMENT_RUNS; run += 1) {
      const again = pooledFit(refined.t, pdFree, pdY, predictPd, 4);
      const sse = pdSse(again);
      const gain = sse < 0.99 * refined.sse;
      if (sse < refined.sse) refined = { t: again, sse };
      if (!gain || !(refined.sse < fromOnset)) break;
    }
    if (refined.sse < fromOnset) pdTheta = refined.t;
    return refined;
  };
  // effect compartment: the refinement from a grid search over KE0 on the trial's time scale too, the least squares kept (start-values-ke0.ts)
  if (has('KE0')) {
    const grid = ke0GridStart(trial, pdSubjects, fixedOf(theta), structure, startMaxEffectCap(structure));
    const refined = grid === null ? null : refineFrom({ KE0: grid.KE0, IC50: grid.IC50, GAMMA: grid.GAMMA, R0: grid.R0, IMAX: grid.max, SMAX: grid.max });
    if (grid !== null) {
      // outside the grid's range the data cannot place KE0 (start-values-ke0.ts): the start stays at its end
      pdTheta = Float64Array.from(pdTheta);
      pdTheta[at('KE0')] = toTransformed('KE0', Math.min(Math.max(fixedOf(pdTheta).KE0, grid.ke0Range[0]), grid.ke0Range[1]));
    }
    notes.push(`KE0: naive-pooled PD sum of squares ${fromOnset.toPrecision(4)} from the onset's start, ${grid === null || refined === null ? 'no grid (no PD after a dose)' : `${refined.sse.toPrecision(4)} from a grid over ${grid.points} KE0 values on the trial's time scale (best point KE0 ${grid.KE0.toPrecision(3)} 1/h, IC50 ${grid.IC50.toPrecision(3)}, GAMMA ${grid.GAMMA})`}; KE0 ${fixedOf(pdTheta).KE0.toPrecision(3)} 1/h kept`);
  }
  // indirect response: the same from a grid search over KOUT (start-values-kout.ts)
  if (hasTurnoverRate(structure)) {
    const grid = koutGridStart(trial, pdSubjects, fixedOf(theta), structure, startMaxEffectCap(structure));
    // refined only when the grid's point already beats the onset's refinement (a dense trial's onset start
    // is kept without the refinement's cost: 4 runs of the loss types' ODE on every sample)
    const refined = grid === null || !(grid.sse < fromOnset) ? null : refineFrom({ KOUT: grid.KOUT, IC50: grid.IC50, GAMMA: grid.GAMMA, R0: grid.R0, IMAX: grid.max, SMAX: grid.max });
    notes.push(`KOUT: naive-pooled PD sum of squares ${fromOnset.toPrecision(4)} from the onset's start, ${grid === null ? 'no grid (no PD after a dose)' : `${(refined ?? grid).sse.toPrecision(4)} from a grid over ${grid.points} KOUT values on the trial's time scale (best point KOUT ${grid.KOUT.toPrecision(3)} 1/h, IC50 ${grid.IC50.toPrecision(3)}, GAMMA ${grid.GAMMA.toPrecision(3)}, maximal effect ${grid.max.toPrecision(3)}, after a compass search)`}; KOUT ${fixedOf(pdTheta).KOUT.toPrecision(3)} 1/h kept`);
  }
  theta.set(pdTheta);
  const pdRes = predictPd(theta).map((f, j) => (pdY[j] ?? 0) - f);
  const pdAdditive = Math.sqrt(pdRes.reduce((s, r) => s + r * r, 0) / Math.max(pdRes.length, 1));
  const lowPk = lowPkOf();
  notes.push('naive-pooled refinement of PK (log scale) and PD (additive) typical values');

  return {
    population: {
      fixed: fixedOf(theta),
      omega,
      sigma: { pkProportional, pkAdditive: Math.max(pkProportional * lowPk, 1e-9), pdAdditive },
    },
    notes,
  };
}
