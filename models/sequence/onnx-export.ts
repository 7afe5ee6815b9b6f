/**
 * The trajectory-model graph of a trained network (DESIGN.md "Trajectory model contract"): inputs
 * dose [B], bw [B], comed [B]; output pd [B, T] in ng/mL on the regimen's grid. Everything between is
 * inside the graph: the features (t/tau from the card's grid, dose/BW, COMED, z-scaled as in
 * training), the bidirectional LSTM (unrolled: unrolled-lstm.ts says why), the dense head and the
 * inverse z-scaling of PD. The dense kernel is split as [2, H, D] so one batched MatMul serves both
 * directions; the head takes the per-step partials two grid times at a time (denseHeadByPairs).
 */
import type { ModelProto, NodeProto, TensorProto } from 'onnx-buf';
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

/**
 * dense(D, relu) -> dense(1) two grid times at a time, straight from the LSTM's per-step partials
 * (unrolled-lstm.ts): step s holds the forward half of time s and the backward half of time T-1-s,
 * step T-1-s the other two halves, so partials[s] + partials[T-1-s] with its directions swapped is
 * dense1's pre-activation at both times ([0]: t = s, [1]: t = T-1-s; an odd T's middle step pairs with
 * itself). Each pair goes through bias, ReLU and dense2 as a [2, D, B] block. This replaced one
 * Concat of all 2T partials into [T, 2, D, B] plus the Gathers that took the directions apart and
 * reversed the backward one: those copies of T x 2 x D x B floats took ~11 % of a T=24 run
 * (onnxruntime profile, 960 rows). The additions are the same, in the same order (fwd + bwd; IEEE
 * addition commutes), so pd is unchanged. Output: [T, 1, B] in time order, before dense2's bias.
 */
function denseHeadByPairs(partials: readonly string[]): { nodes: NodeProto[]; initializers: TensorProto[]; output: string } {
  const T = partials.length;
  const pairs = Math.ceil(T / 2);
  const nodes: NodeProto[] = [];
  const outs: string[] = [];
  for (let s = 0; s < pairs; s++) {
    nodes.push(
      node('Gather', [partials[T - 1 - s]!, 'dir_swap'], [`dense1_swapped${s}`], { axis: attr.int(0) }),
      node('Add', [partials[s]!, `dense1_swapped${s}`], [`dense1_mm${s}`]),
      node('Add', [`dense1_mm${s}`, 'dense1_bias_col'], [`dense1_pre${s}`]),
      node('Relu', [`dense1_pre${s}`], [`dense1_${s}`]),
      node('MatMul', ['dense2_row', `dense1_${s}`], [`dense2_mm${s}`]), // [2, 1, B]
    );
    outs.push(`dense2_mm${s}`);
  }
  // [2 x pairs, 1, B]: row 2s is time s, row 2s + 1 is time T-1-s
  const row = Array.from({ length: T }, (_, t) => (t < pairs ? 2 * t : 2 * (T - 1 - t) + 1));
  nodes.push(node('Concat', outs, ['dense2_by_pair'], { axis: attr.int(0) }), node('Gather', ['dense2_by_pair', 'time_rows'], ['dense2_mm'], { axis: attr.int(0) }));
  return { nodes, initializers: [int64Tensor('dir_swap', [2], [1, 0]), int64Tensor('time_rows', [T], row)], output: 'dense2_mm' };
}

export function buildSequenceModel(spec: ExportSpec): ModelProto {
  const { weights: w, features: f, regimen } = spec;
  const { hidden: H, dense: D, inputs: I } = w.shape;
  const T = regimen.timesH.length;
  const tz = regimen.timesH.map((t) => (t / regimen.tauH - f.tOverTau.mean) / f.tOverTau.sd);
  const scalar = (name: string, v: number) => floatTensor(name, [], [v]);
  const lstm = unrolledBiLstm({ subjectFeatures: 'x_subject', timeFeature: 't_feature', W: 'lstm_W', R: 'lstm_R', B: 'lstm_B', denseKernel: 'dense1_kernel' }, T, H, D);
  const head = denseHeadByPairs(lstm.densePartials);
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
    node('Transpose', ['dense2_kernel'], ['dense2_row'], { perm: attr.ints([1, 0]) }),
    node('Unsqueeze', ['dense1_bias', 'axes_1'], ['dense1_bias_col']),
    ...head.nodes,
    node('Add', [head.output, 'dense2_bias'], ['dense2']),
    node('Squeeze', ['dense2', 'axes_1'], ['z_tb']),
    node('Transpose', ['z_tb'], ['z'], { perm: attr.ints([1, 0]) }),
    node('Mul', ['z', 'pd_sd'], ['pd_scaled']),
    node('Add', ['pd_scaled', 'pd_mean'], ['pd']),
  ];
  const initializers = [
    int64Tensor('axes_1', [1], [1]),
    ...head.initializers,
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
