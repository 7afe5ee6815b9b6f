/**
 * The calibration statistics against what statistics says they must do, on synthetic (p_pred, y) with
 * y ~ Bernoulli(expit(a0 + b0 logit p_pred)) and fixed seeds (tests/kit/prng.ts):
 *   - logistic recalibration: the Wald 95 % intervals cover the true (a0, b0) in ~95 % of seeds;
 *   - AUC (DeLong): the 95 % interval covers the exact binormal AUC Phi(d / sqrt 2) in ~95 % of seeds;
 *   - Hosmer–Lemeshow: p-values of calibrated held-out predictions are ~uniform (KS distance), and
 *     the g - 2 law would not be (why held-out subjects get g degrees of freedom); tiny when b0 = 0.5;
 *   - ECE and the per-stratum table on hand-computed cases.
 * Coverage tolerance: over S seeds the covering count is Binomial(S, 0.95), sd = sqrt(S 0.95 0.05);
 * we accept counts down to 4 sd below 0.95 S (a false alarm has probability ~3e-5 for a correct interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { mulberry32 } from '../kit/prng.js';
import { calibrationInTheLarge, logisticRecalibration } from '../../analysis/calibration/recalibration.js';
import { aucDeLong } from '../../analysis/calibration/discrimination.js';
import { hosmerLemeshow } from '../../analysis/calibration/hosmer-lemeshow.js';
import { equalWidthEdges, expectedCalibrationError, reliabilityBins } from '../../analysis/calibration/calibration-score.js';
import { strata, type AssessedSubject } from '../../analysis/calibration/calibration-assessment.js';

const expit = (x: number): number => 1 / (1 + Math.exp(-x));
const CLIP = 1e-9;

/** n predictions with logit ~ N(0, sd²) and outcomes y ~ Bernoulli(expit(a0 + b0 logit p)). */
function synthetic(seed: number, n: number, a0: number, b0: number, sd = 1.5): { p: number[]; y: (0 | 1)[] } {
  const u = mulberry32(seed);
  const p: number[] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i += 1) {
    const x = sd * normalQuantile(u(), 0, 1);
    p.push(expit(x));
    y.push(u() < expit(a0 + b0 * x) ? 1 : 0);
  }
  return { p, y };
}

const minCovering = (seeds: number): number => Math.floor(0.95 * seeds - 4 * Math.sqrt(seeds * 0.95 * 0.05));

/** Kolmogorov–Smirnov distance of a sample from Uniform(0, 1). */
function ksUniform(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.reduce((d, v, i) => Math.max(d, (i + 1) / s.length - v, v - i / s.length), 0);
}

test('logistic recalibration: Wald intervals cover the true intercept and slope in ~95 % of seeds', () => {
  const [a0, b0, seeds] = [0.3, 0.7, 200];
  let coverA = 0;
  let coverB = 0;
  let sumB = 0;
  for (let s = 1; s <= seeds; s += 1) {
    const { p, y } = synthetic(s, 400, a0, b0);
    const r = logisticRecalibration(p, y, CLIP);
    assert.ok(r.estimable, `seed ${s}`);
    if (r.intercept.lo <= a0 && a0 <= r.intercept.hi) coverA += 1;
    if (r.slope.lo <= b0 && b0 <= r.slope.hi) coverB += 1;
    sumB += r.slope.estimate;
  }
  assert.ok(coverA >= minCovering(seeds), `intercept covered ${coverA}/${seeds}`);
  assert.ok(coverB >= minCovering(seeds), `slope covered ${coverB}/${seeds}`);
  assert.ok(coverA < seeds && coverB < seeds, 'an interval that always covers is too wide to be Wald 95 %');
  // the mean of 200 slope estimates (sd ~0.08 each) is within 4 sd / sqrt(200) = 0.023 of b0
  assert.ok(Math.abs(sumB / seeds - b0) < 0.023, `mean slope ${sumB / seeds}`);
});

test('calibration-in-the-large: slope held at 1, its interval covers a logit shift a0 in ~95 % of seeds', () => {
  const seeds = 200;
  let cover = 0;
  for (let s = 1; s <= seeds; s += 1) {
    const { p, y } = synthetic(500 + s, 400, -0.5, 1);
    const c = calibrationInTheLarge(p, y, CLIP);
    assert.ok(c.estimable, `seed ${s}`);
    if (c.intercept.lo <= -0.5 && -0.5 <= c.intercept.hi) cover += 1;
  }
  assert.ok(cover >= minCovering(seeds) && cover < seeds, `covered ${cover}/${seeds}`);
});

