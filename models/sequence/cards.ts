/**
 * Writing a trained sequence model as two trajectory models, `<family>-qd` and `<family>-qw` (ONNX +
 * `.model.json`): the same weights, exported on the QD grid (t/24) and the QW grid (t/168), as the
 * paper reuses one network for both. Cards say what the model was trained on and that everything
 * outside 1/3/10 mg QD is extrapolation. QT-LSTM also writes its trained circuit and mapping
 * parameters (`<base>.qt-params.json`, qt-params.ts) so the deployed weights can be re-synthesised.
 */
import { createHash } from 'node:crypto';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import type { SequenceDataset } from './dataset.js';
import { buildSequenceModel } from './onnx-export.js';
import { qtParamsFile, qtParamsFileName } from './qt-params.js';
import type { TrainedQt } from './qt-train.js';
import { SEQUENCE_REGIMENS, type SequenceRegimen } from './regimens.js';
import type { TrainedNetwork } from './trained.js';
import { weightCount, weightsHash } from './weights.js';
import { hardwareReport, qtCircuitResources, type HardwareReport } from '../qlstm/hardware.js';

export const SEQUENCE_MODEL_VERSION = '1.0.0';

/** Where the training data and settings came from (the card's provenance, beside what is derived here). */
export interface TrainingRecord {
  readonly dataFile: string;
  readonly dataSha256: string;
  readonly seed: number;
  readonly training: Readonly<Record<string, unknown>>;
  readonly tfjsVersion: string;
  /** the cards' base name (`<base>-qd`, `<base>-qw`); default the family (sequenceModelBase) */
  readonly base?: string;
}

/**
 * The cards' base name: the family, with `-h<hidden>` when the hidden size is not the family's default,
 * so two sizes of one family (QT-LSTM 32 and the paper's 64) can sit in one `qusop answer` comparison.
 */
export function sequenceModelBase(family: string, hidden: number, defaultHidden: number): string {
  return hidden === defaultHidden ? family : `${family}-h${hidden}`;
}

export interface SequenceArtifact {
  readonly onnxBytes: Uint8Array;
  readonly card: ModelCard;
}

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const round = (v: number): number => Number(v.toPrecision(6));

/** QT-LSTM's circuit against PNU's bound (issue 21 item 5); undefined for the BiLSTM. */
function qtHardware(t: TrainedNetwork | TrainedQt): HardwareReport | undefined {
  if (!('spec' in t)) return undefined;
  return hardwareReport('the weight-generating circuit (training only: inference is the classical LSTM)', qtCircuitResources(t.spec.circuit), t.trainableParameters,
    'two-qubit gates are controlled-U3 (2 CNOTs each when compiled); the 2^N probabilities are read out, so hardware training would need many shots per step');
}

/**
 * The trainable-parameter claim of the QuSOP paper (39k deployed -> 18.3k trainable for its QT-LSTM)
 * beside this model's; only at the paper's size (hidden 64), so the shipped hidden-32 cards keep their bytes.
 */
function paperCountNote(t: TrainedNetwork): string {
  if (t.weights.shape.hidden !== 64) return '';
  const deployed = weightCount(t.weights.shape);
  const pct = ((100 * t.trainableParameters) / deployed).toFixed(1);
  return ` Trainable parameters: the paper reports 39k -> 18.3k (47 %) for its QT-LSTM; this one generates ${deployed} deployed weights from ${t.trainableParameters} (${pct} %), its mapping network being much smaller than the paper's.`;
}

function description(t: TrainedNetwork, regimen: SequenceRegimen): string {
  const net = `BiLSTM(${t.weights.shape.hidden}) -> dense(${t.weights.shape.dense}, relu) -> dense(1)`;
  const hw = qtHardware(t);
  const what =
    hw !== undefined
      ? `Quantum-Train LSTM (QuSOP paper 3.3): ${net} whose weights were synthesised during training by a simulated circuit + mapping network; inference is the classical LSTM. ` +
        `Circuit: ${hw.resources.qubits} qubits, depth ${hw.resources.depth}, ${hw.resources.two_qubit_gates} two-qubit gates, ${t.trainableParameters} trainable parameters; PNU's bound (${hw.pnu_bound}) ${hw.within_pnu_bound ? 'is met' : 'is NOT met'}.${paperCountNote(t)}`
      : `Bidirectional LSTM sequence model (QuSOP paper 3.1/4): ${net}.`;
  return (
    `${what} PD (ng/mL) over the ${regimen.name} steady-state window from x_t = (t/${regimen.tauH}, dose/BW, COMED), ` +
    `trained on each trial subject's last (day-21) QD window at 0 (placebo), 1, 3 and 10 mg QD (dose/BW up to ~0.2 mg/kg). ` +
    `It EXTRAPOLATES beyond 1/3/10 mg QD: doses above 10 mg QD, body weights outside the trial's, and every once-weekly prediction ` +
    `(t/168 on 168 steps against 24 trained, weekly dose/BW far outside the training range) have no data or mechanism behind them. ` +
    `No random effects and no parameter uncertainty: subjects differ only by BW and COMED.`
  );
}

/** ~1 000 rows keep a 168-step BiLSTM(64) session within a few hundred MB with unchanged throughput (ENVIRONMENT.md). */
export const MAX_BATCH_ROWS = 1000;

