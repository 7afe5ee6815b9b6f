/**
 * The question's statistic in the reduction head (max, min, trough, mean; <= and >=; pd or conc)
 * against a direct computation on random trajectories, the window rules on a card's grid (trough at
 * tau, trapezoid mean over the periodic window) and the unit conversions of thresholds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, floatTensor, graph, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import { appendReductionHead, HEAD_OUTPUTS } from '../../worker/onnx/reduction-head.js';
import { fromNgMl, meanWeights, toNgMl, troughIndex, type HeadStatistic } from '../../worker/onnx/window-statistic.js';
import type { WindowStatistic } from '../../worker/run-spec.js';

/** an irregular grid over [0, 24) h, dense early like the population model's */
const GRID_H = [0, 0.5, 1, 3, 8, 16];
const TAU_H = 24;
const T = GRID_H.length;

/** pd = x, conc = x * 0.5 (exact in float32): two outputs, as the population model has */
function twoOutputModel() {
  return model({
    opset: 18,
    graph: graph({
      name: 'two-outputs',
      nodes: [node('Mul', ['x', 'one'], ['pd']), node('Mul', ['x', 'half'], ['conc'])],
      inputs: [valueInfo('x', DataType.FLOAT, ['B', T])],
      outputs: [valueInfo('pd', DataType.FLOAT, ['B', T]), valueInfo('conc', DataType.FLOAT, ['B', T])],
      initializers: [floatTensor('one', [], [1]), floatTensor('half', [], [0.5])],
    }),
  });
}

function roundHalfEven(x: number): bigint {
  const f = Math.floor(x);
  const d = x - f;
  return BigInt(d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1);
}

/** the statistic of one row, computed directly: float32 values, mean as the trapezoid in double rounded to float32 */
function direct(values: number[], statistic: WindowStatistic): number {
  if (statistic === 'max') return Math.max(...values);
  if (statistic === 'min') return Math.min(...values);
  if (statistic === 'trough') return values[0] ?? NaN; // grid [0, tau): the value at tau is the value at 0
  // periodic trapezoid: panels [t_n, t_{n+1}], t_T = tau carrying y_0, divided by tau
  let area = 0;
  for (let n = 0; n < T; n += 1) {
    const width = (GRID_H[n + 1] ?? TAU_H) - (GRID_H[n] ?? NaN);
    area += (width * ((values[n] ?? NaN) + (values[(n + 1) % T] ?? NaN))) / 2;
  }
  return Math.fround(area / TAU_H);
}

function reference(y: Float32Array, G: number, M: number, thr: number, stat: HeadStatistic) {
  const k = new Array<bigint>(G).fill(0n);
  const q20 = new Array<bigint>(G).fill(0n);
  const q12 = new Array<bigint>(G).fill(0n);
  for (let row = 0; row < G * M; row += 1) {
    const g = Math.floor(row / M);
    const s = direct(Array.from(y.subarray(row * T, (row + 1) * T)), stat.statistic);
    const ok = stat.comparison === '<=' ? s <= Math.fround(thr) : s >= Math.fround(thr);
    if (ok) k[g] = (k[g] ?? 0n) + 1n;
    q20[g] = (q20[g] ?? 0n) + roundHalfEven(s * 2 ** 20);
    q12[g] = (q12[g] ?? 0n) + roundHalfEven(s * s * 2 ** 12);
  }
  return { k, q20, q12 };
}

async function runHead(output: 'pd' | 'conc', stat: HeadStatistic, x: Float32Array, G: number, M: number, thr: number) {
  const session = await ort.InferenceSession.create(encodeModel(appendReductionHead(twoOutputModel(), output, stat)));
  try {
    const out = await session.run({
      x: new ort.Tensor('float32', x, [G * M, T]),
      qusop_threshold: new ort.Tensor('float32', Float32Array.of(thr), [1]),
      qusop_groups: new ort.Tensor('int64', BigInt64Array.of(BigInt(G), BigInt(M)), [2]),
    });
    const read = (name: string) => Array.from(out[name]?.data as BigInt64Array);
    return { k: read(HEAD_OUTPUTS.k), q20: read(HEAD_OUTPUTS.sumMaxQ20), q12: read(HEAD_OUTPUTS.sumMaxSqQ12) };
  } finally {
    await session.release();
  }
}

function randomTrajectories(G: number, M: number, seed0: number): Float32Array {
  let seed = seed0;
  const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: G * M * T }, () => 0.5 + 5 * u());
}

const STATS: WindowStatistic[] = ['max', 'min', 'trough', 'mean'];

