/**
 * QK-LSTM's quantum kernel k(x, l) = |<phi(x)|phi(l)>|^2 with the feature map
 * |phi(x)> = (ring . RY(x))^reps H^n |0>: qubit k is rotated by feature k mod 3 of the z-scaled
 * x_t = (t/tau, dose/BW, COMED). Computed in float64 here (training); the graph recomputes phi(x)
 * in float32 tensors (export.ts) against the landmark states as constants.
 * The kernel acts on x_t only, not on h_{t-1}: x_t is data, so each kernel row is computed once per
 * distinct input and cached by the input's bytes (a trajectory's (dose, BW, COMED) rows repeat at
 * every epoch); h_{t-1} enters the gates through a classical recurrent matrix. Landmarks: m distinct
 * training inputs picked by a seeded permutation (the Nystrom landmark set; the trainable linear
 * layer after the kernel row subsumes the Nystrom whitening K_mm^{-1/2}).
 */
import { InputError } from '../../worker/common/errors.js';
import { permutation } from '../sequence/seeded.js';
import { applyRing, applyRy } from './circuit.js';
import { INPUTS } from './params.js';

/** stream of the landmark choice (models/sequence/seeded.ts uses 1-4) */
export const LANDMARK_STREAM = 5;

export function featureState(x: ArrayLike<number>, qubits: number, reps: number): Float64Array {
  const D = 1 << qubits;
  let s: Float64Array = new Float64Array(D).fill(1 / Math.sqrt(D));
  for (let r = 0; r < reps; r++) {
    for (let q = 0; q < qubits; q++) applyRy(s, q, x[q % INPUTS]!, qubits);
    s = applyRing(s, qubits);
  }
  return s;
}

export interface KernelMap {
  readonly qubits: number;
  readonly reps: number;
  /** [m, 3] z-scaled landmark inputs */
  readonly landmarks: Float32Array;
  /** [m, 2^n] their feature states */
  readonly states: Float64Array[];
}

export function kernelMap(landmarks: Float32Array, qubits: number, reps: number): KernelMap {
  const m = landmarks.length / INPUTS;
  const states = Array.from({ length: m }, (_, j) => featureState(landmarks.subarray(j * INPUTS, (j + 1) * INPUTS), qubits, reps));
  return { qubits, reps, landmarks, states };
}

/** m distinct rows of x [rows, 3] in a seeded order. */
export function chooseLandmarks(x: Float32Array, m: number, seed: number): Float32Array {
  const rows = x.length / INPUTS;
  const order = permutation(seed, LANDMARK_STREAM, 0, rows);
  const seen = new Set<string>();
  const out: number[] = [];
  for (const i of order) {
    const row = Array.from(x.subarray(i * INPUTS, (i + 1) * INPUTS));
    const key = row.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(...row);
    if (seen.size === m) break;
  }
  if (seen.size < m) {
    throw new InputError(`--landmarks ${m}: expected at most ${seen.size}, the number of distinct training inputs x_t (subjects x grid steps) landmarks are drawn from`, { details: { field: 'landmarks', value: m } });
  }
  return Float32Array.from(out);
}

/** Kernel rows of many inputs, computed once per distinct input (keyed by its float32 bytes). */
export class KernelCache {
  private readonly rows = new Map<string, Float64Array>();
  hits = 0;
  constructor(readonly map: KernelMap) {}

  row(x: Float32Array): Float64Array {
    const key = Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    const hit = this.rows.get(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    const phi = featureState(x, this.map.qubits, this.map.reps);
    const row = Float64Array.from(this.map.states, (l) => {
      let dot = 0;
      for (let b = 0; b < phi.length; b++) dot += phi[b]! * l[b]!;
      return dot * dot;
    });
    this.rows.set(key, row);
    return row;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Kernel features [n, T, m] of inputs [n, T, 3]. */
  features(x: Float32Array): Float32Array {
    const steps = x.length / INPUTS;
    const m = this.map.states.length;
    const out = new Float32Array(steps * m);
    for (let i = 0; i < steps; i++) out.set(this.row(x.subarray(i * INPUTS, (i + 1) * INPUTS)), i * m);
    return out;
  }
}
