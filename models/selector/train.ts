/**
 * `qusop train selector TRIAL --out DIR --seed S`: simulate `trials` trials with the trial's design
 * (synthetic.ts; the last VALIDATION_SHARE held out), train the encoder (encoder.ts) with Adam on
 * cross-entropy + REGRESSION_WEIGHT x masked MSE of the standardised log typical values, early stopping
 * on the held-out loss (sequence/train-loop.ts, best epoch kept), and write selector.json with the
 * held-out class accuracy and confusion. Pure function of (trial, seed, sizes) on the cpu backend.
 */
import { tf, readyTf } from '../sequence/tf-runtime.js';
import { checkSeed } from '../sequence/seeded.js';
import { trainWithEarlyStopping, type TrainingHistory } from '../sequence/train-loop.js';
import type { Trial } from '../ingest/trial.js';
import { trialRoute } from '../ingest/trial.js';
import { InputError } from '../../worker/common/errors.js';
import { candidatesFor, type Structure } from '../structures/structure.js';
import { FEATURES, designSha256, normalisation, subjectsRead } from './features.js';
import { forward, initialValues, makeParams, parameterShapes, type EncoderShape, type Params } from './encoder.js';
import { simulatedExample, SPREAD, NOISE_RANGE, trainingDesign, type SimulatedExample, type TrainingDesign } from './synthetic.js';
import { writeSelector, weightsSha256 } from './weights-file.js';

export const VALIDATION_SHARE = 0.2;
export const REGRESSION_WEIGHT = 0.5;

export interface SelectorSize {
  readonly trials: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly dModel: number;
  readonly layers: number;
  readonly heads: number;
}

export const DEFAULT_SIZE: SelectorSize = { trials: 600, maxEpochs: 10, patience: 3, batchSize: 16, dModel: 16, layers: 2, heads: 2 };

/** The classes the selector tells apart: the default PK candidates of the trial's route. */
export function selectorClasses(trial: Trial): Structure[] {
  const route = trialRoute(trial);
  const classes = candidatesFor(false, route);
  if (classes.length < 2) throw new InputError(`${trial.file}: ${route} doses: the library has ${classes.length} default PK structure(s) for this route, nothing for a selector to choose between`, { details: { file: trial.file } });
  return classes;
}

/** A batch of examples as tensors (x [B,S,L,F], mask [B,S,L], labels, targets). */
export function batchTensors(ex: readonly SimulatedExample[]): { x: tf.Tensor4D; mask: tf.Tensor3D; labels: tf.Tensor1D; target: tf.Tensor2D; targetMask: tf.Tensor2D } {
  const { subjects, tokens } = ex[0]!.tokens;
  const x = new Float32Array(ex.length * subjects * tokens * FEATURES);
  const mask = new Float32Array(ex.length * subjects * tokens);
  ex.forEach((e, i) => { x.set(e.tokens.x, i * e.tokens.x.length); mask.set(e.tokens.mask, i * e.tokens.mask.length); });
  const p = ex[0]!.target.length;
  const target = new Float32Array(ex.length * p);
  const targetMask = new Float32Array(ex.length * p);
  ex.forEach((e, i) => { target.set(e.target, i * p); targetMask.set(e.targetMask, i * p); });
  return {
    x: tf.tensor4d(x, [ex.length, subjects, tokens, FEATURES]),
    mask: tf.tensor3d(mask, [ex.length, subjects, tokens]),
    labels: tf.tensor1d(ex.map((e) => e.label), 'int32'),
    target: tf.tensor2d(target, [ex.length, p]),
    targetMask: tf.tensor2d(targetMask, [ex.length, p]),
  };
}

function lossOf(p: Params, shape: EncoderShape, b: ReturnType<typeof batchTensors>): tf.Scalar {
  const { logits, regression } = forward(p, shape, b.x, b.mask);
  const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(b.labels, shape.classes), logits);
  const sq = regression.sub(b.target).square().mul(b.targetMask).sum().div(b.targetMask.sum().maximum(1));
  return ce.add(sq.mul(REGRESSION_WEIGHT)) as tf.Scalar;
}

export interface TrainedSelector {
  readonly path: string;
  readonly history: TrainingHistory;
  readonly heldOutAccuracy: number;
  /** rows: true class, columns: predicted */
  readonly confusion: number[][];
  readonly weightsSha256: string;
  readonly parameters: number;
  readonly simulateSeconds: number;
}

