/**
 * Training QT-LSTM (paper 3.3): the loss is the same MSE as the BiLSTM's, evaluated by the functional
 * LSTM (functional-lstm.ts) on weights synthesised from the circuit and mapping network at every
 * step; Adam updates only the circuit angles and the mapping network. Full-batch by default: one
 * synthesis (a 2^N statevector simulation + the mapping of all M weights) per step dominates the cost.
 */
import type { SequenceDataset } from './dataset.js';
import { forwardZ } from './functional-lstm.js';
import { initialQtParams, qtTrainableCount, qtVariables, synthesizeWeights, type QtParams, type QtSpec } from './qt-lstm.js';
import { tf } from './tf-runtime.js';
import { datasetTensors, minibatchStep, mse, scalarOf, type TrainedNetwork } from './trained.js';
import { trainWithEarlyStopping, type EpochListener, type TrainingOptions } from './train-loop.js';

export interface QtTrainingOptions extends TrainingOptions {
  readonly spec: QtSpec;
  readonly learningRate: number;
}

export interface TrainedQt extends TrainedNetwork {
  readonly spec: QtSpec;
  readonly params: QtParams;
}

export function trainQtLstm(ds: SequenceDataset, o: QtTrainingOptions, onEpoch?: EpochListener): TrainedQt {
  const vars = qtVariables(o.spec, initialQtParams(o.spec, o.seed));
  const data = datasetTensors(ds);
  const optimizer = tf.train.adam(o.learningRate);
  const shape = o.spec.network;
  const lossOn = (x: tf.Tensor3D, y: tf.Tensor2D): number => scalarOf(tf.tidy(() => mse(forwardZ(vars.synthesize(), shape, x), y)));
  try {
    const history = trainWithEarlyStopping(
      data.nTrain,
      {
        trainBatch: minibatchStep(data, optimizer, vars.all, (xb) => forwardZ(vars.synthesize(), shape, xb)),
        valLoss: () => lossOn(data.xVal, data.yVal),
        snapshot: () => vars.read(),
        restore: (p) => vars.assign(p),
      },
      o,
      onEpoch,
    );
    const params = vars.read();
    const trainLoss = lossOn(data.xTrain, data.yTrain);
    const valLoss = lossOn(data.xVal, data.yVal);
    return {
      family: 'qt-lstm',
      weights: synthesizeWeights(o.spec, params),
      history,
      trainableParameters: qtTrainableCount(o.spec),
      trainLoss,
      valLoss,
      valRmseNgMl: Math.sqrt(valLoss) * ds.target.sd,
      settings: {
        optimizer: 'adam',
        learning_rate: o.learningRate,
        loss: 'mse (z-scaled pd, all steps)',
        circuit: { qubits: o.spec.circuit.qubits, layers: o.spec.circuit.layers, gates: 'per layer: U3 on every qubit, then controlled-U3 ring q -> q+1 mod N' },
        mapping: { inputs: 'bin(i) as +-1 (N) and 2^N p_i', hidden: o.spec.mappingHidden, activation: 'tanh', output_scale: o.spec.outputScale },
        gradients: 'tfjs autodiff; circuit angles by the adjoint method of the statevector simulator',
      },
      spec: o.spec,
      params,
    };
  } finally {
    data.dispose();
    optimizer.dispose();
    vars.dispose();
  }
}
