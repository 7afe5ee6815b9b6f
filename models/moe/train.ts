/**
 * `qusop train qnn-moe <trial.csv>`: reads and hashes the trial, builds the cascade's QD-window
 * dataset, trains the PK and PD stages with the defaults below and writes `qnn-moe-qd` /
 * `qnn-moe-qw` trajectory models into the output directory.
 */
import { basename } from 'node:path';
import { readLearningTrial } from '../sequence/trial-input.js';
import { SEQUENCE_REGIMENS } from '../sequence/regimens.js';
import { checkSeed } from '../sequence/seeded.js';
import { readyTf, tf } from '../sequence/tf-runtime.js';
import { writeMoeModels } from './cards.js';
import { buildCascadeDataset } from './dataset.js';
import { fitCascade, type FitOptions, type TrainedMoe } from './fit.js';
import { checkShape } from './network.js';

/** Sized to train in about a minute on a loaded 2-core machine; the circuit fits PNU's bound (4 qubits, depth 7). */
export const MOE_DEFAULTS = { experts: 4, qubits: 4, layers: 2, hidden: 16, learningRate: 2e-3, batchSize: 8, maxEpochs: 300, patience: 40 } as const;

export interface TrainMoeOptions {
  readonly trialPath: string;
  readonly dataSpecPath?: string;
  readonly outDir: string;
  readonly seed: number;
  readonly maxEpochs?: number;
  readonly patience?: number;
  readonly experts?: number;
  readonly qubits?: number;
  readonly layers?: number;
  readonly hidden?: number;
  readonly valFraction?: number;
  readonly learningRate?: number;
  readonly batchSize?: number;
  readonly maxSeconds?: number;
  readonly onEpoch?: (stage: 'pk' | 'pd', epoch: number, train: number, val: number) => void;
}

export async function trainMoeModel(o: TrainMoeOptions): Promise<{ cards: string[]; trained: TrainedMoe }> {
  checkSeed(o.seed);
  const d = MOE_DEFAULTS;
  const shape = checkShape({ hidden: o.hidden ?? d.hidden, experts: o.experts ?? d.experts, circuit: { qubits: o.qubits ?? d.qubits, layers: o.layers ?? d.layers } });
  const { trial, sha256: dataSha256 } = await readLearningTrial(o.trialPath, o.dataSpecPath, 'the cascade learns');
  const ds = buildCascadeDataset(trial, SEQUENCE_REGIMENS.qd, { seed: o.seed, valFraction: o.valFraction ?? 0.25 });
  await readyTf();
  const fit: FitOptions = {
    shape,
    learningRate: o.learningRate ?? d.learningRate,
    maxEpochs: o.maxEpochs ?? d.maxEpochs,
    patience: o.patience ?? d.patience,
    minDelta: 0,
    batchSize: o.batchSize ?? d.batchSize,
    seed: o.seed,
    ...(o.maxSeconds === undefined ? {} : { maxSeconds: o.maxSeconds }),
  };
  const trained = fitCascade(ds, fit, o.onEpoch);
  const cards = await writeMoeModels(o.outDir, trained, ds, {
    dataFile: basename(o.trialPath),
    dataSha256,
    seed: o.seed,
    training: {
      max_epochs: fit.maxEpochs,
      patience: fit.patience,
      min_delta: fit.minDelta,
      batch_size: fit.batchSize,
      ...(fit.maxSeconds === undefined ? {} : { max_seconds_per_stage: fit.maxSeconds }),
      early_stopping: 'validation MSE per stage, best epoch restored',
    },
    tfjsVersion: tf.version.tfjs,
  });
  return { cards, trained };
}
