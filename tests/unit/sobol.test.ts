/**
 * Scrambled Sobol' populations (issue 19 item 6): the unscrambled points are the published ones, the
 * scrambling keeps the net structure, and a subject's draws depend only on (seed, scenario,
 * replicate, subject): not on M, the tile or the order they are asked in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { drawPopulation, drawSubjects } from '../../worker/population/draw.js';
import { sobolDimensionsNeeded } from '../../worker/population/draw-sobol.js';
import type { BwPrior, ComedPrior, PopulationSpec } from '../../worker/population/prior.js';
import { scrambleDirections, sobolDimensions, sobolDirections, sobolInteger, sobolPoint } from '../../worker/rng/sobol.js';
import { philox4x32_10 } from '../../worker/rng/philox.js';
import { populationKey } from '../../worker/rng/scenario-key.js';

const key = populationKey(20240607, 'q1-daily');
const uniformBw: BwPrior = { kind: 'uniform', minKg: 50, maxKg: 100 };
const bernoulli: ComedPrior = { kind: 'bernoulli', p: 0.3 };
const sobol = (subjects: number, bw: BwPrior = uniformBw, comed: ComedPrior = bernoulli): PopulationSpec => ({ bw, comed, subjects, sampler: 'sobol' });

test('unscrambled points are the published Sobol points (Joe & Kuo new-joe-kuo-6.21201, gray-code order)', () => {
  // SciPy's documented example, qmc.Sobol(d=2, scramble=False).random_base2(m=3)
  const scipyDocs = [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375], [0.875, 0.875], [0.625, 0.125], [0.125, 0.625]];
  scipyDocs.forEach((p, n) => p.forEach((x, j) => assert.equal(sobolPoint(j, n), x, `point ${n} dimension ${j + 1}`)));
  // the first 16 points of 12 dimensions in 16ths, as Joe & Kuo's sobol.cc and
  // scipy.stats.qmc.Sobol(d=12, scramble=False).random(16) print them
  const sixteenths = [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8],
    [12, 4, 4, 4, 12, 12, 4, 12, 12, 12, 12, 12], [4, 12, 12, 12, 4, 4, 12, 4, 4, 4, 4, 4],
    [6, 6, 10, 14, 6, 2, 6, 14, 14, 10, 14, 6], [14, 14, 2, 6, 14, 10, 14, 6, 6, 2, 6, 14],
    [10, 2, 14, 10, 10, 14, 2, 2, 2, 6, 2, 10], [2, 10, 6, 2, 2, 6, 10, 10, 10, 14, 10, 2],
    [3, 5, 15, 7, 9, 5, 7, 15, 15, 5, 11, 1], [11, 13, 7, 15, 1, 13, 15, 7, 7, 13, 3, 9],
    [15, 1, 11, 3, 5, 9, 3, 3, 3, 9, 7, 13], [7, 9, 3, 11, 13, 1, 11, 11, 11, 1, 15, 5],
    [5, 3, 5, 9, 15, 7, 1, 1, 1, 15, 5, 7], [13, 11, 13, 1, 7, 15, 9, 9, 9, 7, 13, 15],
    [9, 7, 1, 13, 3, 11, 5, 13, 13, 3, 9, 11], [1, 15, 9, 5, 11, 3, 13, 5, 5, 11, 1, 3],
  ];
  sixteenths.forEach((p, n) => p.forEach((x, j) => assert.equal(sobolPoint(j, n) * 16, x, `point ${n} dimension ${j + 1}`)));
  // deeper digits and higher dimensions, where the recurrence beyond the initial m_i matters: SciPy's
  // Sobol(d=256, scramble=False, bits=32) after fast_forward(n), times 2^32
  const dims = [0, 1, 2, 3, 8, 11, 100, 255];
  const scipy: Array<[number, number[]]> = [
    [1000, [943718400, 415236096, 2227175424, 2906652672, 2151677952, 1094713344, 3300917248, 1069547520]],
    [2 ** 20 + 5, [3758102528, 2550167552, 2381871104, 3042752512, 3319470080, 2793347072, 1926121472, 48887808]],
    [2 ** 31 + 12345, [2752774147, 2238272853, 1645001659, 4141547569, 3246064307, 3496554719, 3575438477, 1557921969]],
  ];
  for (const [n, xs] of scipy) assert.deepEqual(dims.map((j) => sobolInteger(sobolDirections(j), n)), xs, `point ${n}`);
  assert.equal(sobolDimensions(), 256);
});

/** Scrambled 32-bit integers of points 0..n-1 in one dimension, under 33 given random words. */
function scrambled(dimension: number, words: Uint32Array, n: number): number[] {
  const v = new Uint32Array(32);
  scrambleDirections(sobolDirections(dimension), words, v);
  return Array.from({ length: n }, (_, i) => (sobolInteger(v, i) ^ words[32]!) >>> 0);
}

