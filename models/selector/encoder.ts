/**
 * The selector's network: a small Transformer encoder over each subject's tokens (features.ts), then
 * masked mean pooling over tokens and over the subjects of the trial, then two heads: class logits over
 * the candidate structures and the regressed (standardised) log typical values of the PK parameters.
 *
 *   tokens [B,S,L,F] -> linear -> d_model -> LAYERS x (4-head self-attention, padding keys masked,
 *   residual + layer norm; ReLU feed-forward, residual + layer norm) -> mean over real tokens
 *   -> mean over subjects -> [B,d] -> class logits [B,C], regression [B,P]
 *
 * Parameters are plain named tensors (a flat record), initialised from the seed (Glorot-normal from
 * seeded.ts normals), so training is a pure function of (design, seed) on the cpu backend.
 */
import { tf } from '../sequence/tf-runtime.js';
import { normals, STREAM } from '../sequence/seeded.js';

export interface EncoderShape {
  readonly features: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly ffn: number;
  readonly classes: number;
  readonly regressed: number;
}

export type Params = Record<string, tf.Variable>;

/** Parameter names and shapes, in a fixed order (the weights file and the hash follow it). */
export function parameterShapes(s: EncoderShape): [string, number[]][] {
  const out: [string, number[]][] = [['in.w', [s.features, s.dModel]], ['in.b', [s.dModel]]];
  for (let l = 0; l < s.layers; l += 1) {
    for (const m of ['q', 'k', 'v', 'o']) out.push([`l${l}.${m}`, [s.dModel, s.dModel]]);
    out.push([`l${l}.ln1.g`, [s.dModel]], [`l${l}.ln1.b`, [s.dModel]], [`l${l}.ff1.w`, [s.dModel, s.ffn]], [`l${l}.ff1.b`, [s.ffn]], [`l${l}.ff2.w`, [s.ffn, s.dModel]], [`l${l}.ff2.b`, [s.dModel]], [`l${l}.ln2.g`, [s.dModel]], [`l${l}.ln2.b`, [s.dModel]]);
  }
  out.push(['cls.w', [s.dModel, s.classes]], ['cls.b', [s.classes]], ['reg.w', [s.dModel, s.regressed]], ['reg.b', [s.regressed]]);
  return out;
}

/** Seeded initial values: matrices Glorot-normal, biases 0, layer-norm gains 1. */
export function initialValues(s: EncoderShape, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  parameterShapes(s).forEach(([name, shape], i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 2) {
      const sd = Math.sqrt(2 / (shape[0]! + shape[1]!));
      out.set(name, Float32Array.from(normals(seed, STREAM.init, 1000 + i, size), (z) => z * sd));
    } else out.set(name, new Float32Array(size).fill(name.endsWith('.g') ? 1 : 0));
  });
  return out;
}

export function makeParams(s: EncoderShape, values: Map<string, Float32Array>): Params {
  return Object.fromEntries(parameterShapes(s).map(([name, shape]) => [name, tf.variable(tf.tensor(values.get(name)!, shape), true)]));
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
}

/** x [N,L,F], keyMask [N,L] (1 = token) -> [N,L,d]. */
function encode(p: Params, s: EncoderShape, x: tf.Tensor3D, keyMask: tf.Tensor2D): tf.Tensor3D {
  const [n, len] = [x.shape[0], x.shape[1]];
  const dh = s.dModel / s.heads;
  let h = x.reshape([n * len, s.features]).matMul(p['in.w']!).add(p['in.b']!);
  // padding keys get -1e9 before the softmax: no attention flows to them
  const bias = tf.scalar(1).sub(keyMask).mul(-1e9).reshape([n, 1, 1, len]);
  const heads = (t: tf.Tensor): tf.Tensor4D => t.reshape([n, len, s.heads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  for (let l = 0; l < s.layers; l += 1) {
    const q = heads(h.matMul(p[`l${l}.q`]!));
    const k = heads(h.matMul(p[`l${l}.k`]!));
    const v = heads(h.matMul(p[`l${l}.v`]!));
    const att = tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(dh)).add(bias), -1);
    const ctx = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape([n * len, s.dModel]);
    h = layerNorm(h.add(ctx.matMul(p[`l${l}.o`]!)), p[`l${l}.ln1.g`]!, p[`l${l}.ln1.b`]!);
    const ff = tf.relu(h.matMul(p[`l${l}.ff1.w`]!).add(p[`l${l}.ff1.b`]!)).matMul(p[`l${l}.ff2.w`]!).add(p[`l${l}.ff2.b`]!);
    h = layerNorm(h.add(ff), p[`l${l}.ln2.g`]!, p[`l${l}.ln2.b`]!);
  }
  return h.reshape([n, len, s.dModel]) as tf.Tensor3D;
}

/** x [B,S,L,F], mask [B,S,L] -> class logits [B,C] and regression [B,P]. */
export function forward(p: Params, s: EncoderShape, x: tf.Tensor4D, mask: tf.Tensor3D): { logits: tf.Tensor2D; regression: tf.Tensor2D; pooled: tf.Tensor2D } {
  const [b, subjects, len] = [x.shape[0], x.shape[1], x.shape[2]];
  const flatMask = mask.reshape([b * subjects, len]) as tf.Tensor2D;
  const h = encode(p, s, x.reshape([b * subjects, len, s.features]) as tf.Tensor3D, flatMask);
  const m = flatMask.expandDims(-1);
  const perSubject = h.mul(m).sum(1).div(m.sum(1).maximum(1)).reshape([b, subjects, s.dModel]);
  const real = flatMask.max(1).reshape([b, subjects, 1]);
  const pooled = perSubject.mul(real).sum(1).div(real.sum(1).maximum(1)) as tf.Tensor2D;
  return { logits: pooled.matMul(p['cls.w']!).add(p['cls.b']!) as tf.Tensor2D, regression: pooled.matMul(p['reg.w']!).add(p['reg.b']!) as tf.Tensor2D, pooled };
}