test('recalibration refuses what has no maximum-likelihood estimate', () => {
  // separated: every success predicted above every failure
  const sep = logisticRecalibration([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1], CLIP);
  assert.equal(sep.estimable, false);
  // one class only
  const one = logisticRecalibration([0.2, 0.5, 0.9], [1, 1, 1], CLIP);
  assert.ok(!one.estimable && /every subject succeeded/.test(one.reason));
  // a deterministic 0/1 model clipped at 0.5 / 1 trajectory: a constant, no slope
  const det = logisticRecalibration([0, 1, 1, 0, 1], [0, 1, 0, 1, 1], 0.5);
  assert.ok(!det.estimable && /same after clipping/.test(det.reason));
});

test('AUC (DeLong): the interval covers the exact binormal AUC Phi(d / sqrt 2) in ~95 % of seeds', () => {
  const d = 1;
  const exact = normalCdf(d / Math.SQRT2, 0, 1);
  const seeds = 200;
  let cover = 0;
  for (let s = 1; s <= seeds; s += 1) {
    const u = mulberry32(1000 + s);
    // failures' scores ~ N(0, 1), successes' ~ N(d, 1); predictions Phi(score) (AUC is rank-invariant)
    const p: number[] = [];
    const y: (0 | 1)[] = [];
    for (let i = 0; i < 150; i += 1) {
      p.push(normalCdf(normalQuantile(u(), 0, 1), 0, 1), normalCdf(d + normalQuantile(u(), 0, 1), 0, 1));
      y.push(0, 1);
    }
    const a = aucDeLong(p, y);
    assert.ok(a.estimable);
    if (a.lo <= exact && exact <= a.hi) cover += 1;
  }
  assert.ok(cover >= minCovering(seeds) && cover < seeds, `covered ${cover}/${seeds} (exact AUC ${exact.toFixed(4)})`);
});

test('AUC on a hand-computed case: ties count one half', () => {
  // successes 0.8, 0.5; failures 0.5, 0.2: pairs (0.8>0.5) 1, (0.8>0.2) 1, (0.5=0.5) 1/2, (0.5>0.2) 1 -> 3.5 / 4
  const a = aucDeLong([0.8, 0.5, 0.5, 0.2], [1, 1, 0, 0]);
  assert.ok(a.estimable);
  assert.equal(a.auc, 0.875);
  // V10 = [1, 0.75], V01 = [0.75, 1]: variances 0.03125 each -> se = sqrt(0.03125 / 2 + 0.03125 / 2)
  assert.ok(Math.abs(a.se - Math.sqrt(0.03125)) < 1e-12);
  assert.equal(aucDeLong([0.8, 0.5, 0.2], [1, 0, 0]).estimable, false, 'one success: no DeLong variance');
});

test('Hosmer–Lemeshow: held-out p-values ~uniform under calibration (g df), not with g - 2; tiny when b0 = 0.5', () => {
  const seeds = 300;
  const heldOut: number[] = [];
  const inSample: number[] = [];
  for (let s = 1; s <= seeds; s += 1) {
    const { p, y } = synthetic(2000 + s, 500, 0, 1);
    heldOut.push(hosmerLemeshow(p, y, 'held-out').p_value);
    inSample.push(hosmerLemeshow(p, y, 'in-sample').p_value);
  }
  // KS: P(D > 1.63 / sqrt(S)) ~ 1 % for exactly uniform p-values; the chi-square law is itself an
  // approximation (groups of 50), so "roughly uniform" is this bound, not a tighter one
  const bound = 1.63 / Math.sqrt(seeds);
  const dHeld = ksUniform(heldOut);
  assert.ok(dHeld < bound, `held-out (df = g): KS distance ${dHeld.toFixed(3)} vs ${bound.toFixed(3)}`);
  const dIn = ksUniform(inSample);
  assert.ok(dIn > bound, `df = g - 2 on predictions fitted elsewhere: KS distance ${dIn.toFixed(3)} (too many small p-values)`);
  const { p, y } = synthetic(77, 1000, 0, 0.5);
  const bad = hosmerLemeshow(p, y, 'held-out');
  assert.ok(bad.p_value < 1e-6, `b0 = 0.5: p = ${bad.p_value}`);
});

