/**
 * The trajectory-model graph of a trained QLSTM / QK-LSTM (DESIGN.md "Trajectory model contract"):
 * dose [B], bw [B], comed [B] in, pd [B, T] (ng/mL) out. The features and their z-scaling, the LSTM
 * unrolled over the T grid steps, the circuits and the inverse PD scaling are all graph nodes, in the
 * same order of operations as network.ts:
 *   qlstm:   per step, the angles of the four VQCs (MatMul), cos/sin of the half angles, the product
 *            state built qubit by qubit (Unsqueeze x Unsqueeze -> Reshape: the kron), the trained block
 *            V_g^T as one constant [4, 2^n, 2^n] MatMul (the RY layers and CNOT rings multiplied out
 *            once at export), squared amplitudes x Pauli-Z signs, the readout map;
 *   qk-lstm: per step, the feature-map state of x_t: uniform amplitudes (H^n|0>), then per repetition
 *            the angle-dependent RY kron product [B, 2^n, 2^n] (2x2 blocks from cos/sin, kron by
 *            Unsqueeze x Unsqueeze -> Reshape) and the ring as a constant permutation MatMul; the
 *            kernel row is (state x landmark states^T)^2, then alpha, the recurrent matrix and bias.
 * All amplitudes are real (circuit.ts), so no imaginary tensors appear.
 */
