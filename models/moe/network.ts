/**
 * The QNN-enhanced ResMLP mixture of experts (PNU) as named parameters and tfjs forward passes, one
 * row per (subject, grid time):
 *
 *   x   = [covariates z (dose/BW, COMED, BW, dose), time (z(t/tau), sin, cos 2 pi t/tau)]     [7]
 *   PK stage:  c_z(t) = out(resblock_pk(x))                                  concentration, z units
 *   PD input:  u = [x, c_z(t), mean over the window of c_z]                                      [9]
 *   gate:      g = softmax(W_g covariates + b_g)                                                  [K]
 *   expert k:  h = resblock_k(u); expert 0 also h += W_o <Z>(pi tanh(W_a h + b_a)) + b_o (circuit.ts)
 *              y_k = w_k . h + b_k
 *   pd_z(t) = sum_k g_k y_k
 *
 * resblock(v) = h + W2 relu(W1 h + b1) + b2 with h = W_in v + b_in (Dense -> ReLU -> Dense + skip).
 * Parameters are listed in one fixed order (their concatenation is hashed); export.ts reads them by name.
 */
import { InputError } from '../../worker/common/errors.js';
import { glorotUniform } from '../sequence/init.js';
import { STREAM, uniforms } from '../sequence/seeded.js';
import { tf } from '../sequence/tf-runtime.js';
import { checkCircuit, circuitOp, type CircuitSpec } from './circuit.js';

export const INPUTS = 7;
export const PD_INPUTS = INPUTS + 2;
export const COVARIATE_COUNT = 4;

export interface MoeShape {
  /** width of every residual block */
  readonly hidden: number;
  /** K experts; expert 0 carries the quantum layer */
  readonly experts: number;
  readonly circuit: CircuitSpec;
  /** false: expert 0 without its quantum branch (the classical ablation in bench/sequence; never exported) */
  readonly quantum?: false;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: 'glorot' | 'zero' | 'angle';
}

function resblockParams(prefix: string, inputs: number, H: number): ParamSpec[] {
  return [
    { name: `${prefix}.in.W`, shape: [inputs, H], init: 'glorot' },
    { name: `${prefix}.in.b`, shape: [H], init: 'zero' },
    { name: `${prefix}.res1.W`, shape: [H, H], init: 'glorot' },
    { name: `${prefix}.res1.b`, shape: [H], init: 'zero' },
    { name: `${prefix}.res2.W`, shape: [H, H], init: 'glorot' },
    { name: `${prefix}.res2.b`, shape: [H], init: 'zero' },
    { name: `${prefix}.out.W`, shape: [H, 1], init: 'glorot' },
    { name: `${prefix}.out.b`, shape: [1], init: 'zero' },
  ];
}

export function pkParams(s: MoeShape): ParamSpec[] {
  return resblockParams('pk', INPUTS, s.hidden);
}

export function pdParams(s: MoeShape): ParamSpec[] {
  const { qubits: n, layers } = s.circuit;
  const quantum: ParamSpec[] = [
    { name: 'e0.q.angle.W', shape: [s.hidden, n], init: 'glorot' },
    { name: 'e0.q.angle.b', shape: [n], init: 'zero' },
    { name: 'e0.q.theta', shape: [layers, n], init: 'angle' },
    { name: 'e0.q.readout.W', shape: [n, s.hidden], init: 'glorot' },
    { name: 'e0.q.readout.b', shape: [s.hidden], init: 'zero' },
  ];
  return [
    { name: 'gate.W', shape: [COVARIATE_COUNT, s.experts], init: 'glorot' },
    { name: 'gate.b', shape: [s.experts], init: 'zero' },
    ...Array.from({ length: s.experts }, (_, k) => resblockParams(`e${k}`, PD_INPUTS, s.hidden)).flat(),
    ...(s.quantum === false ? [] : quantum),
  ];
}

export function checkShape(s: MoeShape): MoeShape {
  for (const [field, v] of [['hidden', s.hidden], ['experts', s.experts]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} (${v}) must be a positive integer`, { details: { field, value: v } });
  }
  checkCircuit(s.circuit);
  return s;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function parameterCount(specs: readonly ParamSpec[]): number {
  return specs.reduce((a, p) => a + size(p.shape), 0);
}

/** Seeded initial values: Glorot-uniform matrices, zero biases, circuit angles uniform in [-pi, pi). */
export function initialValues(specs: readonly ParamSpec[], seed: number, firstSub: number): Map<string, Float32Array> {
  return new Map(
    specs.map((p, i) => {
      const n = size(p.shape);
      const v =
        p.init === 'zero'
          ? new Float32Array(n)
          : p.init === 'angle'
            ? Float32Array.from(uniforms(seed, STREAM.circuit, firstSub + i, n, -Math.PI, Math.PI))
            : glorotUniform(seed, firstSub + i, p.shape[0]!, p.shape[1]!);
      return [p.name, v] as const;
    }),
  );
}

/** Parameters as tensors by name (variables in training, constants for reference predictions). */
export type Params = (name: string) => tf.Tensor;

function dense(p: Params, prefix: string, v: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(v, p(`${prefix}.W`) as tf.Tensor2D), p(`${prefix}.b`));
}

/** The residual block's hidden state [R, H]. */
function resblock(p: Params, prefix: string, v: tf.Tensor2D): tf.Tensor2D {
  const h = dense(p, `${prefix}.in`, v);
  return tf.add(h, dense(p, `${prefix}.res2`, tf.relu(dense(p, `${prefix}.res1`, h))));
}

/** PK stage: concentration (z units) [R] of rows x [R, 7]. */
export function pkForward(p: Params, x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(dense(p, 'pk.out', resblock(p, 'pk', x)), [-1]);
}

/** PD stage: pd (z units) [R] of rows u [R, 9]; covariates are u's first 4 columns. */
export function pdForward(p: Params, s: MoeShape, u: tf.Tensor2D): tf.Tensor1D {
  const gate = tf.softmax(dense(p, 'gate', tf.slice(u, [0, 0], [-1, COVARIATE_COUNT])));
  const ys = Array.from({ length: s.experts }, (_, k) => {
    let h = resblock(p, `e${k}`, u);
    if (k === 0 && s.quantum !== false) {
      const angles = tf.mul(Math.PI, tf.tanh(dense(p, 'e0.q.angle', h))) as tf.Tensor2D;
      const z = circuitOp(s.circuit, angles, p('e0.q.theta') as tf.Tensor2D);
      h = tf.add(h, dense(p, 'e0.q.readout', z));
    }
    return dense(p, `e${k}.out`, h);
  });
  return tf.reshape(tf.sum(tf.mul(gate, tf.concat(ys, 1)), 1), [-1]);
}

/** The PD stage's input [n*T, 9]: x, the PK stage's c_z(t) and its window mean per subject. */
export function pdInputs(p: Params, x: tf.Tensor3D): tf.Tensor2D {
  const [n, T] = [x.shape[0], x.shape[1]];
  const c = tf.reshape(pkForward(p, tf.reshape(x, [n * T, INPUTS])), [n, T, 1]);
  const cMean = tf.tile(tf.mean(c, 1, true), [1, T, 1]);
  return tf.reshape(tf.concat([x, c, cMean], 2), [n * T, PD_INPUTS]);
}

/** The whole cascade: pd (z units) [n, T] of inputs x [n, T, 7]. */
export function cascadeForward(p: Params, s: MoeShape, x: tf.Tensor3D): tf.Tensor2D {
  return tf.reshape(pdForward(p, s, pdInputs(p, x)), [x.shape[0], x.shape[1]]);
}
