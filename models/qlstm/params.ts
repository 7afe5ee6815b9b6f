/**
 * Specs and trainable parameters of the two quantum-gate LSTM families, as an ordered list of named
 * float32 tensors (the order fixes the weights hash and the parameters file). Initial values are
 * Philox streams of the seed (models/sequence/seeded.ts, init.ts): same seed, same start.
 * Gate blocks are in the order i, f, c, o throughout this folder.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../worker/common/errors.js';
import { glorotUniform, orthogonal } from '../sequence/init.js';
import { STREAM, uniforms } from '../sequence/seeded.js';
import { checkQubits } from './circuit.js';

/** features per step: (t/tau, dose/BW, COMED), z-scaled */
export const INPUTS = 3;
export const GATES = 4;
export const FORGET = 1;

export interface QlstmSpec {
  readonly family: 'qlstm';
  readonly hidden: number;
  readonly dense: number;
  readonly qubits: number;
  /** trainable layers after the angle encoding */
  readonly layers: number;
}

export interface QkSpec {
  readonly family: 'qk-lstm';
  readonly hidden: number;
  readonly dense: number;
  readonly qubits: number;
  /** feature-map repetitions (RY(x) layer + CNOT ring) */
  readonly reps: number;
  readonly landmarks: number;
}

export type QSpec = QlstmSpec | QkSpec;

export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export function checkSpec(s: QSpec): QSpec {
  checkQubits(s.qubits);
  const counts: [string, number][] = [['hidden', s.hidden], ['dense', s.dense], s.family === 'qlstm' ? ['layers', s.layers] : ['reps', s.reps]];
  if (s.family === 'qk-lstm') counts.push(['landmarks', s.landmarks]);
  for (const [field, v] of counts) if (!Number.isInteger(v) || v < 1) throw new InputError(`${s.family} ${field} (${v}) must be a positive integer`, { details: { field, value: v } });
  return s;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function gateBias(blocks: number, width: number, rows = 1): Float32Array {
  const b = new Float32Array(blocks * rows * width);
  b.fill(1, FORGET * rows * width, (FORGET + 1) * rows * width); // unit forget bias
  return b;
}

function head(s: QSpec, seed: number): Param[] {
  return [
    { name: 'dense1', shape: [s.hidden, s.dense], values: glorotUniform(seed, 20, s.hidden, s.dense) },
    { name: 'dense1_bias', shape: [s.dense], values: new Float32Array(s.dense) },
    { name: 'dense2', shape: [s.dense, 1], values: glorotUniform(seed, 21, s.dense, 1) },
    { name: 'dense2_bias', shape: [1], values: new Float32Array(1) },
  ];
}

export function initialParams(s: QSpec, seed: number): Param[] {
  checkSpec(s);
  const H = s.hidden;
  const q = s.qubits;
  if (s.family === 'qlstm') {
    const wOut = new Float32Array(GATES * q * H);
    for (let g = 0; g < GATES; g++) wOut.set(glorotUniform(seed, 2 + g, q, H), g * q * H);
    return [
      { name: 'w_in', shape: [INPUTS + H, GATES * q], values: glorotUniform(seed, 1, INPUTS + H, GATES * q) },
      { name: 'b_in', shape: [GATES * q], values: new Float32Array(GATES * q) },
      { name: 'theta', shape: [GATES, s.layers, q], values: Float32Array.from(uniforms(seed, STREAM.circuit, 0, GATES * s.layers * q, -Math.PI, Math.PI)) },
      { name: 'w_out', shape: [GATES, q, H], values: wOut },
      { name: 'b_out', shape: [GATES, 1, H], values: gateBias(GATES, H) },
      ...head(s, seed),
    ];
  }
  return [
    { name: 'alpha', shape: [s.landmarks, GATES * H], values: glorotUniform(seed, 1, s.landmarks, GATES * H) },
    { name: 'recurrent', shape: [H, GATES * H], values: orthogonal(seed, 2, H, GATES * H) },
    { name: 'bias', shape: [GATES * H], values: gateBias(GATES, H) },
    ...head(s, seed),
  ];
}

export function paramCount(params: readonly Param[]): number {
  return params.reduce((a, p) => a + size(p.shape), 0);
}

export function paramByName(params: readonly Param[], name: string): Param {
  const p = params.find((x) => x.name === name);
  if (p === undefined) throw new InputError(`parameter ${name} missing`);
  return p;
}

/** sha256 of every parameter's little-endian float32 bytes, in order: equal hashes mean bit-identical models. */
export function paramsHash(params: readonly Param[]): string {
  const h = createHash('sha256');
  for (const p of params) {
    const bytes = new Uint8Array(p.values.length * 4);
    const view = new DataView(bytes.buffer);
    p.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    h.update(bytes);
  }
  return h.digest('hex');
}
