/**
 * The shipped paper-size QT-LSTM (models/sequence-estdata-paper: `qusop train qt-lstm --hidden 64`):
 * both cards load (schema + ONNX sha256), their trainable-parameter count is the paper-size
 * configuration's (2,433 circuit + mapping parameters for 38,977 deployed weights; the description
 * sets them beside the paper's 39k -> 18.3k), the weights
 * re-synthesised from the shipped parameters file hash to the cards' weights_sha256, and the QD graph's
 * predictions equal the tf-ops LSTM on those weights within 1e-4 ng/mL (float32 agreement of two
 * runtimes, the issue's bound) over doses and body weights inside and outside the trial's. The QW
 * graph does not meet that bound (a todo below, with the reason).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { featureRows } from '../../models/sequence/dataset.js';
import { forwardZ } from '../../models/sequence/functional-lstm.js';
import { parseQtParamsFile } from '../../models/sequence/qt-params.js';
import { qtSpec, qtTrainableCount, synthesizeWeights } from '../../models/sequence/qt-lstm.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { tf } from '../../models/sequence/tf-runtime.js';
import { PAPER_SHAPE, weightCount, weightsHash } from '../../models/sequence/weights.js';
import { loadModel } from '../../worker/model/load-card.js';
import { mulberry32 } from '../kit/prng.js';
import { repoFile } from '../kit/sequence-trial.js';

const DIR = 'models/sequence-estdata-paper';
const PARAMS = `${DIR}/qt-lstm-h64.qt-params.json`;

test('paper-size QT-LSTM: shipped cards load and state 2,433 trainable parameters for 38,977 deployed weights on 16 qubits', async () => {
  const paper = qtSpec(PAPER_SHAPE, 8, [32, 32]);
  for (const tag of ['qd', 'qw']) {
    const m = await loadModel(repoFile(`${DIR}/qt-lstm-h64-${tag}.model.json`));
    assert.equal(m.card.name, `qt-lstm-h64-${tag}`);
    assert.equal(m.card.family, 'qt-lstm');
    assert.equal(m.card.diagnostics['trainable_parameters'], qtTrainableCount(paper));
    assert.equal(m.card.diagnostics['trainable_parameters'], 2433);
    assert.equal(m.card.diagnostics['deployed_weights'], weightCount(PAPER_SHAPE));
    assert.equal(m.card.diagnostics['deployed_weights'], 38977);
    assert.equal(m.card.diagnostics['qubits'], 16);
    assert.match(m.card.description ?? '', /the paper reports 39k -> 18\.3k \(47 %\) for its QT-LSTM; this one generates 38977 deployed weights from 2433 \(6\.2 %\)/);
    assert.deepEqual((m.card.provenance['qt_params'] as { file: string }).file, 'qt-lstm-h64.qt-params.json');
  }
});

/** pd [n, T] of a session for the given covariates. */
async function runPd(session: ort.InferenceSession, dose: Float32Array, bw: Float32Array, comed: Float32Array): Promise<Float32Array> {
  const feed = (v: Float32Array) => new ort.Tensor('float32', v, [v.length]);
  return (await session.run({ dose: feed(dose), bw: feed(bw), comed: feed(comed) }))['pd']!.data as Float32Array;
}

/** max |ONNX - tfjs| (ng/mL) of the shipped card for `regimen` over 32 seeded subjects in the sweep's ranges (QD 0-40 mg, QW 0-400 mg, BW 35-140 kg). */
async function onnxVsTfjs(regimen: (typeof SEQUENCE_REGIMENS)['qd' | 'qw']): Promise<number> {
  const { spec, params, weightsSha256 } = parseQtParamsFile(await readFile(repoFile(PARAMS), 'utf8'), PARAMS);
  assert.equal(spec.network.hidden, 64);
  const w = synthesizeWeights(spec, params);
  assert.equal(weightsHash(w), weightsSha256);
  const m = await loadModel(repoFile(`${DIR}/qt-lstm-h64-${regimen.tag}.model.json`));
  assert.equal(m.card.provenance['weights_sha256'], weightsSha256);
  const scaling = m.card.provenance['scaling'] as { features: Parameters<typeof featureRows>[0]; target_pd_ng_ml: { mean: number; sd: number } };
  const rnd = mulberry32(regimen.tauH + 64);
  const n = 32;
  const dose = Float32Array.from({ length: n }, () => Math.fround((regimen.tauH === 24 ? 40 : 400) * rnd()));
  const bw = Float32Array.from({ length: n }, () => Math.fround(35 + 105 * rnd()));
  const comed = Float32Array.from({ length: n }, (_, i) => i % 2);
  const session = await ort.InferenceSession.create(m.onnx);
  const pd = await runPd(session, dose, bw, comed);
  await session.release();
  const T = regimen.timesH.length;
  const x = new Float32Array(n * T * 3);
  for (let i = 0; i < n; i++) x.set(featureRows(scaling.features, regimen, dose[i]!, bw[i]!, comed[i]!), i * T * 3);
  const z = tf.tidy(() => forwardZ(tf.tensor1d(w.flat), spec.network, tf.tensor3d(x, [n, T, 3])).dataSync() as Float32Array);
  const { mean, sd } = scaling.target_pd_ng_ml;
  return z.reduce((a, v, i) => Math.max(a, Math.abs(v * sd + mean - pd[i]!)), 0);
}

test('paper-size QT-LSTM QD: weights re-synthesised from the shipped parameters are the card\'s, and its ONNX graph matches tfjs to 1e-4 ng/mL', { timeout: 120_000 }, async (t) => {
  const maxDiff = await onnxVsTfjs(SEQUENCE_REGIMENS.qd);
  t.diagnostic(`QD: max |ONNX - tfjs| = ${maxDiff.toExponential(2)} ng/mL`);
  assert.ok(maxDiff <= 1e-4, `QD: max |ONNX - tfjs| = ${maxDiff} ng/mL`);
});

// Known failure (bench/sequence/README.md): over 168 steps this network amplifies float32 rounding. A dose
// change of 1e-6 (relative) at 5 mg QW, BW 70 kg, COMED 1 moves its window maximum by ~2.8 ng/mL, and ONNX
// and tfjs differ by up to ~2e-3 ng/mL on these subjects (several ng/mL at 5 mg QW). Kept as a todo so it is
// run and reported; it turns into a plain test when a retrained card passes.
test('paper-size QT-LSTM QW: ONNX graph matches tfjs to 1e-4 ng/mL', { timeout: 120_000, todo: 'QW graph ill-conditioned (see comment)' }, async (t) => {
  const maxDiff = await onnxVsTfjs(SEQUENCE_REGIMENS.qw);
  t.diagnostic(`QW: max |ONNX - tfjs| = ${maxDiff.toExponential(2)} ng/mL`);
  assert.ok(maxDiff <= 1e-4, `QW: max |ONNX - tfjs| = ${maxDiff} ng/mL`);
});
