/**
 * The last degeneracy check of a fit (models/estimate/degeneracy.ts): the float32 steady-state graphs
 * the sweep would run, built in memory and evaluated on the fit's own subjects (their BW, COMED and
 * conditional modes, at the point estimate) and on every parameter-uncertainty draw (typical subject,
 * 70 kg), over doses 0.05-5000 mg (10 per decade: the answer grids QD 0.5-40 and QW 5-400 mg and three
 * doublings of their stops, with a decade to spare below). Any NaN/Inf there would fail a run's tiles
 * ("pd has N non-finite value(s)"), so it makes the fit degenerate.
 */
import * as ort from 'onnxruntime-node';
import { trialInfusionH, type Trial } from '../../models/ingest/trial.js';
import type { FitResult } from '../../models/estimate/fit.js';
import { nonFinitePredictions, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { covariateInputs, effectsOf } from '../../models/structures/covariate-effects.js';
import { structureOfFit, type Structure } from '../../models/structures/structure.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { REGIMEN_GRIDS, type RegimenGrid } from '../../models/export/time-grid.js';
import { withInfusion } from '../../models/export/infusion-regimen.js';
import { choleskyLower, packTheta, thetaSize } from '../../models/structures/parameters.js';

interface Rows { dose: number[]; bw: number[]; comed: number[]; z: number[]; theta: number[]; extra: Record<string, number[]> }

/** z with L z = eta (forward substitution); a zero pivot (variance ~0) gives z = 0 there. */
export function standardNormalOf(eta: readonly number[], lower: readonly number[]): number[] {
  const K_ETA = Math.round(Math.sqrt(lower.length)); // lower is K x K row-major
  const z: number[] = [];
  for (let i = 0; i < K_ETA; i += 1) {
    let s = eta[i] ?? 0;
    for (let j = 0; j < i; j += 1) s -= (lower[i * K_ETA + j] ?? 0) * (z[j] ?? 0);
    const d = lower[i * K_ETA + i] ?? 0;
    z.push(d > 0 ? s / d : 0);
  }
  return z;
}

/** 0.05 to 5000 mg, 10 log-spaced doses per decade. */
export const CHECK_DOSES_MG: readonly number[] = Array.from({ length: 51 }, (_, i) => Number((0.05 * 10 ** (i / 10)).toPrecision(3)));

function rowsFor(trial: Trial, fit: FitResult, draws: readonly (readonly number[])[], doses: readonly number[]): Rows {
  const structure = structureOfFit(fit);
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [], extra: Object.fromEntries(covariateInputs(structure).map((c) => [c.name, []])) };
  // declared covariates: each subject's own; for the draws' typical subject, each effect's reference (or level)
  const typical = Object.fromEntries(effectsOf(structure).map((e) => [e.covariate, e.reference ?? e.level ?? 0]));
  let covs: Readonly<Record<string, number>> = typical;
  const point = packTheta(fit.population, structure);
  const lower = choleskyLower(fit.population.omega);
  const add = (dose: number, bw: number, comed: number, z: readonly number[], theta: readonly number[]): void => {
    rows.dose.push(dose); rows.bw.push(bw); rows.comed.push(comed); rows.z.push(...z); rows.theta.push(...theta);
    for (const [name, xs] of Object.entries(rows.extra)) xs.push(covs[name] ?? NaN);
  };
  trial.subjects.forEach((s, i) => {
    const z = standardNormalOf(fit.individual[i]?.eta ?? [], lower);
    covs = s.covariates ?? {};
    for (const d of doses) add(d, s.bwKg, s.comed, z, point);
  });
  covs = typical;
  const zero = new Array<number>(structure.etaNames.length).fill(0);
  for (const theta of draws) for (const d of doses) add(d, 70, 0, zero, theta);
  return rows;
}

async function countNonFinite(grid: RegimenGrid, rows: Rows, structure: Structure): Promise<{ bad: number; total: number }> {
  // the graph holds no fitted number (the card does), so it is built without a card to validate
  const session = await ort.InferenceSession.create(encodeModel(buildTrajectoryGraph(grid, structure)), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const B = rows.dose.length;
    const t = (xs: number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(xs), dims);
    const out = await session.run({ dose: t(rows.dose, [B]), bw: t(rows.bw, [B]), comed: t(rows.comed, [B]), eta: t(rows.z, [B, structure.etaNames.length]), theta: t(rows.theta, [B, thetaSize(structure)]), ...Object.fromEntries(Object.entries(rows.extra).map(([n, xs]) => [n, t(xs, [B])])) });
    let bad = 0;
    let total = 0;
    for (const name of ['pd', 'conc']) {
      const data = out[name]?.data as Float32Array | undefined;
      if (data === undefined) continue; // a PK-only graph has no pd
      total += data.length;
      for (const v of data) if (!Number.isFinite(v)) bad += 1;
    }
    return { bad, total };
  } finally {
    await session.release();
  }
}

/** Problems (at most one per regimen) from non-finite outputs of the fit's graphs. */
export async function graphPredictionProblems(trial: Trial, fit: FitResult, draws: readonly (readonly number[])[]): Promise<DegeneracyProblem[]> {
  const out: DegeneracyProblem[] = [];
  // a non-finite draw (e.g. logit IMAX = Infinity: IMAX estimated at 1) cannot even be written to a card
  const usable = draws.filter((d) => d.length === thetaSize(structureOfFit(fit)) && d.every(Number.isFinite));
  if (usable.length < draws.length) out.push({ kind: 'non-finite-prediction', parameter: 'uncertainty draws', value: draws.length - usable.length, message: `${draws.length - usable.length} of ${draws.length} parameter-uncertainty draws not finite` });
  for (const regimen of ['qd', 'qw'] as const) {
    const doses = CHECK_DOSES_MG;
    // the graphs the cards will hold: an infused trial's regimen where the structure sweeps one
    const grid = withInfusion(REGIMEN_GRIDS[regimen], structureOfFit(fit), trialInfusionH(trial));
    const { bad, total } = await countNonFinite(grid, rowsFor(trial, fit, usable, doses), structureOfFit(fit));
    const p = nonFinitePredictions(`${regimen.toUpperCase()} steady-state graph (float32) over the fit's ${trial.subjects.length} subjects and ${usable.length} uncertainty draws at ${doses[0]}-${doses[doses.length - 1]} mg`, bad, total);
    if (p !== undefined) out.push(p);
  }
  return out;
}
