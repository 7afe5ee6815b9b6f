/**
 * A trained QCNN as two p_success cards, `qcnn-qd` and `qcnn-qw` (ONNX + `.model.json`): the same
 * weights on the QD (tau 24 h) and QW (tau 168 h) 64-point windows. Inputs, eta and theta are the PK
 * card's (a virtual subject's window comes from its own PK; replicate r uses the PK fit's draw r), the
 * output is P(success) for biomarker max <= the training threshold. No wall-clock figure on the cards:
 * the same trial and seed give the same bytes.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import type { SubjectSummary } from '../baselines/last-window.js';
import type { RegimenGrid } from '../export/time-grid.js';
import { hardwareReport, resources } from '../qlstm/hardware.js';
import { CIRCUIT_PARAMS, gateRefs, QUBITS } from './circuit.js';
import { QCNN_GRIDS } from './exposure.js';
import { READOUT_NAMES, type QcnnInputs } from './network.js';
import { buildQcnnGraph, P_SUCCESS_OUTPUT } from './onnx-graph.js';
import { DOSE_LADDER_MG, LAMBDA_MONO, LEARNING_RATE, predict, type TrainedQcnn } from './training.js';

export const QCNN_MODEL_VERSION = '1.0.0';
export const QCNN_FAMILY = 'qcnn-success';

export interface QcnnTraining {
  readonly trained: TrainedQcnn;
  readonly seed: number;
  readonly epochs: number;
  readonly thresholdNgMl: number;
  readonly data: { readonly file: string; readonly sha256: string };
  readonly pk: { readonly name: string; readonly sha256: string; readonly cardPath: string; readonly etaDim: number; readonly eta: ModelCard['inputs']['eta']; readonly theta: ModelCard['inputs']['theta'] };
  readonly train: { readonly subjects: readonly SubjectSummary[]; readonly x: QcnnInputs; readonly y: Float32Array };
  readonly heldOut: { readonly subjects: readonly SubjectSummary[]; readonly x: QcnnInputs; readonly y: Float32Array } | undefined;
  readonly split: Record<string, unknown> | undefined;
}

export interface QcnnArtifact {
  readonly onnxBytes: Uint8Array;
  readonly card: ModelCard;
}

const round = (v: number, digits = 6): number => Number(v.toPrecision(digits));

/** Brier score and accuracy (p >= 0.5 vs the label) of the typical-window predictions. */
function scores(t: TrainedQcnn, s: { x: QcnnInputs; y: Float32Array }): { n: number; brier: number; accuracy: number; observed_rate: number; mean_p: number } {
  const p = predict(t, s.x);
  const n = s.y.length;
  let brier = 0, hits = 0, obs = 0, mean = 0;
  p.forEach((v, i) => {
    const y = s.y[i] ?? NaN;
    brier += (v - y) ** 2;
    hits += (v >= 0.5 ? 1 : 0) === y ? 1 : 0;
    obs += y;
    mean += v;
  });
  return { n, brier: round(brier / n), accuracy: round(hits / n), observed_rate: round(obs / n), mean_p: round(mean / n) };
}

function description(grid: RegimenGrid, threshold: number): string {
  return `QCNN success classifier (${grid.name}): P(biomarker max <= ${threshold} ng/mL over the steady-state window) per virtual subject, from its PK window at 64 points ` +
    `(the fitted population PK model) amplitude-encoded on ${QUBITS} qubits, a convolution/pooling circuit (${CIRCUIT_PARAMS} angles) and a classical readout of <Z> with the exposure scale, COMED and BW (${READOUT_NAMES.length} weights). ` +
    'Curves are mean probabilities with the replicate band: a Clopper-Pearson band over summed probabilities is not valid.';
}

