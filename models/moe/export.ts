/**
 * The cascade as a trajectory-model graph (DESIGN.md "Trajectory model contract"): dose, bw, comed
 * [B] in, pd [B, T] (ng/mL) out on a regimen's grid. Everything network.ts computes is in the graph,
 * on [B, T, .] tensors: covariate z-scaling, time features (a [1, T, 3] constant of the grid), the
 * PK stage, its window mean, the gate, the experts and the circuit, which runs as real tensor ops on
 * its 2^n amplitudes: the angle encoding as a chain of Mul/Concat of (cos, sin) halves, each
 * entangling layer as a MatMul with its trained [2^n, 2^n] matrix (circuit.ts layerMatrix), the
 * readout as squared amplitudes times the +-1 Z matrix. Input layers are split by input block
 * (covariates [B, 1, 4], time [1, T, 3], concentration [B, T, 1], window mean [B, 1, 1]) and summed
 * by broadcasting, so no tensor is expanded over the grid.
 */
import type { ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { attr, DataType, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { Standardizer } from '../sequence/dataset.js';
import type { SequenceRegimen } from '../sequence/regimens.js';
import { layerMatrix, zSigns } from './circuit.js';
import { timeRows, type CovariateScaling } from './dataset.js';
import type { MoeShape } from './network.js';

export interface MoeExportSpec {
  readonly shape: MoeShape;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly scaling: CovariateScaling;
  readonly target: Standardizer;
  readonly regimen: SequenceRegimen;
  readonly metadata?: Readonly<Record<string, string>>;
}

export const MOE_OPSET = 18;

/** Nodes and initializers accumulated while the graph is written. */
class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  constructor(readonly params: ReadonlyMap<string, Float32Array>) {}

  op(type: string, inputs: string[], output: string, attrs: Parameters<typeof node>[3] = {}): string {
    this.nodes.push(node(type, inputs, [output], attrs));
    return output;
  }
  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }
  /** Rows [from, to) of a [rows, cols] parameter as a constant [to - from, cols]. */
  rows(param: string, from: number, to: number, cols: number): string {
    return this.constant(`${param}[${from}:${to}]`, [to - from, cols], this.params.get(param)!.subarray(from * cols, to * cols));
  }
  param(name: string, dims: number[]): string {
    return this.constant(name, dims, this.params.get(name)!);
  }
  dense(prefix: string, input: string, rows: number, cols: number, out: string): string {
    return this.op('Add', [this.op('MatMul', [input, this.param(`${prefix}.W`, [rows, cols])], `${out}_mm`), this.param(`${prefix}.b`, [cols])], out);
  }
}

/** h = W_in [cov; time; (c; c_mean)] + b_in, summed over the blocks by broadcasting. */
function inputLayer(e: Emitter, prefix: string, H: number, extra: { c: string; cMean: string } | undefined): string {
  const W = `${prefix}.in.W`;
  let h = e.op('Add', [e.op('MatMul', ['cov3', e.rows(W, 0, 4, H)], `${prefix}_cov`), e.op('MatMul', ['time', e.rows(W, 4, 7, H)], `${prefix}_time`)], `${prefix}_ct`);
  if (extra !== undefined) {
    h = e.op('Add', [h, e.op('MatMul', [extra.c, e.rows(W, 7, 8, H)], `${prefix}_c`)], `${prefix}_ctc`);
    h = e.op('Add', [h, e.op('MatMul', [extra.cMean, e.rows(W, 8, 9, H)], `${prefix}_cm`)], `${prefix}_ctcm`);
  }
  return e.op('Add', [h, e.param(`${prefix}.in.b`, [H])], `${prefix}_h0`);
}

function resblock(e: Emitter, prefix: string, h0: string, H: number): string {
  const r = e.op('Relu', [e.dense(`${prefix}.res1`, h0, H, H, `${prefix}_r1`)], `${prefix}_relu`);
  return e.op('Add', [h0, e.dense(`${prefix}.res2`, r, H, H, `${prefix}_r2`)], `${prefix}_h`);
}

