/**
 * Bands against independent references: Clopper–Pearson against Beta quantiles found by bisection on
 * the regularized incomplete beta (a different stdlib routine from the inverse the code uses) and
 * textbook values; Wilson against the roots of its defining quadratic; quantiles against d3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import betainc from '@stdlib/math-base-special-betainc';
import { quantileSorted } from 'd3-array';
import { clopperPearson, quantileType7, replicateQuantileBand, wilson } from '../../coordinator/aggregate/bands.js';
import { InputError } from '../../worker/common/errors.js';
import { mulberry32 as rng } from '../kit/prng.js';

/** p with I_p(a, b) = target, by bisection to 1e-13 (I_p is increasing in p). */
function betaRoot(target: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  while (hi - lo > 1e-13) {
    const mid = (lo + hi) / 2;
    if (betainc(mid, a, b) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const GRID_N = [1, 2, 10, 37, 100, 1000, 200000];

test('Clopper–Pearson equals exact Beta quantiles (independent bisection) to 1e-9', () => {
  for (const level of [0.95, 0.9]) {
    const alpha = 1 - level;
    for (const n of GRID_N) {
      const ks = [...new Set([0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n].filter((k) => k >= 0 && k <= n))];
      for (const k of ks) {
        const { lo, hi } = clopperPearson(k, n, level);
        const wantLo = k === 0 ? 0 : betaRoot(alpha / 2, k, n - k + 1);
        const wantHi = k === n ? 1 : betaRoot(1 - alpha / 2, k + 1, n - k);
        assert.ok(Math.abs(lo - wantLo) <= 1e-9, `lo n=${n} k=${k} level=${level}: ${lo} vs ${wantLo}`);
        assert.ok(Math.abs(hi - wantHi) <= 1e-9, `hi n=${n} k=${k} level=${level}: ${hi} vs ${wantHi}`);
        assert.ok(lo <= k / n && k / n <= hi, `p_hat inside the band n=${n} k=${k}`);
      }
    }
  }
});

test('Clopper–Pearson textbook values', () => {
  // k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
  const zero = clopperPearson(0, 10, 0.95);
  assert.equal(zero.lo, 0);
  assert.ok(Math.abs(zero.hi - (1 - 0.025 ** (1 / 10))) < 1e-12);
  const all = clopperPearson(10, 10, 0.95);
  assert.equal(all.hi, 1);
  assert.ok(Math.abs(all.lo - 0.025 ** (1 / 10)) < 1e-12);
  const one = clopperPearson(0, 1, 0.95);
  assert.ok(Math.abs(one.hi - 0.975) < 1e-12);
  // R: binom.test(5, 10)$conf.int = 0.187086 0.812914
  const half = clopperPearson(5, 10, 0.95);
  assert.ok(Math.abs(half.lo - 0.187086) < 1e-6 && Math.abs(half.hi - 0.812914) < 1e-6, `${half.lo} ${half.hi}`);
});

test('Wilson equals the roots of (p - p_hat)^2 = z^2 p (1 - p) / n', () => {
  const zs: [number, number][] = [[0.95, 1.959963984540054], [0.9, 1.6448536269514722], [0.99, 2.5758293035489004]];
  for (const [level, z] of zs) {
    for (const n of [1, 7, 100, 200000]) {
      for (const k of [0, 1, Math.floor(n / 2), n - 1, n].filter((v) => v >= 0 && v <= n)) {
        const p = k / n;
        const a = 1 + (z * z) / n;
        const b = 2 * p + (z * z) / n;
        const c = p * p;
        // b^2 - 4ac rewritten without cancellation; the small root from the product of roots c / a
        const root = Math.sqrt(((z * z) / n) * (4 * p * (1 - p) + (z * z) / n));
        const wantHi = (b + root) / (2 * a);
        const wantLo = c / (a * wantHi);
        const { lo, hi } = wilson(k, n, level);
        assert.ok(Math.abs(lo - wantLo) < 1e-12, `wilson lo n=${n} k=${k}: ${lo} vs ${wantLo}`);
        assert.ok(Math.abs(hi - Math.min(1, wantHi)) < 1e-12, `wilson hi n=${n} k=${k}: ${hi} vs ${wantHi}`);
      }
    }
  }
  assert.equal(wilson(0, 50, 0.95).lo, 0);
  assert.equal(wilson(50, 50, 0.95).hi, 1);
});

test('bands reject impossible counts with InputError', () => {
  assert.throws(() => clopperPearson(5, 4, 0.95), (e: unknown) => e instanceof InputError && /k is 5, expected an integer in \[0, 4\]/.test(e.message));
  assert.throws(() => wilson(0, 0, 0.95), InputError);
  assert.throws(() => clopperPearson(1, 4, 1), /level is 1/);
});


test('replicate-quantile band equals d3 type-7 quantiles of the replicate p-hats', () => {
  const next = rng(7);
  for (const R of [1, 2, 5, 40, 101]) {
    const pHats = Array.from({ length: R }, () => Math.floor(next() * 201) / 200).sort((a, b) => a - b);
    for (const level of [0.95, 0.8, 0.5]) {
      const band = replicateQuantileBand(pHats, level);
      assert.equal(band.lo, quantileSorted(pHats, (1 - level) / 2));
      assert.equal(band.hi, quantileSorted(pHats, 1 - (1 - level) / 2));
    }
  }
});

test('type-7 quantile with never-reached (+Infinity) values', () => {
  // positions (n - 1) p: weight on an infinite neighbour gives Infinity, zero weight does not
  assert.equal(quantileType7([10, 20, Infinity], 0.5), 20);
  assert.equal(quantileType7([10, 20, Infinity], 0.75), Infinity);
  assert.equal(quantileType7([10, 20, 30, Infinity], 0.5), 25);
  assert.equal(quantileType7([10, 20, Infinity, Infinity], 0.5), Infinity);
  assert.equal(quantileType7([10, Infinity], 0), 10);
  assert.equal(quantileType7([10, 20, 40], 0.25), 15);
  assert.equal(quantileType7([Infinity], 0.5), Infinity);
  assert.throws(() => quantileType7([], 0.5), InputError);
});
