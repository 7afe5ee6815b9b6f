/**
 * The reduction head's extras (issue 19) on a tiny hand-built graph (pd = x, conc = 2 x) against a
 * plain-JS computation: the threshold sweep's k [G, H] equals, column by column, the plain head's k run
 * once per threshold; the safety endpoint's k_safe and k_both are exact and consistent with k; and
 * without extras the head is byte for byte the one from before the extras existed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelProto } from 'onnx-buf';
import { DataType, decodeModel, encodeModel, floatTensor, graph, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import { appendReductionHead, HEAD_OUTPUTS } from '../../worker/onnx/reduction-head.js';
import { SAFETY_INPUT, SAFETY_OUTPUTS, SWEEP_INPUT, SWEEP_OUTPUT, type HeadExtras } from '../../worker/onnx/head-extras.js';
import { headStatistic, meanWeights } from '../../worker/onnx/window-statistic.js';
import type { ModelCard } from '../../worker/model/card.js';
import { TEST_MODEL_DIR } from '../kit/cli.js';

const T = 6;

function twoOutputs(opset: number): ModelProto {
  return model({
    opset,
    irVersion: 8,
    graph: graph({
      name: 'tiny2',
      nodes: [node('Mul', ['x', 'one'], ['pd']), node('Mul', ['x', 'two'], ['conc'])],
      inputs: [valueInfo('x', DataType.FLOAT, ['B', T])],
      outputs: [valueInfo('pd', DataType.FLOAT, ['B', T]), valueInfo('conc', DataType.FLOAT, ['B', T])],
      initializers: [floatTensor('one', [], [1]), floatTensor('two', [], [2])],
    }),
  });
}

/** Deterministic values in [0, 5) with some rows hitting a threshold exactly. */
function inputs(G: number, M: number, exact: readonly number[]): Float32Array {
  let seed = 11;
  const u = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x = Float32Array.from({ length: G * M * T }, () => 5 * u());
  exact.forEach((v, i) => x.fill(Math.fround(v), i * T, (i + 1) * T)); // row i: every value == v
  return x;
}

async function run(m: ModelProto, extras: HeadExtras, x: Float32Array, G: number, M: number, thr: number, more: Record<string, ort.Tensor> = {}) {
  const session = await ort.InferenceSession.create(encodeModel(appendReductionHead(m, 'pd', { statistic: 'max', comparison: '<=' }, extras)));
  try {
    const out = await session.run({
      x: new ort.Tensor('float32', x, [G * M, T]),
      qusop_threshold: new ort.Tensor('float32', Float32Array.of(thr), [1]),
      qusop_groups: new ort.Tensor('int64', BigInt64Array.of(BigInt(G), BigInt(M)), [2]),
      ...more,
    });
    const read = (name: string): number[] => Array.from(out[name]?.data as BigInt64Array, Number);
    return { out, read, names: Object.keys(out).sort() };
  } finally {
    await session.release();
  }
}

const rowMax = (x: Float32Array, row: number, scale = 1): number => Math.max(...Array.from(x.subarray(row * T, (row + 1) * T), (v) => Math.fround(v * scale)));
const rowMean = (x: Float32Array, row: number, w: readonly number[], scale: number): number =>
  Math.fround(Array.from(x.subarray(row * T, (row + 1) * T)).reduce((s, v, j) => s + (w[j] ?? 0) * Math.fround(v * scale), 0));

test('sweep: k [G, H] equals the plain head run once per threshold, and a plain-JS count (opsets 13, 17, 18)', async () => {
  const G = 3;
  const M = 20;
  const thresholds = [0.5, 2.5, 3.3, 4.75, 6];
  const x = inputs(G, M, [2.5, 3.3, 4.75]);
  for (const opset of [13, 17, 18]) {
    const m = twoOutputs(opset);
    const sweep = await run(m, { sweep: true }, x, G, M, 3.3, { [SWEEP_INPUT]: new ort.Tensor('float32', Float32Array.from(thresholds), [thresholds.length]) });
    assert.deepEqual(sweep.out[SWEEP_OUTPUT]?.dims, [G, thresholds.length]);
    const kSweep = sweep.read(SWEEP_OUTPUT);
    for (const [h, thr] of thresholds.entries()) {
      const plain = (await run(m, {}, x, G, M, thr)).read(HEAD_OUTPUTS.k);
      const reference = Array.from({ length: G }, (_, g) => Array.from({ length: M }, (_, s) => rowMax(x, g * M + s)).filter((v) => v <= Math.fround(thr)).length);
      const column = Array.from({ length: G }, (_, g) => kSweep[g * thresholds.length + h]);
      assert.deepEqual(column, plain, `opset ${opset}, threshold ${thr}: the plain head's k`);
      assert.deepEqual(column, reference, `opset ${opset}, threshold ${thr}: plain JS`);
    }
    // the question's own outputs do not change with the sweep beside them
    const plain = await run(m, {}, x, G, M, 3.3);
    for (const name of Object.values(HEAD_OUTPUTS)) assert.deepEqual(sweep.out[name]?.data, plain.out[name]?.data, name);
  }
});

