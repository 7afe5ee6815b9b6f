/**
 * The QT-LSTM circuit as a tfjs op: measurement probabilities of the statevector simulator
 * (statevector.ts) with the adjoint-method gradient registered through tf.customGrad, so the
 * mapping network and the LSTM loss differentiate into the circuit angles with ordinary tfjs
 * autodiff. The simulation runs in float64; probabilities enter the graph as float32.
 */
import { InputError } from '../../worker/common/errors.js';
import { STREAM, uniforms } from './seeded.js';
import { circuitParamCount, probabilities, probabilityVjp, type CircuitSpec } from './statevector.js';
import { tf } from './tf-runtime.js';

/** N = ceil(log2 M): the fewest qubits whose 2^N outcomes index M weights (at least 2). */
export function qubitsFor(weightCount: number): number {
  if (!Number.isInteger(weightCount) || weightCount < 1) throw new InputError(`weight count must be a positive integer, got ${weightCount}`);
  return Math.max(2, Math.ceil(Math.log2(weightCount)));
}

/** Initial angles, uniform in [0, 2 pi): a generic (Porter–Thomas-like) distribution over outcomes. */
export function initialAngles(spec: CircuitSpec, seed: number): Float32Array {
  return Float32Array.from(uniforms(seed, STREAM.circuit, 0, circuitParamCount(spec), 0, 2 * Math.PI));
}

/** probabilities(angles) [2^N] as a differentiable tf op of the angle tensor [P]. */
export function circuitProbabilitiesOp(spec: CircuitSpec): (angles: tf.Tensor1D) => tf.Tensor1D {
  const op = tf.customGrad((angles, save) => {
    const a = angles as tf.Tensor1D;
    (save as tf.GradSaveFunc)([a]);
    const p = probabilities(spec, a.dataSync());
    return {
      value: tf.tensor1d(Float32Array.from(p)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const angleValues = saved[0]!.dataSync();
        return tf.tensor1d(Float32Array.from(probabilityVjp(spec, angleValues, dy.dataSync())));
      },
    };
  });
  return (angles) => op(angles) as tf.Tensor1D;
}