for (const statistic of STATS) {
  for (const comparison of ['<=', '>='] as const) {
    for (const output of ['pd', 'conc'] as const) {
      test(`head: ${statistic} of ${output} ${comparison} threshold equals a direct computation on random trajectories`, async () => {
        const G = 3;
        const M = 40;
        const x = randomTrajectories(G, M, 11 + STATS.indexOf(statistic));
        const y = output === 'pd' ? x : x.map((v) => v * 0.5);
        const stat: HeadStatistic = {
          statistic,
          comparison,
          ...(statistic === 'mean' ? { weights: meanWeights(GRID_H, TAU_H, 'test grid') } : {}),
          ...(statistic === 'trough' ? { index: troughIndex(GRID_H, TAU_H, 'test grid') } : {}),
        };
        // a threshold at the median of the statistic splits every group
        const values = Array.from({ length: G * M }, (_, r) => direct(Array.from(y.subarray(r * T, (r + 1) * T)), statistic)).sort((a, b) => a - b);
        const thr = (values[Math.floor(G * M / 2)] ?? NaN) + 1e-3;
        const want = reference(y, G, M, thr, stat);
        assert.ok(want.k.every((k) => k > 0n && k < BigInt(M)), `the threshold splits every group: ${want.k.join(', ')}`);
        const got = await runHead(output, stat, x, G, M, thr);
        assert.deepEqual(got.k, want.k, 'k');
        if (statistic === 'mean') {
          // the head's double ReduceSum may add in another order: at most one float32 ulp per row, <= 1 per term
          got.q20.forEach((v, g) => assert.ok(Math.abs(Number(v - (want.q20[g] ?? 0n))) <= M, `q20 group ${g}: ${v} vs ${want.q20[g]}`));
          got.q12.forEach((v, g) => assert.ok(Math.abs(Number(v - (want.q12[g] ?? 0n))) <= M, `q12 group ${g}: ${v} vs ${want.q12[g]}`));
        } else {
          assert.deepEqual(got.q20, want.q20, 'q20');
          assert.deepEqual(got.q12, want.q12, 'q12');
        }
      });
    }
  }
}

test('mean: the same rows give the same sums however the batch is split (one row at a time vs all groups)', async () => {
  const G = 4;
  const M = 25;
  const x = randomTrajectories(G, M, 99);
  const stat: HeadStatistic = { statistic: 'mean', comparison: '<=', weights: meanWeights(GRID_H, TAU_H, 'test grid') };
  const whole = await runHead('pd', stat, x, G, M, 3);
  for (let g = 0; g < G; g += 1) {
    let q20 = 0n;
    for (let s = 0; s < M; s += 1) {
      const row = (g * M + s) * T;
      q20 += (await runHead('pd', stat, x.slice(row, row + T), 1, 1, 3)).q20[0] ?? 0n;
    }
    assert.equal(whole.q20[g], q20, `group ${g}`);
  }
});

test('window rules: trough is the value at tau, mean weights are the trapezoid over the window', () => {
  // periodic grid [0, tau): t = tau is t_0
  assert.equal(troughIndex(GRID_H, TAU_H, 'g'), 0);
  // a grid that ends at tau: its last point
  assert.equal(troughIndex([2, 6, 12, 24], 24, 'g'), 3);
  assert.throws(() => troughIndex([1, 2, 3], 24, 'card "x"'), /card "x": time_grid_h runs from 1 to 3 h/);
  for (const [grid, tau] of [[GRID_H, TAU_H], [[2, 6, 12, 24], 24], [[0, 1, 2, 3], 4]] as const) {
    const w = meanWeights(grid, tau, 'g');
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12, `weights sum to 1 on [${grid.join(', ')}]`);
    // a linear function's trapezoid mean is exact on a grid ending at tau; on the periodic grid the
    // closing panel joins y(tau) = y(0)
    const f = (t: number) => 3 + 2 * t;
    const mean = w.reduce((a, wj, j) => a + wj * f(grid[j] ?? NaN), 0);
    const last = grid[grid.length - 1] ?? NaN;
    const expected = last === tau ? f((grid[0] ?? NaN) / 2 + tau / 2) : (() => {
      let area = 0;
      for (let n = 0; n < grid.length; n += 1) {
        const a = grid[n] ?? NaN;
        const b = grid[n + 1] ?? tau;
        area += ((b - a) * (f(a) + (n + 1 < grid.length ? f(b) : f(0)))) / 2;
      }
      return area / tau;
    })();
    assert.ok(Math.abs(mean - expected) < 1e-12, `mean on [${grid.join(', ')}]: ${mean} vs ${expected}`);
  }
  // equal steps on the periodic grid: the plain average of the points
  assert.deepEqual(meanWeights([0, 1, 2, 3], 4, 'g'), [0.25, 0.25, 0.25, 0.25]);
});

test('thresholds: mg/L and ug/mL are 1000 ng/mL; the head compares in the output unit', () => {
  assert.equal(toNgMl(2, 'mg/L'), 2000);
  assert.equal(toNgMl(2, 'ug/mL'), 2000);
  assert.equal(toNgMl(3.3, 'ng/mL'), 3.3);
  assert.equal(toNgMl(1, 'mmol/L'), undefined);
  // the one table of mass concentrations (worker/common/mass-concentration.ts): what the ingest converts, a threshold takes
  assert.equal(toNgMl(2, 'mg/l'), 2000);
  assert.equal(toNgMl(1, '\u00b5g/mL'), 1000);
  assert.equal(toNgMl(1, 'mcg/L'), 1);
  assert.equal(toNgMl(500, 'pg/mL'), 0.5);
  assert.equal(toNgMl(1500, 'ng/L'), 1.5); // a division by 1000: exact where 1500 * 0.001 is not
  assert.equal(toNgMl(1, 'g/L'), 1e6);
  assert.equal(fromNgMl(1.5, 'ng/L', 'card'), 1500);
  assert.equal(fromNgMl(2000, 'mg/L', 'card'), 2);
  assert.equal(fromNgMl(3.3, 'ng/mL', 'card'), 3.3);
  assert.throws(() => fromNgMl(1, 'IU/L', 'model card "m"'), /model card "m": output unit "IU\/L" is not a mass concentration/);
});
