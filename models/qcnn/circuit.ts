/**
 * The QCNN's circuit on 6 qubits (64 amplitudes; qubit 0 is the most significant bit of an amplitude's
 * index), real gates only (RY, CZ, controlled-RY), so amplitudes stay real:
 *
 *   conv 1   two-qubit blocks on (0,1) (2,3) (4,5), then (1,2) (3,4) (5,0)      6 x 4 = 24 parameters
 *   pool 1   CRY(1 -> 0), CRY(3 -> 2), CRY(5 -> 4); qubits 1, 3, 5 discarded         3
 *   conv 2   blocks on (0,2) (2,4) (4,0)                                      3 x 4 = 12
 *   pool 2   CRY(4 -> 2); qubit 4 discarded                                          1
 *   dense    RY RY, CZ, RY RY, CZ, RY RY on (0,2) (a real two-qubit block)             6
 *                                                                                   = 46
 * block(a, b) = RY(p0) a, RY(p1) b, CZ(a, b), RY(p2) a, RY(p3) b. Pooling is "controlled rotation, then
 * discard": a discarded qubit is never touched again, so tracing it out at the end gives the same
 * readout as measuring it mid-circuit (deferred measurement); the readout is <Z> of the kept qubits
 * 0 and 2. Every gate is linear in (cos, sin) of its half angle with constant 64 x 64 matrices, so the
 * whole circuit is one real orthogonal matrix U(params): tfjs builds it differentiably for training,
 * and the export multiplies it out in float64 (one MatMul on the amplitudes in the ONNX graph).
 */
import type { GateRef } from '../qlstm/circuit.js';

export const QUBITS = 6;
export const DIM = 2 ** QUBITS;
/** the kept qubits whose <Z> the readout reads */
export const READOUT_QUBITS = [0, 2] as const;

export type Gate =
  | { readonly kind: 'ry'; readonly q: number; readonly param: number }
  | { readonly kind: 'cz'; readonly a: number; readonly b: number }
  | { readonly kind: 'cry'; readonly control: number; readonly target: number; readonly param: number };

/** The gate list in application order, each rotation naming its parameter index. */
export function qcnnGates(): Gate[] {
  const gates: Gate[] = [];
  let next = 0;
  const block = (a: number, b: number): void => {
    gates.push({ kind: 'ry', q: a, param: next++ }, { kind: 'ry', q: b, param: next++ }, { kind: 'cz', a, b });
    gates.push({ kind: 'ry', q: a, param: next++ }, { kind: 'ry', q: b, param: next++ });
  };
  for (const [a, b] of [[0, 1], [2, 3], [4, 5], [1, 2], [3, 4], [5, 0]] as const) block(a, b);
  for (const [c, t] of [[1, 0], [3, 2], [5, 4]] as const) gates.push({ kind: 'cry', control: c, target: t, param: next++ });
  for (const [a, b] of [[0, 2], [2, 4], [4, 0]] as const) block(a, b);
  gates.push({ kind: 'cry', control: 4, target: 2, param: next++ });
  gates.push({ kind: 'ry', q: 0, param: next++ }, { kind: 'ry', q: 2, param: next++ }, { kind: 'cz', a: 0, b: 2 });
  gates.push({ kind: 'ry', q: 0, param: next++ }, { kind: 'ry', q: 2, param: next++ }, { kind: 'cz', a: 0, b: 2 });
  gates.push({ kind: 'ry', q: 0, param: next++ }, { kind: 'ry', q: 2, param: next++ });
  return gates;
}

export const CIRCUIT_PARAMS = Math.max(...qcnnGates().flatMap((g) => (g.kind === 'cz' ? [] : [g.param]))) + 1;

/** The gates as the hardware figures count them (models/qlstm/hardware.ts). */
export function gateRefs(): GateRef[] {
  return qcnnGates().map((g) => (g.kind === 'ry' ? { name: 'RY', qubits: [g.q] } : g.kind === 'cz' ? { name: 'CZ', qubits: [g.a, g.b] } : { name: 'CRY', qubits: [g.control, g.target] }));
}

export const bit = (i: number, q: number): number => (i >> (QUBITS - 1 - q)) & 1;

/**
 * A gate as C + cos(theta/2) A + sin(theta/2) S (row-major DIM x DIM, float64): RY(theta) on q maps
 * |0> -> cos|0> + sin|1>, |1> -> -sin|0> + cos|1>; CRY acts so on the target where the control is 1;
 * CZ is the constant diagonal (A = S = 0).
 */
export function gateParts(g: Gate): { C: Float64Array; A: Float64Array; S: Float64Array } {
  const C = new Float64Array(DIM * DIM);
  const A = new Float64Array(DIM * DIM);
  const S = new Float64Array(DIM * DIM);
  for (let i = 0; i < DIM; i += 1) {
    if (g.kind === 'cz') {
      C[i * DIM + i] = bit(i, g.a) === 1 && bit(i, g.b) === 1 ? -1 : 1;
      continue;
    }
    const q = g.kind === 'ry' ? g.q : g.target;
    if (g.kind === 'cry' && bit(i, g.control) === 0) {
      C[i * DIM + i] = 1;
      continue;
    }
    const flipped = i ^ (1 << (QUBITS - 1 - q));
    // row i (output), column j (input): out_i = cos in_i + (bit_q(i) ? +sin in_flipped : -sin in_flipped)
    A[i * DIM + i] = 1;
    S[i * DIM + flipped] = bit(i, q) === 1 ? 1 : -1;
  }
  return { C, A, S };
}

/** U(params) in float64, row-major: psi_out = U psi_in (the export's constant). */
export function circuitMatrix(params: ArrayLike<number>): Float64Array {
  let U = identity();
  for (const g of qcnnGates()) {
    const { C, A, S } = gateParts(g);
    const half = g.kind === 'cz' ? 0 : (params[g.param] ?? NaN) / 2;
    const c = Math.cos(half);
    const s = Math.sin(half);
    const G = Float64Array.from(C, (v, k) => v + c * (A[k] ?? 0) + s * (S[k] ?? 0));
    U = matmul(G, U);
  }
  return U;
}

function identity(): Float64Array {
  const I = new Float64Array(DIM * DIM);
  for (let i = 0; i < DIM; i += 1) I[i * DIM + i] = 1;
  return I;
}

function matmul(X: Float64Array, Y: Float64Array): Float64Array {
  const out = new Float64Array(DIM * DIM);
  for (let i = 0; i < DIM; i += 1) {
    for (let k = 0; k < DIM; k += 1) {
      const x = X[i * DIM + k] ?? 0;
      if (x === 0) continue;
      for (let j = 0; j < DIM; j += 1) out[i * DIM + j] = (out[i * DIM + j] ?? 0) + x * (Y[k * DIM + j] ?? 0);
    }
  }
  return out;
}

/** Z_q(i) = 1 - 2 bit_q(i) for the readout qubits: a DIM x 2 matrix, <Z> = |psi|^2 . Z */
export function readoutZ(): Float64Array {
  const Z = new Float64Array(DIM * READOUT_QUBITS.length);
  for (let i = 0; i < DIM; i += 1) READOUT_QUBITS.forEach((q, r) => { Z[i * READOUT_QUBITS.length + r] = 1 - 2 * bit(i, q); });
  return Z;
}
