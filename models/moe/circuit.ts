/**
 * The variational quantum layer of the QNN-enhanced expert: n qubits, angle encoding (RY(a_q) on
 * |0>), `layers` entangling layers (RY(theta_lq) on every qubit, then a brickwork of CNOTs: pairs
 * (0,1), (2,3), ... then (1,2), (3,4), ...), Pauli-Z readout <Z_q> on every qubit. RY and CNOT keep
 * amplitudes real, so the exact simulation is a real vector of 2^n amplitudes per row: the encoding
 * is a Kronecker product of (cos, sin) pairs, each entangling layer one [2^n, 2^n] matrix
 * (kron of the RYs, then the CNOT permutation), the readout squared amplitudes times a +-1 matrix.
 * Training runs these as tfjs ops (autodiff gives exact gradients); the ONNX graph runs the same
 * ops with the trained layer matrices as constants (export.ts). Qubit q is bit q of the basis index.
 */
import { InputError } from '../../worker/common/errors.js';
import { tf } from '../sequence/tf-runtime.js';

export interface CircuitSpec {
  readonly qubits: number;
  readonly layers: number;
}

/** PNU's feasibility bound: quantum volume 512 = 2^9, i.e. square circuits of at most 9 qubits at depth 9. */
export const PNU_QV_BOUND = { quantumVolume: 512, maxQubits: 9, maxDepth: 9 } as const;

export const MAX_QUBITS = 8;

export function checkCircuit(spec: CircuitSpec): CircuitSpec {
  if (!Number.isInteger(spec.qubits) || spec.qubits < 2 || spec.qubits > MAX_QUBITS) throw new InputError(`qubits (${spec.qubits}) must be an integer in [2, ${MAX_QUBITS}]`, { details: { field: 'qubits', value: spec.qubits } });
  if (!Number.isInteger(spec.layers) || spec.layers < 1) throw new InputError(`circuit layers (${spec.layers}) must be a positive integer`, { details: { field: 'layers', value: spec.layers } });
  return spec;
}

/** The CNOTs of one entangling layer, in order: even pairs, then odd pairs. */
export function brickwork(qubits: number): [control: number, target: number][] {
  const pairs: [number, number][] = [];
  for (const start of [0, 1]) for (let q = start; q + 1 < qubits; q += 2) pairs.push([q, q + 1]);
  return pairs;
}

/** Hardware figures: depth by as-soon-as-possible scheduling of encoding, RY and CNOT gates (readout not counted). */
export function circuitFigures(spec: CircuitSpec): { qubits: number; layers: number; depth: number; twoQubitGates: number; oneQubitGates: number; trainableAngles: number; withinPnuBound: boolean } {
  const level = new Array<number>(spec.qubits).fill(0);
  const single = () => level.forEach((_, q) => (level[q]! += 1));
  single(); // encoding
  let two = 0;
  for (let l = 0; l < spec.layers; l++) {
    single();
    for (const [c, t] of brickwork(spec.qubits)) {
      const d = Math.max(level[c]!, level[t]!) + 1;
      level[c] = d;
      level[t] = d;
      two += 1;
    }
  }
  const depth = Math.max(...level);
  return {
    qubits: spec.qubits,
    layers: spec.layers,
    depth,
    twoQubitGates: two,
    oneQubitGates: spec.qubits * (spec.layers + 1),
    trainableAngles: spec.qubits * spec.layers,
    withinPnuBound: spec.qubits <= PNU_QV_BOUND.maxQubits && depth <= PNU_QV_BOUND.maxDepth,
  };
}

/** Basis permutation of one CNOT layer: amplitude at i moves to f(i). */
export function brickworkPermutation(qubits: number): number[] {
  return Array.from({ length: 1 << qubits }, (_, i) => brickwork(qubits).reduce((x, [c, t]) => ((x >> c) & 1 ? x ^ (1 << t) : x), i));
}

