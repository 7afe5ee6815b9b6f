/**
 * Deterministic virtual populations: the counter layout, independence from M / tiling / K, replicate
 * independence, each prior's distribution (tolerances from the statistics) and the spec's errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { assertPopulationSpec, drawPopulation, drawSubjects } from '../../worker/population/draw.js';
import { Stream } from '../../worker/population/prior.js';
import type { BwPrior, ComedPrior, Population, PopulationSpec } from '../../worker/population/prior.js';
import { philox4x32_10 } from '../../worker/rng/philox.js';
import { populationKey } from '../../worker/rng/scenario-key.js';

const key = populationKey(20240607, 'q1-daily');
const uniformBw: BwPrior = { kind: 'uniform', minKg: 50, maxKg: 100 };
const bernoulli: ComedPrior = { kind: 'bernoulli', p: 0.3 };
const trial: BwPrior = {
  kind: 'resample',
  subjectBwKg: [50, 70, 90],
  subjectComed: [0, 1, 1],
  sigma: 0,
  clipKg: [1, 1000],
};
const spec = (subjects: number, bw: BwPrior = uniformBw, comed: ComedPrior = bernoulli): PopulationSpec => ({ bw, comed, subjects });

function rows(p: Population, from: number, to: number): { bw: number[]; comed: number[]; eta: number[] } {
  return {
    bw: Array.from(p.bwKg.subarray(from, to)),
    comed: Array.from(p.comed.subarray(from, to)),
    eta: Array.from(p.eta.subarray(from * p.etaDim, to * p.etaDim)),
  };
}

function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return { mean, variance: ss / (xs.length - 1) };
}

test('a subject is Philox of counter [subject, replicate, stream, block] under key [seed, scenario]', () => {
  // The documented contract, recomputed independently: uniform from 26 + 26 bits, Box–Muller.
  const block = (subject: number, stream: number, j: number): Uint32Array =>
    philox4x32_10([subject, 2, stream, j], [key.seed, key.scenario]);
  const u = (a: number, b: number): number => (Math.floor(a / 64) * 2 ** 26 + Math.floor(b / 64) + 0.5) / 2 ** 52;
  const normals = (w: Uint32Array): [number, number] => {
    const r = Math.sqrt(-2 * Math.log(u(w[0]!, w[1]!)));
    const theta = 2 * Math.PI * u(w[2]!, w[3]!);
    return [r * Math.cos(theta), r * Math.sin(theta)];
  };
  const m = 200;
  const p = drawPopulation(key, 2, spec(m), 3);
  const sigma = 0.2;
  const q = drawPopulation(key, 2, spec(m, { ...trial, sigma }, { kind: 'resampled' }), 0);
  for (let i = 0; i < m; i++) {
    const [z0, z1] = normals(block(i, Stream.eta, 0));
    const [z2] = normals(block(i, Stream.eta, 1));
    assert.deepEqual(Array.from(p.eta.subarray(3 * i, 3 * i + 3)), [z0, z1, z2].map(Math.fround));
    const wBw = block(i, Stream.bw, 0);
    assert.equal(p.bwKg[i], Math.fround(50 + 50 * u(wBw[0]!, wBw[1]!)));
    const wComed = block(i, Stream.comed, 0);
    assert.equal(p.comed[i], u(wComed[0]!, wComed[1]!) < 0.3 ? 1 : 0);
    const wIdx = block(i, Stream.resampleIndex, 0);
    const idx = Math.floor(u(wIdx[0]!, wIdx[1]!) * 3);
    assert.equal(q.bwKg[i], Math.fround([50, 70, 90][idx]! * Math.exp(sigma * normals(wBw)[0])));
    assert.equal(q.comed[i], [0, 1, 1][idx]);
  }
});

test('subject i does not depend on M, on tiling or on how many random effects are drawn', () => {
  for (const bw of [uniformBw, { ...trial, sigma: 0.2 }]) {
    const comed: ComedPrior = bw.kind === 'resample' ? { kind: 'resampled' } : bernoulli;
    const big = drawPopulation(key, 3, spec(1000, bw, comed), 3);
    const small = drawPopulation(key, 3, spec(10, bw, comed), 3);
    assert.deepEqual(rows(small, 0, 10), rows(big, 0, 10));
    const tile = drawSubjects(key, 3, spec(1000, bw, comed), 3, 500, 10);
    assert.deepEqual(rows(tile, 0, 10), rows(big, 500, 510));
    const wider = drawPopulation(key, 3, spec(1000, bw, comed), 4);
    for (let i = 0; i < 1000; i++) {
      assert.deepEqual(Array.from(wider.eta.subarray(4 * i, 4 * i + 3)), Array.from(big.eta.subarray(3 * i, 3 * i + 3)));
    }
  }
});

test('replicates are reproducible, differ from one another and are uncorrelated', () => {
  const m = 5000;
  const r0 = drawPopulation(key, 0, spec(m), 2);
  const again = drawPopulation(key, 0, spec(m), 2);
  const r1 = drawPopulation(key, 1, spec(m), 2);
  assert.deepEqual(rows(again, 0, m), rows(r0, 0, m));
  let same = 0;
  let cross = 0;
  for (let i = 0; i < r0.eta.length; i++) {
    if (r0.eta[i] === r1.eta[i]) same++;
    cross += r0.eta[i]! * r1.eta[i]!;
  }
  assert.equal(same, 0);
  const n = r0.eta.length;
  assert.ok(Math.abs(cross / n) < 5 / Math.sqrt(n), `E[eta_r0 eta_r1] = ${cross / n}`);
});

test('different scenario names give different populations', () => {
  const a = drawPopulation(populationKey(1, 'q1-daily'), 0, spec(100), 2);
  const b = drawPopulation(populationKey(1, 'q1-weekly'), 0, spec(100), 2);
  assert.notDeepEqual(Array.from(a.eta), Array.from(b.eta));
  assert.notDeepEqual(Array.from(a.bwKg), Array.from(b.bwKg));
});

test('uniform BW lies in [min, max] with mean and variance of U(min, max); Bernoulli COMED rate within 5 SE', () => {
  const m = 20_000;
  const p = drawPopulation(key, 0, spec(m), 0);
  assert.equal(p.eta.length, 0);
  for (const bw of p.bwKg) assert.ok(bw >= 50 && bw <= 100, `bw ${bw}`);
  const { mean, variance } = meanVar(p.bwKg);
  // U(50, 100): mean 75, variance 50^2 / 12; Var(s^2) = (mu4 - sigma^4) / n with mu4 = 50^4 / 80
  assert.ok(Math.abs(mean - 75) < 5 * Math.sqrt(50 ** 2 / 12 / m), `mean ${mean}`);
  assert.ok(Math.abs(variance - 50 ** 2 / 12) < 5 * Math.sqrt((50 ** 4 / 80 - (50 ** 2 / 12) ** 2) / m), `variance ${variance}`);
  const rate = p.comed.reduce((s, c) => s + c, 0) / m;
  assert.ok(p.comed.every((c) => c === 0 || c === 1));
  assert.ok(Math.abs(rate - 0.3) < 5 * Math.sqrt((0.3 * 0.7) / m), `rate ${rate}`);
});

test('eta columns are standard normal: mean and variance within 5 SE, KS distance below alpha = 1e-4', () => {
  const m = 20_000;
  const k = 3;
  const { eta } = drawPopulation(key, 4, spec(m), k);
  for (let c = 0; c < k; c++) {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = eta[i * k + c]!;
    const { mean, variance } = meanVar(col);
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(m), `eta[${c}] mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / m), `eta[${c}] variance ${variance}`);
    col.sort();
    let d = 0;
    for (let i = 0; i < m; i++) {
      const f = normalCdf(col[i]!, 0, 1);
      d = Math.max(d, (i + 1) / m - f, f - i / m);
    }
    assert.ok(d < Math.sqrt(-Math.log(1e-4 / 2) / 2) / Math.sqrt(m), `eta[${c}] KS D ${d}`);
  }
});

test('resampling without jitter picks trial subjects uniformly, each with its own COMED', () => {
  const m = 9000;
  const p = drawPopulation(key, 0, spec(m, trial, { kind: 'resampled' }), 0);
  const counts = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const idx = [50, 70, 90].indexOf(p.bwKg[i]!);
    assert.ok(idx >= 0, `bw ${p.bwKg[i]} is not a trial subject's`);
    assert.equal(p.comed[i], [0, 1, 1][idx]);
    counts.set(idx, (counts.get(idx) ?? 0) + 1);
  }
  for (const idx of [0, 1, 2]) {
    const share = (counts.get(idx) ?? 0) / m;
    assert.ok(Math.abs(share - 1 / 3) < 5 * Math.sqrt((1 / 3) * (2 / 3) / m), `subject ${idx} share ${share}`);
  }
});

test('resampling jitter is exp(sigma z): log(bw / trial bw) / sigma is standard normal', () => {
  const m = 20_000;
  const sigma = 0.1;
  const p = drawPopulation(key, 0, spec(m, { ...trial, subjectBwKg: [70], subjectComed: [1], sigma }, { kind: 'fixed', value: 0 }), 0);
  const z = Float64Array.from(p.bwKg, (bw) => Math.log(bw / 70) / sigma);
  const { mean, variance } = meanVar(z);
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(m), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / m), `variance ${variance}`);
  assert.ok(p.comed.every((c) => c === 0), 'fixed COMED overrides the trial subject');
});

test('resampled BW is clipped to clipKg, with the clipped share the prior implies', () => {
  const m = 20_000;
  const sigma = 0.5;
  const bw: BwPrior = { kind: 'resample', subjectBwKg: [50, 90], subjectComed: [0, 1], sigma, clipKg: [55, 85] };
  const p = drawPopulation(key, 0, spec(m, bw, { kind: 'resampled' }), 0);
  let atLo = 0;
  for (const x of p.bwKg) {
    assert.ok(x >= 55 && x <= 85, `bw ${x}`);
    if (x === 55) atLo++;
  }
  // P(base * exp(sigma z) < 55), averaged over the two equally likely trial subjects
  const pLo = 0.5 * normalCdf(Math.log(55 / 50) / sigma, 0, 1) + 0.5 * normalCdf(Math.log(55 / 90) / sigma, 0, 1);
  assert.ok(Math.abs(atLo / m - pLo) < 5 * Math.sqrt((pLo * (1 - pLo)) / m), `clipped at lo ${atLo / m} vs ${pLo}`);
  assert.ok(p.bwKg.some((x) => x === 85));
});

test('fixed BW and fixed COMED are constant', () => {
  const p = drawPopulation(key, 0, spec(50, { kind: 'fixed', valueKg: 72.5 }, { kind: 'fixed', value: 1 }), 1);
  assert.ok(p.bwKg.every((x) => x === 72.5));
  assert.ok(p.comed.every((c) => c === 1));
});

test('impossible population specs are refused with the field named', () => {
  const cases: Array<[PopulationSpec, string]> = [
    [spec(0), 'population.subjects (0) must be a positive integer (at most 2^32)'],
    [spec(2.5), 'population.subjects (2.5) must be a positive integer (at most 2^32)'],
    [spec(10, { kind: 'uniform', minKg: 80, maxKg: 70 }), 'population.bw.minKg (80) must be <= population.bw.maxKg (70)'],
    [spec(10, { kind: 'uniform', minKg: -1, maxKg: 70 }), 'population.bw.minKg (-1) must be a finite number > 0'],
    [spec(10, { kind: 'fixed', valueKg: Number.NaN }), 'population.bw.valueKg (NaN) must be a finite number > 0'],
    [spec(10, uniformBw, { kind: 'bernoulli', p: 1.5 }), 'population.comed.p (1.5) must be in [0, 1]'],
    [spec(10, uniformBw, { kind: 'bernoulli', p: -0.1 }), 'population.comed.p (-0.1) must be in [0, 1]'],
    [spec(10, uniformBw, { kind: 'fixed', value: 2 as 0 }), 'population.comed.value (2) must be 0 or 1'],
    [spec(10, { ...trial, sigma: -0.1 }), 'population.bw.sigma (-0.1) must be a finite number >= 0'],
    [spec(10, { ...trial, clipKg: [120, 40] }), 'population.bw.clipKg[0] (120) must be <= population.bw.clipKg[1] (40)'],
    [spec(10, { ...trial, subjectBwKg: [], subjectComed: [] }), 'population.bw.subjectBwKg must list at least one trial subject (got 0)'],
    [spec(10, { ...trial, subjectBwKg: [50, 0, 90] }), 'population.bw.subjectBwKg[1] (0) must be a finite number > 0'],
    [
      spec(10, { ...trial, subjectComed: [0, 1] }),
      'population.bw.subjectComed has 2 entries, expected 3 (one per population.bw.subjectBwKg entry)',
    ],
    [spec(10, { ...trial, subjectComed: [0, 1, 3] }), 'population.bw.subjectComed[2] (3) must be 0 or 1'],
    [
      spec(10, uniformBw, { kind: 'resampled' }),
      "population.comed.kind 'resampled' requires population.bw.kind 'resample' (got 'uniform')",
    ],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => assertPopulationSpec(bad), { name: 'InputError', message });
    assert.throws(() => drawPopulation(key, 0, bad, 1), { name: 'InputError', message });
  }
  assert.doesNotThrow(() => assertPopulationSpec(spec(10, trial, { kind: 'resampled' })));
});

test('draw arguments outside their ranges are refused', () => {
  const ok = spec(10);
  assert.throws(() => drawPopulation(key, -1, ok, 1), { name: 'InputError', message: 'replicate (-1) must be an integer in [0, 4294967295]' });
  assert.throws(() => drawPopulation(key, 0, ok, 1.5), { name: 'InputError', message: 'etaDim (1.5) must be a non-negative integer' });
  assert.throws(() => drawPopulation({ seed: 2 ** 32, scenario: 1 }, 0, ok, 1), {
    name: 'InputError',
    message: 'key.seed (4294967296) must be an integer in [0, 4294967295]',
  });
  assert.throws(() => drawSubjects(key, 0, ok, 1, 5, 6), {
    name: 'InputError',
    message: 'subjects [5, 5 + 6) must lie within [0, population.subjects = 10)',
  });
});
