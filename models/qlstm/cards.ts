/**
 * Writing a trained QLSTM / QK-LSTM as `<family>-qd` and `<family>-qw` trajectory models (ONNX +
 * card; the same parameters on the QD and QW grids, as for the other sequence models) and the
 * parameters file `<family>.params.json` (spec, every trained tensor, QK landmarks, weights hash).
 * Each card states the architecture, the hardware resources and PNU's feasibility bound.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import type { SequenceDataset } from '../sequence/dataset.js';
import { SEQUENCE_MODEL_VERSION, sequenceCardContract, trainingDiagnostics, type TrainingRecord } from '../sequence/cards.js';
import { SEQUENCE_REGIMENS, type SequenceRegimen } from '../sequence/regimens.js';
import { tf } from '../sequence/tf-runtime.js';
import { featureMapGates, vqcGates } from './circuit.js';
import { buildQuantumLstmModel } from './export.js';
import { hardwareReport, resources, type HardwareReport } from './hardware.js';
import { circuitUnitaryT } from './network.js';
import { paramByName, paramCount, paramsHash, type Param, type QSpec } from './params.js';
import type { TrainedQuantumLstm } from './train.js';

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export function architecture(s: QSpec): string {
  const cell = `unidirectional LSTM(${s.hidden}) -> dense(${s.dense}, relu) -> dense(1) at every step`;
  if (s.family === 'qlstm') {
    return (
      `QLSTM (QuSOP paper 3.2): ${cell}; each gate's pre-activation (i, f, c, o) comes from its own ${s.qubits}-qubit VQC: ` +
      `[x_t, h_{t-1}] -> linear -> ${s.qubits} angles -> RY angle encoding -> ${s.layers} x (trainable RY on every qubit, CNOT ring in brick order) ` +
      `-> Pauli-Z expectations -> linear (${s.qubits} -> ${s.hidden}). Real-amplitude circuit (RY + CNOT), simulated exactly.`
    );
  }
  return (
    `QK-LSTM (QuSOP paper 3.4): ${cell}; gate pre-activations = K(x_t) alpha + h_{t-1} R + b, K(x_t)_j = |<phi(x_t)|phi(l_j)>|^2 against ` +
    `${s.landmarks} landmarks drawn by the seed from the training inputs; phi = ${s.reps} x (RY(x) on ${s.qubits} qubits, qubit k <- feature k mod 3; CNOT ring) after H^n. ` +
    `The kernel sees x_t = z(t/tau, dose/BW, COMED); h_{t-1} enters through the classical recurrent matrix R.`
  );
}

export function hardware(s: QSpec, trainable: number): HardwareReport {
  if (s.family === 'qlstm') {
    return hardwareReport(`one gate's VQC (4 per LSTM step, T steps per trajectory)`, resources(s.qubits, vqcGates(s.qubits, s.layers)), trainable,
      'each <Z_k> is an expectation: on hardware it is estimated from shots, 4 circuits x T steps per trajectory, sequentially (h_{t-1} feeds the next angles)');
  }
  const u = featureMapGates(s.qubits, s.reps);
  const uncompute = [...u].reverse();
  return hardwareReport(`kernel entry U(l_j)^dagger U(x): compute-uncompute, as written (no cancellation)`, resources(s.qubits, [...u, ...uncompute]), trainable,
    `feature map U(x) alone: depth ${resources(s.qubits, u).depth}; ${s.landmarks} kernel circuits per step (landmark states are fixed); the trainable parameters are all classical`);
}

function description(t: TrainedQuantumLstm, regimen: SequenceRegimen, hw: HardwareReport): string {
  const r = hw.resources;
  return (
    `${architecture(t.spec)} PD (ng/mL) over the ${regimen.name} steady-state window from x_t = (t/${regimen.tauH}, dose/BW, COMED), trained on each trial subject's ` +
    `last (day-21) QD window at 0, 1, 3 and 10 mg QD. Hardware: ${r.qubits} qubits, depth ${r.depth}, ${r.two_qubit_gates} two-qubit gates (${hw.circuit}); ` +
    `${t.trainableParameters} trainable parameters; PNU's bound (${hw.pnu_bound}) ${hw.within_pnu_bound ? 'is met' : 'is NOT met'}. ` +
    `It EXTRAPOLATES beyond 1/3/10 mg QD: doses above 10 mg QD, body weights outside the trial's, and every once-weekly prediction have no data or mechanism behind them. ` +
    `No random effects and no parameter uncertainty: subjects differ only by BW and COMED.`
  );
}

/** V_g^T of the trained angles as the training framework computes it (qlstm). */
export function trainedUnitaryT(t: { spec: QSpec; params: readonly Param[] }): Float32Array | undefined {
  if (t.spec.family !== 'qlstm') return undefined;
  const theta = paramByName(t.params, 'theta');
  return tf.tidy(() => circuitUnitaryT(tf.tensor(theta.values, [...theta.shape]), t.spec.qubits).dataSync() as Float32Array).slice();
}

