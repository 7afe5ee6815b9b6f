/**
 * The reduction head on a tiny hand-built graph (pd = x * 1) against a plain-JS computation:
 * counts, half-to-even quantised sums, NaN/Inf counting on pd itself, naming and opset handling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { ModelProto } from 'onnx-buf';
import { DataType, defaultOpsetVersion, encodeModel, floatTensor, graph, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import { appendReductionHead, HEAD_OUTPUTS, sumsLimit } from '../../worker/onnx/reduction-head.js';

const T = 5;

function tinyModel(opset: number): ModelProto {
  return model({
    opset,
    irVersion: opset >= 13 ? 8 : 6,
    graph: graph({
      name: 'tiny',
      nodes: [node('Mul', ['x', 'one'], ['pd'])],
      inputs: [valueInfo('x', DataType.FLOAT, ['B', T])],
      outputs: [valueInfo('pd', DataType.FLOAT, ['B', T])],
      initializers: [floatTensor('one', [], [1])],
    }),
  });
}

/** IEEE round-half-to-even, the ONNX Round rule (Math.round rounds halves up). */
function roundHalfEven(x: number): bigint {
  const f = Math.floor(x);
  const d = x - f;
  return BigInt(d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1);
}

function reference(x: Float32Array, G: number, M: number, thr: number) {
  const k = new Array<bigint>(G).fill(0n);
  const q20 = new Array<bigint>(G).fill(0n);
  const q12 = new Array<bigint>(G).fill(0n);
  const nonfinite = new Array<bigint>(G).fill(0n);
  const maxAbs = new Array<number>(G).fill(0);
  for (let row = 0; row < G * M; row++) {
    const g = Math.floor(row / M);
    const values = Array.from(x.subarray(row * T, (row + 1) * T));
    const max = Math.max(...values);
    if (max <= Math.fround(thr)) k[g] = (k[g] ?? 0n) + 1n;
    // A group with a non-finite pd is an error whatever its sums say; keep the reference defined.
    if (Number.isFinite(max)) q20[g] = (q20[g] ?? 0n) + roundHalfEven(max * 2 ** 20);
    if (Number.isFinite(max)) q12[g] = (q12[g] ?? 0n) + roundHalfEven(max * max * 2 ** 12);
    nonfinite[g] = (nonfinite[g] ?? 0n) + BigInt(values.filter((v) => !Number.isFinite(v)).length);
    maxAbs[g] = Math.max(maxAbs[g] ?? 0, Math.abs(max));
  }
  return { k, q20, q12, nonfinite, maxAbs };
}

async function runHead(m: ModelProto, x: Float32Array, G: number, M: number, thr: number) {
  const session = await ort.InferenceSession.create(encodeModel(appendReductionHead(m, 'pd')));
  try {
    const out = await session.run({
      x: new ort.Tensor('float32', x, [G * M, T]),
      qusop_threshold: new ort.Tensor('float32', Float32Array.of(thr), [1]),
      qusop_groups: new ort.Tensor('int64', BigInt64Array.of(BigInt(G), BigInt(M)), [2]),
    });
    const read = (name: string) => Array.from(out[name]?.data as BigInt64Array);
    assert.deepEqual(Object.keys(out).sort(), Object.values(HEAD_OUTPUTS).sort());
    const maxAbs = Array.from(out[HEAD_OUTPUTS.maxAbs]?.data as Float64Array);
    return { k: read(HEAD_OUTPUTS.k), q20: read(HEAD_OUTPUTS.sumMaxQ20), q12: read(HEAD_OUTPUTS.sumMaxSqQ12), nonfinite: read(HEAD_OUTPUTS.nonfinite), maxAbs };
  } finally {
    await session.release();
  }
}

/** Random values in [-1, 4.5) plus rows built to hit the threshold exactly and Round's half-way cases. */
function inputs(G: number, M: number, thr: number): Float32Array {
  let seed = 7;
  const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x = Float32Array.from({ length: G * M * T }, () => -1 + 5.5 * u());
  x.fill(Math.fround(thr), 0, T); // row 0: max == threshold counts as success
  x.fill(1, T, 3 * T);
  x[T + 2] = 5 + 0.5 / 2 ** 20; // row 1: max * 2^20 = 5242880.5 -> even 5242880
  x[2 * T + 4] = 6 + 1.5 / 2 ** 20; // row 2: .5 above an odd integer -> rounds up
  x.fill(-2.5 / 2 ** 20, 3 * T, 4 * T); // row 3: all negative, max * 2^20 = -2.5 -> -2
  return x;
}

