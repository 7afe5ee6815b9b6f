/**
 * Calibration scores (analysis/calibration/calibration-score.ts): the Brier score and reliability bins on
 * hand-computed cases, exact Clopper–Pearson bin intervals, refusals of impossible inputs, and the
 * statistics on a large simulated case: a calibrated predictor scores E[p (1 - p)] and its bins sit on
 * the diagonal, a shifted one scores worse by the squared shift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brierScore, calibrationScore, reliabilityBins } from '../../analysis/calibration/calibration-score.js';
import { mulberry32 } from '../kit/prng.js';

const close = (a: number | null, b: number, tol: number, what: string): void => {
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
};

test('Brier score and rates on a hand-computed case', () => {
  // (1-1)^2 + (0-1)^2 + (0.5-0)^2 + (0.8-1)^2 = 0 + 1 + 0.25 + 0.04
  assert.equal(brierScore([1, 0, 0.5, 0.8], [1, 1, 0, 1]), 1.29 / 4);
  const s = calibrationScore([1, 0, 0.5, 0.8], [1, 1, 0, 1]);
  assert.equal(s.n, 4);
  assert.equal(s.observed_k, 3);
  assert.equal(s.observed_rate, 0.75);
  close(s.predicted_rate, 2.3 / 4, 1e-12, 'mean predicted');
  assert.equal(s.brier_base_rate, 0.75 * 0.25);
  // deterministic 0/1 predictions: Brier = misclassification rate
  assert.equal(brierScore([0, 0, 1, 1, 1], [0, 1, 1, 0, 1]), 2 / 5);
});

test('reliability bins: half-open bins, the last one closed, exact Clopper–Pearson intervals', () => {
  const bins = reliabilityBins([0, 0.1, 0.55, 0.8, 1, 1], [0, 1, 0, 1, 1, 0]);
  assert.deepEqual(bins.map((b) => [b.lo, b.hi, b.n]), [[0, 0.2, 2], [0.2, 0.4, 0], [0.4, 0.6, 1], [0.6, 0.8, 0], [0.8, 1, 3]]);
  const [b0, b1, b2, , b4] = bins;
  close(b0?.mean_predicted ?? null, 0.05, 1e-12, 'bin 0 mean');
  assert.equal(b0?.observed_rate, 0.5);
  // 1 of 2: lo = 1 - sqrt(0.975), hi = sqrt(0.975) (Beta(1,2) and Beta(2,1) quantiles in closed form)
  close(b0?.observed_lo ?? null, 1 - Math.sqrt(0.975), 1e-9, 'bin 0 lo');
  close(b0?.observed_hi ?? null, Math.sqrt(0.975), 1e-9, 'bin 0 hi');
  assert.deepEqual([b1?.mean_predicted, b1?.observed_rate, b1?.observed_lo], [null, null, null], 'empty bin');
  // 0 of 1: [0, 0.975]
  assert.equal(b2?.observed_lo, 0);
  close(b2?.observed_hi ?? null, 0.975, 1e-9, 'bin 2 hi');
  close(b4?.mean_predicted ?? null, 2.8 / 3, 1e-12, 'bin 4 mean');
  close(b4?.observed_rate ?? null, 2 / 3, 1e-12, 'bin 4 rate');
});

test('impossible inputs are refused with the offending index', () => {
  assert.throws(() => brierScore([0.5], [1, 0]), /1 predictions but 2 observed/);
  assert.throws(() => brierScore([0.5, 1.2], [1, 0]), /prediction 1 is 1.2/);
  assert.throws(() => brierScore([0.5, Number.NaN], [1, 0]), /prediction 1 is NaN/);
  assert.throws(() => brierScore([0.5], [2 as 0 | 1]), /observed outcome 0 is 2/);
  assert.throws(() => brierScore([], []), /no subjects/);
  assert.throws(() => reliabilityBins([0.5], [1], [0, 0.6, 0.5, 1]), /must rise strictly from 0 to 1/);
});

test('a calibrated predictor scores E[p(1-p)] with bins on the diagonal; a shifted one scores worse by the squared shift', () => {
  const rand = mulberry32(20251121);
  const n = 20_000;
  const p = Array.from({ length: n }, () => rand());
  const o = p.map((x) => (rand() < x ? 1 : 0) as 0 | 1);
  const s = calibrationScore(p, o);
  // E[(p - o)^2] = E[p(1-p)] = 1/6 for p ~ U(0,1); (p - o)^2 lies in [0, 1] with variance < 1/16,
  // so the SD of the mean is below 0.25 / sqrt(n)
  close(s.brier, 1 / 6, 5 * 0.25 / Math.sqrt(n), 'calibrated Brier');
  for (const b of s.bins) {
    assert.ok(b.observed_lo !== null && b.observed_hi !== null && b.mean_predicted !== null);
    // the bin's mean prediction lies in its observed rate's 95 % interval widened by half its width (~3.8 SD)
    const slack = (b.observed_hi - b.observed_lo) / 2;
    assert.ok(b.mean_predicted >= b.observed_lo - slack && b.mean_predicted <= b.observed_hi + slack, `bin [${b.lo}, ${b.hi}): predicted ${b.mean_predicted} vs observed [${b.observed_lo}, ${b.observed_hi}]`);
  }
  // shifting every prediction by d (clipped at 1) adds E[d_eff^2] ~ 0.035 to the Brier score: the cross
  // term 2 E[d_eff (p - o)] vanishes because E[o | p] = p; the mean shift is E[d_eff] = 0.18
  const d = 0.2;
  const shifted = calibrationScore(p.map((x) => Math.min(1, x + d)), o);
  assert.ok(shifted.brier - s.brier > 0.5 * d * d, `shifted ${shifted.brier} vs calibrated ${s.brier}`);
  close(shifted.predicted_rate - s.predicted_rate, 0.18, 0.01, 'shifted mean');
});
