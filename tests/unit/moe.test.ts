/**
 * PNU's QNN-enhanced ResMLP mixture of experts (models/moe): the circuit's tfjs simulation against
 * independent references (single-qubit <Z> = cos a; CNOT brickwork on basis states by bit
 * arithmetic; layer matrices orthogonal and equal to the float64 ones the graph carries) and its
 * hardware figures; the PK window policy; a whole (tiny) training run reproducible from its seed;
 * and the exported graph matching the tfjs cascade within 1e-4 ng/mL on the held-out subjects on the
 * QD and QW grids, passing the worker's card contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { parseTrial, readTrial } from '../../models/ingest/trial.js';
import { NO_SPEC } from '../../models/ingest/data-spec.js';
import { brickworkPermutation, circuitFigures, circuitOp, layerMatrix, layerMatrixOp } from '../../models/moe/circuit.js';
import { moeArtifact } from '../../models/moe/cards.js';
import { buildCascadeDataset, inputRows, type CascadeDataset } from '../../models/moe/dataset.js';
import { constantParams, fitCascade, moeWeightsHash, type TrainedMoe } from '../../models/moe/fit.js';
import { cascadeForward, INPUTS, parameterCount, pdParams, type MoeShape } from '../../models/moe/network.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { readyTf, tf } from '../../models/sequence/tf-runtime.js';
import { InputError } from '../../worker/common/errors.js';
import { silentLogger } from '../../worker/common/log.js';
import { decodeModel } from '../../worker/onnx/graph-builder.js';
import { checkGraphAgainstCard, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { mulberry32 } from '../kit/prng.js';
import { repoFile, syntheticTrialCsv } from '../kit/sequence-trial.js';

const TINY: MoeShape = { hidden: 6, experts: 2, circuit: { qubits: 3, layers: 2 } };

test('circuit: RY(a)|0> gives <Z_0> = cos a_0 (a CNOT control only) and, after CNOT(0,1), <Z_1> = cos a_0 cos a_1', async () => {
  await readyTf();
  const angles = [
    [0.3, -1.2, 2.5],
    [3.0, 0.0, -0.7],
  ];
  // one layer with RY angles 0: only the CNOTs (0,1) then (1,2) act on the encoded product state
  const z = tf.tidy(() => {
    const s = tf.tensor2d(angles);
    const state = circuitOp({ qubits: 3, layers: 1 }, s, tf.zeros([1, 3]));
    return state.arraySync();
  });
  // CNOT (0,1) then (1,2): Z_0 is untouched by CNOTs (control only)
  angles.forEach((a, r) => assert.ok(Math.abs(z[r]![0]! - Math.cos(a[0]!)) < 1e-6, `row ${r}: <Z_0> ${z[r]![0]} vs cos ${Math.cos(a[0]!)}`));
  // and with CNOTs, Z_1 -> Z_0 Z_1: <Z_1> = cos a0 cos a1 (product state before the CNOT)
  angles.forEach((a, r) => assert.ok(Math.abs(z[r]![1]! - Math.cos(a[0]!) * Math.cos(a[1]!)) < 1e-6, `row ${r}: <Z_1> ${z[r]![1]}`));
});

test('circuit: with RY angles 0 a layer permutes basis states as the CNOT brickwork does (bit arithmetic)', async () => {
  await readyTf();
  const n = 4;
  // basis state i from angles pi on its set bits; after one layer: apply CNOT(0,1), CNOT(2,3), CNOT(1,2) by hand
  for (let i = 0; i < 1 << n; i++) {
    let j = i;
    for (const [c, t] of [[0, 1], [2, 3], [1, 2]] as const) if ((j >> c) & 1) j ^= 1 << t;
    assert.equal(brickworkPermutation(n)[i], j);
    const a = Array.from({ length: n }, (_, q) => ((i >> q) & 1 ? Math.PI : 0));
    const z = tf.tidy(() => circuitOp({ qubits: n, layers: 1 }, tf.tensor2d([a]), tf.zeros([1, n])).dataSync());
    for (let q = 0; q < n; q++) assert.ok(Math.abs(z[q]! - ((j >> q) & 1 ? -1 : 1)) < 1e-6, `basis ${i} -> ${j}: <Z_${q}> = ${z[q]}`);
  }
});

test('circuit: the tfjs layer matrix equals the float64 one in the graph and is orthogonal', async () => {
  await readyTf();
  const n = 3;
  const theta = [0.4, -2.1, 1.3];
  const N = 1 << n;
  const m64 = layerMatrix(n, theta);
  const m32 = tf.tidy(() => layerMatrixOp(n, tf.tensor1d(theta)).dataSync());
  m64.forEach((v, k) => assert.ok(Math.abs(v - m32[k]!) < 1e-6, `entry ${k}: ${v} vs ${m32[k]}`));
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let dot = 0;
      for (let k = 0; k < N; k++) dot += m64[i * N + k]! * m64[j * N + k]!;
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `rows ${i}, ${j}: ${dot}`);
    }
  }
});

test('circuit figures: depth by scheduling, two-qubit gates, PNU bound (QV 512: 9 qubits at depth 9)', () => {
  // 4 qubits, 2 layers: encoding 1 + per layer (RY 1 + CNOT even 1 + odd 1) = 7; 3 CNOTs a layer
  assert.deepEqual(circuitFigures({ qubits: 4, layers: 2 }), { qubits: 4, layers: 2, depth: 7, twoQubitGates: 6, oneQubitGates: 12, trainableAngles: 8, withinPnuBound: true });
  // 2 qubits have one pair: depth 1 + 2 x 2 = 5
  assert.equal(circuitFigures({ qubits: 2, layers: 2 }).depth, 5);
  assert.equal(circuitFigures({ qubits: 8, layers: 3 }).withinPnuBound, false); // depth 10
});

test('PK window: a trial with no concentration rows is refused by file; placebo concentration is 0', async () => {
  const csv = syntheticTrialCsv({ armsMg: [0, 5], perArm: 4, doseTimesH: [0, 24, 48], pdTimesH: [48, 50, 60, 72, 74], pd: (id, t) => id + t / 100 });
  const trial = parseTrial(csv, 'pd-only.csv', NO_SPEC);
  assert.throws(() => buildCascadeDataset(trial, SEQUENCE_REGIMENS.qd, { seed: 1, valFraction: 0.25 }), (e: unknown) => e instanceof InputError && /pd-only\.csv: no dosed training subject has concentration \(DVID 1\)/.test(e.message));
  const est = buildCascadeDataset(await readTrial(repoFile('data/EstData.csv')), SEQUENCE_REGIMENS.qd, { seed: 1, valFraction: 0.25 });
  const placebo = est.seq.train.find((w) => w.doseMg === 0)!;
  assert.deepEqual(est.pk.get(placebo.id), new Array(24).fill(0));
  assert.equal(est.pkMissingIds.length, 0, 'every EstData subject has PK over its day-21 window');
});

let shared: { ds: CascadeDataset; trained: TrainedMoe } | undefined;
async function tinyTrained(seed: number): Promise<{ ds: CascadeDataset; trained: TrainedMoe }> {
  await readyTf();
  const ds = buildCascadeDataset(await readTrial(repoFile('data/EstData.csv')), SEQUENCE_REGIMENS.qd, { seed, valFraction: 0.25 });
  const trained = fitCascade(ds, { shape: TINY, learningRate: 1e-2, maxEpochs: 3, patience: 3, minDelta: 0, batchSize: 8, seed });
  return { ds, trained };
}

test('training is deterministic for a seed: same weights hash twice, another seed another hash', async () => {
  const a = await tinyTrained(1);
  const b = await tinyTrained(1);
  const c = await tinyTrained(2);
  shared = a;
  assert.equal(moeWeightsHash(a.trained), moeWeightsHash(b.trained));
  assert.notEqual(moeWeightsHash(a.trained), moeWeightsHash(c.trained));
  assert.equal(a.trained.trainLoss, b.trained.trainLoss);
  assert.ok(Number.isFinite(a.trained.valRmseNgMl));
});

const rec = { dataFile: 'EstData.csv', dataSha256: '0'.repeat(64), seed: 1, training: {}, tfjsVersion: '' };

for (const regimen of [SEQUENCE_REGIMENS.qd, SEQUENCE_REGIMENS.qw]) {
  test(`ONNX (${regimen.name}, T ${regimen.timesH.length}) matches the tfjs cascade within 1e-4 ng/mL on held-out subjects; the card passes the contract`, async () => {
    const { ds, trained } = shared ?? (await tinyTrained(1));
    const { onnxBytes, card } = moeArtifact(trained, ds, regimen, rec);
    // held-out subjects as in the trial, plus doses across the sweep range (extrapolation is still the same function)
    const rnd = mulberry32(regimen.tauH);
    const subjects = [
      ...ds.seq.val.map((w) => ({ doseMg: w.doseMg, bwKg: w.bwKg, comed: w.comed })),
      ...Array.from({ length: 16 }, (_, i) => ({ doseMg: Math.fround((regimen.tauH === 24 ? 40 : 400) * rnd()), bwKg: Math.fround(35 + 105 * rnd()), comed: i % 2 })),
    ];
    const T = regimen.timesH.length;
    const x = inputRows(ds.scaling, regimen, subjects);
    const ref = tf.tidy(() => cascadeForward(constantParams(trained.params, trained.specs), TINY, tf.tensor3d(x, [subjects.length, T, INPUTS])).dataSync());
    const session = await ort.InferenceSession.create(onnxBytes);
    const feed = (f: (s: (typeof subjects)[number]) => number) => new ort.Tensor('float32', Float32Array.from(subjects, f), [subjects.length]);
    const out = await session.run({ dose: feed((s) => s.doseMg), bw: feed((s) => s.bwKg), comed: feed((s) => s.comed) });
    assert.deepEqual(out['pd']!.dims, [subjects.length, T]);
    const pd = out['pd']!.data as Float32Array;
    let maxDiff = 0;
    let spread = 0;
    ref.forEach((z, i) => {
      const ng = z * ds.seq.target.sd + ds.seq.target.mean;
      maxDiff = Math.max(maxDiff, Math.abs(pd[i]! - ng));
      spread = Math.max(spread, Math.abs(ng - pd[0]!));
    });
    assert.ok(maxDiff <= 1e-4, `max |ONNX - tfjs| = ${maxDiff} ng/mL`);
    assert.ok(spread > 0.01, `the trajectories must vary (spread ${spread}), or the comparison proves nothing`);
    await session.release();
    // card: what it is, the circuit figures against PNU's bound, the extrapolation note; worker contract
    assert.equal(card.name, `qnn-moe-${regimen.tag}`);
    assert.match(card.description ?? '', /EXTRAPOLATES beyond 1\/3\/10 mg QD/);
    assert.equal(card.diagnostics['qubits'], 3);
    assert.equal(card.diagnostics['circuit_depth'], circuitFigures(TINY.circuit).depth);
    assert.equal(card.diagnostics['two_qubit_gates'], 4);
    assert.equal(card.diagnostics['trainable_parameters'], trained.trainableParameters);
    assert.match(JSON.stringify(card.provenance['circuit']), /quantum volume 512: at most 9 qubits at depth 9/);
    checkGraphAgainstCard(card, decodeModel(onnxBytes));
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 7, logger: silentLogger });
    await runner.release();
  });
}

test('classical ablation (bench only): expert 0 loses exactly its quantum branch, and is never exported', async () => {
  const { hidden: H, circuit: { qubits: n, layers: L } } = TINY;
  const q = parameterCount(pdParams(TINY));
  const c = parameterCount(pdParams({ ...TINY, quantum: false }));
  assert.equal(q - c, H * n + n + L * n + n * H + H);
  assert.ok(pdParams({ ...TINY, quantum: false }).every((p) => !p.name.startsWith('e0.q.')));
  const { ds, trained } = shared ?? (await tinyTrained(1));
  assert.throws(() => moeArtifact({ ...trained, shape: { ...TINY, quantum: false } }, ds, SEQUENCE_REGIMENS.qd, rec), /classical ablation/);
});