test('Hosmer–Lemeshow on a hand-computed case: groups by sorted risk, df 2 tail exp(-C/2)', () => {
  // 8 subjects, g = 4 groups of 2 (sorted): {0.1,0.2} O=1, {0.3,0.4} O=0, {0.6,0.7} O=2, {0.8,0.9} O=1
  const hl = hosmerLemeshow([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.4, 0.6], [0, 0, 1, 1, 0, 1, 0, 1], 'in-sample', 4);
  const terms = [[1, 0.3, 2], [0, 0.7, 2], [2, 1.3, 2], [1, 1.7, 2]].map(([o, e, n]) => ((o ?? 0) - (e ?? 0)) ** 2 / ((e ?? 0) * (1 - (e ?? 0) / (n ?? 1))));
  const c = terms.reduce((s, t) => s + t, 0);
  assert.deepEqual(hl.groups.map((g) => [g.n, g.observed]), [[2, 1], [2, 0], [2, 2], [2, 1]]);
  assert.ok(Math.abs(hl.statistic - c) < 1e-12, `${hl.statistic} vs ${c}`);
  assert.equal(hl.df, 2);
  assert.ok(Math.abs(hl.p_value - Math.exp(-c / 2)) < 1e-12, 'chi-square with 2 df: upper tail exp(-x/2)');
  // a certain prediction that is wrong: infinite statistic, p = 0
  assert.equal(hosmerLemeshow([0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 1, 1], 'held-out', 3).p_value, 0);
});

test('ECE at 10 and 20 equal-width bins on a hand-computed case', () => {
  // 10 bins: 0.02 and 0.08 share [0, 0.1): mean 0.05, observed 1/2 -> |0.5 - 0.05| = 0.45, ECE 0.45
  // 20 bins: [0, 0.05) holds 0.02 (observed 1): 0.98; [0.05, 0.1) holds 0.08 (observed 0): 0.08 -> ECE 0.53
  const p = [0.02, 0.08];
  const y: (0 | 1)[] = [1, 0];
  assert.ok(Math.abs(expectedCalibrationError(reliabilityBins(p, y, equalWidthEdges(10))) - 0.45) < 1e-12);
  assert.ok(Math.abs(expectedCalibrationError(reliabilityBins(p, y, equalWidthEdges(20))) - 0.53) < 1e-12);
  // weighted by bin size: bins {0.05, 0.05 | y 0, 1}, {0.15 x 3 | 0, 0, 1}, {0.95 | 1}: (2 0.45 + 3 (1/3 - 0.15) + 0.05) / 6 = 0.25
  const ece = expectedCalibrationError(reliabilityBins([0.05, 0.05, 0.15, 0.15, 0.15, 0.95], [0, 1, 0, 0, 1, 1], equalWidthEdges(10)));
  assert.ok(Math.abs(ece - 0.25) < 1e-12, `${ece}`);
  assert.deepEqual(equalWidthEdges(4), [0, 0.25, 0.5, 0.75, 1]);
});

test('per-stratum reliability: BW tertiles of the subjects, then each COMED level', () => {
  const s = (p: number, y: 0 | 1, bwKg: number, comed: number): AssessedSubject => ({ p, y, bwKg, categorical: { COMED: comed } });
  const subjects = [s(0.2, 0, 50, 0), s(0.4, 1, 60, 1), s(0.6, 1, 70, 0), s(0.8, 1, 80, 1), s(0.1, 0, 90, 0), s(0.9, 0, 100, 1)];
  const rows = strata(subjects);
  // type-7 tertile cuts of 50..100: 66.67 and 83.33
  assert.deepEqual(rows.map((r) => [r.covariate, r.level, r.n]), [['BW', 'T1 (50–60 kg)', 2], ['BW', 'T2 (70–80 kg)', 2], ['BW', 'T3 (90–100 kg)', 2], ['COMED', '0', 3], ['COMED', '1', 3]]);
  const t3 = rows[2];
  assert.ok(t3 !== undefined && Math.abs(t3.mean_predicted - 0.5) < 1e-12 && t3.observed_rate === 0);
  // T3: bins [0.1, 0.2) gap 0.1 and [0.9, 1] gap 0.9 -> ECE 0.5
  assert.ok(Math.abs((t3?.ece_10 ?? NaN) - 0.5) < 1e-12);
  const comed1 = rows[4];
  assert.ok(comed1 !== undefined && comed1.observed_rate === 2 / 3 && Math.abs(comed1.mean_predicted - 0.7) < 1e-12);
});
