/**
 * `qusop train lstm|qt-lstm|qlstm|qk-lstm <trial.csv>`: reads and hashes the trial, builds the QD-window dataset,
 * trains the family with the defaults below (the paper's where the CPU allows), and writes
 * `<family>-qd` / `<family>-qw` trajectory models into the output directory.
 */
import { basename } from 'node:path';
import { readLearningTrial } from './trial-input.js';
import { trainBiLstm } from './bilstm-train.js';
import { sequenceModelBase, writeSequenceModels } from './cards.js';
import { buildDataset } from './dataset.js';
import { qtSpec } from './qt-lstm.js';
import { trainQtLstm } from './qt-train.js';
import { SEQUENCE_REGIMENS } from './regimens.js';
import { checkSeed } from './seeded.js';
import { readyTf, tf } from './tf-runtime.js';
import type { TrainedNetwork } from './trained.js';
import type { EpochListener, TrainingOptions } from './train-loop.js';
import { PAPER_SHAPE } from './weights.js';
import { writeQuantumLstmModels } from '../qlstm/cards.js';
import { checkSpec } from '../qlstm/params.js';
import { trainQuantumLstm, type TrainedQuantumLstm } from '../qlstm/train.js';

export type SequenceFamily = 'lstm' | 'qt-lstm' | 'qlstm' | 'qk-lstm';

export interface TrainSequenceOptions {
  readonly family: SequenceFamily;
  readonly trialPath: string;
  /** dataset spec (YAML) mapping the trial; default: standard names recognised */
  readonly dataSpecPath?: string;
  readonly outDir: string;
  readonly seed: number;
  readonly maxEpochs?: number;
  readonly patience?: number;
  /** LSTM hidden units per direction (default 64 for lstm, 32 for qt-lstm) */
  readonly hidden?: number;
  readonly dense?: number;
  readonly valFraction?: number;
  readonly learningRate?: number;
  readonly batchSize?: number;
  /** QT circuit layers (default 8) */
  readonly qtLayers?: number;
  /** QT mapping network hidden widths (default [32, 32]) */
  readonly qtMappingHidden?: readonly number[];
  /** qlstm / qk-lstm: qubits per circuit (<= 8) */
  readonly qubits?: number;
  /** qlstm: trainable circuit layers; qk-lstm: feature-map repetitions */
  readonly layers?: number;
  /** qk-lstm: Nystrom landmarks */
  readonly landmarks?: number;
  readonly maxSeconds?: number;
  readonly onEpoch?: EpochListener;
}

/** Family defaults: the paper's BiLSTM; QT-LSTM smaller (hidden 32, M = 11,329 on 14 qubits) to fit the CPU budget. */
export const DEFAULTS = {
  lstm: { hidden: 64, learningRate: 1e-3, batchSize: 8, maxEpochs: 300, patience: 40 },
  'qt-lstm': { hidden: 32, learningRate: 1e-2, batchSize: 64, maxEpochs: 300, patience: 30, layers: 8, mappingHidden: [32, 32] },
  /** small enough to train in minutes on a loaded 2-core machine (models/qlstm/README.md) */
  qlstm: { hidden: 8, dense: 16, learningRate: 1e-2, batchSize: 16, maxEpochs: 150, patience: 20, qubits: 4, layers: 2 },
  'qk-lstm': { hidden: 8, dense: 16, learningRate: 1e-2, batchSize: 16, maxEpochs: 150, patience: 20, qubits: 3, layers: 2, landmarks: 16 },
} as const;

export interface TrainSequenceResult {
  readonly cards: string[];
  readonly trained: TrainedNetwork | TrainedQuantumLstm;
}

export async function trainSequenceModel(o: TrainSequenceOptions & { readonly family: 'lstm' | 'qt-lstm' }): Promise<TrainSequenceResult & { readonly trained: TrainedNetwork }>;
export async function trainSequenceModel(o: TrainSequenceOptions): Promise<TrainSequenceResult>;
export async function trainSequenceModel(o: TrainSequenceOptions): Promise<TrainSequenceResult> {
  checkSeed(o.seed);
  const { trial, sha256: dataSha256 } = await readLearningTrial(o.trialPath, o.dataSpecPath, 'the sequence models learn');
  const ds = buildDataset(trial, SEQUENCE_REGIMENS.qd, { seed: o.seed, valFraction: o.valFraction ?? 0.25 });
  await readyTf();
  const d = DEFAULTS[o.family];
  const shape = { inputs: 3, hidden: o.hidden ?? d.hidden, dense: o.dense ?? PAPER_SHAPE.dense };
  const training: TrainingOptions = {
    maxEpochs: o.maxEpochs ?? d.maxEpochs,
    patience: o.patience ?? d.patience,
    minDelta: 0,
    batchSize: o.batchSize ?? d.batchSize,
    seed: o.seed,
    ...(o.maxSeconds === undefined ? {} : { maxSeconds: o.maxSeconds }),
  };
  const learningRate = o.learningRate ?? d.learningRate;
  const record = {
    dataFile: basename(o.trialPath),
    dataSha256,
    seed: o.seed,
    training: {
      max_epochs: training.maxEpochs,
      patience: training.patience,
      min_delta: training.minDelta,
      batch_size: training.batchSize,
      ...(training.maxSeconds === undefined ? {} : { max_seconds: training.maxSeconds }),
      early_stopping: 'validation MSE, best epoch restored',
    },
    tfjsVersion: tf.version.tfjs,
    // QT-LSTM only (two sizes are shipped side by side); other families keep their plain names
    ...(o.family === 'qt-lstm' ? { base: sequenceModelBase(o.family, shape.hidden, d.hidden) } : {}),
  };
  if (o.family === 'qlstm' || o.family === 'qk-lstm') {
    const q = DEFAULTS[o.family];
    const common = { hidden: o.hidden ?? q.hidden, dense: o.dense ?? q.dense, qubits: o.qubits ?? q.qubits };
    const spec = checkSpec(o.family === 'qlstm' ? { family: 'qlstm', ...common, layers: o.layers ?? q.layers } : { family: 'qk-lstm', ...common, reps: o.layers ?? q.layers, landmarks: o.landmarks ?? DEFAULTS['qk-lstm'].landmarks });
    const trainedQ = trainQuantumLstm(ds, { ...training, learningRate, spec }, o.onEpoch);
    return { cards: await writeQuantumLstmModels(o.outDir, trainedQ, ds, record), trained: trainedQ };
  }
  const trained =
    o.family === 'lstm'
      ? trainBiLstm(ds, { ...training, shape, learningRate }, o.onEpoch)
      : trainQtLstm(
          ds,
          { ...training, learningRate, spec: qtSpec(shape, o.qtLayers ?? DEFAULTS['qt-lstm'].layers, o.qtMappingHidden ?? DEFAULTS['qt-lstm'].mappingHidden) },
          o.onEpoch,
        );
  const cards = await writeSequenceModels(o.outDir, trained, ds, record);
  return { cards, trained };
}
