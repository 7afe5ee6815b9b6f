/**
 * Training QLSTM / QK-LSTM on the sequence dataset (models/sequence/dataset.ts): MSE on z-scaled PD,
 * Adam, seeded batches and early stopping through models/sequence/train-loop.ts. For qk-lstm the
 * kernel rows of every training and validation input are computed once (KernelCache) and appended
 * to the inputs as extra features, so each step is tensor work only.
 */
import type { SequenceDataset } from '../sequence/dataset.js';
import { tf } from '../sequence/tf-runtime.js';
import { datasetTensors, minibatchStep, mse, scalarOf, type DatasetTensors } from '../sequence/trained.js';
import { trainWithEarlyStopping, type EpochListener, type TrainingHistory, type TrainingOptions } from '../sequence/train-loop.js';
import { chooseLandmarks, KernelCache, kernelMap, type KernelMap } from './kernel.js';
import { forwardZ, type TfParams } from './network.js';
import { initialParams, INPUTS, paramCount, type Param, type QSpec } from './params.js';

export interface QTrainingOptions extends TrainingOptions {
  readonly spec: QSpec;
  readonly learningRate: number;
}

export interface TrainedQuantumLstm {
  readonly family: QSpec['family'];
  readonly spec: QSpec;
  readonly params: Param[];
  /** qk-lstm: the landmark inputs and their feature states */
  readonly kernel?: KernelMap;
  readonly history: TrainingHistory;
  readonly trainableParameters: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valRmseNgMl: number;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** x [n, T, 3] with the kernel rows appended ([n, T, 3 + m]) for qk-lstm. */
function withKernel(x: tf.Tensor3D, cache: KernelCache): tf.Tensor3D {
  const [n, T] = [x.shape[0], x.shape[1]];
  const m = cache.map.states.length;
  const k = tf.tensor3d(cache.features(x.dataSync() as Float32Array), [n, T, m]);
  const out = tf.concat([x, k], 2) as tf.Tensor3D;
  k.dispose();
  return out;
}

/** The prediction of (x [n, T, 3], kernel rows appended for qk-lstm). */
export function predictZ(spec: QSpec, p: TfParams, xAug: tf.Tensor3D): tf.Tensor2D {
  if (spec.family === 'qlstm') return forwardZ(spec, p, xAug);
  const [x, k] = tf.split(xAug, [INPUTS, spec.landmarks], 2) as [tf.Tensor3D, tf.Tensor3D];
  return forwardZ(spec, p, x, k);
}

export function trainQuantumLstm(ds: SequenceDataset, o: QTrainingOptions, onEpoch?: EpochListener): TrainedQuantumLstm {
  const spec = o.spec;
  const base = datasetTensors(ds);
  let data: DatasetTensors = base;
  let kernel: KernelMap | undefined;
  let cache: KernelCache | undefined;
  if (spec.family === 'qk-lstm') {
    kernel = kernelMap(chooseLandmarks(base.xTrain.dataSync() as Float32Array, spec.landmarks, o.seed), spec.qubits, spec.reps);
    cache = new KernelCache(kernel);
    const [xTrain, xVal] = [withKernel(base.xTrain, cache), withKernel(base.xVal, cache)];
    data = { ...base, xTrain, xVal, dispose: () => tf.dispose([xTrain, xVal, base.yTrain, base.yVal, base.xTrain, base.xVal]) };
  }
  const init = initialParams(spec, o.seed);
  const vars: Record<string, tf.Variable> = Object.fromEntries(init.map((p) => [p.name, tf.variable(tf.tensor(p.values, [...p.shape]), true, `${spec.family}/${p.name}`)]));
  const read = (): Param[] => init.map((p) => ({ ...p, values: Float32Array.from(vars[p.name]!.dataSync() as Float32Array) }));
  const optimizer = tf.train.adam(o.learningRate);
  const lossOn = (x: tf.Tensor3D, y: tf.Tensor2D): number => scalarOf(tf.tidy(() => mse(predictZ(spec, vars, x), y)));
  try {
    const history = trainWithEarlyStopping(
      data.nTrain,
      {
        trainBatch: minibatchStep(data, optimizer, Object.values(vars), (xb) => predictZ(spec, vars, xb)),
        valLoss: () => lossOn(data.xVal, data.yVal),
        snapshot: read,
        restore: (ps) => tf.tidy(() => ps.forEach((p) => vars[p.name]!.assign(tf.tensor(p.values, [...p.shape])))),
      },
      o,
      onEpoch,
    );
    const params = read();
    const trainLoss = lossOn(data.xTrain, data.yTrain);
    const valLoss = lossOn(data.xVal, data.yVal);
    return {
      family: spec.family,
      spec,
      params,
      ...(kernel === undefined ? {} : { kernel }),
      history,
      trainableParameters: paramCount(params),
      trainLoss,
      valLoss,
      valRmseNgMl: Math.sqrt(valLoss) * ds.target.sd,
      settings: {
        optimizer: 'adam',
        learning_rate: o.learningRate,
        loss: 'mse (z-scaled pd, all steps)',
        gradients: 'tfjs autodiff through the exact real statevector (2^n amplitudes as tensors)',
        ...(cache === undefined ? {} : { kernel_cache: { distinct_inputs: cache.size, hits: cache.hits } }),
      },
    };
  } finally {
    data.dispose();
    optimizer.dispose();
    Object.values(vars).forEach((v) => v.dispose());
  }
}
