/**
 * QLSTM and QK-LSTM (models/qlstm) end to end through `trainSequenceModel`: a tiny configuration
 * trained twice with the same seed gives the same weights hash and ONNX bytes; each ONNX graph (QD
 * and QW grids) reproduces the tfjs network's prediction on the held-out (validation) subjects'
 * covariates within 1e-4 ng/mL (float32 in two runtimes); the tensor circuit equals an independent
 * float64 gate-by-gate simulation; and the hardware figures on the cards follow the gate lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readTrial } from '../../models/ingest/trial.js';
import { buildDataset, featureRows, type FeatureScaling } from '../../models/sequence/dataset.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { tf } from '../../models/sequence/tf-runtime.js';
import { trainSequenceModel, type TrainSequenceOptions } from '../../models/sequence/train.js';
import { qtCircuitResources, QV_BOUND } from '../../models/qlstm/hardware.js';
import { applyRing, applyRy } from '../../models/qlstm/circuit.js';
import { KernelCache, kernelMap } from '../../models/qlstm/kernel.js';
import { circuitUnitaryT, forwardZ } from '../../models/qlstm/network.js';
import { paramsHash, type Param, type QSpec } from '../../models/qlstm/params.js';
import { paramsFileName } from '../../models/qlstm/cards.js';
import { loadModel } from '../../worker/model/load-card.js';
import { withTempDir } from '../kit/cli.js';
import { repoFile } from '../kit/sequence-trial.js';

const SEED = 3;
const tiny = (family: 'qlstm' | 'qk-lstm', outDir: string): TrainSequenceOptions => ({
  family,
  trialPath: repoFile('data/EstData.csv'),
  outDir,
  seed: SEED,
  maxEpochs: 2,
  hidden: 4,
  dense: 3,
  qubits: 3,
  layers: 2,
  landmarks: 6,
});

interface ParamsFile {
  spec: QSpec;
  params: { name: string; shape: number[]; values: number[] }[];
  landmarks?: number[];
  weights_sha256: string;
}

async function checkFamily(family: 'qlstm' | 'qk-lstm'): Promise<void> {
  await withTempDir(async (dir) => {
    const first = await trainSequenceModel(tiny(family, join(dir, 'a')));
    const second = await trainSequenceModel(tiny(family, join(dir, 'b')));
    assert.deepEqual(first.cards.map((c) => c.slice(join(dir, 'a').length + 1)), [`${family}-qd.model.json`, `${family}-qw.model.json`]);
    const file = JSON.parse(await readFile(join(dirname(first.cards[0]!), paramsFileName(family)), 'utf8')) as ParamsFile;
    const params: Param[] = file.params.map((p) => ({ name: p.name, shape: p.shape, values: Float32Array.from(p.values) }));
    assert.equal(paramsHash(params), file.weights_sha256, 'the parameters file reproduces its hash');
    const again = JSON.parse(await readFile(join(dirname(second.cards[0]!), paramsFileName(family)), 'utf8')) as ParamsFile;
    assert.equal(again.weights_sha256, file.weights_sha256, 'same seed, same weights hash');
    for (const [a, b] of first.cards.map((c, i) => [c, second.cards[i]!] as const)) {
      const [ma, mb] = [await loadModel(a), await loadModel(b)];
      assert.equal(ma.card.sha256, mb.card.sha256, 'same seed, same ONNX bytes');
    }

    const ds = buildDataset(await readTrial(repoFile('data/EstData.csv')), SEQUENCE_REGIMENS.qd, { seed: SEED, valFraction: 0.25 });
    const held = ds.val;
    assert.ok(held.length >= 4);
    for (const cardPath of first.cards) {
      const m = await loadModel(cardPath);
      assert.equal(m.card.family, family);
      assert.equal(m.card.diagnostics['trainable_parameters'], params.reduce((s, p) => s + p.values.length, 0));
      const regimen = m.card.regimen.tau_h === 24 ? SEQUENCE_REGIMENS.qd : SEQUENCE_REGIMENS.qw;
      const scaling = m.card.provenance['scaling'] as { features: FeatureScaling; target_pd_ng_ml: { mean: number; sd: number } };
      // held-out subjects' covariates; on the QW grid at their weekly-equivalent dose (7x)
      const n = held.length;
      const dose = Float32Array.from(held, (w) => Math.fround(w.doseMg * (regimen.tauH === 24 ? 1 : 7)));
      const bw = Float32Array.from(held, (w) => Math.fround(w.bwKg));
      const comed = Float32Array.from(held, (w) => w.comed);
      const session = await ort.InferenceSession.create(m.onnx);
      const feed = (v: Float32Array) => new ort.Tensor('float32', v, [n]);
      const pd = (await session.run({ dose: feed(dose), bw: feed(bw), comed: feed(comed) }))['pd']!.data as Float32Array;
      await session.release();
      const T = regimen.timesH.length;
      const x = new Float32Array(n * T * 3);
      for (let i = 0; i < n; i++) x.set(featureRows(scaling.features, regimen, dose[i]!, bw[i]!, comed[i]!), i * T * 3);
      const z = tf.tidy(() => {
        const p = Object.fromEntries(params.map((q) => [q.name, tf.tensor(q.values, [...q.shape])]));
        const xt = tf.tensor3d(x, [n, T, 3]);
        if (file.spec.family === 'qlstm') return forwardZ(file.spec, p, xt).dataSync() as Float32Array;
        const cache = new KernelCache(kernelMap(Float32Array.from(file.landmarks!), file.spec.qubits, file.spec.reps));
        return forwardZ(file.spec, p, xt, tf.tensor3d(cache.features(x), [n, T, file.spec.landmarks])).dataSync() as Float32Array;
      });
      const { mean, sd } = scaling.target_pd_ng_ml;
      const maxDiff = z.reduce((a, v, i) => Math.max(a, Math.abs(v * sd + mean - pd[i]!)), 0);
      assert.ok(maxDiff <= 1e-4, `${family} ${regimen.name}: max |ONNX - tfjs| = ${maxDiff} ng/mL`);
      assert.ok(pd.every(Number.isFinite));
    }
  });
}

test('QLSTM: deterministic for a seed; ONNX matches the tfjs network on held-out subjects (QD and QW)', async () => {
  await checkFamily('qlstm');
});

test('QK-LSTM: deterministic for a seed; ONNX matches the tfjs network on held-out subjects (QD and QW)', async () => {
  await checkFamily('qk-lstm');
});

test('the tensor circuit V^T equals a float64 gate-by-gate simulation of RY layers and CNOT rings', () => {
  const n = 3;
  const L = 2;
  const theta = Float32Array.from({ length: 4 * L * n }, (_, i) => Math.fround(0.37 * i - 2.1));
  const vt = tf.tidy(() => circuitUnitaryT(tf.tensor3d(theta, [4, L, n]), n).dataSync() as Float32Array);
  const D = 1 << n;
  for (let g = 0; g < 4; g++) {
    for (let b = 0; b < D; b++) {
      let s: Float64Array = new Float64Array(D);
      s[b] = 1;
      for (let l = 0; l < L; l++) {
        for (let q = 0; q < n; q++) applyRy(s, q, theta[(g * L + l) * n + q]!, n);
        s = applyRing(s, n);
      }
      // row b of V^T is column b of V: the image of |b>
      for (let k = 0; k < D; k++) assert.ok(Math.abs(vt[g * D * D + b * D + k]! - s[k]!) < 1e-6, `gate ${g}, |${b}>, amplitude ${k}`);
    }
  }
});

test('hardware figures: QLSTM default VQC within PNU bound, the shipped QT-LSTM circuit outside it', async () => {
  await withTempDir(async (dir) => {
    const { cards } = await trainSequenceModel({ ...tiny('qlstm', dir), qubits: 4, layers: 2, maxEpochs: 1 });
    const m = await loadModel(cards[0]!);
    // RY encoding (depth 1) + 2 x (RY layer, depth 1 + ring of 4 CNOTs in brick order, depth 2) = 7; 2 x 4 CNOTs
    assert.equal(m.card.diagnostics['qubits'], 4);
    assert.equal(m.card.diagnostics['circuit_depth'], 7);
    assert.equal(m.card.diagnostics['two_qubit_gates'], 8);
    assert.equal(m.card.diagnostics['within_pnu_bound'], true);
  });
  // QT-LSTM (hidden 32): 14 qubits, 8 layers of U3 then a sequential controlled-U3 ring: depth 8 x (1 + 14)
  const qt = qtCircuitResources({ qubits: 14, layers: 8 });
  assert.deepEqual([qt.qubits, qt.depth, qt.two_qubit_gates], [14, 8 * 15, 8 * 14]);
  assert.ok(qt.qubits > QV_BOUND.maxQubits);
  // and a QT-LSTM card says so (hidden 4, dense 3: 287 weights on 9 qubits, 2 layers: depth 2 x (1 + 9), 18 CU3)
  await withTempDir(async (dir) => {
    const { cards } = await trainSequenceModel({ family: 'qt-lstm', trialPath: repoFile('data/EstData.csv'), outDir: dir, seed: SEED, maxEpochs: 1, hidden: 4, dense: 3, qtLayers: 2, qtMappingHidden: [4] });
    const m = await loadModel(cards[0]!);
    const d = m.card.diagnostics;
    assert.deepEqual([d['qubits'], d['circuit_depth'], d['two_qubit_gates'], d['within_pnu_bound']], [9, 20, 18, false]);
    assert.match(m.card.description ?? '', /9 qubits, depth 20, 18 two-qubit gates.*is NOT met/);
  });
});