import type { ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { attr, DataType, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { FeatureScaling, Standardizer } from '../sequence/dataset.js';
import type { SequenceRegimen } from '../sequence/regimens.js';
import { SEQUENCE_OPSET } from '../sequence/onnx-export.js';
import { ringMatrixT, zSigns } from './circuit.js';
import { GATES, INPUTS, paramByName, type Param, type QSpec } from './params.js';
import type { KernelMap } from './kernel.js';

export interface QExportSpec {
  readonly spec: QSpec;
  readonly params: readonly Param[];
  /** V_g^T [4, 2^n, 2^n] of the trained angles (qlstm), as the training framework computed it */
  readonly unitaryT?: Float32Array;
  readonly kernel?: KernelMap;
  readonly features: FeatureScaling;
  readonly target: Standardizer;
  readonly regimen: SequenceRegimen;
  readonly metadata?: Readonly<Record<string, string>>;
}

class Builder {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly names = new Set<string>();
  private n = 0;
  op(type: string, inputs: string[], attrs: Parameters<typeof node>[3] = {}, name?: string): string {
    const out = name ?? `${type.toLowerCase()}_${this.n++}`;
    this.nodes.push(node(type, inputs, [out], attrs));
    return out;
  }
  /** a float constant (added once: later calls with the same name reuse it) */
  f(name: string, shape: readonly number[], values: ArrayLike<number>): string {
    if (!this.names.has(name)) this.inits.push(floatTensor(name, shape, values));
    this.names.add(name);
    return name;
  }
  /** an int64 vector constant (added once) */
  i(name: string, values: number[]): string {
    if (!this.names.has(name)) this.inits.push(int64Tensor(name, [values.length], values));
    this.names.add(name);
    return name;
  }
}

/** [B, 2, 2] RY blocks [[c, -s], [s, c]] of one qubit's angles [B, 1]. */
function ryBlock(b: Builder, half: string): string {
  const c = b.op('Cos', [half]);
  const s = b.op('Sin', [half]);
  return b.op('Reshape', [b.op('Concat', [c, b.op('Neg', [s]), s, c], { axis: attr.int(1) }), b.i('shape_b22', [0, 2, 2])]);
}

/** Row state [B, 1, D] of the QK feature map at x [B, 3]. */
function featureMap(b: Builder, x: string, k: KernelMap): string {
  const half = b.op('Mul', [x, 'half']);
  let state = 'uniform_state'; // [1, 1, D], broadcast over B by the first MatMul
  for (let r = 0; r < k.reps; r++) {
    let kron = '';
    for (let q = 0; q < k.qubits; q++) {
      const col = q % INPUTS;
      const blk = ryBlock(b, b.op('Slice', [half, b.i(`col${col}_lo`, [col]), b.i(`col${col}_hi`, [col + 1]), 'axis_1']));
      kron = q === 0 ? blk : b.op('Reshape', [b.op('Mul', [b.op('Unsqueeze', [kron, b.i('axes_2_4', [2, 4])]), b.op('Unsqueeze', [blk, b.i('axes_1_3', [1, 3])])]), b.i(`shape_kron${q}`, [0, 2 << q, 2 << q])]);
    }
    const rotated = b.op('MatMul', [state, b.op('Transpose', [kron], { perm: attr.ints([0, 2, 1]) })]);
    state = b.op('MatMul', [rotated, 'ring_t']);
  }
  return state;
}

export function buildQuantumLstmModel(e: QExportSpec): ModelProto {
  const { spec, regimen, features: f } = e;
  const b = new Builder();
  const T = regimen.timesH.length;
  const H = spec.hidden;
  const q = spec.qubits;
  const D = 1 << q;
  const P = (name: string): string => {
    const p = paramByName(e.params, name);
    return b.f(name, p.shape, p.values);
  };
  b.i('axis_1', [1]);
  b.f('half', [], [0.5]);
  b.f('zero', [], [0]);
  b.f('one', [], [1]);
  // features: dose/BW and COMED z-scaled per subject, the time feature a constant per step
  const col = (v: string, mean: number, sd: number, tag: string): string =>
    b.op('Unsqueeze', [b.op('Div', [b.op('Sub', [v, b.f(`${tag}_mean`, [], [mean])]), b.f(`${tag}_sd`, [], [sd])]), 'axis_1']);
  const doseCol = col(b.op('Div', ['dose', 'bw']), f.dosePerKg.mean, f.dosePerKg.sd, 'dose_per_kg');
  const comedCol = col('comed', f.comed.mean, f.comed.sd, 'comed');
  const ones = b.op('Add', [b.op('Mul', [doseCol, 'zero']), 'one'], {}, 'ones_col'); // [B, 1], follows the batch size
  const zeroH = b.op('MatMul', [ones, b.f('zero_row_h', [1, H], new Array<number>(H).fill(0))], {}, 'zeros_h');
  const tz = regimen.timesH.map((t) => (t / regimen.tauH - f.tOverTau.mean) / f.tOverTau.sd);
  if (spec.family === 'qlstm') {
    P('w_in');
    P('b_in');
    P('w_out');
    P('b_out');
    b.f('unitary_t', [GATES, D, D], e.unitaryT!);
    b.f('z_signs', [D, q], zSigns(q));
    b.i('shape_angles', [0, GATES, q]);
    b.i('shape_state', [0, GATES, -1]);
  } else {
    P('alpha');
    P('recurrent');
    P('bias');
    const k = e.kernel!;
    b.f('uniform_state', [1, 1, D], new Array<number>(D).fill(Math.fround(1 / Math.sqrt(D))));
    b.f('ring_t', [D, D], ringMatrixT(q));
    const lt = new Float32Array(D * k.states.length);
    k.states.forEach((s, j) => s.forEach((v, i) => (lt[i * k.states.length + j] = v)));
    b.f('landmark_states_t', [D, k.states.length], lt);
  }
  P('dense1');
  P('dense1_bias');
  P('dense2');
  P('dense2_bias');
  let h = zeroH;
  let c = zeroH;
  const ys: string[] = [];
  for (let s = 0; s < T; s++) {
    const x = b.op('Concat', [b.op('Mul', [ones, b.f(`t_feature${s}`, [], [tz[s]!])]), doseCol, comedCol], { axis: attr.int(1) }); // [B, 3]
    let gates: string[];
    if (spec.family === 'qlstm') {
      const a = b.op('Reshape', [b.op('Add', [b.op('MatMul', [b.op('Concat', [x, h], { axis: attr.int(1) }), 'w_in']), 'b_in']), 'shape_angles']);
      const half = b.op('Mul', [a, 'half']);
      const [cs, sn] = [b.op('Cos', [half]), b.op('Sin', [half])];
      let psi = '';
      for (let k = 0; k < q; k++) {
        const [lo, hi] = [b.i(`q${k}_lo`, [k]), b.i(`q${k}_hi`, [k + 1])];
        const u = b.op('Concat', [b.op('Slice', [cs, lo, hi, b.i('axis_2', [2])]), b.op('Slice', [sn, lo, hi, b.i('axis_2', [2])])], { axis: attr.int(2) });
        psi = k === 0 ? u : b.op('Reshape', [b.op('Mul', [b.op('Unsqueeze', [psi, b.i('axis_3', [3])]), b.op('Unsqueeze', [u, b.i('axis_2', [2])])]), 'shape_state']);
      }
      const phi = b.op('MatMul', [b.op('Transpose', [psi], { perm: attr.ints([1, 0, 2]) }), 'unitary_t']); // [G, B, D]
      const z = b.op('MatMul', [b.op('Mul', [phi, phi]), 'z_signs']); // [G, B, q]
      const pre = b.op('Add', [b.op('MatMul', [z, 'w_out']), 'b_out']); // [G, B, H]
      gates = [0, 1, 2, 3].map((g) => b.op('Squeeze', [b.op('Gather', [pre, b.i(`gate${g}_index`, [g])], { axis: attr.int(0) }), b.i('axis_0', [0])]));
    } else {
      const state = b.op('Squeeze', [featureMap(b, x, e.kernel!), 'axis_1']); // [B, D]
      const overlap = b.op('MatMul', [state, 'landmark_states_t']);
      const kr = b.op('Mul', [overlap, overlap]);
      const z = b.op('Add', [b.op('Add', [b.op('MatMul', [kr, 'alpha']), b.op('MatMul', [h, 'recurrent'])]), 'bias']);
      gates = [0, 1, 2, 3].map((g) => `gate${g}_s${s}`);
      b.nodes.push(node('Split', [z], gates, { axis: attr.int(1), num_outputs: attr.int(GATES) }));
    }
    const [zi, zf, zc, zo] = gates as [string, string, string, string];
    const ic = b.op('Mul', [b.op('Sigmoid', [zi]), b.op('Tanh', [zc])]);
    c = b.op('Add', [b.op('Mul', [b.op('Sigmoid', [zf]), c]), ic]);
    h = b.op('Mul', [b.op('Sigmoid', [zo]), b.op('Tanh', [c])]);
    const a1 = b.op('Relu', [b.op('Add', [b.op('MatMul', [h, 'dense1']), 'dense1_bias'])]);
    ys.push(b.op('Add', [b.op('MatMul', [a1, 'dense2']), 'dense2_bias'])); // [B, 1]
  }
  const zAll = b.op('Concat', ys, { axis: attr.int(1) }, 'z');
  b.op('Add', [b.op('Mul', [zAll, b.f('pd_sd', [], [e.target.sd])]), b.f('pd_mean', [], [e.target.mean])], {}, 'pd');
  const g = graph({
    name: `${spec.family.replace(/[^a-z0-9]/gi, '_')}_${regimen.tag}`,
    nodes: b.nodes,
    inputs: [valueInfo('dose', DataType.FLOAT, ['B']), valueInfo('bw', DataType.FLOAT, ['B']), valueInfo('comed', DataType.FLOAT, ['B'])],
    outputs: [valueInfo('pd', DataType.FLOAT, ['B', T])],
    initializers: b.inits,
    docString: `${spec.family}: LSTM(${H}) with quantum gate pre-activations (${q} qubits) -> dense(${spec.dense}, relu) -> dense(1) on x_t = z(t/${regimen.tauH}, dose/BW, COMED); pd in ng/mL`,
  });
  return model({
    graph: g,
    opset: SEQUENCE_OPSET,
    docString: `qusop sequence model ${spec.family}, regimen ${regimen.name} (tau ${regimen.tauH} h, T ${T})`,
    metadata: { family: spec.family, regimen: regimen.name, ...e.metadata },
  });
}
