/**
 * QT-LSTM end to end (models/sequence/train.ts with family qt-lstm): a tiny training run writes
 * qt-lstm-qd/-qw plus the trained circuit + mapping parameters; re-synthesising the weights from
 * that file reproduces the ONNX initializers bit for bit, and the ONNX predictions equal the
 * tf-ops LSTM evaluated on the re-synthesised weights (within float32 agreement of two runtimes,
 * 1e-4 ng/mL) on both grids. Also: the trainable-parameter count of the paper-sized configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { TensorProto } from 'onnx-buf';
import { featureRows } from '../../models/sequence/dataset.js';
import { forwardZ } from '../../models/sequence/functional-lstm.js';
import { parseQtParamsFile, qtParamsFileName } from '../../models/sequence/qt-params.js';
import { qtSpec, qtTrainableCount, synthesizeWeights } from '../../models/sequence/qt-lstm.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { tf } from '../../models/sequence/tf-runtime.js';
import { trainSequenceModel } from '../../models/sequence/train.js';
import { part, PAPER_SHAPE, weightCount, weightsHash } from '../../models/sequence/weights.js';
import { loadModel } from '../../worker/model/load-card.js';
import { decodeModel } from '../../worker/onnx/graph-builder.js';
import { withTempDir } from '../kit/cli.js';
import { mulberry32 } from '../kit/prng.js';
import { repoFile } from '../kit/sequence-trial.js';

function floats(t: TensorProto | undefined): Float32Array {
  assert.ok(t !== undefined);
  const bytes = t.rawData.slice(); // aligned copy
  return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
}

test('QT-LSTM: re-synthesised weights are the ONNX initializers bit for bit and reproduce its predictions', async () => {
  await withTempDir(async (dir) => {
    const { cards, trained } = await trainSequenceModel({
      family: 'qt-lstm',
      trialPath: repoFile('data/EstData.csv'),
      outDir: dir,
      seed: 4,
      maxEpochs: 2,
      hidden: 4,
      dense: 3,
      qtLayers: 2,
      qtMappingHidden: [8],
    });
    // hidden 4 is not the family's default (32): the size is in the cards' names and the parameters file's
    assert.deepEqual(cards.map((c) => c.slice(dir.length + 1)), ['qt-lstm-h4-qd.model.json', 'qt-lstm-h4-qw.model.json']);
    const file = join(dirname(cards[0]!), qtParamsFileName('qt-lstm-h4'));
    const { spec, params, weightsSha256 } = parseQtParamsFile(await readFile(file, 'utf8'), file);
    const w = synthesizeWeights(spec, params);
    assert.equal(weightsHash(w), weightsSha256);
    assert.equal(weightsHash(w), weightsHash(trained.weights));
    assert.equal(trained.trainableParameters, qtTrainableCount(spec));
    for (const cardPath of cards) {
      const m = await loadModel(cardPath);
      assert.equal(m.card.family, 'qt-lstm');
      assert.equal(m.card.diagnostics['trainable_parameters'], qtTrainableCount(spec));
      assert.equal((m.card.provenance['qt_params'] as { file: string }).file, 'qt-lstm-h4.qt-params.json');
      const init = decodeModel(m.onnx).graph!.initializer;
      const get = (name: string) => floats(init.find((t) => t.name === name));
      const H = spec.network.hidden;
      assert.deepEqual(get('lstm_W'), part(w, 'W'));
      assert.deepEqual(get('lstm_R'), part(w, 'R'));
      const b = get('lstm_B');
      for (let d = 0; d < 2; d++) {
        assert.deepEqual(b.subarray(d * 8 * H, d * 8 * H + 4 * H), part(w, 'B').subarray(d * 4 * H, (d + 1) * 4 * H));
        assert.ok(b.subarray(d * 8 * H + 4 * H, (d + 1) * 8 * H).every((v) => v === 0), 'recurrent bias half is zero');
      }
      assert.deepEqual(get('dense1_kernel'), part(w, 'dense1Kernel'));
      assert.deepEqual(get('dense1_bias'), part(w, 'dense1Bias'));
      assert.deepEqual(get('dense2_kernel'), part(w, 'dense2Kernel'));
      assert.deepEqual(get('dense2_bias'), part(w, 'dense2Bias'));

      // predictions: ONNX vs the tf-ops network on the re-synthesised weights
      const regimen = m.card.regimen.tau_h === 24 ? SEQUENCE_REGIMENS.qd : SEQUENCE_REGIMENS.qw;
      const scaling = m.card.provenance['scaling'] as { features: Parameters<typeof featureRows>[0]; target_pd_ng_ml: { mean: number; sd: number } };
      const rnd = mulberry32(regimen.tauH);
      const n = 16;
      const dose = Float32Array.from({ length: n }, () => Math.fround((regimen.tauH === 24 ? 40 : 400) * rnd()));
      const bw = Float32Array.from({ length: n }, () => Math.fround(35 + 105 * rnd()));
      const comed = Float32Array.from({ length: n }, (_, i) => i % 2);
      const session = await ort.InferenceSession.create(m.onnx);
      const feed = (v: Float32Array) => new ort.Tensor('float32', v, [n]);
      const pd = (await session.run({ dose: feed(dose), bw: feed(bw), comed: feed(comed) }))['pd']!.data as Float32Array;
      const T = regimen.timesH.length;
      const x = new Float32Array(n * T * 3);
      for (let i = 0; i < n; i++) x.set(featureRows(scaling.features, regimen, dose[i]!, bw[i]!, comed[i]!), i * T * 3);
      const z = tf.tidy(() => forwardZ(tf.tensor1d(w.flat), spec.network, tf.tensor3d(x, [n, T, 3])).dataSync() as Float32Array);
      const { mean, sd } = scaling.target_pd_ng_ml;
      const maxDiff = z.reduce((a, v, i) => Math.max(a, Math.abs(v * sd + mean - pd[i]!)), 0);
      assert.ok(maxDiff <= 1e-4, `${regimen.name}: max |ONNX - synthesised| = ${maxDiff} ng/mL`);
      await session.release();
    }
  });
});

test('QT-LSTM at the paper size: 16 qubits for 38,977 weights, a fraction of the trainable parameters', () => {
  const spec = qtSpec(PAPER_SHAPE, 8, [32, 32]);
  assert.equal(spec.circuit.qubits, 16);
  // 8 layers x 32 gates x 3 angles + mapping (17 -> 32 -> 32 -> 1)
  assert.equal(qtTrainableCount(spec), 8 * 32 * 3 + (17 * 32 + 32) + (32 * 32 + 32) + (32 + 1));
  assert.ok(qtTrainableCount(spec) < weightCount(PAPER_SHAPE) / 10);
});
