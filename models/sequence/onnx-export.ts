/**
 * The trajectory-model graph of a trained network (DESIGN.md "Trajectory model contract"): inputs
 * dose [B], bw [B], comed [B]; output pd [B, T] in ng/mL on the regimen's grid. Everything between is
 * inside the graph: the features (t/tau from the card's grid, dose/BW, COMED, z-scaled as in
 * training), the bidirectional LSTM (unrolled: unrolled-lstm.ts says why), the dense head and the
 * inverse z-scaling of PD. The dense kernel is split as [2, H, D] so one batched MatMul serves both
 * directions; the backward direction's rows come in step order and are put back in time order.
 */
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { FeatureScaling, Standardizer } from './dataset.js';
import type { SequenceRegimen } from './regimens.js';
import { unrolledBiLstm } from './unrolled-lstm.js';
import { part, type NetworkWeights } from './weights.js';

export interface ExportSpec {
  readonly weights: NetworkWeights;
  readonly features: FeatureScaling;
  readonly target: Standardizer;
  readonly regimen: SequenceRegimen;
  /** family, for the graph name and metadata */
  readonly family: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export const SEQUENCE_OPSET = 18;

/** ONNX B is [2, 8H] = (input bias, recurrent bias) per direction; the recurrent half is zero. */
function onnxBias(w: NetworkWeights): Float32Array {
  const H = w.shape.hidden;
  const b = part(w, 'B');
  const out = new Float32Array(2 * 8 * H);
  for (let d = 0; d < 2; d++) out.set(b.subarray(d * 4 * H, (d + 1) * 4 * H), d * 8 * H);
  return out;
}

export function buildSequenceModel(spec: ExportSpec): ModelProto {
  const { weights: w, features: f, regimen } = spec;
  const { hidden: H, dense: D, inputs: I } = w.shape;
  const T = regimen.timesH.length;
  const tz = regimen.timesH.map((t) => (t / regimen.tauH - f.tOverTau.mean) / f.tOverTau.sd);
  const scalar = (name: string, v: number) => floatTensor(name, [], [v]);
  const lstm = unrolledBiLstm({ subjectFeatures: 'x_subject', timeFeature: 't_feature', W: 'lstm_W', R: 'lstm_R', B: 'lstm_B', denseKernel: 'dense1_kernel' }, T, H, D);
  const nodes = [
    node('Div', ['dose', 'bw'], ['dose_per_kg']),
    node('Sub', ['dose_per_kg', 'dose_per_kg_mean'], ['dose_per_kg_c']),
    node('Div', ['dose_per_kg_c', 'dose_per_kg_sd'], ['dose_per_kg_z']),
    node('Sub', ['comed', 'comed_mean'], ['comed_c']),
    node('Div', ['comed_c', 'comed_sd'], ['comed_z']),
    node('Unsqueeze', ['dose_per_kg_z', 'axes_1'], ['dose_per_kg_col']),
    node('Unsqueeze', ['comed_z', 'axes_1'], ['comed_col']),
    node('Concat', ['dose_per_kg_col', 'comed_col'], ['x_subject'], { axis: attr.int(1) }),
    ...lstm.nodes,
    // [T, 2, D, B] (feature-major); direction 1 is in step order (t = T-1-s)
    node('Gather', [lstm.denseByStep, 'dir_fwd'], ['dense1_fwd'], { axis: attr.int(1) }),
    node('Gather', [lstm.denseByStep, 'dir_bwd'], ['dense1_bwd_by_step'], { axis: attr.int(1) }),
    node('Gather', ['dense1_bwd_by_step', 'reverse_steps'], ['dense1_bwd'], { axis: attr.int(0) }),
    node('Add', ['dense1_fwd', 'dense1_bwd'], ['dense1_mm']),
    node('Unsqueeze', ['dense1_bias', 'axes_1'], ['dense1_bias_col']),
    node('Add', ['dense1_mm', 'dense1_bias_col'], ['dense1_pre']),
    node('Relu', ['dense1_pre'], ['dense1']),
    node('Transpose', ['dense2_kernel'], ['dense2_row'], { perm: attr.ints([1, 0]) }),
    node('MatMul', ['dense2_row', 'dense1'], ['dense2_mm']),
    node('Add', ['dense2_mm', 'dense2_bias'], ['dense2']),
    node('Squeeze', ['dense2', 'axes_1'], ['z_tb']),
    node('Transpose', ['z_tb'], ['z'], { perm: attr.ints([1, 0]) }),
    node('Mul', ['z', 'pd_sd'], ['pd_scaled']),
    node('Add', ['pd_scaled', 'pd_mean'], ['pd']),
  ];
  const initializers = [
    int64Tensor('axes_1', [1], [1]),
    int64Tensor('dir_fwd', [], [0]),
    int64Tensor('dir_bwd', [], [1]),
    int64Tensor('reverse_steps', [T], Array.from({ length: T }, (_, t) => T - 1 - t)),
    floatTensor('t_feature', [T, 1, 1], tz),
    scalar('dose_per_kg_mean', f.dosePerKg.mean),
    scalar('dose_per_kg_sd', f.dosePerKg.sd),
    scalar('comed_mean', f.comed.mean),
    scalar('comed_sd', f.comed.sd),
    floatTensor('lstm_W', [2, 4 * H, I], part(w, 'W')),
    floatTensor('lstm_R', [2, 4 * H, H], part(w, 'R')),
    floatTensor('lstm_B', [2, 8 * H], onnxBias(w)),
    floatTensor('dense1_kernel', [2, H, D], part(w, 'dense1Kernel')),
    floatTensor('dense1_bias', [D], part(w, 'dense1Bias')),
    floatTensor('dense2_kernel', [D, 1], part(w, 'dense2Kernel')),
    floatTensor('dense2_bias', [1], part(w, 'dense2Bias')),
    scalar('pd_sd', spec.target.sd),
    scalar('pd_mean', spec.target.mean),
    ...lstm.initializers,
  ];
  const g = graph({
    name: `${spec.family.replace(/[^a-z0-9]/gi, '_')}_${regimen.tag}`,
    nodes,
    inputs: [valueInfo('dose', DataType.FLOAT, ['B']), valueInfo('bw', DataType.FLOAT, ['B']), valueInfo('comed', DataType.FLOAT, ['B'])],
    outputs: [valueInfo('pd', DataType.FLOAT, ['B', T])],
    initializers,
    docString: `${spec.family}: BiLSTM(${H}) -> dense(${D}, relu) -> dense(1) on x_t = z(t/${regimen.tauH}, dose/BW, COMED); pd in ng/mL`,
  });
  return model({
    graph: g,
    opset: SEQUENCE_OPSET,
    docString: `qusop sequence model ${spec.family}, regimen ${regimen.name} (tau ${regimen.tauH} h, T ${T})`,
    metadata: { family: spec.family, regimen: regimen.name, ...spec.metadata },
  });
}
