/**
 * The library selection bench's pure helpers (bench/selection/grid-dose.ts): grid doses, the bisection
 * for a subject's threshold dose against a linear scan, the true minimal dose from threshold indices,
 * and the one-grid-step and coverage comparisons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covers, gridDoses, quantile, thresholdIndex, trueMinimalDose, withinOneStep } from '../../bench/selection/grid-dose.js';
import { mulberry32 } from '../kit/prng.js';

test('gridDoses: the doses written in the file, decimal steps exact', () => {
  const qd = gridDoses({ start: 0.5, stop: 40, step: 0.5 });
  assert.equal(qd.length, 80);
  assert.equal(qd[0], 0.5);
  assert.equal(qd[79], 40);
  assert.equal(qd[5], 3);
  const tenths = gridDoses({ start: 0.1, stop: 1, step: 0.1 });
  assert.deepEqual(tenths, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
});

test('thresholdIndex: the first grid dose meeting a monotone predicate, as a linear scan finds it', () => {
  const doses = gridDoses({ start: 5, stop: 400, step: 5 });
  const u = mulberry32(7);
  for (let i = 0; i < 500; i += 1) {
    const cut = 450 * u(); // beyond the grid's end now and then: never met
    const scan = doses.findIndex((d) => d >= cut);
    assert.equal(thresholdIndex(doses, (d) => d >= cut), scan < 0 ? doses.length : scan, `cut ${cut}`);
  }
  assert.equal(thresholdIndex(doses, () => true), 0);
  assert.equal(thresholdIndex(doses, () => false), doses.length);
});

test('trueMinimalDose: the smallest grid dose reached by the target share; NaN when never reached', () => {
  const doses = [1, 2, 3, 4];
  // 10 subjects: thresholds at dose index 0 (3), 1 (5), 2 (1), never (1): p = 0.3, 0.8, 0.9, 0.9
  const indices = [0, 0, 0, 1, 1, 1, 1, 1, 2, 4];
  assert.deepEqual(trueMinimalDose(doses, indices, 0.8), { dose: 2, p: 0.8, close: true });
  assert.equal(trueMinimalDose(doses, indices, 0.9).dose, 3);
  assert.ok(Number.isNaN(trueMinimalDose(doses, indices, 0.95).dose));
  // 10 000 subjects, p jumps 0 -> 1 at dose index 2: no grid p within 3 sd (0.009) of 0.9
  const sharp = trueMinimalDose(doses, new Array<number>(10_000).fill(2), 0.9);
  assert.deepEqual(sharp, { dose: 3, p: 1, close: false });
});

test('withinOneStep and covers: one grid step either side, bounds inclusive, missing values fail', () => {
  assert.equal(withinOneStep(9.5, 10, 0.5), true);
  assert.equal(withinOneStep(10.5, 10, 0.5), true);
  assert.equal(withinOneStep(9, 10, 0.5), false);
  assert.equal(withinOneStep(0.1 + 0.2, 0.4, 0.1), true); // decimal steps: 0.30000000000000004 is one step below 0.4
  assert.equal(withinOneStep(null, 10, 0.5), false);
  assert.equal(withinOneStep(10, NaN, 0.5), false);
  assert.equal(covers([7.5, 12], 7.5), true);
  assert.equal(covers([7.5, 12], 12), true);
  assert.equal(covers([7.5, 12], 12.5), false);
  assert.equal(covers([null, 12], 10), false);
  // open above: [lo, beyond the grid) holds every dose from lo up, and nothing below it
  assert.equal(covers([7.5, null], 40), true);
  assert.equal(covers([7.5, null], 7), false);
  assert.equal(covers([null, null], 7), false);
  assert.equal(covers([7.5, null], NaN), false);
});

test('quantile: nearest rank over the finite values', () => {
  const xs = [5, 1, 4, 2, 3, NaN, 10, 9, 8, 7, 6];
  assert.equal(quantile(xs, 0.1), 1);
  assert.equal(quantile(xs, 0.9), 9);
  assert.equal(quantile(xs, 1), 10);
  assert.ok(Number.isNaN(quantile([NaN], 0.5)));
});
