/**
 * Mini-batch training with early stopping on the validation loss, shared by both families: each
 * epoch visits the training subjects in a seeded order (so runs are reproducible), the validation MSE
 * is computed after every epoch, and training stops after `patience` epochs without an improvement of
 * at least `minDelta`; the best epoch's parameters are restored (Keras restore_best_weights).
 */
import { InputError } from '../../worker/common/errors.js';
import { permutation, STREAM } from './seeded.js';

export interface TrainingOptions {
  readonly maxEpochs: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly batchSize: number;
  readonly seed: number;
  /** stop starting new epochs after this much wall time (the best epoch so far is kept) */
  readonly maxSeconds?: number;
}

/** What the loop drives; S is a snapshot of the trainable parameters. */
export interface Trainable<S> {
  /** one optimiser step on the given training rows; returns the batch's mean loss */
  trainBatch(rows: readonly number[]): number;
  /** MSE (z units) on the validation set */
  valLoss(): number;
  snapshot(): S;
  restore(s: S): void;
}

export interface TrainingHistory {
  /** mean training loss of each epoch (average of its batch losses, weighted by batch size) */
  readonly trainLoss: number[];
  readonly valLoss: number[];
  /** 0-based epoch whose parameters were kept */
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stopReason: 'patience' | 'max-epochs' | 'time-limit';
  readonly seconds: number;
}

export type EpochListener = (epoch: number, trainLoss: number, valLoss: number) => void;

export function checkTrainingOptions(o: TrainingOptions): void {
  for (const [field, v] of [['maxEpochs', o.maxEpochs], ['patience', o.patience], ['batchSize', o.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`training option ${field} must be a positive integer, got ${v}`);
  }
  if (!(o.minDelta >= 0)) throw new InputError(`training option minDelta must be >= 0, got ${o.minDelta}`);
}

export function trainWithEarlyStopping<S>(nTrain: number, model: Trainable<S>, o: TrainingOptions, onEpoch?: EpochListener): TrainingHistory {
  checkTrainingOptions(o);
  const started = Date.now();
  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  let best = { epoch: -1, loss: Infinity, params: model.snapshot() };
  let stopReason: TrainingHistory['stopReason'] = 'max-epochs';
  for (let epoch = 0; epoch < o.maxEpochs; epoch++) {
    const order = permutation(o.seed, STREAM.shuffle, epoch, nTrain);
    let sum = 0;
    for (let start = 0; start < nTrain; start += o.batchSize) {
      const rows = order.slice(start, start + o.batchSize);
      sum += model.trainBatch(rows) * rows.length;
    }
    trainLoss.push(sum / nTrain);
    const v = model.valLoss();
    valLoss.push(v);
    onEpoch?.(epoch, sum / nTrain, v);
    if (v < best.loss - o.minDelta) best = { epoch, loss: v, params: model.snapshot() };
    if (epoch - best.epoch >= o.patience) {
      stopReason = 'patience';
      break;
    }
    if (o.maxSeconds !== undefined && (Date.now() - started) / 1000 > o.maxSeconds) {
      stopReason = 'time-limit';
      break;
    }
  }
  model.restore(best.params);
  return { trainLoss, valLoss, bestEpoch: best.epoch, epochsRun: trainLoss.length, stopReason, seconds: (Date.now() - started) / 1000 };
}
