/**
 * Trains the QCNN (network.ts) on a trial's subjects: label y = 1 when every observed biomarker sample
 * of the subject's last dosing window is below the threshold (PD_LAST_MAX <= threshold, the
 * baselines' reading: models/baselines/last-window.ts), input the subject's typical steady-state QD
 * window (exposure.ts) with its COMED and BW. Loss = mean binary cross-entropy + LAMBDA_MONO x the
 * monotonicity penalty: on the dose ladder DOSE_LADDER_MG, each subject's P(success) should not fall
 * as the dose rises; each fall p(d_j) - p(d_{j+1}) > 0 is penalised by its square. Full batch, Adam at
 * a fixed rate, a fixed number of epochs, initial angles from the seed (Philox): deterministic for a
 * seed on the cpu backend (same weights, same ONNX bytes).
 */
import { tf } from '../sequence/tf-runtime.js';
import { normals, STREAM } from '../sequence/seeded.js';
import { CIRCUIT_PARAMS, DIM } from './circuit.js';
import { predictTf, predictWithUnitary, READOUT_NAMES, unitaryTf, type NormScale, type QcnnInputs } from './network.js';

export const DOSE_LADDER_MG = [0, 1, 2, 3, 5, 7, 10, 15, 20, 30] as const;
export const LAMBDA_MONO = 10;
export const LEARNING_RATE = 0.05;
export const INIT_SD = 0.5;

export interface TrainingSet {
  readonly x: QcnnInputs;
  readonly y: Float32Array;
  /** the same subjects at each ladder dose: inputs of length N x L, subject-major (row s * L + j) */
  readonly ladder: QcnnInputs;
}

export interface TrainedQcnn {
  readonly circuit: Float64Array;
  readonly readout: Float64Array;
  readonly scale: NormScale;
  readonly losses: { readonly epoch: number; readonly loss: number; readonly bce: number; readonly penalty: number }[];
  readonly seconds: number;
}

/** mu, sd of ln-norms of the dosed training windows (placebo windows are the DELTA floor, not exposure). */
export function normScale(lnNorm: Float32Array, dosed: readonly boolean[]): NormScale {
  const v = Array.from(lnNorm).filter((_, i) => dosed[i] === true);
  const mu = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, v.length - 1)) || 1;
  return { mu: Math.fround(mu), sd: Math.fround(sd) };
}

export function trainQcnn(set: TrainingSet, scale: NormScale, seed: number, epochs: number): TrainedQcnn {
  const started = Date.now();
  const init = normals(seed, STREAM.init, 0, CIRCUIT_PARAMS);
  const circuit = tf.variable(tf.tensor1d(Float32Array.from(init, (v) => INIT_SD * v)), true, 'qcnn_circuit');
  const readout = tf.variable(tf.zeros([READOUT_NAMES.length]), true, 'qcnn_readout');
  const optimizer = tf.train.adam(LEARNING_RATE);
  const y = tf.tensor1d(set.y);
  const L = DOSE_LADDER_MG.length;
  const N = set.y.length;
  const losses: TrainedQcnn['losses'] = [];
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    let parts = { bce: 0, penalty: 0 };
    const cost = optimizer.minimize(() => {
      const U = unitaryTf(circuit as tf.Variable<tf.Rank.R1>);
      const w = readout as tf.Variable<tf.Rank.R1>;
      const p = tf.clipByValue(predictWithUnitary(U, w, set.x, scale), 1e-6, 1 - 1e-6);
      const bce = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))));
      const ladder = predictWithUnitary(U, w, set.ladder, scale).reshape([N, L]);
      const falls = tf.relu(tf.sub(ladder.slice([0, 0], [N, L - 1]), ladder.slice([0, 1], [N, L - 1])));
      const penalty = tf.mean(tf.square(falls));
      parts = { bce: (bce.dataSync()[0] ?? NaN), penalty: (penalty.dataSync()[0] ?? NaN) };
      return tf.add(bce, tf.mul(LAMBDA_MONO, penalty)) as tf.Scalar;
    }, true);
    const loss = cost?.dataSync()[0] ?? NaN;
    cost?.dispose();
    if (epoch % 10 === 0 || epoch === epochs - 1) losses.push({ epoch, loss, ...parts });
  }
  const out = {
    circuit: Float64Array.from(circuit.dataSync()),
    readout: Float64Array.from(readout.dataSync()),
    scale,
    losses,
    seconds: (Date.now() - started) / 1000,
  };
  circuit.dispose();
  readout.dispose();
  y.dispose();
  optimizer.dispose();
  return out;
}

/** P(success) [N] of trained parameters (tfjs, float32): what the ONNX graph must reproduce. */
export function predict(t: Pick<TrainedQcnn, 'circuit' | 'readout' | 'scale'>, x: QcnnInputs): Float32Array {
  return tf.tidy(() => Float32Array.from(predictTf(tf.tensor1d(Float32Array.from(t.circuit)), tf.tensor1d(Float32Array.from(t.readout)), x, t.scale).dataSync()));
}

/** Rows `index` of inputs (for splits and the ladder). */
export function pick(x: QcnnInputs, index: readonly number[]): QcnnInputs {
  return {
    amps: Float32Array.from(index.flatMap((i) => Array.from(x.amps.subarray(i * DIM, (i + 1) * DIM)))),
    lnNorm: Float32Array.from(index, (i) => x.lnNorm[i] ?? NaN),
    comed: Float32Array.from(index, (i) => x.comed[i] ?? NaN),
    bwKg: Float32Array.from(index, (i) => x.bwKg[i] ?? NaN),
  };
}