/** [2^n, n]: +1 where qubit q is 0 in basis state i, -1 where it is 1 (so <Z> = p @ zSigns). */
export function zSigns(qubits: number): Float32Array {
  const N = 1 << qubits;
  return Float32Array.from({ length: N * qubits }, (_, k) => (((Math.floor(k / qubits) >> k % qubits) & 1) === 0 ? 1 : -1));
}

/** [2^n, 2^n] permutation matrix P with P[i, f(i)] = 1: row-vector state @ P applies the CNOT layer. */
function permutationMatrix(qubits: number): Float32Array {
  const N = 1 << qubits;
  const m = new Float32Array(N * N);
  brickworkPermutation(qubits).forEach((f, i) => (m[i * N + f] = 1));
  return m;
}

/** RY(theta) = [[c, -s], [s, c]] with c = cos(theta/2), s = sin(theta/2), as a [2, 2] tensor. */
function ry(theta: tf.Scalar): tf.Tensor2D {
  const c = tf.cos(tf.div(theta, 2));
  const s = tf.sin(tf.div(theta, 2));
  return tf.stack([tf.stack([c, tf.neg(s)]), tf.stack([s, c])]) as tf.Tensor2D;
}

/** One entangling layer as the matrix M (row-vector convention: state @ M) from its angles [n]. */
export function layerMatrixOp(qubits: number, thetas: tf.Tensor1D): tf.Tensor2D {
  const angles = tf.unstack(thetas) as tf.Scalar[];
  let k = ry(angles[0]!);
  for (let q = 1; q < qubits; q++) {
    const m = k.shape[0];
    // kron(RY_q, K): qubit q is the new highest bit
    k = tf.reshape(tf.mul(tf.reshape(ry(angles[q]!), [2, 1, 2, 1]), tf.reshape(k, [1, m, 1, m])), [2 * m, 2 * m]);
  }
  const N = 1 << qubits;
  return tf.matMul(tf.transpose(k), tf.tensor2d(permutationMatrix(qubits), [N, N]));
}

/** The same matrix in float64 from trained angles (for the ONNX constants). */
export function layerMatrix(qubits: number, thetas: ArrayLike<number>): Float64Array {
  const N = 1 << qubits;
  // K[j, i] = prod_q RY_q[bit_q(j), bit_q(i)]; M = K^T P, so M[i, f(j)] = K[j, i]
  const f = brickworkPermutation(qubits);
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let v = 1;
      for (let q = 0; q < qubits; q++) {
        const c = Math.cos(thetas[q]! / 2);
        const s = Math.sin(thetas[q]! / 2);
        const [bj, bi] = [(j >> q) & 1, (i >> q) & 1];
        v *= bj === bi ? c : bj === 1 ? s : -s;
      }
      out[i * N + f[j]!] = v;
    }
  }
  return out;
}

/** Angle encoding of rows [R, n] into amplitudes [R, 2^n]: prod_q (cos(a_q/2) or sin(a_q/2)). */
export function encodeOp(angles: tf.Tensor2D): tf.Tensor2D {
  const cols = tf.unstack(tf.transpose(angles)) as tf.Tensor1D[];
  let state: tf.Tensor2D = tf.ones([angles.shape[0], 1]);
  for (const a of cols) {
    const half = tf.reshape(tf.div(a, 2), [-1, 1]);
    state = tf.concat([tf.mul(state, tf.cos(half)), tf.mul(state, tf.sin(half))], 1) as tf.Tensor2D;
  }
  return state;
}

/** <Z_q> [R, n] of the circuit on encoded angles [R, n], entangling angles thetas [layers, n]. */
export function circuitOp(spec: CircuitSpec, angles: tf.Tensor2D, thetas: tf.Tensor2D): tf.Tensor2D {
  let state = encodeOp(angles);
  const rows = tf.unstack(thetas) as tf.Tensor1D[];
  for (const t of rows) state = tf.matMul(state, layerMatrixOp(spec.qubits, t));
  return tf.matMul(tf.square(state), tf.tensor2d(zSigns(spec.qubits), [1 << spec.qubits, spec.qubits]));
}
