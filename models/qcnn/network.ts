/**
 * The QCNN classifier in tfjs (training) : amplitudes a [N, 64] -> psi = a U(params)^T -> <Z_0>, <Z_2>
 * (the kept qubits, circuit.ts) -> P(success) = sigmoid(b + w_z0 <Z_0> + w_z2 <Z_2> + w_n x_n + w_c COMED
 * + w_b x_b), x_n = (ln ||c|| - mu) / sd (the exposure scale amplitude encoding drops), x_b = (BW - 70) / 10.
 * The readout is classical: 6 weights beside the circuit's 46 angles.
 */
import { tf } from '../sequence/tf-runtime.js';
import { DIM, gateParts, qcnnGates, READOUT_QUBITS, readoutZ } from './circuit.js';

/** readout weights, in order */
export const READOUT_NAMES = ['bias', 'w_z0', 'w_z2', 'w_ln_norm', 'w_comed', 'w_bw'] as const;
export const BW_REF_KG = 70;
export const BW_SCALE_KG = 10;

export interface QcnnInputs {
  /** [N, 64] amplitudes */
  readonly amps: Float32Array;
  /** [N] ln ||c + DELTA|| */
  readonly lnNorm: Float32Array;
  readonly comed: Float32Array;
  readonly bwKg: Float32Array;
}

export interface NormScale {
  readonly mu: number;
  readonly sd: number;
}

type GateTensors = { C: tf.Tensor2D; A?: tf.Tensor2D; S?: tf.Tensor2D; param: number };

let cached: GateTensors[] | undefined;

function gateTensors(): GateTensors[] {
  cached ??= qcnnGates().map((g) => {
    const { C, A, S } = gateParts(g);
    const t = (m: Float64Array) => tf.keep(tf.tensor2d(Float32Array.from(m), [DIM, DIM])); // cached across tidy scopes
    return g.kind === 'cz' ? { C: t(C), param: -1 } : { C: t(C), A: t(A), S: t(S), param: g.param };
  });
  return cached;
}

/** U(params) [64, 64] as a differentiable product of the gates (row-major: psi_out = U psi_in). */
export function unitaryTf(circuit: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    let U = tf.eye(DIM) as tf.Tensor2D;
    for (const g of gateTensors()) {
      let G = g.C;
      if (g.A !== undefined && g.S !== undefined) {
        const half = tf.mul(circuit.slice([g.param], [1]), 0.5).reshape([]);
        G = tf.add(G, tf.add(tf.mul(tf.cos(half), g.A), tf.mul(tf.sin(half), g.S)));
      }
      U = tf.matMul(G, U);
    }
    return U;
  });
}

/** P(success) [N] for the given parameters. */
export function predictTf(circuit: tf.Tensor1D, readout: tf.Tensor1D, x: QcnnInputs, scale: NormScale): tf.Tensor1D {
  return tf.tidy(() => predictWithUnitary(unitaryTf(circuit), readout, x, scale));
}

/** P(success) [N] with the circuit already multiplied out (training builds U once per step). */
export function predictWithUnitary(U: tf.Tensor2D, readout: tf.Tensor1D, x: QcnnInputs, scale: NormScale): tf.Tensor1D {
  return tf.tidy(() => {
    const N = x.lnNorm.length;
    const psi = tf.matMul(tf.tensor2d(x.amps, [N, DIM]), U, false, true);
    const z = tf.matMul(tf.square(psi), tf.tensor2d(Float32Array.from(readoutZ()), [DIM, READOUT_QUBITS.length])); // [N, 2]
    const xn = tf.div(tf.sub(tf.tensor1d(x.lnNorm), scale.mu), scale.sd);
    const xb = tf.div(tf.sub(tf.tensor1d(x.bwKg), BW_REF_KG), BW_SCALE_KG);
    const feats = tf.concat([z, tf.stack([xn, tf.tensor1d(x.comed), xb], 1)], 1); // [N, 5]
    const w = readout.slice([1], [5]).reshape([5, 1]);
    const logit = tf.add(tf.matMul(feats, w).reshape([N]), readout.slice([0], [1]));
    return tf.sigmoid(logit) as tf.Tensor1D;
  });
}
