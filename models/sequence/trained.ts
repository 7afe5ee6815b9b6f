/**
 * What a training run hands to export and the card: the deployed weights, the loss history, the
 * trainable-parameter count (which differs from the deployed weight count for QT-LSTM) and the final
 * losses, in z units and as an RMSE in ng/mL.
 */
import { toArrays, type SequenceDataset } from './dataset.js';
import { tf } from './tf-runtime.js';
import type { TrainingHistory } from './train-loop.js';
import type { NetworkWeights } from './weights.js';

export interface TrainedNetwork {
  readonly family: 'bilstm' | 'qt-lstm';
  readonly weights: NetworkWeights;
  readonly history: TrainingHistory;
  readonly trainableParameters: number;
  /** MSE (z units) of the kept parameters on the whole training / validation set */
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valRmseNgMl: number;
  /** family-specific settings for the card (learning rate, circuit, mapping, ...) */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Mean squared error of two same-shape tensors, as a scalar tensor. */
export function mse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target)));
}

/** Inputs and targets of both subsets as tensors ([n, T, 3] and [n, T]). */
export interface DatasetTensors {
  readonly xTrain: tf.Tensor3D;
  readonly yTrain: tf.Tensor2D;
  readonly xVal: tf.Tensor3D;
  readonly yVal: tf.Tensor2D;
  readonly nTrain: number;
  dispose(): void;
}

export function datasetTensors(ds: SequenceDataset): DatasetTensors {
  const tr = toArrays(ds, ds.train);
  const va = toArrays(ds, ds.val);
  const t = {
    xTrain: tf.tensor3d(tr.x, [tr.n, tr.steps, 3]),
    yTrain: tf.tensor2d(tr.y, [tr.n, tr.steps]),
    xVal: tf.tensor3d(va.x, [va.n, va.steps, 3]),
    yVal: tf.tensor2d(va.y, [va.n, va.steps]),
  };
  return { ...t, nTrain: tr.n, dispose: () => Object.values(t).forEach((x) => x.dispose()) };
}

/** A float loss out of a scalar tensor (and the tensor released). */
export function scalarOf(t: tf.Scalar | null): number {
  if (t === null) return NaN;
  const v = t.dataSync()[0] ?? NaN;
  t.dispose();
  return v;
}

/** One Adam step on training rows `rows`: the minibatch MSE of `predict`, minimised over `vars`; returns it. */
export function minibatchStep(data: DatasetTensors, optimizer: tf.Optimizer, vars: tf.Variable[], predict: (x: tf.Tensor3D) => tf.Tensor2D): (rows: readonly number[]) => number {
  return (rows) => {
    const idx = tf.tensor1d(rows as number[], 'int32');
    const xb = tf.gather(data.xTrain, idx);
    const yb = tf.gather(data.yTrain, idx);
    const cost = optimizer.minimize(() => mse(predict(xb), yb), true, vars);
    tf.dispose([idx, xb, yb]);
    return scalarOf(cost);
  };
}
