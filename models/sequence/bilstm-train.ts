/**
 * Training the classical BiLSTM (paper sections 3.1 and 4): seeded Keras-default initial weights,
 * Adam on the MSE of z-scaled PD over every time step, seeded mini-batches and early stopping on the
 * validation subjects (train-loop.ts). Steps go through optimizer.minimize on the layers' own
 * variables, which is what LayersModel.fit does, minus its unseedable shuffle.
 */
import { buildBiLstm, extractWeights, seedBiLstm, trainableCount } from './bilstm.js';
import type { SequenceDataset } from './dataset.js';
import { tf } from './tf-runtime.js';
import { datasetTensors, minibatchStep, mse, scalarOf, type TrainedNetwork } from './trained.js';
import { trainWithEarlyStopping, type EpochListener, type TrainingOptions } from './train-loop.js';
import type { NetworkShape } from './weights.js';

export interface BiLstmTrainingOptions extends TrainingOptions {
  readonly shape: NetworkShape;
  readonly learningRate: number;
}

export function trainBiLstm(ds: SequenceDataset, o: BiLstmTrainingOptions, onEpoch?: EpochListener): TrainedNetwork {
  const model = buildBiLstm(o.shape);
  seedBiLstm(model, o.shape, o.seed);
  const data = datasetTensors(ds);
  const optimizer = tf.train.adam(o.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const predict = (x: tf.Tensor3D, training: boolean): tf.Tensor2D => {
    const y = model.apply(x, { training }) as tf.Tensor3D;
    return y.reshape([x.shape[0], x.shape[1]]) as tf.Tensor2D;
  };
  const lossOn = (x: tf.Tensor3D, y: tf.Tensor2D): number => scalarOf(tf.tidy(() => mse(predict(x, false), y)));
  try {
    const history = trainWithEarlyStopping(
      data.nTrain,
      {
        trainBatch: minibatchStep(data, optimizer, vars, (xb) => predict(xb, true)),
        valLoss: () => lossOn(data.xVal, data.yVal),
        snapshot: () => model.getWeights().map((t) => (t.dataSync() as Float32Array).slice()),
        restore: (s) => tf.tidy(() => model.setWeights(s.map((v, i) => tf.tensor(v, model.weights[i]!.shape as number[])))),
      },
      o,
      onEpoch,
    );
    const trainLoss = lossOn(data.xTrain, data.yTrain);
    const valLoss = lossOn(data.xVal, data.yVal);
    return {
      family: 'bilstm',
      weights: extractWeights(model, o.shape),
      history,
      trainableParameters: trainableCount(model),
      trainLoss,
      valLoss,
      valRmseNgMl: Math.sqrt(valLoss) * ds.target.sd,
      settings: { optimizer: 'adam', learning_rate: o.learningRate, loss: 'mse (z-scaled pd, all steps)' },
    };
  } finally {
    data.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
