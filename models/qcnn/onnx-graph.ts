/**
 * The QCNN's inference graph: the library's population graph on the 64-point window (exposure.ts;
 * inputs dose, bw, comed, eta, theta as every fitted card) feeding the classifier, output
 * `p_success [B]` (the trajectory contract's probability output, worker/model/card.ts):
 *
 *   conc [B,64] -> + DELTA -> / ||.|| = a      ln ||.|| -> (. - mu) / sd = x_n
 *   psi = a U^T (U: the trained circuit, circuit.ts, multiplied out in float64 and stored as float32)
 *   <Z_0>, <Z_2> = psi^2 . Z                     x_b = (bw - 70) / 10
 *   p_success = Sigmoid(bias + [<Z_0>, <Z_2>, x_n, comed, x_b] . w)
 *
 * The biomarker nodes of the population graph are pruned (only what p_success needs is kept).
 */
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, floatTensor, int64Tensor, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { RegimenGrid } from '../export/time-grid.js';
import { buildTrajectoryGraph } from '../export/trajectory-graph.js';
import { circuitMatrix, DIM, READOUT_QUBITS, readoutZ } from './circuit.js';
import { DELTA_MG_L } from './exposure.js';
import { BW_REF_KG, BW_SCALE_KG } from './network.js';
import type { TrainedQcnn } from './training.js';

export const P_SUCCESS_OUTPUT = 'p_success';

export function buildQcnnGraph(grid: RegimenGrid, t: Pick<TrainedQcnn, 'circuit' | 'readout' | 'scale'>): ModelProto {
  const m = buildTrajectoryGraph(grid);
  const g = m.graph;
  if (g === undefined) throw new RangeError('qcnn graph: the population graph has no graph');
  const p = (name: string): string => `qcnn/${name}`;
  // U^T so that psi = a U^T: row-major [64, 64] with (i, j) = U[j, i]
  const U = circuitMatrix(t.circuit);
  const UT = Float32Array.from({ length: DIM * DIM }, (_, k) => U[(k % DIM) * DIM + Math.floor(k / DIM)] ?? NaN);
  const R = READOUT_QUBITS.length;
  const w = t.readout;
  g.node.push(
    node('Add', ['conc', p('delta')], [p('c')]),
    node('Mul', [p('c'), p('c')], [p('c_sq')]),
    node('ReduceSum', [p('c_sq'), p('axis1')], [p('ss')], { keepdims: attr.int(1) }),
    node('Sqrt', [p('ss')], [p('norm')]),
    node('Div', [p('c'), p('norm')], [p('amps')]),
    node('MatMul', [p('amps'), p('UT')], [p('psi')]),
    node('Mul', [p('psi'), p('psi')], [p('prob')]),
    node('MatMul', [p('prob'), p('Z')], [p('z')]),
    node('Log', [p('norm')], [p('ln_norm')]),
    node('Sub', [p('ln_norm'), p('mu')], [p('ln_c')]),
    node('Div', [p('ln_c'), p('sd')], [p('x_n')]),
    node('Reshape', ['comed', p('column')], [p('x_c')]),
    node('Sub', ['bw', p('bw_ref')], [p('bw_c')]),
    node('Div', [p('bw_c'), p('bw_scale')], [p('bw_s')]),
    node('Reshape', [p('bw_s'), p('column')], [p('x_b')]),
    node('Concat', [p('z'), p('x_n'), p('x_c'), p('x_b')], [p('features')], { axis: attr.int(1) }),
    node('MatMul', [p('features'), p('w')], [p('linear')]),
    node('Add', [p('linear'), p('bias')], [p('logit')]),
    node('Sigmoid', [p('logit')], [P_SUCCESS_OUTPUT]),
  );
  g.initializer.push(
    floatTensor(p('delta'), [], [DELTA_MG_L]),
    int64Tensor(p('axis1'), [1], [1]),
    floatTensor(p('UT'), [DIM, DIM], UT),
    floatTensor(p('Z'), [DIM, R], Float32Array.from(readoutZ())),
    floatTensor(p('mu'), [], [t.scale.mu]),
    floatTensor(p('sd'), [], [t.scale.sd]),
    int64Tensor(p('column'), [2], [-1, 1]),
    floatTensor(p('bw_ref'), [], [BW_REF_KG]),
    floatTensor(p('bw_scale'), [], [BW_SCALE_KG]),
    floatTensor(p('w'), [5], Float32Array.from(w.subarray(1, 6))),
    floatTensor(p('bias'), [], [w[0] ?? NaN]),
  );
  g.output = [valueInfo(P_SUCCESS_OUTPUT, DataType.FLOAT, ['B'])];
  prune(m);
  return m;
}

/** Keeps only the nodes and initializers the graph's outputs depend on. */
function prune(m: ModelProto): void {
  const g = m.graph;
  if (g === undefined) return;
  const needed = new Set(g.output.map((o) => o.name));
  const kept = [];
  for (let i = g.node.length - 1; i >= 0; i -= 1) {
    const n = g.node[i];
    if (n === undefined || !n.output.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of n.input) needed.add(x);
  }
  g.node = kept.reverse();
  g.initializer = g.initializer.filter((t) => needed.has(t.name));
  g.valueInfo = g.valueInfo.filter((v) => needed.has(v.name));
}
