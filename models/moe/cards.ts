/**
 * Writing a trained cascade as `qnn-moe-qd` and `qnn-moe-qw` (ONNX + `.model.json`): the same weights
 * on the QD grid (t/24) and the QW grid (t/168), as the sequence families do. The card says what the
 * model is, what it assumes, the circuit's hardware figures against PNU's feasibility bound, the
 * parameter counts and the extrapolation note.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { sequenceCardContract, type TrainingRecord } from '../sequence/cards.js';
import { SEQUENCE_REGIMENS, type SequenceRegimen } from '../sequence/regimens.js';
import { circuitFigures, PNU_QV_BOUND } from './circuit.js';
import { COVARIATES, TIME_FEATURES, type CascadeDataset } from './dataset.js';
import { buildMoeModel } from './export.js';
import { moeWeightsHash, type TrainedMoe } from './fit.js';
import { parameterCount, pdParams, pkParams } from './network.js';

export const MOE_MODEL_VERSION = '1.0.0';

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const round = (v: number): number => Number(v.toPrecision(6));

function description(t: TrainedMoe, regimen: SequenceRegimen): string {
  const { qubits, layers } = t.shape.circuit;
  const fig = circuitFigures(t.shape.circuit);
  return (
    `QNN-enhanced ResMLP mixture of experts (PNU), cascade PK -> PD: a residual MLP predicts the concentration over the ${regimen.name} window ` +
    `from dose/BW, COMED, BW, dose and the time of day in the window; its prediction and window mean feed ${t.shape.experts} residual-MLP experts mixed by a ` +
    `softmax gate on the covariates; expert 0 adds a variational quantum layer (${qubits} qubits, angle encoding, ${layers} RY + CNOT-brickwork layers, ` +
    `Pauli-Z readout; depth ${fig.depth}, ${fig.twoQubitGates} two-qubit gates), simulated exactly in training and computed on its ${2 ** qubits} real amplitudes in this graph. ` +
    `PD (ng/mL) at each hour of the window. Trained on each trial subject's last (day-21) QD window at 0 (placebo), 1, 3 and 10 mg QD (dose/BW up to ~0.2 mg/kg). ` +
    `It EXTRAPOLATES beyond 1/3/10 mg QD: doses above 10 mg QD, body weights outside the trial's, and every once-weekly prediction ` +
    `(the QD-trained network on t/168 over 168 h, weekly doses far outside the training range, the PK stage never saw a weekly window) have no data or mechanism behind them. ` +
    `No random effects and no parameter uncertainty: subjects differ only by BW and COMED.`
  );
}

export interface MoeArtifact {
  readonly onnxBytes: Uint8Array;
  readonly card: ModelCard;
}

export function moeArtifact(t: TrainedMoe, ds: CascadeDataset, regimen: SequenceRegimen, rec: TrainingRecord): MoeArtifact {
  if (t.shape.quantum === false) throw new Error('the classical ablation of qnn-moe is a bench measurement, not a model to export');
  const name = `${t.family}-${regimen.tag}`;
  const hash = moeWeightsHash(t);
  const onnxBytes = encodeModel(buildMoeModel({ shape: t.shape, params: t.params, scaling: ds.scaling, target: ds.seq.target, regimen, metadata: { weights_sha256: hash } }));
  const fig = circuitFigures(t.shape.circuit);
  const quantumParams = t.shape.circuit.qubits * t.shape.circuit.layers;
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name,
    family: t.family,
    version: MOE_MODEL_VERSION,
    test_model: false,
    description: description(t, regimen),
    onnx: `${name}.onnx`,
    sha256: sha256Hex(onnxBytes),
    ...sequenceCardContract(regimen),
    provenance: {
      method: `qnn-moe trained in TypeScript (tfjs ${rec.tfjsVersion}, cpu backend; circuit simulated as tfjs ops on its amplitudes), exported by models/moe/export.ts`,
      trainer: 'models/moe (qusop train qnn-moe)',
      data: {
        file: rec.dataFile,
        sha256: rec.dataSha256,
        subjects: ds.seq.train.length + ds.seq.val.length,
        window: `each subject's last dosing window (placebo: the trial's nominal last window); PD and concentration linearly interpolated hourly at 0..${ds.seq.regimen.timesH.length - 1} h of tau ${ds.seq.regimen.tauH} h`,
        pk_window: `placebo concentration 0; dosed subjects without concentration rows spanning the window are left out of the PK stage only (${ds.pkMissingIds.length}: [${ds.pkMissingIds.join(', ')}])`,
      },
      seeds: { seed: rec.seed, streams: 'split, shuffle, init, circuit: Philox4x32-10 keyed by the seed' },
      split: { by: 'subject, stratified by arm (DOSE)', val_fraction: ds.seq.split.valFraction, train_ids: ds.seq.split.trainIds, val_ids: ds.seq.split.valIds },
      scaling: { covariates: COVARIATES, time_features: TIME_FEATURES, standardizers: ds.scaling, target_pd_ng_ml: ds.seq.target, target_conc_ng_ml: ds.pkTarget },
      network: { hidden: t.shape.hidden, experts: t.shape.experts, quantum_expert: 0, activation: 'relu', gate: 'softmax over experts from the 4 covariates' },
      circuit: {
        ...fig,
        encoding: 'RY(pi tanh(W h + b)) on each qubit',
        entangling_layer: 'RY(theta) on every qubit, then CNOT (0,1), (2,3), ... then (1,2), (3,4), ...',
        readout: 'Pauli-Z expectation of every qubit',
        pnu_feasibility_bound: `quantum volume ${PNU_QV_BOUND.quantumVolume}: at most ${PNU_QV_BOUND.maxQubits} qubits at depth ${PNU_QV_BOUND.maxDepth} (PNU slides, IBM Heron r1); this circuit: ${fig.qubits} qubits, depth ${fig.depth}: ${fig.withinPnuBound ? 'within' : 'OUTSIDE'} the bound`,
      },
      training: { ...rec.training, ...t.settings },
      weights_sha256: hash,
      shared_weights: `${t.family}-qd and ${t.family}-qw carry the same weights`,
    },
    diagnostics: {
      trainable_parameters: t.trainableParameters,
      pk_stage_parameters: parameterCount(pkParams(t.shape)),
      pd_stage_parameters: parameterCount(pdParams(t.shape)),
      quantum_parameters: quantumParams,
      qubits: fig.qubits,
      circuit_depth: fig.depth,
      two_qubit_gates: fig.twoQubitGates,
      train_loss_z: round(t.trainLoss),
      val_loss_z: round(t.valLoss),
      val_rmse_ng_ml: round(t.valRmseNgMl),
      pk_val_rmse_ng_ml: round(t.pkValRmseNgMl),
      pk_stage: { best_epoch: t.pkHistory.bestEpoch + 1, epochs_run: t.pkHistory.epochsRun, stop_reason: t.pkHistory.stopReason, seconds: round(t.pkHistory.seconds) },
      pd_stage: { best_epoch: t.pdHistory.bestEpoch + 1, epochs_run: t.pdHistory.epochsRun, stop_reason: t.pdHistory.stopReason, seconds: round(t.pdHistory.seconds) },
      training_seconds: round(t.pkHistory.seconds + t.pdHistory.seconds),
    },
  });
  return { onnxBytes, card };
}

/** Writes qnn-moe-qd/-qw (.onnx + .model.json); returns the card paths. */
export async function writeMoeModels(dir: string, t: TrainedMoe, ds: CascadeDataset, rec: TrainingRecord): Promise<string[]> {
  await makeDirectory(dir);
  const paths: string[] = [];
  for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
    const { onnxBytes, card } = moeArtifact(t, ds, regimen, rec);
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${card.name}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(cardPath);
  }
  return paths;
}
