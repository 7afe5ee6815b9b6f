/**
 * The two families' forward pass in tfjs ops (training, and the reference the ONNX graph must match):
 * a unidirectional LSTM whose gate pre-activations z_t = (z_i, z_f, z_c, z_o) come from
 *   qlstm:   per gate g, angles a = W_in[g] [x_t, h_{t-1}] + b_in[g] (n per gate), the product state
 *            (x)_k (cos(a_k/2), sin(a_k/2)) (RY(a_k)|0>), the trainable block V_g (layers x (RY(theta)
 *            on every qubit, CNOT ring)), Pauli-Z expectations <Z_k> = |V_g psi|^2 . zsign_k, and
 *            z_g = W_out[g] <Z> + b_out[g] (n -> H);
 *   qk-lstm: z_t = K(x_t) alpha + h_{t-1} R + b, K(x_t) the kernel row against the landmarks
 *            (kernel.ts; computed outside and passed in as features);
 * then the standard cell (sigmoid i, f, o; tanh candidate), and a head dense(D, relu) -> dense(1) on
 * h_t at every step. All statevectors are real (circuit.ts): V_g^T is a [2^n, 2^n] tensor built from
 * the angles by kron products, differentiable, so tfjs autodiff gives exact circuit gradients.
 */
import { tf } from '../sequence/tf-runtime.js';
import { ringMatrixT, zSigns } from './circuit.js';
import { GATES, type QSpec } from './params.js';

export type TfParams = Readonly<Record<string, tf.Tensor>>;

/** RY(theta_0) (x) ... (x) RY(theta_{n-1}) for each of G rows of angles [G, n]: [G, 2^n, 2^n]. */
function ryKron(theta: tf.Tensor2D): tf.Tensor3D {
  const [G, n] = theta.shape;
  const half = tf.mul(theta, 0.5);
  const c = tf.cos(half);
  const s = tf.sin(half);
  let k: tf.Tensor3D | undefined;
  for (let q = 0; q < n; q++) {
    const cq = tf.slice(c, [0, q], [G, 1]);
    const sq = tf.slice(s, [0, q], [G, 1]);
    const block = tf.concat([cq, tf.neg(sq), sq, cq], 1).reshape([G, 2, 2]) as tf.Tensor3D;
    if (k === undefined) k = block;
    else {
      const a = k.shape[1];
      k = tf.mul(k.reshape([G, a, 1, a, 1]), block.reshape([G, 1, 2, 1, 2])).reshape([G, 2 * a, 2 * a]) as tf.Tensor3D;
    }
  }
  return k!;
}

/** V_g^T for every gate, [G, D, D], from theta [G, L, n]: V = P R_L ... P R_1, so V^T = R_1^T P^T ... R_L^T P^T. */
export function circuitUnitaryT(theta: tf.Tensor, qubits: number): tf.Tensor3D {
  const [G, L] = theta.shape as [number, number, number];
  const D = 1 << qubits;
  const PT = tf.tensor2d(ringMatrixT(qubits), [D, D]);
  let vt: tf.Tensor3D | undefined;
  for (let l = 0; l < L; l++) {
    const R = ryKron(tf.slice(theta, [0, l, 0], [G, 1, qubits]).reshape([G, qubits]) as tf.Tensor2D);
    const withR = vt === undefined ? tf.transpose(R, [0, 2, 1]) : tf.matMul(vt, R, false, true);
    vt = tf.matMul(withR.reshape([G * D, D]), PT).reshape([G, D, D]) as tf.Tensor3D;
  }
  return vt!;
}

/** The product state of angle rows a [n, G, q]: [n, G, 2^q] (qubit 0 the most significant). */
export function encode(a: tf.Tensor3D): tf.Tensor3D {
  const [n, G, q] = a.shape;
  const half = tf.mul(a, 0.5);
  const c = tf.cos(half);
  const s = tf.sin(half);
  let psi: tf.Tensor3D | undefined;
  for (let k = 0; k < q; k++) {
    const u = tf.concat([tf.slice(c, [0, 0, k], [n, G, 1]), tf.slice(s, [0, 0, k], [n, G, 1])], 2) as tf.Tensor3D;
    psi = psi === undefined ? u : (tf.mul(tf.expandDims(psi, 3), tf.expandDims(u, 2)).reshape([n, G, -1]) as tf.Tensor3D);
  }
  return psi!;
}

/** qlstm's four gate pre-activations [G, n, H] for v = [x_t, h_{t-1}] [n, 3 + H]. */
function vqcGates(spec: QSpec, p: TfParams, vt: tf.Tensor3D, zs: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor3D {
  const n = v.shape[0];
  const q = spec.qubits;
  const D = 1 << q;
  const a = tf.add(tf.matMul(v, p['w_in'] as tf.Tensor2D), p['b_in']!).reshape([n, GATES, q]) as tf.Tensor3D;
  const phi = tf.matMul(tf.transpose(encode(a), [1, 0, 2]), vt); // [G, n, D]
  const z = tf.matMul(tf.mul(phi, phi).reshape([GATES * n, D]), zs).reshape([GATES, n, q]);
  return tf.add(tf.matMul(z, p['w_out'] as tf.Tensor3D), p['b_out']!) as tf.Tensor3D;
}

/**
 * z-scaled predictions [n, T] for features x [n, T, 3]; for qk-lstm `kernel` holds K(x_t) [n, T, m].
 */
export function forwardZ(spec: QSpec, p: TfParams, x: tf.Tensor3D, kernel?: tf.Tensor3D): tf.Tensor2D {
  const [n, steps] = [x.shape[0], x.shape[1]];
  const H = spec.hidden;
  const xs = tf.unstack(x, 1) as tf.Tensor2D[];
  const ks = kernel === undefined ? [] : (tf.unstack(kernel, 1) as tf.Tensor2D[]);
  const vt = spec.family === 'qlstm' ? circuitUnitaryT(p['theta']!, spec.qubits) : undefined;
  const zs = tf.tensor2d(zSigns(spec.qubits), [1 << spec.qubits, spec.qubits]);
  let h = tf.zeros([n, H]) as tf.Tensor2D;
  let c = tf.zeros([n, H]) as tf.Tensor2D;
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    let gates: tf.Tensor2D[];
    if (spec.family === 'qlstm') gates = tf.unstack(vqcGates(spec, p, vt!, zs, tf.concat([xs[t]!, h], 1) as tf.Tensor2D)) as tf.Tensor2D[];
    else {
      const z = tf.add(tf.add(tf.matMul(ks[t]!, p['alpha'] as tf.Tensor2D), tf.matMul(h, p['recurrent'] as tf.Tensor2D)), p['bias']!);
      gates = tf.split(z, GATES, 1) as tf.Tensor2D[];
    }
    const [zi, zf, zc, zo] = gates as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
    hs.push(h);
  }
  const hAll = tf.stack(hs, 1).reshape([n * steps, H]) as tf.Tensor2D;
  const a1 = tf.relu(tf.add(tf.matMul(hAll, p['dense1'] as tf.Tensor2D), p['dense1_bias']!));
  return tf.add(tf.matMul(a1, p['dense2'] as tf.Tensor2D), p['dense2_bias']!).reshape([n, steps]) as tf.Tensor2D;
}