test('safety: k_safe and k_both are exact, both <= min(k, k_safe) and k + k_safe - both <= n, per group', async () => {
  const G = 4;
  const M = 25;
  const x = inputs(G, M, [1.5, 3.3]);
  const weights = meanWeights(Array.from({ length: T }, (_, j) => j * 4), 24, 'tiny');
  const cases: { stat: Parameters<typeof headStatistic>[1] & { statistic: 'max' | 'mean' }; thr: number }[] = [
    { stat: { endpoint: 'concentration', statistic: 'max', comparison: '<=' }, thr: 7 },
    { stat: { endpoint: 'concentration', statistic: 'mean', comparison: '>=' }, thr: 5 },
  ];
  for (const c of cases) {
    const stat = c.stat.statistic === 'mean' ? { ...c.stat, weights } : c.stat;
    const got = await run(twoOutputs(18), { safety: { output: 'conc', stat } }, x, G, M, 3.3, { [SAFETY_INPUT]: new ort.Tensor('float32', Float32Array.of(c.thr), [1]) });
    assert.deepEqual(got.names, [...Object.values(HEAD_OUTPUTS), ...Object.values(SAFETY_OUTPUTS)].sort());
    const [k, kSafe, kBoth, nonfinite] = [got.read(HEAD_OUTPUTS.k), got.read(SAFETY_OUTPUTS.kSafe), got.read(SAFETY_OUTPUTS.kBoth), got.read(SAFETY_OUTPUTS.nonfinite)];
    for (let g = 0; g < G; g += 1) {
      let eff = 0, safe = 0, both = 0;
      for (let s = 0; s < M; s += 1) {
        const row = g * M + s;
        const e = rowMax(x, row) <= Math.fround(3.3);
        const v = c.stat.statistic === 'max' ? rowMax(x, row, 2) : rowMean(x, row, weights, 2);
        const ok = c.stat.comparison === '<=' ? v <= c.thr : v >= c.thr;
        eff += e ? 1 : 0; safe += ok ? 1 : 0; both += e && ok ? 1 : 0;
      }
      const at = `${c.stat.statistic} ${c.stat.comparison}, group ${g}`;
      assert.deepEqual([k[g], kSafe[g], kBoth[g], nonfinite[g]], [eff, safe, both, 0], at);
      assert.ok(safe > 0 && safe < M, `${at}: the safety threshold splits the group`);
      assert.ok((kBoth[g] ?? 0) <= Math.min(k[g] ?? 0, kSafe[g] ?? 0) && (k[g] ?? 0) + (kSafe[g] ?? 0) - (kBoth[g] ?? 0) <= M, at);
    }
  }
});

test('safety: NaN in the safety output is counted from that output', async () => {
  const G = 2;
  const M = 3;
  const x = inputs(G, M, []);
  x[4 * T + 2] = NaN; // group 1
  const got = await run(twoOutputs(18), { safety: { output: 'conc', stat: { statistic: 'max', comparison: '<=' } } }, x, G, M, 3.3, { [SAFETY_INPUT]: new ort.Tensor('float32', Float32Array.of(7), [1]) });
  assert.deepEqual(got.read(SAFETY_OUTPUTS.nonfinite), [0, 1]);
});

test('without extras the head is byte for byte the head from before the sweep and safety endpoint (known-answer cards)', async () => {
  // sha256 of the headed known-answer graphs, recorded with the head as it was before head-extras.ts
  const before: Record<string, string> = {
    'qd max': 'cbb4c28b91054473d02353243d5983a22eff53a5c8cb4ec5238ea081cae8d1aa',
    'qd mean': '15a7354f9622e9d4300b66274db0e45ef589983ef4e68301e20cea17d69a38a8',
    'qd trough': 'd2b8982f8cc1c6fdce68e0a31700f735a007c56ef44990443dc79c2ac7fed76a',
    'qw max': '033a07929136e7b2f3254e3331e2ca1b85825d0754971f75167667f070f4a894',
  };
  for (const [key, sha] of Object.entries(before)) {
    const [regimen, statistic] = key.split(' ') as [string, 'max' | 'mean' | 'trough'];
    const card = JSON.parse(await readFile(join(TEST_MODEL_DIR, `${regimen}.model.json`), 'utf8')) as ModelCard;
    const m = decodeModel(await readFile(join(TEST_MODEL_DIR, `${regimen}.onnx`)));
    const headed = encodeModel(appendReductionHead(m, 'pd', headStatistic(card, { endpoint: 'biomarker', statistic, comparison: '<=' })));
    assert.equal(createHash('sha256').update(headed).digest('hex'), sha, key);
  }
});

test('the extras add only their own inputs and outputs, after the plain ones', () => {
  const g = appendReductionHead(twoOutputs(17), 'pd', undefined, { sweep: true, safety: { output: 'conc', stat: { statistic: 'max', comparison: '<=' } } }).graph;
  assert.ok(g);
  assert.deepEqual(g.input.map((i) => i.name), ['x', 'qusop_threshold', 'qusop_groups', SWEEP_INPUT, SAFETY_INPUT]);
  assert.deepEqual(g.output.map((o) => o.name), [...Object.values(HEAD_OUTPUTS), SWEEP_OUTPUT, ...Object.values(SAFETY_OUTPUTS)]);
  assert.throws(() => appendReductionHead(twoOutputs(17), 'pd', undefined, { safety: { output: 'auc', stat: { statistic: 'max', comparison: '<=' } } }), /no output "auc"/);
});
