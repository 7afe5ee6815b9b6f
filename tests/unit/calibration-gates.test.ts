/**
 * The paper's calibration gates (analysis/calibration/calibration-gates.ts) through assessCalibration:
 * a perfectly calibrated, discriminating synthetic set passes every gate; slope b0 = 0.5 fails; a
 * dozen subjects (the EstData held-out set's size) cannot pass the slope or Hosmer–Lemeshow gate:
 * "inconclusive" (interval straddles the gate / too few per group), so the status is "not-shown", never "within".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { mulberry32 } from '../kit/prng.js';
import { assessCalibration, type AssessedSubject } from '../../analysis/calibration/calibration-assessment.js';
import { aucGate, gateStatus, slopeGate } from '../../analysis/calibration/calibration-gates.js';

const expit = (x: number): number => 1 / (1 + Math.exp(-x));

function subjects(seed: number, n: number, b0: number): AssessedSubject[] {
  const u = mulberry32(seed);
  return Array.from({ length: n }, () => {
    // logit p ~ N(0, 2²): a calibrated model with this spread has AUC ~0.87, clear of the 0.80 gate
    const x = 2 * normalQuantile(u(), 0, 1);
    const y: 0 | 1 = u() < expit(b0 * x) ? 1 : 0;
    return { p: expit(x), y, bwKg: 50 + 50 * u(), categorical: { COMED: u() < 0.5 ? 0 : 1 } };
  });
}

const opts = { logitClip: 1e-9, hlDegreesOfFreedom: 'held-out' } as const;
const verdicts = (a: ReturnType<typeof assessCalibration>): Record<string, string> => Object.fromEntries(a.gates.map((g) => [g.gate, g.verdict]));

test('a perfectly calibrated large set passes every gate', () => {
  // n = 20000: slope se ~0.015, so a 95 % interval (±0.03) fits inside [0.9, 1.1] when b = 1
  const a = assessCalibration(subjects(7, 20_000, 1), opts);
  assert.deepEqual(verdicts(a), { 'calibration slope': 'pass', AUC: 'pass', 'Hosmer–Lemeshow': 'pass' });
  assert.equal(a.gate_status, 'within');
  assert.deepEqual(a.ece.map((e) => e.bins), [10, 20]);
  assert.equal(a.ece[1]?.table.length, 20);
  // calibrated: every ECE is sampling noise, well under 0.02 at n = 20000 (bin se <= 0.5 / sqrt(n_b))
  for (const e of a.ece) assert.ok(e.ece < 0.02, `ECE ${e.bins}: ${e.ece}`);
  assert.deepEqual(a.strata.map((s) => s.covariate), ['BW', 'BW', 'BW', 'COMED', 'COMED']);
});

test('slope b0 = 0.5 (predictions too extreme) fails the slope gate and puts the model outside', () => {
  const a = assessCalibration(subjects(8, 2000, 0.5), opts);
  assert.equal(verdicts(a)['calibration slope'], 'fail');
  assert.equal(verdicts(a)['Hosmer–Lemeshow'], 'fail');
  assert.equal(a.gate_status, 'outside');
  const slope = a.gates[0];
  assert.ok(slope?.ci !== null && slope?.ci !== undefined && slope.ci[1] < 0.9, `CI ${String(slope?.ci)}`);
});

test('a dozen subjects: intervals straddle the gates -> inconclusive, status not-shown', () => {
  const a = assessCalibration(subjects(9, 12, 1), opts);
  assert.equal(a.gate_status, 'not-shown');
  // slope se at n = 12 is ~0.5: the interval cannot fit inside [0.9, 1.1]; Hosmer–Lemeshow needs 50
  assert.equal(a.gates[0]?.verdict, 'inconclusive', a.gates[0]?.why);
  assert.match(a.gates[0]?.why ?? '', /straddles|not estimable/);
  assert.equal(a.gates[2]?.verdict, 'inconclusive');
  assert.match(a.gates[2]?.why ?? '', /too few/);
  // a calibrated model with AUC ~0.87 may pass the AUC gate even on 12 subjects, but must not fail it
  assert.notEqual(a.gates[1]?.verdict, 'fail', a.gates[1]?.why);
});

test('gate rules on the interval, not the estimate', () => {
  const wald = (estimate: number, lo: number, hi: number) => ({ estimate, se: 0, lo, hi });
  const slope = (lo: number, hi: number) => slopeGate({ estimable: true, intercept: wald(0, 0, 0), slope: wald((lo + hi) / 2, lo, hi), iterations: 1 }).verdict;
  assert.equal(slope(0.92, 1.08), 'pass');
  assert.equal(slope(0.85, 1.05), 'inconclusive');
  assert.equal(slope(0.5, 0.89), 'fail');
  assert.equal(slope(1.11, 1.3), 'fail');
  const auc = (lo: number, hi: number) => aucGate({ estimable: true, auc: (lo + hi) / 2, se: 0, lo, hi, successes: 5, failures: 5 }).verdict;
  assert.equal(auc(0.8, 0.9), 'pass');
  assert.equal(auc(0.75, 0.95), 'inconclusive');
  assert.equal(auc(0.6, 0.79), 'fail');
  assert.equal(slopeGate({ estimable: false, reason: 'x' }).verdict, 'inconclusive');
  const g = (verdict: 'pass' | 'fail' | 'inconclusive') => ({ gate: 'AUC', rule: '', estimate: null, ci: null, p_value: null, verdict, why: '' }) as const;
  assert.equal(gateStatus([g('pass'), g('inconclusive'), g('fail')], true), 'outside');
  assert.equal(gateStatus([g('pass'), g('inconclusive')], true), 'not-shown');
  assert.equal(gateStatus([g('pass'), g('pass')], true), 'within');
  // in-sample: passing shows nothing, failing still counts
  assert.equal(gateStatus([g('pass'), g('pass')], false), 'not-shown');
  assert.equal(gateStatus([g('pass'), g('fail')], false), 'outside');
});
