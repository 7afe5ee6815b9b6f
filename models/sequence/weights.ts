/**
 * The classical network both families deploy, as one flat float32 vector in ONNX layout: a
 * bidirectional LSTM (gates in ONNX order i, o, f, c), a dense layer with ReLU on the concatenated
 * [forward, backward] hidden states, and a dense output. The tfjs BiLSTM's weights are converted into
 * it (gate-order.ts), QT-LSTM synthesises it (qt-lstm.ts), onnx-export.ts reads it, and its sha256 is
 * the "weights hash" that the same seed must reproduce.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../worker/common/errors.js';

export interface NetworkShape {
  /** features per step (3: t/tau, dose/BW, COMED) */
  readonly inputs: number;
  /** LSTM hidden units per direction */
  readonly hidden: number;
  /** units of the time-distributed ReLU layer */
  readonly dense: number;
}

export const PAPER_SHAPE: NetworkShape = { inputs: 3, hidden: 64, dense: 32 };

/** Shapes of the parts, in the order they sit in the flat vector. */
export function partShapes(s: NetworkShape): { name: WeightPart; shape: number[] }[] {
  const H = s.hidden;
  return [
    { name: 'W', shape: [2, 4 * H, s.inputs] },
    { name: 'R', shape: [2, 4 * H, H] },
    { name: 'B', shape: [2, 4 * H] },
    { name: 'dense1Kernel', shape: [2 * H, s.dense] },
    { name: 'dense1Bias', shape: [s.dense] },
    { name: 'dense2Kernel', shape: [s.dense] },
    { name: 'dense2Bias', shape: [1] },
  ];
}

export type WeightPart = 'W' | 'R' | 'B' | 'dense1Kernel' | 'dense1Bias' | 'dense2Kernel' | 'dense2Bias';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** M, the number of weights (the paper's BiLSTM(64) has 38,977). */
export function weightCount(s: NetworkShape): number {
  return partShapes(s).reduce((a, p) => a + size(p.shape), 0);
}

/** offset and length of every part in the flat vector */
export function layout(s: NetworkShape): Record<WeightPart, { offset: number; length: number; shape: number[] }> {
  let offset = 0;
  const out = {} as Record<WeightPart, { offset: number; length: number; shape: number[] }>;
  for (const p of partShapes(s)) {
    out[p.name] = { offset, length: size(p.shape), shape: p.shape };
    offset += size(p.shape);
  }
  return out;
}

export interface NetworkWeights {
  readonly shape: NetworkShape;
  readonly flat: Float32Array;
}

export function networkWeights(shape: NetworkShape, flat: Float32Array): NetworkWeights {
  if (flat.length !== weightCount(shape)) {
    throw new InputError(`network weights: ${flat.length} values, a BiLSTM(${shape.hidden}) + dense(${shape.dense}) needs ${weightCount(shape)}`);
  }
  return { shape, flat };
}

export function part(w: NetworkWeights, name: WeightPart): Float32Array {
  const p = layout(w.shape)[name];
  return w.flat.subarray(p.offset, p.offset + p.length);
}

/** sha256 of the little-endian float32 bytes: equal hashes mean bit-identical weights. */
export function weightsHash(w: NetworkWeights): string {
  const bytes = new Uint8Array(w.flat.length * 4);
  const view = new DataView(bytes.buffer);
  w.flat.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return createHash('sha256').update(bytes).digest('hex');
}