/**
 * The trajectory contract every card trained on the hourly windows shares (sequence, qlstm and moe
 * families): the regimen's grid, the batch bound, dose/bw/comed in, pd (ng/mL) out.
 */
export function sequenceCardContract(regimen: SequenceRegimen) {
  return {
    regimen: { name: regimen.name, tau_h: regimen.tauH, window_start_h: 0 },
    time_grid_h: [...regimen.timesH],
    // LSTM activations grow with batch x time and onnxruntime's arena keeps the peak: bound the batch
    max_batch_rows: MAX_BATCH_ROWS,
    inputs: { covariates: ['dose', 'bw', 'comed'] },
    outputs: { pd: 'pd' },
    units: { dose: 'mg', bw: 'kg', pd: 'ng/mL' },
  };
}

/** One training run's losses and early-stopping history, as the sequence and qlstm cards record them. */
export function trainingDiagnostics(t: Pick<TrainedNetwork, 'trainLoss' | 'valLoss' | 'valRmseNgMl' | 'history'>) {
  return {
    train_loss_z: round(t.trainLoss),
    val_loss_z: round(t.valLoss),
    val_rmse_ng_ml: round(t.valRmseNgMl),
    best_epoch: t.history.bestEpoch + 1,
    epochs_run: t.history.epochsRun,
    stop_reason: t.history.stopReason,
    training_seconds: round(t.history.seconds),
    loss_history_z: { train: t.history.trainLoss.map(round), val: t.history.valLoss.map(round) },
  };
}

export function sequenceArtifact(t: TrainedNetwork, ds: SequenceDataset, regimen: SequenceRegimen, rec: TrainingRecord, extraProvenance: Readonly<Record<string, unknown>> = {}): SequenceArtifact {
  const base = rec.base ?? t.family;
  const name = `${base}-${regimen.tag}`;
  const hash = weightsHash(t.weights);
  const hw = qtHardware(t);
  const onnxBytes = encodeModel(
    buildSequenceModel({ weights: t.weights, features: ds.features, target: ds.target, regimen, family: t.family, metadata: { weights_sha256: hash } }),
  );
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name,
    family: t.family,
    version: SEQUENCE_MODEL_VERSION,
    test_model: false,
    description: description(t, regimen),
    onnx: `${name}.onnx`,
    sha256: sha256Hex(onnxBytes),
    ...sequenceCardContract(regimen),
    provenance: {
      method: `${t.family} trained in TypeScript (tfjs ${rec.tfjsVersion}, cpu backend), exported as an unrolled bidirectional LSTM graph (models/sequence/unrolled-lstm.ts)`,
      trainer: 'models/sequence (qusop train)',
      data: {
        file: rec.dataFile,
        sha256: rec.dataSha256,
        subjects: ds.train.length + ds.val.length,
        window: `each subject's last dosing window (placebo: the trial's nominal last window), PD linearly interpolated hourly at 0..${ds.regimen.timesH.length - 1} h of tau ${ds.regimen.tauH} h`,
      },
      seeds: { seed: rec.seed, streams: 'split, shuffle, init, circuit: Philox4x32-10 keyed by the seed' },
      split: { by: 'subject, stratified by arm (DOSE)', val_fraction: ds.split.valFraction, train_ids: ds.split.trainIds, val_ids: ds.split.valIds },
      scaling: { features: ds.features, target_pd_ng_ml: ds.target, note: 'x_t z-scaled per feature and PD z-scaled with training-subject statistics; both inside the graph' },
      network: { ...t.weights.shape, deployed_weights: weightCount(t.weights.shape) },
      training: { ...rec.training, ...t.settings },
      weights_sha256: hash,
      shared_weights: `${base}-qd and ${base}-qw carry the same weights (QW = the QD-trained network on t/168 and weekly dose/BW)`,
      ...extraProvenance,
      ...(hw === undefined ? {} : { hardware: hw }),
    },
    diagnostics: {
      trainable_parameters: t.trainableParameters,
      ...(hw === undefined ? {} : { qubits: hw.resources.qubits, circuit_depth: hw.resources.depth, two_qubit_gates: hw.resources.two_qubit_gates, within_pnu_bound: hw.within_pnu_bound }),
      deployed_weights: weightCount(t.weights.shape),
      ...trainingDiagnostics(t),
    },
  });
  return { onnxBytes, card };
}

/** Writes <family>-qd/-qw (.onnx + .model.json), plus the QT parameters file for qt-lstm; returns the card paths. */
export async function writeSequenceModels(dir: string, t: TrainedNetwork | TrainedQt, ds: SequenceDataset, rec: TrainingRecord): Promise<string[]> {
  await makeDirectory(dir);
  let extra: Record<string, unknown> = {};
  if ('params' in t) {
    const text = qtParamsFile(t.spec, t.params, weightsHash(t.weights));
    const file = qtParamsFileName(rec.base ?? t.family);
    await writeOutput(join(dir, file), text);
    extra = { qt_params: { file, sha256: sha256Hex(text) } };
  }
  const paths: string[] = [];
  for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
    const { onnxBytes, card } = sequenceArtifact(t, ds, regimen, rec, extra);
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${card.name}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(cardPath);
  }
  return paths;
}
