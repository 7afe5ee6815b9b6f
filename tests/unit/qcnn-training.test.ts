/**
 * `qusop train qcnn` end to end at a few epochs on EstData with the sequence models' held-out subjects:
 * the same seed twice gives the same ONNX and card bytes, and the exported graph's p_success (onnxruntime,
 * the population graph's typical window: eta = 0, theta draw 0) matches the tfjs prediction within 1e-4
 * on the held-out subjects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { trainQcnnModel } from '../../models/qcnn/train.js';
import { predict } from '../../models/qcnn/training.js';
import { ROOT, withTempDir } from '../kit/cli.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');
const PK = join(ROOT, 'models', 'estdata', 'qd.model.json');
const HOLDOUT = join(ROOT, 'models', 'sequence-estdata', 'bilstm-qd.model.json');

test('qcnn training: deterministic for a seed; ONNX p_success = tfjs within 1e-4 on held-out subjects', async () => {
  await withTempDir(async (dir) => {
    const opts = { trialPath: TRIAL, seed: 3, epochs: 4, pkCardPath: PK, thresholdNgMl: 3.3, holdoutFromPath: HOLDOUT };
    const a = await trainQcnnModel({ ...opts, outDir: join(dir, 'a') });
    await trainQcnnModel({ ...opts, outDir: join(dir, 'b') });
    for (const f of ['qcnn-qd.onnx', 'qcnn-qd.model.json', 'qcnn-qw.onnx', 'qcnn-qw.model.json']) {
      assert.ok((await readFile(join(dir, 'a', f))).equals(await readFile(join(dir, 'b', f))), `${f}: same bytes for the same seed`);
    }
    const held = a.training.heldOut;
    assert.ok(held !== undefined && held.subjects.length >= 6, 'the bilstm card holds subjects out');
    const card = JSON.parse(await readFile(join(dir, 'a', 'qcnn-qd.model.json'), 'utf8')) as { outputs: Record<string, unknown>; inputs: { eta: { dim: number }; theta: { draws: number[][] } } };
    assert.deepEqual(card.outputs, { pd: null, p_success: 'p_success' });
    const session = await ort.InferenceSession.create(join(dir, 'a', 'qcnn-qd.onnx'));
    try {
      const N = held.subjects.length;
      const K = card.inputs.eta.dim;
      const theta = card.inputs.theta.draws[0] ?? [];
      const f = (v: ArrayLike<number>) => new ort.Tensor('float32', Float32Array.from(v), [N]);
      const out = await session.run({
        dose: f(held.subjects.map((s) => s.doseMg)), bw: f(held.subjects.map((s) => s.bwKg)), comed: f(held.subjects.map((s) => s.comed)),
        eta: new ort.Tensor('float32', new Float32Array(N * K), [N, K]),
        theta: new ort.Tensor('float32', Float32Array.from({ length: N * theta.length }, (_, i) => theta[i % theta.length] ?? NaN), [N, theta.length]),
      });
      const onnx = out['p_success']?.data as Float32Array;
      const tfjs = predict(a.training.trained, held.x);
      for (let i = 0; i < N; i += 1) {
        assert.ok(Math.abs((onnx[i] ?? NaN) - (tfjs[i] ?? NaN)) <= 1e-4, `subject ${held.subjects[i]?.id}: onnx ${onnx[i]} vs tfjs ${tfjs[i]}`);
      }
    } finally {
      await session.release();
    }
  });
});