export function qcnnArtifact(t: QcnnTraining, grid: RegimenGrid): QcnnArtifact {
  const name = `qcnn-${grid.tag}`;
  const onnxBytes = encodeModel(buildQcnnGraph(grid, t.trained));
  const hardware = hardwareReport('the QCNN circuit, once per virtual subject (amplitude-encoding state preparation not counted)', resources(QUBITS, gateRefs()), CIRCUIT_PARAMS,
    'preparing an arbitrary 64-amplitude state takes up to ~2^6 CNOTs on hardware, far beyond the circuit itself; the readout needs <Z> of qubits 0 and 2 (shots), not simulated here');
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name,
    family: QCNN_FAMILY,
    version: QCNN_MODEL_VERSION,
    test_model: false,
    description: description(grid, t.thresholdNgMl),
    onnx: `${name}.onnx`,
    sha256: createHash('sha256').update(onnxBytes).digest('hex'),
    regimen: { name: grid.name, tau_h: grid.tauH, window_start_h: 0 },
    time_grid_h: [...grid.timesH],
    inputs: { covariates: ['dose', 'bw', 'comed'], ...(t.pk.eta === undefined ? {} : { eta: t.pk.eta }), ...(t.pk.theta === undefined ? {} : { theta: t.pk.theta }) },
    outputs: { pd: null, [P_SUCCESS_OUTPUT]: P_SUCCESS_OUTPUT },
    success_event: { endpoint: 'biomarker', statistic: 'max', comparison: '<=', threshold_ng_ml: t.thresholdNgMl },
    units: { dose: 'mg', bw: 'kg' },
    provenance: {
      data: t.data,
      seed: t.seed,
      method: `QCNN trained in TypeScript (tfjs cpu backend, exact statevector as one 64 x 64 real matrix), Adam rate ${LEARNING_RATE}, ${t.epochs} full-batch epochs, binary cross-entropy + ${LAMBDA_MONO} x monotonicity penalty on the dose ladder [${DOSE_LADDER_MG.join(', ')}] mg`,
      label: `observed success: every biomarker sample of the subject's last dosing window <= ${t.thresholdNgMl} ng/mL (models/baselines/last-window.ts)`,
      pk: { card: t.pk.name, onnx_sha256: t.pk.sha256, use: 'training: the typical window (eta = 0, theta draw 0) at each subject\'s dose; inference: the same graph with the virtual subject\'s eta and the replicate\'s theta draw' },
      ...(t.split === undefined ? {} : { split: t.split }),
    },
    diagnostics: {
      parameters: { circuit: CIRCUIT_PARAMS, readout: READOUT_NAMES.length, total: CIRCUIT_PARAMS + READOUT_NAMES.length },
      readout: Object.fromEntries(READOUT_NAMES.map((n, i) => [n, round(t.trained.readout[i] ?? NaN)])),
      exposure_scale: { ln_norm_mu: round(t.trained.scale.mu), ln_norm_sd: round(t.trained.scale.sd) },
      training: { losses: t.trained.losses.map((l) => ({ epoch: l.epoch, loss: round(l.loss), bce: round(l.bce), penalty: round(l.penalty) })), fit: scores(t.trained, t.train), ...(t.heldOut === undefined ? {} : { held_out: scores(t.trained, t.heldOut) }) },
      hardware,
      assumes: 'linear PK in the fitted structure (the window shape does not depend on the dose; the norm carries it); success depends on the window only through its shape, its scale, COMED and BW; training windows are typical (eta = 0), so between-subject PK variability seen at inference was absorbed as noise in training',
      extrapolation: grid.tag === 'qd'
        ? `trained on QD doses ${[...new Set(t.train.subjects.map((s) => s.doseMg))].sort((a, b) => a - b).join(', ')} mg: other doses move only the exposure scale along the learned readout; doses beyond the highest trained one, heavier populations and other COMED rates are extrapolations`
        : 'no weekly data: the QD-trained weights applied to the weekly window (64 points over 168 h); its shape and scale lie outside anything seen in training, so QW answers are extrapolations the trial cannot check',
      band: 'p_success: curves are mean probabilities with the replicate band (per-replicate mean P(success)); Clopper-Pearson over a sum of probabilities is not valid (coordinator/aggregate/README.md)',
    },
  });
  return { onnxBytes, card };
}

export function qcnnArtifacts(t: QcnnTraining): QcnnArtifact[] {
  return [qcnnArtifact(t, QCNN_GRIDS.qd), qcnnArtifact(t, QCNN_GRIDS.qw)];
}

/** Writes qcnn-qd/-qw (.onnx + .model.json); returns the card paths. */
export async function writeQcnnModels(dir: string, artifacts: readonly QcnnArtifact[]): Promise<string[]> {
  await makeDirectory(dir);
  const paths: string[] = [];
  for (const { onnxBytes, card } of artifacts) {
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${card.name}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(cardPath);
  }
  return paths;
}