test('head counts and integer sums equal a plain-JS computation (opsets 11, 17, 18)', async () => {
  const G = 4;
  const M = 16;
  const thr = 3.3;
  const x = inputs(G, M, thr);
  const want = reference(x, G, M, thr);
  assert.ok(want.k.every((k) => k > 0n && k < BigInt(M)), 'the threshold splits every group');
  for (const opset of [11, 17, 18]) {
    const got = await runHead(tinyModel(opset), x, G, M, thr);
    assert.deepEqual(got, want, `opset ${opset}`);
  }
});

test('NaN and +/-Inf in pd are counted per group from pd itself', async () => {
  const G = 3;
  const M = 4;
  const x = inputs(G, M, 3.3);
  x[1 * T + 1] = NaN; // group 0
  x[5 * T + 0] = Infinity; // group 1 (row 5)
  x[5 * T + 3] = 1e9; // finite, large
  x[6 * T + 2] = -Infinity; // group 1: -Inf can never be the max, only pd-level checks see it
  x[7 * T + 4] = NaN; // group 1
  const want = reference(x, G, M, 3.3);
  assert.deepEqual(want.nonfinite, [1n, 3n, 0n]);
  const got = await runHead(tinyModel(18), x, G, M, 3.3);
  assert.deepEqual(got.nonfinite, want.nonfinite);
  assert.deepEqual(got.k[2], want.k[2]);
  assert.deepEqual(got.q20[2], want.q20[2]);
});

test('qusop_max_abs bounds the sums: a window maximum beyond sumsLimit(M) is reported, whatever the int64 terms became', async () => {
  const G = 2;
  const M = 4;
  const x = inputs(G, M, 3.3);
  x[5 * T + 1] = -3e12; // group 1: a row whose max is still small, but |pd| elsewhere is not the max
  x[6 * T + 2] = 1e13; // group 1: the max of row 6; its q20 term (1e13 * 2^20 > 2^63) cannot be an int64
  const got = await runHead(tinyModel(18), x, G, M, 3.3);
  const want = reference(x, G, M, 3.3);
  assert.deepEqual(got.maxAbs, want.maxAbs);
  assert.equal(got.maxAbs[1], Math.fround(1e13));
  assert.ok((got.maxAbs[0] ?? Infinity) <= sumsLimit(M) && (got.maxAbs[1] ?? 0) > sumsLimit(M));
  // the limit keeps M terms inside int64 with room to spare, and 1e6 ng/mL for 1,000 subjects is inside it
  for (const m of [1, 10, 1000, 100_000]) {
    const a = sumsLimit(m);
    assert.ok(m * (a * 2 ** 20 + 0.5) < 2 ** 63 && m * (a * a * 2 ** 12 + 0.5) < 2 ** 63, `M = ${m}`);
  }
  assert.ok(sumsLimit(1000) > 1e6);
});

test('the head replaces the outputs, adds its two inputs, and prefixes everything it adds', () => {
  const before = tinyModel(17);
  const after = appendReductionHead(before, 'pd');
  const g = after.graph;
  assert.ok(g && before.graph);
  assert.deepEqual(g.output.map((o) => o.name), ['qusop_k', 'qusop_sum_max_q20', 'qusop_sum_max_sq_q12', 'qusop_nonfinite', 'qusop_max_abs']);
  assert.deepEqual(g.input.map((i) => i.name), ['x', 'qusop_threshold', 'qusop_groups']);
  const outputs = new Set(Object.values(HEAD_OUTPUTS));
  for (const n of g.node.slice(before.graph.node.length)) {
    assert.ok(n.name.startsWith('qusop_head/'), n.name);
    for (const v of n.output) assert.ok(v.startsWith('qusop_head/') || outputs.has(v as never), v);
  }
  for (const t of g.initializer.slice(before.graph.initializer.length)) assert.ok(t.name.startsWith('qusop_head/'), t.name);
  assert.equal(before.graph.output.length, 1, 'the input model is not modified');
  assert.equal(defaultOpsetVersion(after), 17, 'opset kept when high enough');
  assert.equal(defaultOpsetVersion(appendReductionHead(tinyModel(11), 'pd')), 13, 'raised to the head minimum');
});

test('missing pd output and reserved names are model errors', () => {
  assert.throws(() => appendReductionHead(tinyModel(18), 'conc'), {
    name: 'ModelError',
    message: 'reduction head: the ONNX graph has no output "conc" (outputs: [pd])',
  });
  const clash = tinyModel(18);
  clash.graph?.node.push(node('Identity', ['pd'], ['qusop_k']));
  assert.throws(() => appendReductionHead(clash, 'pd'), {
    name: 'ModelError',
    message: 'reduction head: the ONNX graph already uses the name "qusop_k", reserved for the head',
  });
});