export function quantumLstmArtifact(t: TrainedQuantumLstm, ds: SequenceDataset, regimen: SequenceRegimen, rec: TrainingRecord, paramsFile: { file: string; sha256: string }): { onnxBytes: Uint8Array; card: ModelCard } {
  const name = `${t.family}-${regimen.tag}`;
  const hash = paramsHash(t.params);
  const unitaryT = trainedUnitaryT(t);
  const onnxBytes = encodeModel(
    buildQuantumLstmModel({ spec: t.spec, params: t.params, ...(unitaryT === undefined ? {} : { unitaryT }), ...(t.kernel === undefined ? {} : { kernel: t.kernel }), features: ds.features, target: ds.target, regimen, metadata: { weights_sha256: hash } }),
  );
  const hw = hardware(t.spec, t.trainableParameters);
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name,
    family: t.family,
    version: SEQUENCE_MODEL_VERSION,
    test_model: false,
    description: description(t, regimen, hw),
    onnx: `${name}.onnx`,
    sha256: sha256Hex(onnxBytes),
    ...sequenceCardContract(regimen),
    provenance: {
      method: `${t.family} trained in TypeScript (tfjs ${rec.tfjsVersion}, cpu backend, exact statevector), exported with the circuits as real tensor operations on 2^${t.spec.qubits} amplitudes (models/qlstm/export.ts)`,
      trainer: 'models/qlstm (qusop train)',
      architecture: architecture(t.spec),
      spec: t.spec,
      data: { file: rec.dataFile, sha256: rec.dataSha256, subjects: ds.train.length + ds.val.length },
      seeds: { seed: rec.seed, streams: 'split, shuffle, init, circuit, landmarks: Philox4x32-10 keyed by the seed' },
      split: { by: 'subject, stratified by arm (DOSE)', val_fraction: ds.split.valFraction, train_ids: ds.split.trainIds, val_ids: ds.split.valIds },
      scaling: { features: ds.features, target_pd_ng_ml: ds.target, note: 'x_t z-scaled per feature and PD z-scaled with training-subject statistics; both inside the graph' },
      training: { ...rec.training, ...t.settings },
      hardware: hw,
      params_file: paramsFile,
      weights_sha256: hash,
      shared_weights: `${t.family}-qd and ${t.family}-qw carry the same parameters (QW = the QD-trained network on t/168 and weekly dose/BW)`,
    },
    diagnostics: {
      trainable_parameters: t.trainableParameters,
      qubits: hw.resources.qubits,
      circuit_depth: hw.resources.depth,
      two_qubit_gates: hw.resources.two_qubit_gates,
      within_pnu_bound: hw.within_pnu_bound,
      ...trainingDiagnostics(t),
    },
  });
  return { onnxBytes, card };
}

export const paramsFileName = (family: QSpec['family']): string => `${family}.params.json`;

export function paramsFileText(t: TrainedQuantumLstm): string {
  return `${JSON.stringify({
    schema: 'qusop.quantum-lstm-params/v1',
    spec: t.spec,
    params: t.params.map((p) => ({ name: p.name, shape: p.shape, values: Array.from(p.values) })),
    ...(t.kernel === undefined ? {} : { landmarks: Array.from(t.kernel.landmarks) }),
    trainable_parameters: paramCount(t.params),
    weights_sha256: paramsHash(t.params),
  })}\n`;
}

export async function writeQuantumLstmModels(dir: string, t: TrainedQuantumLstm, ds: SequenceDataset, rec: TrainingRecord): Promise<string[]> {
  await makeDirectory(dir);
  const text = paramsFileText(t);
  const file = paramsFileName(t.family);
  await writeOutput(join(dir, file), text);
  const paths: string[] = [];
  for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
    const { onnxBytes, card } = quantumLstmArtifact(t, ds, regimen, rec, { file, sha256: sha256Hex(text) });
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${card.name}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(cardPath);
  }
  return paths;
}