export async function trainSelector(trial: Trial, o: { readonly outDir: string; readonly seed: number; readonly size?: Partial<SelectorSize>; readonly dataFile: string; readonly onEpoch?: (e: number, t: number, v: number) => void }): Promise<TrainedSelector> {
  checkSeed(o.seed, '--seed');
  const size = { ...DEFAULT_SIZE, ...o.size };
  await readyTf();
  const classes = selectorClasses(trial);
  const rows = subjectsRead(trial);
  if (rows.length === 0) throw new InputError(`${trial.file}: no subject has both doses and concentration samples; the selector reads concentrations`, { details: { file: trial.file } });
  const norm = normalisation(trial);
  const design: TrainingDesign = trainingDesign(trial, classes, rows, norm);
  const t0 = Date.now();
  const examples = Array.from({ length: size.trials }, (_, i) => simulatedExample(design, o.seed, i));
  const simulateSeconds = (Date.now() - t0) / 1000;
  const nVal = Math.max(classes.length, Math.round(size.trials * VALIDATION_SHARE));
  const train = examples.slice(0, size.trials - nVal);
  const val = examples.slice(size.trials - nVal);
  const shape: EncoderShape = { features: FEATURES, dModel: size.dModel, heads: size.heads, layers: size.layers, ffn: 2 * size.dModel, classes: classes.length, regressed: design.regressed.length };
  const params = makeParams(shape, initialValues(shape, o.seed));
  const optimizer = tf.train.adam(1e-3);
  const valBatches = Array.from({ length: Math.ceil(val.length / 64) }, (_, i) => val.slice(i * 64, i * 64 + 64));
  const history = trainWithEarlyStopping(train.length, {
    trainBatch: (batch) => tf.tidy(() => {
      const b = batchTensors(batch.map((i) => train[i]!));
      const loss = optimizer.minimize(() => lossOf(params, shape, b), true, Object.values(params));
      return loss!.dataSync()[0]!;
    }),
    valLoss: () => valBatches.reduce((s, batch) => s + tf.tidy(() => lossOf(params, shape, batchTensors(batch)).dataSync()[0]!) * batch.length, 0) / val.length,
    snapshot: () => new Map(Object.entries(params).map(([k, v]) => [k, v.dataSync().slice() as Float32Array])),
    restore: (s) => { for (const [k, v] of Object.entries(params)) v.assign(tf.tensor(s.get(k)!, v.shape)); },
  }, { maxEpochs: size.maxEpochs, patience: size.patience, minDelta: 1e-4, batchSize: size.batchSize, seed: o.seed }, o.onEpoch);
  const values = new Map(parameterShapes(shape).map(([name]) => [name, params[name]!.dataSync().slice() as Float32Array]));
  const confusion = classes.map(() => classes.map(() => 0));
  for (const batch of valBatches) {
    const predicted = tf.tidy(() => { const b = batchTensors(batch); return forward(params, shape, b.x, b.mask).logits.argMax(-1).dataSync(); });
    batch.forEach((e, i) => { confusion[e.label]![predicted[i]!]! += 1; });
  }
  const heldOutAccuracy = confusion.reduce((s, row, i) => s + row[i]!, 0) / val.length;
  for (const v of Object.values(params)) v.dispose();
  optimizer.dispose();
  const parameters = parameterShapes(shape).reduce((s, [, d]) => s + d.reduce((a, b) => a * b, 1), 0);
  const path = await writeSelector(o.outDir, {
    description: `Transformer encoder (${size.layers} layers, d_model ${size.dModel}, ${size.heads} heads, ${parameters} parameters) over per-subject dose and concentration tokens with a sinusoidal time encoding, pooled over ${rows.length} subjects; class head over ${classes.map((c) => c.id).join(', ')} and masked regression of their log typical values. Trained on ${size.trials} trials simulated with the design of ${o.dataFile} (typical values x/÷ ${SPREAD} around the data's start values, 30 % IIV, ${NOISE_RANGE[0] * 100}-${NOISE_RANGE[1] * 100} % proportional error); ${(100 * heldOutAccuracy).toFixed(1)} % class accuracy on the ${val.length} held-out simulated trials.`,
    classes: classes.map((c) => c.id),
    regressed: [...design.regressed],
    centres: [...design.centres],
    spread: SPREAD,
    shape,
    design: { file: o.dataFile, sha256: designSha256(trial), subjects_read: rows },
    normalisation: norm,
    training: { seed: o.seed, trials: size.trials, held_out: val.length, batch_size: size.batchSize, epochs_run: history.epochsRun, best_epoch: history.bestEpoch + 1, stop_reason: history.stopReason, held_out_accuracy: heldOutAccuracy, confusion_rows_true_columns_predicted: confusion, val_loss: history.valLoss[history.bestEpoch] ?? null },
  }, values);
  return { path, history, heldOutAccuracy, confusion, weightsSha256: weightsSha256(shape, values), parameters, simulateSeconds };
}
