/**
 * The deployed network's forward pass written with tf ops on a flat weight tensor in ONNX layout
 * (weights.ts), so gradients flow into whatever produced the weights: QT-LSTM trains its circuit and
 * mapping network through it. It follows the ONNX LSTM equations (gates i, o, f, c; zero initial
 * state; the reverse direction reads the sequence backwards and its outputs stay aligned with t).
 */
import { tf } from './tf-runtime.js';
import { layout, type NetworkShape } from './weights.js';

function slice(flat: tf.Tensor1D, offset: number, shape: number[]): tf.Tensor {
  return flat.slice(offset, shape.reduce((a, b) => a * b, 1)).reshape(shape);
}

/** Hidden states [n, T, H] of one direction; xw holds x_t W^T + b for every step, [T, n, 4H]. */
function runDirection(xw: tf.Tensor3D, R: tf.Tensor2D, hidden: number, reverse: boolean): tf.Tensor3D {
  const [steps, n] = [xw.shape[0], xw.shape[1]];
  let h = tf.zeros([n, hidden]) as tf.Tensor2D;
  let c = tf.zeros([n, hidden]) as tf.Tensor2D;
  const xs = tf.unstack(xw) as tf.Tensor2D[];
  const hs: tf.Tensor2D[] = new Array<tf.Tensor2D>(steps);
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const z = tf.add(xs[t]!, tf.matMul(h, R, false, true));
    const [zi, zo, zf, zc] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
    hs[t] = h;
  }
  return tf.stack(hs, 1) as tf.Tensor3D;
}

/** z-scaled predictions [n, T] for features x [n, T, inputs] under the flat weights. */
export function forwardZ(flat: tf.Tensor1D, shape: NetworkShape, x: tf.Tensor3D): tf.Tensor2D {
  const L = layout(shape);
  const H = shape.hidden;
  const [n, steps] = [x.shape[0], x.shape[1]];
  const W = slice(flat, L.W.offset, L.W.shape);
  const R = slice(flat, L.R.offset, L.R.shape);
  const B = slice(flat, L.B.offset, L.B.shape);
  // [T, n, inputs] so that each step is one contiguous slice
  const xT = tf.transpose(x, [1, 0, 2]).reshape([steps * n, shape.inputs]);
  const dirs = [0, 1].map((d) => {
    const Wd = W.gather(d) as tf.Tensor2D;
    const xw = tf.add(tf.matMul(xT, Wd, false, true), B.gather(d)).reshape([steps, n, 4 * H]) as tf.Tensor3D;
    return runDirection(xw, R.gather(d) as tf.Tensor2D, H, d === 1);
  });
  const hcat = tf.concat(dirs, 2).reshape([n * steps, 2 * H]);
  const k1 = slice(flat, L.dense1Kernel.offset, L.dense1Kernel.shape) as tf.Tensor2D;
  const b1 = slice(flat, L.dense1Bias.offset, L.dense1Bias.shape);
  const a1 = tf.relu(tf.add(tf.matMul(hcat, k1), b1));
  const k2 = slice(flat, L.dense2Kernel.offset, [shape.dense, 1]) as tf.Tensor2D;
  const b2 = slice(flat, L.dense2Bias.offset, L.dense2Bias.shape);
  return tf.add(tf.matMul(a1, k2), b2).reshape([n, steps]) as tf.Tensor2D;
}
