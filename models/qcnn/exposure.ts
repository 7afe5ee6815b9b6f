/**
 * The QCNN's exposure input: the fitted population PK model (a `qusop fit` card of the shipped
 * structure, by default models/estdata/qd.model.json) evaluated by the library's own trajectory graph
 * (models/export/trajectory-graph.ts, no PK rewritten here) on a 64-point steady-state window
 * t_n = n tau / 64, n = 0..63. Training evaluates it for the trial's subjects at the typical values
 * (eta = 0, theta = the card's draw 0, the estimate); the exported graph contains the same nodes, so
 * a virtual subject's window comes from its own eta and the replicate's theta draw.
 *
 * Amplitude encoding: a = (c + DELTA) / ||c + DELTA|| (DELTA = 1e-6 mg/L keeps a placebo window, all
 * zeros, a valid state: the uniform one). The norm itself, the exposure scale, enters the readout
 * classically as ln ||c + DELTA|| (standardised): amplitude encoding discards it, and the dose acts
 * through it.
 */
import * as ort from 'onnxruntime-node';
import { InputError } from '../../worker/common/errors.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import type { RegimenGrid } from '../export/time-grid.js';
import { buildTrajectoryGraph, POPULATION_FAMILY } from '../export/trajectory-graph.js';
import { DIM } from './circuit.js';

export const DELTA_MG_L = 1e-6;

/** The 64-point windows [0, tau) of each regimen. */
export const QCNN_GRIDS: { readonly qd: RegimenGrid; readonly qw: RegimenGrid } = {
  qd: { name: 'QD', tag: 'qd', tauH: 24, timesH: Array.from({ length: DIM }, (_, n) => (n * 24) / DIM) },
  qw: { name: 'QW', tag: 'qw', tauH: 168, timesH: Array.from({ length: DIM }, (_, n) => (n * 168) / DIM) },
};

export interface SubjectRow {
  readonly doseMg: number;
  readonly bwKg: number;
  readonly comed: number;
}

/** The PK card must be a fit of the shipped structure without extra covariates (its theta layout is that graph's). */
export function checkPkCard(pk: LoadedModel): void {
  const c = pk.card;
  if (c.family !== POPULATION_FAMILY || c.inputs.covariates.length !== 3 || c.inputs.eta === undefined || c.inputs.theta === undefined) {
    throw new InputError(`--pk ${pk.cardPath}: the QCNN reads its PK from a fit of the shipped structure (family ${POPULATION_FAMILY}, covariates dose, bw, comed, eta and theta); this card is ${c.family} with covariates [${c.inputs.covariates.join(', ')}]`, {
      details: { file: pk.cardPath, field: 'family' },
    });
  }
}

/** conc [N, 64] (mg/L, float32) of `rows` at eta = 0 and theta = the card's draw 0. */
export async function typicalWindows(pk: LoadedModel, grid: RegimenGrid, rows: readonly SubjectRow[]): Promise<Float32Array> {
  const etaDim = pk.card.inputs.eta?.dim ?? 0;
  const theta = pk.card.inputs.theta?.draws[0] ?? [];
  const N = rows.length;
  const session = await ort.InferenceSession.create(encodeModel(buildTrajectoryGraph(grid)), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  try {
    const f = (pick: (r: SubjectRow) => number) => new ort.Tensor('float32', Float32Array.from(rows, pick), [N]);
    const out = await session.run({
      dose: f((r) => r.doseMg), bw: f((r) => r.bwKg), comed: f((r) => r.comed),
      eta: new ort.Tensor('float32', new Float32Array(N * etaDim), [N, etaDim]),
      theta: new ort.Tensor('float32', Float32Array.from({ length: N * theta.length }, (_, i) => theta[i % theta.length] ?? NaN), [N, theta.length]),
    }, ['conc']);
    return Float32Array.from(out['conc']?.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Amplitudes [N, 64] and ln-norms [N] of windows [N, 64], in float32 arithmetic as the graph does it. */
export function encodeWindows(conc: Float32Array): { amps: Float32Array; lnNorm: Float32Array } {
  const N = conc.length / DIM;
  const amps = new Float32Array(N * DIM);
  const lnNorm = new Float32Array(N);
  for (let b = 0; b < N; b += 1) {
    const row = Float32Array.from(conc.subarray(b * DIM, (b + 1) * DIM), (c) => c + DELTA_MG_L);
    let ss = 0;
    for (const v of row) ss = Math.fround(ss + Math.fround(v * v));
    const norm = Math.fround(Math.sqrt(ss));
    for (let i = 0; i < DIM; i += 1) amps[b * DIM + i] = Math.fround((row[i] ?? 0) / norm);
    lnNorm[b] = Math.fround(Math.log(norm));
  }
  return { amps, lnNorm };
}