/** The quantum residual branch of expert 0: h + W_o <Z>(pi tanh(W_a h + b_a)) + b_o. */
function quantumBranch(e: Emitter, s: MoeShape, h: string): string {
  const { qubits: n, layers } = s.circuit;
  const N = 1 << n;
  const a = e.op('Mul', [e.op('Tanh', [e.dense('e0.q.angle', h, s.hidden, n, 'q_pre')], 'q_tanh'), e.constant('half_pi', [], [Math.PI / 2])], 'q_half_angle');
  const cos = e.op('Cos', [a], 'q_cos');
  const sin = e.op('Sin', [a], 'q_sin');
  let state = '';
  for (let q = 0; q < n; q++) {
    const idx = `q_index${q}`;
    e.initializers.push(int64Tensor(idx, [1], [q]));
    const c = e.op('Gather', [cos, idx], `q_cos${q}`, { axis: attr.int(2) });
    const si = e.op('Gather', [sin, idx], `q_sin${q}`, { axis: attr.int(2) });
    // qubit q becomes the highest bit so far: [state cos_q, state sin_q]
    state = q === 0 ? e.op('Concat', [c, si], 'q_state_enc0', { axis: attr.int(2) }) : e.op('Concat', [e.op('Mul', [state, c], `q_s${q}c`), e.op('Mul', [state, si], `q_s${q}s`)], `q_state_enc${q}`, { axis: attr.int(2) });
  }
  const theta = e.params.get('e0.q.theta')!;
  for (let l = 0; l < layers; l++) state = e.op('MatMul', [state, e.constant(`q_layer${l}`, [N, N], layerMatrix(n, theta.subarray(l * n, (l + 1) * n)))], `q_state_layer${l}`);
  const z = e.op('MatMul', [e.op('Mul', [state, state], 'q_prob'), e.constant('q_z_signs', [N, n], zSigns(n))], 'q_z');
  return e.op('Add', [h, e.dense('e0.q.readout', z, n, s.hidden, 'q_readout')], 'e0_hq');
}

export function buildMoeModel(spec: MoeExportSpec): ModelProto {
  const { shape: s, scaling: f, regimen } = spec;
  const T = regimen.timesH.length;
  const H = s.hidden;
  const e = new Emitter(spec.params);
  const zNode = (input: string, st: Standardizer, name: string) =>
    e.op('Unsqueeze', [e.op('Div', [e.op('Sub', [input, e.constant(`${name}_mean`, [], [st.mean])], `${name}_c`), e.constant(`${name}_sd`, [], [st.sd])], `${name}_z`), 'axes_1'], `${name}_col`);
  e.initializers.push(int64Tensor('axes_1', [1], [1]), int64Tensor('axes_2', [1], [2]));
  const cov = e.op(
    'Concat',
    [zNode(e.op('Div', ['dose', 'bw'], 'dose_per_kg'), f.dosePerKg, 'dose_per_kg'), zNode('comed', f.comed, 'comed'), zNode('bw', f.bw, 'bw'), zNode('dose', f.dose, 'dose')],
    'cov',
    { axis: attr.int(1) },
  );
  e.op('Unsqueeze', [cov, 'axes_1'], 'cov3');
  e.constant('time', [1, T, 3], timeRows(f, regimen));
  // PK stage and its window mean
  const c = e.dense('pk.out', resblock(e, 'pk', inputLayer(e, 'pk', H, undefined), H), H, 1, 'c_z');
  const cMean = e.op('ReduceMean', [c, 'axes_1'], 'c_z_mean', { keepdims: attr.int(1) });
  // gate and experts
  const gate = e.op('Unsqueeze', [e.op('Softmax', [e.dense('gate', cov, 4, s.experts, 'gate_logits')], 'gate_softmax', { axis: attr.int(-1) }), 'axes_1'], 'gate');
  const ys = Array.from({ length: s.experts }, (_, k) => {
    let h = resblock(e, `e${k}`, inputLayer(e, `e${k}`, H, { c, cMean }), H);
    if (k === 0) h = quantumBranch(e, s, h);
    return e.dense(`e${k}.out`, h, H, 1, `y${k}`);
  });
  const mixed = e.op('ReduceSum', [e.op('Mul', [e.op('Concat', ys, 'experts', { axis: attr.int(2) }), gate], 'weighted'), 'axes_2'], 'pd_z', { keepdims: attr.int(0) });
  e.op('Add', [e.op('Mul', [mixed, e.constant('pd_sd', [], [spec.target.sd])], 'pd_scaled'), e.constant('pd_mean', [], [spec.target.mean])], 'pd');
  const g = graph({
    name: `qnn_moe_${regimen.tag}`,
    nodes: e.nodes,
    inputs: [valueInfo('dose', DataType.FLOAT, ['B']), valueInfo('bw', DataType.FLOAT, ['B']), valueInfo('comed', DataType.FLOAT, ['B'])],
    outputs: [valueInfo('pd', DataType.FLOAT, ['B', T])],
    initializers: e.initializers,
    docString: `qnn-moe: PK resMLP -> (conc, window mean) -> softmax gate over ${s.experts} resMLP experts (hidden ${H}), expert 0 with a ${s.circuit.qubits}-qubit ${s.circuit.layers}-layer circuit; pd in ng/mL`,
  });
  return model({
    graph: g,
    opset: MOE_OPSET,
    docString: `qusop model qnn-moe, regimen ${regimen.name} (tau ${regimen.tauH} h, T ${T})`,
    metadata: { family: 'qnn-moe', regimen: regimen.name, ...spec.metadata },
  });
}
