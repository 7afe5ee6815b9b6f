/**
 * `qusop train qcnn <trial.csv> --out DIR [--seed N] [--epochs N] [--pk CARD] [--threshold 3.3]
 * [--holdout-from CARD]`: reads the trial, labels each subject by its observed last-window success,
 * evaluates the PK card's typical windows (exposure.ts) at the subjects' doses and on the dose ladder,
 * trains the QCNN (training.ts) and writes `qcnn-qd` / `qcnn-qw` (.onnx + .model.json, cards.ts).
 * Everything is checked and built before the output directory is touched.
 */
import { InputError } from '../../worker/common/errors.js';
import { loadModel } from '../../worker/model/load-card.js';
import { holdoutFromCard, splitProvenance, trainingSubjects } from '../baselines/holdout.js';
import { lastWindowSummaries, type SubjectSummary } from '../baselines/last-window.js';
import { readyTf } from '../sequence/tf-runtime.js';
import { checkSeed } from '../sequence/seeded.js';
import { readLearningTrial } from '../sequence/trial-input.js';
import { qcnnArtifacts, writeQcnnModels, type QcnnTraining } from './cards.js';
import { checkPkCard, encodeWindows, QCNN_GRIDS, typicalWindows, type SubjectRow } from './exposure.js';
import type { QcnnInputs } from './network.js';
import { DOSE_LADDER_MG, normScale, trainQcnn } from './training.js';

export interface TrainQcnnOptions {
  readonly trialPath: string;
  readonly dataSpecPath?: string;
  readonly outDir: string;
  readonly seed: number;
  readonly epochs: number;
  readonly pkCardPath: string;
  readonly thresholdNgMl: number;
  readonly holdoutFromPath?: string;
}

export const DEFAULT_EPOCHS = 300;

async function inputsOf(pk: Awaited<ReturnType<typeof loadModel>>, rows: readonly SubjectRow[]): Promise<QcnnInputs> {
  const { amps, lnNorm } = encodeWindows(await typicalWindows(pk, QCNN_GRIDS.qd, rows));
  return { amps, lnNorm, comed: Float32Array.from(rows, (r) => r.comed), bwKg: Float32Array.from(rows, (r) => r.bwKg) };
}

const rowOf = (s: SubjectSummary, doseMg = s.doseMg): SubjectRow => ({ doseMg, bwKg: s.bwKg, comed: s.comed });

export async function trainQcnnModel(o: TrainQcnnOptions): Promise<{ cards: string[]; training: QcnnTraining }> {
  checkSeed(o.seed);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new InputError(`--epochs ${o.epochs}: expected a positive integer`, { details: { field: '--epochs' } });
  const { trial, sha256 } = await readLearningTrial(o.trialPath, o.dataSpecPath, 'the QCNN learns');
  const pk = await loadModel(o.pkCardPath);
  checkPkCard(pk);
  const holdout = o.holdoutFromPath === undefined ? undefined : holdoutFromCard(await loadModel(o.holdoutFromPath), o.holdoutFromPath, sha256);
  const all = lastWindowSummaries(trial, 'qcnn');
  const train = trainingSubjects(all, holdout);
  const heldOut = all.filter((s) => !train.includes(s));
  const label = (s: SubjectSummary): number => (s.pdLastMax <= o.thresholdNgMl ? 1 : 0);
  if (new Set(train.map(label)).size < 2) {
    throw new InputError(`${o.trialPath}: every training subject is a ${train.every((s) => label(s) === 1) ? 'success' : 'failure'} at ${o.thresholdNgMl} ng/mL; the QCNN needs both outcomes to learn P(success)`, { details: { file: o.trialPath } });
  }
  await readyTf();
  const x = await inputsOf(pk, train.map((s) => rowOf(s)));
  const ladder = await inputsOf(pk, train.flatMap((s) => DOSE_LADDER_MG.map((d) => rowOf(s, d))));
  const scale = normScale(x.lnNorm, train.map((s) => s.doseMg > 0));
  const trained = trainQcnn({ x, y: Float32Array.from(train, label), ladder }, scale, o.seed, o.epochs);
  const training: QcnnTraining = {
    trained,
    seed: o.seed,
    epochs: o.epochs,
    thresholdNgMl: o.thresholdNgMl,
    data: { file: o.trialPath.split('/').pop() ?? o.trialPath, sha256 },
    pk: { name: pk.card.name, sha256: pk.card.sha256, cardPath: o.pkCardPath, etaDim: pk.card.inputs.eta?.dim ?? 0, eta: pk.card.inputs.eta, theta: pk.card.inputs.theta },
    train: { subjects: train, x, y: Float32Array.from(train, label) },
    heldOut: heldOut.length === 0 ? undefined : { subjects: heldOut, x: await inputsOf(pk, heldOut.map((s) => rowOf(s))), y: Float32Array.from(heldOut, label) },
    split: holdout === undefined ? undefined : splitProvenance(holdout),
  };
  const artifacts = qcnnArtifacts(training);
  return { cards: await writeQcnnModels(o.outDir, artifacts), training };
}
