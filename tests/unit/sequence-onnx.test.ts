/**
 * Export of the sequence models to ONNX (models/sequence/gate-order.ts, onnx-export.ts, cards.ts):
 * the tfjs (i, f, c, o) -> ONNX (i, o, f, c) gate conversion on labelled weights; the converted
 * weights driving the tf-ops LSTM reproduce the tfjs layers model; and the exported graph (features,
 * native bidirectional LSTM, dense head, inverse z-scaling all inside) matches tfjs predictions within
 * 1e-4 ng/mL on the QD and QW grids for doses, weights and COMED across the sweep grids. Finally the
 * card and graph pass the worker's contract check and run through loadTrajectoryModel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readTrial } from '../../models/ingest/trial.js';
import { buildBiLstm, extractWeights, predictZ, seedBiLstm, setTfjsWeights } from '../../models/sequence/bilstm.js';
import { sequenceArtifact } from '../../models/sequence/cards.js';
import { buildDataset, featureRows } from '../../models/sequence/dataset.js';
import { forwardZ } from '../../models/sequence/functional-lstm.js';
import { biasToOnnx, kernelToOnnx } from '../../models/sequence/gate-order.js';
import { buildSequenceModel } from '../../models/sequence/onnx-export.js';
import { SEQUENCE_REGIMENS, type SequenceRegimen } from '../../models/sequence/regimens.js';
import { readyTf, tf } from '../../models/sequence/tf-runtime.js';
import type { TrainedNetwork } from '../../models/sequence/trained.js';
import { PAPER_SHAPE, type NetworkShape } from '../../models/sequence/weights.js';
import { silentLogger } from '../../worker/common/log.js';
import { checkGraphAgainstCard, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { decodeModel, encodeModel } from '../../worker/onnx/graph-builder.js';
import { mulberry32 } from '../kit/prng.js';
import { repoFile } from '../kit/sequence-trial.js';

const TFJS_GATES = ['i', 'f', 'c', 'o'];
const ONNX_GATES = ['i', 'o', 'f', 'c'];

test('gate order: a tfjs kernel [in, 4H] (i f c o columns) becomes ONNX [4H, in] (i o f c rows)', () => {
  const [rows, H] = [3, 2];
  // value encodes (gate, unit, input row) so every position is checkable
  const kernel = new Float32Array(rows * 4 * H);
  for (let r = 0; r < rows; r++) for (let g = 0; g < 4; g++) for (let h = 0; h < H; h++) kernel[r * 4 * H + g * H + h] = g * 100 + h * 10 + r;
  const w = kernelToOnnx(kernel, rows, H);
  ONNX_GATES.forEach((name, g) => {
    const src = TFJS_GATES.indexOf(name);
    for (let h = 0; h < H; h++) for (let r = 0; r < rows; r++) assert.equal(w[(g * H + h) * rows + r], src * 100 + h * 10 + r, `ONNX gate ${name} unit ${h} input ${r}`);
  });
  const b = biasToOnnx(Float32Array.from({ length: 4 * H }, (_, k) => k), H);
  assert.deepEqual([...b], ONNX_GATES.flatMap((name) => [0, 1].map((h) => TFJS_GATES.indexOf(name) * H + h)));
});

/** A tfjs BiLSTM with Keras-default seeded weights plus noise on everything (so biases are non-zero too). */
async function noisyModel(shape: NetworkShape, seed: number, noise: number) {
  await readyTf();
  const model = buildBiLstm(shape);
  seedBiLstm(model, shape, seed);
  const rnd = mulberry32(seed);
  setTfjsWeights(model, shape, model.getWeights().map((t) => Float32Array.from(t.dataSync(), (v) => v + noise * (2 * rnd() - 1))));
  return model;
}

const SCALING = {
  features: { tOverTau: { mean: 0.479, sd: 0.288 }, dosePerKg: { mean: 0.05, sd: 0.0565 }, comed: { mean: 0.5, sd: 0.5 } },
  target: { mean: 4.82, sd: 3.33 },
};

/** Subjects across the sweep: doses over the regimen's grid, BW 35-140 kg, both COMED levels. */
function subjects(regimen: SequenceRegimen, n: number) {
  const rnd = mulberry32(regimen.tauH);
  const maxDose = regimen.tauH === 24 ? 40 : 400;
  const dose = Float32Array.from({ length: n }, (_, i) => (i === 0 ? 0 : Math.fround(maxDose * rnd())));
  const bw = Float32Array.from({ length: n }, () => Math.fround(35 + 105 * rnd()));
  const comed = Float32Array.from({ length: n }, (_, i) => i % 2);
  return { dose, bw, comed, n };
}

function tfjsInputs(regimen: SequenceRegimen, s: ReturnType<typeof subjects>): Float32Array {
  const T = regimen.timesH.length;
  const x = new Float32Array(s.n * T * 3);
  for (let i = 0; i < s.n; i++) x.set(featureRows(SCALING.features, regimen, s.dose[i]!, s.bw[i]!, s.comed[i]!), i * T * 3);
  return x;
}

