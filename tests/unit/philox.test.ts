/**
 * The counter-based RNG: Philox4x32-10 against Random123's published known answers, the exact
 * 32x32 high multiply, the scenario key, and the uniform/normal transforms' distributions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { mulhi32, philox4x32_10, philox4x32_10Into } from '../../worker/rng/philox.js';
import { isUint32, populationKey, scenarioKey } from '../../worker/rng/scenario-key.js';
import { firstNormal, normalPairInto, uniformFromWords } from '../../worker/rng/uniform.js';

/**
 * Known-answer vectors: the three "philox4x32 10" rows of Random123's tests/kat_vectors
 * (D. E. Shaw Research; format: counter[4] key[2] -> expected[4]). Transcribed from D. E. Shaw
 * Research's own copy in github.com/DEShawResearch/fs123, core123/ut/ut_philox.cpp
 * (commit 3ea43efd78b784cef36819ce4a9a25886a49ae3e), which states the rows are "cut-and-pasted from
 * the kat_vectors file in the original Random123 distribution"; an independent copy of kat_vectors
 * found in another public repository has the same three rows.
 */
const KAT: ReadonlyArray<{
  counter: [number, number, number, number];
  key: [number, number];
  expected: [number, number, number, number];
}> = [
  { counter: [0, 0, 0, 0], key: [0, 0], expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

const hex = (words: ArrayLike<number>): string[] => Array.from(words, (w) => w.toString(16).padStart(8, '0'));

test('philox4x32_10 reproduces the Random123 known-answer vectors', () => {
  for (const { counter, key, expected } of KAT) {
    assert.deepEqual(hex(philox4x32_10(counter, key)), hex(expected));
    const out = new Uint32Array(4);
    philox4x32_10Into(...counter, ...key, out);
    assert.deepEqual(hex(out), hex(expected));
  }
});

test('philox4x32_10Into takes int32-wrapped words the same as uint32 ones', () => {
  const [, ones] = KAT;
  const out = new Uint32Array(4);
  philox4x32_10Into(-1, -1, -1, -1, -1, -1, out);
  assert.deepEqual(hex(out), hex(ones!.expected));
});

test('mulhi32 is the exact high word of the 64-bit product (checked with BigInt)', () => {
  const edge = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
  const pairs: Array<[number, number]> = [];
  for (const a of edge) for (const b of edge) pairs.push([a, b]);
  let x = 0x12345678; // xorshift32: a fixed, cheap stream of arbitrary words
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < 20000; i++) pairs.push([next(), next()]);
  for (const [a, b] of pairs) {
    const want = Number((BigInt(a) * BigInt(b)) >> 32n);
    assert.equal(mulhi32(a, b), want, `mulhi32(${a}, ${b})`);
  }
});

test('scenarioKey is the big-endian first word of sha256(utf8 name)', () => {
  // FIPS 180-2 example digests: sha256("abc") = ba7816bf..., sha256("") = e3b0c442...
  assert.equal(scenarioKey('abc'), 0xba7816bf);
  assert.equal(scenarioKey(''), 0xe3b0c442);
  assert.notEqual(scenarioKey('q1'), scenarioKey('Q1'));
  assert.ok(isUint32(scenarioKey('q1-weekly-75kg')));
});

test('populationKey rejects a seed that is not an unsigned 32-bit integer', () => {
  assert.deepEqual(populationKey(7, 'abc'), { seed: 7, scenario: 0xba7816bf });
  for (const seed of [-1, 2 ** 32, 1.5, Number.NaN]) {
    assert.throws(() => populationKey(seed, 'abc'), {
      name: 'InputError',
      message: `seed (${seed}) must be an integer in [0, 4294967295]`,
    });
  }
});

test('uniformFromWords stays strictly inside (0, 1) at the extreme words', () => {
  assert.equal(uniformFromWords(0, 0), 2 ** -53);
  assert.equal(uniformFromWords(0xffffffff, 0xffffffff), 1 - 2 ** -53);
  assert.ok(uniformFromWords(0xffffffff, 0xffffffff) < 1);
});

/** n Philox blocks of counter [i, 0, 0, 0] under a fixed key; calls visit(words) for each. */
function eachBlock(n: number, visit: (words: Uint32Array) => void): void {
  const words = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    philox4x32_10Into(i, 0, 0, 0, 20240607, 0xba7816bf, words);
    visit(words);
  }
}

test('uniforms pass a 100-bin chi-square goodness-of-fit test at alpha = 1e-4', () => {
  const bins = 100;
  const counts = new Float64Array(bins);
  let n = 0;
  let min = 1;
  let max = 0;
  eachBlock(100_000, (w) => {
    for (const u of [uniformFromWords(w[0]!, w[1]!), uniformFromWords(w[2]!, w[3]!)]) {
      counts[Math.floor(u * bins)]! += 1;
      if (u < min) min = u;
      if (u > max) max = u;
      n++;
    }
  });
  assert.ok(min > 0 && max < 1);
  const expected = n / bins;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - expected) ** 2 / expected;
  const critical = chisquareQuantile(1 - 1e-4, bins - 1);
  assert.ok(chi2 < critical, `chi2 = ${chi2.toFixed(1)} >= ${critical.toFixed(1)}`);
});

test('Box–Muller normals: mean, variance, pair correlation within 5 SE; KS distance below alpha = 1e-4', () => {
  const nBlocks = 20_000;
  const z = new Float64Array(2 * nBlocks);
  const pair = new Float64Array(2);
  let i = 0;
  let cross = 0;
  eachBlock(nBlocks, (w) => {
    normalPairInto(w, pair);
    assert.equal(firstNormal(w), pair[0]);
    z[i++] = pair[0]!;
    z[i++] = pair[1]!;
    cross += pair[0]! * pair[1]!;
  });
  const n = z.length;
  const mean = z.reduce((s, v) => s + v, 0) / n;
  const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  assert.ok(Math.abs(cross / nBlocks) < 5 / Math.sqrt(nBlocks), `E[z0 z1] ${cross / nBlocks}`);

  // Kolmogorov–Smirnov distance to N(0, 1); asymptotic critical value sqrt(-ln(alpha / 2) / 2) / sqrt(n)
  const sorted = Float64Array.from(z).sort();
  let d = 0;
  for (let k = 0; k < n; k++) {
    const f = normalCdf(sorted[k]!, 0, 1);
    d = Math.max(d, (k + 1) / n - f, f - k / n);
  }
  const critical = Math.sqrt(-Math.log(1e-4 / 2) / 2) / Math.sqrt(n);
  assert.ok(d < critical, `KS D = ${d} >= ${critical}`);
});
