/**
 * Training the cascade in two stages through the sequence models' loop (models/sequence/train-loop.ts:
 * seeded batches of subjects, Adam, early stopping on validation MSE, best epoch restored): first the
 * PK stage on the concentration windows, then, with the PK stage frozen, the gate and the experts on
 * PD, fed the PK stage's predictions (never the observed concentrations, which inference does not have).
 */
import { createHash } from 'node:crypto';
import { tf } from '../sequence/tf-runtime.js';
import { trainWithEarlyStopping, type EpochListener, type TrainingHistory, type TrainingOptions } from '../sequence/train-loop.js';
import { mse, scalarOf } from '../sequence/trained.js';
import { cascadeArrays, type CascadeDataset } from './dataset.js';
import { cascadeForward, initialValues, INPUTS, parameterCount, pdForward, pdInputs, pdParams, pkForward, pkParams, PD_INPUTS, type MoeShape, type Params, type ParamSpec } from './network.js';

export interface FitOptions extends TrainingOptions {
  readonly shape: MoeShape;
  readonly learningRate: number;
}

export interface TrainedMoe {
  readonly family: 'qnn-moe';
  readonly shape: MoeShape;
  /** every parameter by name, PK stage then PD stage, in ParamSpec order */
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly specs: readonly ParamSpec[];
  readonly pkHistory: TrainingHistory;
  readonly pdHistory: TrainingHistory;
  readonly trainableParameters: number;
  /** cascade MSE (z units) on the whole training / validation set and validation RMSE in ng/mL */
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valRmseNgMl: number;
  readonly pkValRmseNgMl: number;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Constants of a parameter map, as the forward passes read them. */
export function constantParams(values: ReadonlyMap<string, Float32Array>, specs: readonly ParamSpec[]): Params {
  const byName = new Map(specs.map((p) => [p.name, p]));
  return (name) => tf.tensor(values.get(name)!, [...byName.get(name)!.shape]);
}

/** sha256 of every parameter's little-endian float32 bytes in ParamSpec order: equal hashes, identical weights. */
export function moeWeightsHash(t: Pick<TrainedMoe, 'params' | 'specs'>): string {
  const h = createHash('sha256');
  for (const p of t.specs) {
    const v = t.params.get(p.name)!;
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return h.digest('hex');
}

interface StageData {
  readonly xTrain: tf.Tensor3D;
  readonly yTrain: tf.Tensor2D;
  readonly xVal: tf.Tensor3D;
  readonly yVal: tf.Tensor2D;
}

/** One stage: variables from `initial`, rows of subjects, MSE of `predict` (rows [R, F] -> [R]). */
function fitStage(specs: readonly ParamSpec[], initial: Map<string, Float32Array>, data: StageData, predict: (p: Params, rows: tf.Tensor2D) => tf.Tensor1D, o: FitOptions, onEpoch?: EpochListener): { values: Map<string, Float32Array>; history: TrainingHistory } {
  const vars = new Map(specs.map((p) => [p.name, tf.variable(tf.tensor(initial.get(p.name)!, [...p.shape]), true, `moe.${p.name}`)]));
  const params: Params = (name) => vars.get(name)!;
  const rowsOf = (x: tf.Tensor3D) => tf.reshape(x, [-1, x.shape[2]]) as tf.Tensor2D;
  const optimizer = tf.train.adam(o.learningRate);
  const varList = [...vars.values()];
  const history = trainWithEarlyStopping(
    data.xTrain.shape[0],
    {
      trainBatch: (rows) => {
        const idx = tf.tensor1d(rows as number[], 'int32');
        const xb = tf.gather(data.xTrain, idx);
        const yb = tf.gather(data.yTrain, idx);
        const cost = optimizer.minimize(() => mse(predict(params, rowsOf(xb)), tf.reshape(yb, [-1])), true, varList);
        tf.dispose([idx, xb, yb]);
        return scalarOf(cost);
      },
      valLoss: () => scalarOf(tf.tidy(() => mse(predict(params, rowsOf(data.xVal)), tf.reshape(data.yVal, [-1])))),
      snapshot: () => new Map([...vars].map(([k, v]) => [k, Float32Array.from(v.dataSync())])),
      restore: (s) => vars.forEach((v, k) => v.assign(tf.tensor(s.get(k)!, v.shape))),
    },
    o,
    onEpoch,
  );
  const values = new Map([...vars].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
  optimizer.dispose();
  varList.forEach((v) => v.dispose());
  return { values, history };
}

function tensors(a: { x: Float32Array; y: Float32Array; n: number; steps: number }, features: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  return { x: tf.tensor3d(a.x, [a.n, a.steps, features]), y: tf.tensor2d(a.y, [a.n, a.steps]) };
}

export function fitCascade(ds: CascadeDataset, o: FitOptions, onEpoch?: (stage: 'pk' | 'pd', epoch: number, train: number, val: number) => void): TrainedMoe {
  const pkSpecs = pkParams(o.shape);
  const pdSpecs = pdParams(o.shape);
  const specs = [...pkSpecs, ...pdSpecs];
  const init = initialValues(specs, o.seed, 0);
  const tr = cascadeArrays(ds, ds.seq.train);
  const va = cascadeArrays(ds, ds.seq.val);
  // PK stage: only subjects with a concentration window
  const withPk = (a: typeof tr) => {
    const keep = Array.from({ length: a.n }, (_, i) => i).filter((i) => !Number.isNaN(a.pk[i * a.steps]!));
    const T = a.steps;
    return {
      x: Float32Array.from(keep.flatMap((i) => [...a.x.subarray(i * T * INPUTS, (i + 1) * T * INPUTS)])),
      y: Float32Array.from(keep.flatMap((i) => [...a.pk.subarray(i * T, (i + 1) * T)])),
      n: keep.length,
      steps: T,
    };
  };
  const pkTr = tensors(withPk(tr), INPUTS);
  const pkVa = tensors(withPk(va), INPUTS);
  const pk = fitStage(pkSpecs, init, { xTrain: pkTr.x, yTrain: pkTr.y, xVal: pkVa.x, yVal: pkVa.y }, pkForward, o, (e, t, v) => onEpoch?.('pk', e, t, v));
  const pkParamsOf = constantParams(pk.values, pkSpecs);
  const pkValRmseNgMl = Math.sqrt(scalarOf(tf.tidy(() => mse(pkForward(pkParamsOf, tf.reshape(pkVa.x, [-1, INPUTS]) as tf.Tensor2D), tf.reshape(pkVa.y, [-1]))))) * ds.pkTarget.sd;
  // PD stage on the frozen PK stage's predictions
  const x = { train: tf.tensor3d(tr.x, [tr.n, tr.steps, INPUTS]), val: tf.tensor3d(va.x, [va.n, va.steps, INPUTS]) };
  const u = tf.tidy(() => ({
    train: tf.reshape(pdInputs(pkParamsOf, x.train), [tr.n, tr.steps, PD_INPUTS]) as tf.Tensor3D,
    val: tf.reshape(pdInputs(pkParamsOf, x.val), [va.n, va.steps, PD_INPUTS]) as tf.Tensor3D,
  }));
  const y = { train: tf.tensor2d(tr.pd, [tr.n, tr.steps]), val: tf.tensor2d(va.pd, [va.n, va.steps]) };
  const pd = fitStage(pdSpecs, init, { xTrain: u.train, yTrain: y.train, xVal: u.val, yVal: y.val }, (p, rows) => pdForward(p, o.shape, rows), o, (e, t, v) => onEpoch?.('pd', e, t, v));
  const params = new Map([...pk.values, ...pd.values]);
  const all = constantParams(params, specs);
  const loss = (xs: tf.Tensor3D, ys: tf.Tensor2D) => scalarOf(tf.tidy(() => mse(cascadeForward(all, o.shape, xs), ys)));
  const trainLoss = loss(x.train, y.train);
  const valLoss = loss(x.val, y.val);
  tf.dispose([pkTr.x, pkTr.y, pkVa.x, pkVa.y, x.train, x.val, u.train, u.val, y.train, y.val]);
  return {
    family: 'qnn-moe',
    shape: o.shape,
    params,
    specs,
    pkHistory: pk.history,
    pdHistory: pd.history,
    trainableParameters: parameterCount(specs),
    trainLoss,
    valLoss,
    valRmseNgMl: Math.sqrt(valLoss) * ds.seq.target.sd,
    pkValRmseNgMl,
    settings: { learning_rate: o.learningRate, optimizer: 'Adam', stages: 'PK stage first, then gate + experts on the frozen PK stage' },
  };
}