test('converted weights drive the tf-ops (ONNX-order) LSTM to the tfjs layers model outputs', async () => {
  const shape: NetworkShape = { inputs: 3, hidden: 8, dense: 5 };
  const model = await noisyModel(shape, 3, 0.3);
  const regimen = SEQUENCE_REGIMENS.qd;
  const s = subjects(regimen, 6);
  const x = tfjsInputs(regimen, s);
  const expected = predictZ(model, x, s.n, 24, 3);
  const w = extractWeights(model, shape);
  const got = tf.tidy(() => forwardZ(tf.tensor1d(w.flat), shape, tf.tensor3d(x, [s.n, 24, 3])).dataSync());
  expected.forEach((v, i) => assert.ok(Math.abs(v - got[i]!) < 1e-5, `step ${i}: tfjs ${v}, functional ${got[i]}`));
  model.dispose();
});

for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
  test(`ONNX export (${regimen.name}, T ${regimen.timesH.length}): pd matches tfjs within 1e-4 ng/mL`, async () => {
    const model = await noisyModel(PAPER_SHAPE, 21, 0.05);
    const w = extractWeights(model, PAPER_SHAPE);
    const bytes = encodeModel(buildSequenceModel({ weights: w, ...SCALING, regimen, family: 'bilstm' }));
    const session = await ort.InferenceSession.create(bytes);
    const s = subjects(regimen, 64);
    const T = regimen.timesH.length;
    const feed = (v: Float32Array) => new ort.Tensor('float32', v, [s.n]);
    const out = await session.run({ dose: feed(s.dose), bw: feed(s.bw), comed: feed(s.comed) });
    assert.deepEqual(out['pd']!.dims, [s.n, T]);
    const pd = out['pd']!.data as Float32Array;
    const z = predictZ(model, tfjsInputs(regimen, s), s.n, T, 3);
    let maxDiff = 0;
    let spread = 0;
    z.forEach((v, i) => {
      const ref = v * SCALING.target.sd + SCALING.target.mean;
      maxDiff = Math.max(maxDiff, Math.abs(pd[i]! - ref));
      spread = Math.max(spread, Math.abs(ref - pd[0]!));
    });
    assert.ok(maxDiff <= 1e-4, `max |ONNX - tfjs| = ${maxDiff} ng/mL`);
    assert.ok(spread > 0.1, 'the trajectories must vary, or the comparison proves nothing');
    await session.release();
    model.dispose();
  });
}

test('cards: the ONNX passes the worker contract and runs through loadTrajectoryModel', async () => {
  const trial = await readTrial(repoFile('data/EstData.csv'));
  const ds = buildDataset(trial, SEQUENCE_REGIMENS.qd, { seed: 1, valFraction: 0.25 });
  const shape: NetworkShape = { inputs: 3, hidden: 8, dense: 4 };
  const model = await noisyModel(shape, 4, 0.1);
  const trained: TrainedNetwork = {
    family: 'bilstm',
    weights: extractWeights(model, shape),
    history: { trainLoss: [1], valLoss: [1], bestEpoch: 0, epochsRun: 1, stopReason: 'max-epochs', seconds: 0 },
    trainableParameters: 123,
    trainLoss: 1,
    valLoss: 1,
    valRmseNgMl: 1,
    settings: {},
  };
  const rec = { dataFile: 'EstData.csv', dataSha256: '0'.repeat(64), seed: 1, training: {}, tfjsVersion: tf.version.tfjs };
  for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
    const { onnxBytes, card } = sequenceArtifact(trained, ds, regimen, rec);
    assert.equal(card.family, 'bilstm');
    assert.equal(card.test_model, false);
    assert.match(card.description ?? '', /EXTRAPOLATES beyond 1\/3\/10 mg QD/);
    assert.deepEqual(card.time_grid_h, [...regimen.timesH]);
    checkGraphAgainstCard(card, decodeModel(onnxBytes));
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 7, logger: silentLogger });
    const s = subjects(regimen, 20);
    // the reduction head's count must equal counting the window maxima of the raw graph
    const raw = await ort.InferenceSession.create(onnxBytes);
    const feed = (v: Float32Array) => new ort.Tensor('float32', v, [s.n]);
    const pd = (await raw.run({ dose: feed(s.dose), bw: feed(s.bw), comed: feed(s.comed) }))['pd']!.data as Float32Array;
    const T = regimen.timesH.length;
    const maxima = Array.from({ length: s.n }, (_, i) => Math.max(...pd.subarray(i * T, (i + 1) * T)));
    const threshold = [...maxima].sort((a, b) => a - b)[9]!; // 10 of 20 at or below
    const r = await runner.evaluate(s, 2, 10, threshold);
    assert.deepEqual(r.k, [0, 1].map((g) => maxima.slice(g * 10, g * 10 + 10).filter((m) => m <= threshold).length));
    assert.equal(r.k[0]! + r.k[1]!, 10);
    await runner.release();
    await raw.release();
  }
  model.dispose();
});
