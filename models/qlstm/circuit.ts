/**
 * The real-amplitude circuits of QLSTM and QK-LSTM: RY rotations and CNOTs only, so every amplitude
 * stays real and a 2^n statevector is one real vector (no imaginary part to carry: it is identically
 * zero). Qubit 0 is the most significant bit of a basis index, matching kron(q0, q1, ...).
 * The entangler is a CNOT ring (k -> k+1 mod n) in brick order: the even edges, then the odd ones,
 * so a ring costs depth 2 (n even) or 3 (n odd) instead of n when applied edge by edge.
 * This file holds the fixed parts (ring permutation, Pauli-Z signs, float64 RY) and the gate lists
 * that hardware.ts counts; the tensors that vary (angles) are built in network.ts and export.ts.
 */
import { InputError } from '../../worker/common/errors.js';

export const MAX_QUBITS = 8;

export function checkQubits(n: number, field = 'qubits'): number {
  if (!Number.isInteger(n) || n < 2 || n > MAX_QUBITS) {
    throw new InputError(`--${field} ${n}: expected an integer in [2, ${MAX_QUBITS}] (each circuit is simulated exactly on 2^n amplitudes)`, { details: { field, value: n } });
  }
  return n;
}

/** The ring's CNOT edges [control, target] in brick order. */
export function ringEdges(n: number): [number, number][] {
  const edges: [number, number][] = [];
  for (const parity of [0, 1]) for (let k = parity; k < n; k += 2) edges.push([k, (k + 1) % n]);
  // n = 2: the ring is 0 -> 1 then 1 -> 0
  return edges;
}

const bit = (b: number, q: number, n: number): number => (b >> (n - 1 - q)) & 1;

/** Where the ring sends basis index b. */
function ringImage(b: number, n: number): number {
  let x = b;
  for (const [c, t] of ringEdges(n)) if (bit(x, c, n) === 1) x ^= 1 << (n - 1 - t);
  return x;
}

/** P^T as a row-major [D, D] matrix, so that a row state psi becomes psi P^T (the ring applied). */
export function ringMatrixT(n: number): Float32Array {
  const D = 1 << n;
  const m = new Float32Array(D * D);
  for (let b = 0; b < D; b++) m[b * D + ringImage(b, n)] = 1; // (psi P^T)[pi(b)] = psi[b]
  return m;
}

/** [D, n]: +1 / -1 by bit k of each basis index; probabilities x Z = the n Pauli-Z expectations. */
export function zSigns(n: number): Float32Array {
  const D = 1 << n;
  const z = new Float32Array(D * n);
  for (let b = 0; b < D; b++) for (let k = 0; k < n; k++) z[b * n + k] = 1 - 2 * bit(b, k, n);
  return z;
}

/** RY(angle) on qubit q of a real float64 state (in place). */
export function applyRy(state: Float64Array, q: number, angle: number, n: number): void {
  const c = Math.cos(angle / 2);
  const s = Math.sin(angle / 2);
  const stride = 1 << (n - 1 - q);
  for (let b = 0; b < state.length; b++) {
    if ((b & stride) !== 0) continue;
    const a0 = state[b]!;
    const a1 = state[b + stride]!;
    state[b] = c * a0 - s * a1;
    state[b + stride] = s * a0 + c * a1;
  }
}

/** The ring on a float64 state (a new array). */
export function applyRing(state: Float64Array, n: number): Float64Array {
  const out = new Float64Array(state.length);
  for (let b = 0; b < state.length; b++) out[ringImage(b, n)] = state[b]!;
  return out;
}

/** One gate for resource counting: its qubits (two for a CNOT). */
export interface GateRef {
  readonly name: string;
  readonly qubits: readonly number[];
}

export const ryLayer = (n: number): GateRef[] => Array.from({ length: n }, (_, q) => ({ name: 'RY', qubits: [q] }));
export const hLayer = (n: number): GateRef[] => Array.from({ length: n }, (_, q) => ({ name: 'H', qubits: [q] }));
export const ringGates = (n: number): GateRef[] => ringEdges(n).map(([c, t]) => ({ name: 'CNOT', qubits: [c, t] }));

/** QLSTM's VQC: RY angle encoding, then `layers` x (trainable RY on every qubit, CNOT ring). */
export function vqcGates(n: number, layers: number): GateRef[] {
  const gates = ryLayer(n);
  for (let l = 0; l < layers; l++) gates.push(...ryLayer(n), ...ringGates(n));
  return gates;
}

/** QK-LSTM's feature map U(x): Hadamards, then `reps` x (RY(x) on every qubit, CNOT ring). */
export function featureMapGates(n: number, reps: number): GateRef[] {
  const gates = hLayer(n);
  for (let r = 0; r < reps; r++) gates.push(...ryLayer(n), ...ringGates(n));
  return gates;
}