/** The leading `digits` binary digits of a 32-bit fraction (x >>> 32 would be x, not 0). */
const top = (x: number, digits: number): number => (digits === 0 ? 0 : x >>> (32 - digits));

/** For each split a + b = m: the sorted counts of the 2^a x 2^b elementary boxes of a 2-D projection. */
function boxCounts(x: number[], y: number[], m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a <= m; a++) {
    const counts = new Array<number>(2 ** m).fill(0);
    x.forEach((xi, i) => { counts[top(xi, a) * 2 ** (m - a) + top(y[i]!, m - a)]! += 1; });
    out.push(counts.sort((p, q) => p - q));
  }
  return out;
}

test('scrambling keeps the (t, m, s)-net: m = 6, each dimension hits each of 64 bins once; 2-D box counts unchanged', () => {
  const m = 6;
  const n = 2 ** m;
  const dims = sobolDimensionsNeeded(6); // bw, comed, resampleIndex and six eta columns: the EstData model's draws
  for (let seed = 0; seed < 5; seed++) {
    const sets = Array.from({ length: dims }, (_, d) => {
      const words = new Uint32Array(36);
      for (let b = 0; b < 9; b++) words.set(philox4x32_10([d, seed, 99, b], [seed, 12345]), 4 * b);
      return scrambled(d, words, n);
    });
    for (const [d, xs] of sets.entries()) {
      const bins = new Array<number>(n).fill(0);
      for (const x of xs) bins[x >>> (32 - m)]! += 1;
      assert.deepEqual(bins, new Array<number>(n).fill(1), `seed ${seed}, dimension ${d}: one point per bin`);
      assert.equal(new Set(xs).size, n, 'distinct points');
    }
    // dimensions 1 and 2 of Sobol' form a (0, m, 2)-net: every 2^a x 2^(m-a) box holds exactly one point
    for (const counts of boxCounts(sets[0]!, sets[1]!, m)) assert.deepEqual(counts, new Array<number>(n).fill(1));
    // any pair: the scrambled set has the same box-count profile as the unscrambled one (same t)
    const identity = new Uint32Array(36); // no random bits: L = I, no shift
    for (let d = 0; d < dims; d++) {
      for (let e = d + 1; e < dims; e++) {
        const plain = boxCounts(scrambled(d, identity, n), scrambled(e, identity, n), m);
        assert.deepEqual(boxCounts(sets[d]!, sets[e]!, m), plain, `seed ${seed}, dimensions ${d}, ${e}`);
      }
    }
  }
});

