/**
 * Training of the sequence models (models/sequence/train-loop.ts, bilstm-train.ts, qt-train.ts):
 * early stopping stops after `patience` epochs without improvement and restores the best epoch; each
 * epoch visits every training subject once in a seeded order; and a whole training run is
 * reproducible: the same seed gives the same weights hash, another seed a different one (tiny
 * networks, two epochs, so this stays fast).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTrial } from '../../models/ingest/trial.js';
import { trainBiLstm } from '../../models/sequence/bilstm-train.js';
import { buildDataset } from '../../models/sequence/dataset.js';
import { qtSpec, qtTrainableCount } from '../../models/sequence/qt-lstm.js';
import { trainQtLstm } from '../../models/sequence/qt-train.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { readyTf } from '../../models/sequence/tf-runtime.js';
import { trainWithEarlyStopping } from '../../models/sequence/train-loop.js';
import { PAPER_SHAPE, weightCount, weightsHash, type NetworkShape } from '../../models/sequence/weights.js';
import { InputError } from '../../worker/common/errors.js';
import { repoFile } from '../kit/sequence-trial.js';

/** A fake model whose validation loss follows a script; its "parameters" are the epoch count. */
function scripted(valLosses: number[]) {
  const batches: number[][] = [];
  let epoch = 0;
  let restored: number | undefined;
  return {
    batches,
    restored: () => restored,
    model: {
      trainBatch: (rows: readonly number[]) => (batches.push([...rows]), 1),
      valLoss: () => valLosses[epoch++] ?? 0,
      snapshot: () => epoch,
      restore: (s: number) => void (restored = s),
    },
  };
}

test('early stopping: stops `patience` epochs after the best and restores the best epoch', () => {
  const s = scripted([5, 4, 3, 3.5, 3.2, 3.1, 1, 0.5]);
  const h = trainWithEarlyStopping(10, s.model, { maxEpochs: 50, patience: 3, minDelta: 0, batchSize: 4, seed: 1 });
  assert.equal(h.bestEpoch, 2);
  assert.equal(h.epochsRun, 6);
  assert.equal(h.stopReason, 'patience');
  assert.equal(s.restored(), 3); // snapshot taken after the best epoch's validation
  assert.deepEqual(h.valLoss, [5, 4, 3, 3.5, 3.2, 3.1]);
  // minDelta: 3.5 -> 3.45 is not an improvement of 0.1
  const d = scripted([4, 3.5, 3.45, 3.44, 3.43]);
  assert.equal(trainWithEarlyStopping(10, d.model, { maxEpochs: 5, patience: 2, minDelta: 0.1, batchSize: 4, seed: 1 }).bestEpoch, 1);
});

test('batches: every epoch visits each training row once, in a seeded order', () => {
  const run = (seed: number) => {
    const s = scripted(Array.from({ length: 3 }, (_, i) => 3 - i));
    trainWithEarlyStopping(10, s.model, { maxEpochs: 3, patience: 5, minDelta: 0, batchSize: 4, seed });
    return s.batches;
  };
  const a = run(1);
  assert.deepEqual(a.map((b) => b.length), [4, 4, 2, 4, 4, 2, 4, 4, 2]);
  for (let e = 0; e < 3; e++) assert.deepEqual(a.slice(3 * e, 3 * e + 3).flat().sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(a.slice(0, 3).flat(), a.slice(3, 6).flat());
  assert.deepEqual(run(1), a);
  assert.notDeepEqual(run(2), a);
  assert.throws(() => trainWithEarlyStopping(10, scripted([]).model, { maxEpochs: 0, patience: 1, minDelta: 0, batchSize: 1, seed: 1 }), InputError);
});

const TINY: NetworkShape = { inputs: 3, hidden: 4, dense: 3 };

async function dataset(seed: number) {
  await readyTf();
  return buildDataset(await readTrial(repoFile('data/EstData.csv')), SEQUENCE_REGIMENS.qd, { seed, valFraction: 0.25 });
}

test('BiLSTM: the same seed gives the same weights hash; another seed does not', async () => {
  const ds = await dataset(1);
  const train = (seed: number) => trainBiLstm(ds, { shape: TINY, learningRate: 1e-2, maxEpochs: 2, patience: 5, minDelta: 0, batchSize: 8, seed });
  const a = train(5);
  const b = train(5);
  const c = train(6);
  assert.equal(weightsHash(a.weights), weightsHash(b.weights));
  assert.deepEqual(a.history.valLoss, b.history.valLoss);
  assert.notEqual(weightsHash(a.weights), weightsHash(c.weights));
  assert.equal(a.trainableParameters, weightCount(TINY));
  assert.ok(Number.isFinite(a.valLoss) && a.valLoss > 0);
  assert.equal(weightCount(PAPER_SHAPE), 38977); // the paper's "39k" BiLSTM(64)
});

test('QT-LSTM: the same seed gives the same weights hash; only circuit + mapping parameters are trainable', async () => {
  const ds = await dataset(2);
  const spec = qtSpec(TINY, 2, [8]);
  const train = (seed: number) => trainQtLstm(ds, { spec, learningRate: 1e-2, maxEpochs: 2, patience: 5, minDelta: 0, batchSize: 64, seed });
  const a = train(5);
  const b = train(5);
  assert.equal(weightsHash(a.weights), weightsHash(b.weights));
  assert.notEqual(weightsHash(a.weights), weightsHash(train(6).weights));
  // M = 2*16*3 + 2*16*4 + 2*16 + 8*3 + 3 + 3 + 1 = 287 weights -> N = 9 qubits;
  // 2 layers x 2N gates x 3 angles + mapping (N + 1 = 10 -> 8 -> 1)
  assert.equal(weightCount(TINY), 287);
  assert.equal(spec.circuit.qubits, 9);
  assert.equal(a.trainableParameters, 2 * 2 * 9 * 3 + (10 * 8 + 8) + (8 + 1));
  assert.equal(qtTrainableCount(spec), a.trainableParameters);
  assert.equal(a.weights.flat.length, weightCount(TINY));
});
