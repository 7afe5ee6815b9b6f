/**
 * The paper's classical sequence model as a tfjs LayersModel: Bidirectional(LSTM(H), concat) ->
 * Dense(32, relu) -> Dense(1) on every time step (a Dense on a [B, T, F] tensor acts per step, which
 * is exactly TimeDistributed(Dense) without its per-step loop). Sigmoid recurrent activation (tfjs's
 * default is hard-sigmoid; ONNX's LSTM uses sigmoid). Inputs [B, T, 3] with any T, so the QD-trained
 * network also predicts on the 168-step QW grid.
 */
import { ModelError } from '../../worker/common/errors.js';
import { biasToOnnx, kernelToOnnx } from './gate-order.js';
import { glorotUniform, lstmBias, orthogonal } from './init.js';
import { tf } from './tf-runtime.js';
import { layout, networkWeights, weightCount, type NetworkShape, type NetworkWeights } from './weights.js';

export function buildBiLstm(shape: NetworkShape): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.bidirectional({
      layer: tf.layers.lstm({
        units: shape.hidden,
        returnSequences: true,
        recurrentActivation: 'sigmoid',
        activation: 'tanh',
        // seedBiLstm overwrites every weight; zeros avoid tfjs's slow (and unseeded) default initialisers
        kernelInitializer: 'zeros',
        recurrentInitializer: 'zeros',
      }) as tf.RNN,
      mergeMode: 'concat',
      inputShape: [null, shape.inputs],
    }),
  );
  model.add(tf.layers.dense({ units: shape.dense, activation: 'relu', kernelInitializer: 'zeros' }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: 'zeros' }));
  return model;
}

/** The model's weights in tfjs order: fwd kernel, recurrent, bias; bwd likewise; dense kernels and biases. */
function tfjsShapes(s: NetworkShape): number[][] {
  const lstm = [[s.inputs, 4 * s.hidden], [s.hidden, 4 * s.hidden], [4 * s.hidden]];
  return [...lstm, ...lstm, [2 * s.hidden, s.dense], [s.dense], [s.dense, 1], [1]];
}

/** Keras-default initial weights from the seed (init.ts), one Philox sub-stream per tensor. */
export function seedBiLstm(model: tf.LayersModel, shape: NetworkShape, seed: number): void {
  const H = shape.hidden;
  const values = [
    glorotUniform(seed, 0, shape.inputs, 4 * H), orthogonal(seed, 1, H, 4 * H), lstmBias(H),
    glorotUniform(seed, 2, shape.inputs, 4 * H), orthogonal(seed, 3, H, 4 * H), lstmBias(H),
    glorotUniform(seed, 4, 2 * H, shape.dense), new Float32Array(shape.dense),
    glorotUniform(seed, 5, shape.dense, 1), new Float32Array(1),
  ];
  setTfjsWeights(model, shape, values);
}

export function setTfjsWeights(model: tf.LayersModel, shape: NetworkShape, values: readonly Float32Array[]): void {
  const shapes = tfjsShapes(shape);
  checkShapes(model, shapes);
  const tensors = values.map((v, i) => tf.tensor(v, shapes[i]!));
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}

function checkShapes(model: tf.LayersModel, shapes: number[][]): void {
  const actual = model.weights.map((w) => w.shape.join('x'));
  if (actual.join(',') !== shapes.map((s) => s.join('x')).join(',')) {
    throw new ModelError(`BiLSTM weights are [${actual.join(', ')}], expected [${shapes.map((s) => s.join('x')).join(', ')}]`);
  }
}

/** The tfjs weights converted to the deployed layout (ONNX gate order; recurrent bias folded in as 0). */
export function extractWeights(model: tf.LayersModel, shape: NetworkShape): NetworkWeights {
  checkShapes(model, tfjsShapes(shape));
  const v = model.getWeights().map((t) => t.dataSync() as Float32Array);
  const H = shape.hidden;
  const L = layout(shape);
  const flat = new Float32Array(weightCount(shape));
  for (let d = 0; d < 2; d++) {
    const [k, r, b] = [v[3 * d]!, v[3 * d + 1]!, v[3 * d + 2]!];
    flat.set(kernelToOnnx(k, shape.inputs, H), L.W.offset + d * 4 * H * shape.inputs);
    flat.set(kernelToOnnx(r, H, H), L.R.offset + d * 4 * H * H);
    flat.set(biasToOnnx(b, H), L.B.offset + d * 4 * H);
  }
  flat.set(v[6]!, L.dense1Kernel.offset);
  flat.set(v[7]!, L.dense1Bias.offset);
  flat.set(v[8]!, L.dense2Kernel.offset);
  flat.set(v[9]!, L.dense2Bias.offset);
  return networkWeights(shape, flat);
}

/** Trainable parameters of the tfjs model (38,977 for the paper's shape). */
export function trainableCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
}

/** z-scaled predictions [n, T] for inputs [n, T, 3]. */
export function predictZ(model: tf.LayersModel, x: Float32Array, n: number, steps: number, inputs: number): Float32Array {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor3d(x, [n, steps, inputs])) as tf.Tensor;
    return out.dataSync() as Float32Array;
  }).slice();
}