test('a sobol subject depends only on (seed, scenario, replicate, subject): not on M, the tile or K', () => {
  for (const [bw, comed] of [[uniformBw, bernoulli], [{ kind: 'resample', subjectBwKg: [50, 70, 90], subjectComed: [0, 1, 1], sigma: 0.1, clipKg: [40, 120] }, { kind: 'resampled' }]] as Array<[BwPrior, ComedPrior]>) {
    const big = drawPopulation(key, 3, sobol(1024, bw, comed), 3);
    const small = drawPopulation(key, 3, sobol(100, bw, comed), 3);
    assert.deepEqual(Array.from(small.eta), Array.from(big.eta.subarray(0, 300)));
    assert.deepEqual(Array.from(small.bwKg), Array.from(big.bwKg.subarray(0, 100)));
    assert.deepEqual(Array.from(small.comed), Array.from(big.comed.subarray(0, 100)));
    const tile = drawSubjects(key, 3, sobol(1024, bw, comed), 3, 500, 37);
    assert.deepEqual(Array.from(tile.eta), Array.from(big.eta.subarray(1500, 1611)));
    assert.deepEqual(Array.from(tile.bwKg), Array.from(big.bwKg.subarray(500, 537)));
    // eta column c is its own dimension: more columns leave the first ones as they were
    const wider = drawPopulation(key, 3, sobol(1024, bw, comed), 4);
    for (let i = 0; i < 1024; i += 97) assert.deepEqual(Array.from(wider.eta.subarray(4 * i, 4 * i + 3)), Array.from(big.eta.subarray(3 * i, 3 * i + 3)));
  }
  const r0 = drawPopulation(key, 0, sobol(64), 2);
  assert.deepEqual(drawPopulation(key, 0, sobol(64), 2), r0, 'same call, same bytes');
  const r1 = drawPopulation(key, 1, sobol(64), 2);
  assert.notDeepEqual(Array.from(r1.eta), Array.from(r0.eta), 'replicates are independent randomisations');
});

test('a replicate of 2^m sobol subjects is stratified: each eta column has one subject per normal 1/M-quantile bin', () => {
  const m = 8;
  const M = 2 ** m;
  for (let r = 0; r < 4; r++) {
    const p = drawPopulation(key, r, sobol(M), 6);
    for (let c = 0; c < 6; c++) {
      const bins = new Array<number>(M).fill(0);
      // Phi^-1 is increasing: eta is in bin b iff Phi(eta) is in [b/M, (b+1)/M); storing eta as float32
      // moves Phi(eta) by < 1e-8, so only a point that close to a bin edge could change bin (fixed seeds)
      for (let i = 0; i < M; i++) bins[Math.floor(normalCdf(p.eta[i * 6 + c]!, 0, 1) * M)]! += 1;
      assert.deepEqual(bins, new Array<number>(M).fill(1), `replicate ${r}, eta column ${c}`);
    }
    const bwBins = new Array<number>(M).fill(0);
    for (const kg of p.bwKg) bwBins[Math.floor(((kg - 50) / 50) * M)]! += 1;
    assert.deepEqual(bwBins, new Array<number>(M).fill(1), `replicate ${r}, body weight`);
  }
});

test('philox stays the default: sampler philox and no sampler give the same bytes; sobol differs', () => {
  const plain: PopulationSpec = { bw: uniformBw, comed: bernoulli, subjects: 50 };
  assert.deepEqual(drawPopulation(key, 2, { ...plain, sampler: 'philox' }, 3), drawPopulation(key, 2, plain, 3));
  assert.notDeepEqual(Array.from(drawPopulation(key, 2, sobol(50), 3).eta), Array.from(drawPopulation(key, 2, plain, 3).eta));
});

test('sampler errors name the field', () => {
  assert.throws(() => drawPopulation(key, 0, { bw: uniformBw, comed: bernoulli, subjects: 4, sampler: 'halton' as 'sobol' }, 1), {
    name: 'InputError', message: 'population.sampler (halton) must be one of philox, sobol',
  });
  assert.throws(() => drawPopulation(key, 0, sobol(4), 254), {
    name: 'InputError', message: /population\.sampler: sobol needs 257 dimensions \(3 \+ 254 eta columns\) but the shipped direction numbers define 256/,
  });
});
