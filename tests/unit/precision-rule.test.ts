/**
 * The adaptive-precision rule (coordinator/precision/rule.ts) on hand-made rounds: the next R follows
 * z^2 p (1 - p) / h^2 (normal-approximation sample size for half-width h at p; z = Phi^-1(0.975) =
 * 1.959964 for a 95 % band), at least doubling and never past the budget; a replicate-quantile band
 * stops at once (parameter uncertainty does not shrink like 1 / sqrt(R)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CurveRow } from '../../coordinator/aggregate/curves.js';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import { judgeRound } from '../../coordinator/precision/rule.js';
import type { BandMethod, ScenarioSpec } from '../../worker/run-spec.js';

const M = 100;

function scenario(R: number, method: BandMethod, halfWidth: number, maxReplicates: number): ScenarioSpec {
  return {
    name: 's', description: '', seed: 1, population: { subjects: M } as ScenarioSpec['population'], populationLabel: '', thresholdNgMl: 3.3, targets: [0.9],
    replicates: R, precision: { halfWidth, maxReplicates }, band: { method, level: 0.95 }, regimens: [{ name: 'qd', tauH: 24, dosesMg: [1, 2], modelSha256: 'x' }],
  };
}

const curve = (dose: number, p: number, halfWidth: number): CurveRow => ({
  scenario: 's', regimen: 'qd', dose, n: 0, k: 0, p_hat: p, cp_lo: 0, cp_hi: 0, wilson_lo: 0, wilson_hi: 0, rq_lo: 0, rq_hi: 0, rep_p_q025: 0, rep_p_q50: 0, rep_p_q975: 0,
  mean_max_ng_ml: 0, sd_max_ng_ml: null, band_lo: p - halfWidth, band_hi: p + halfWidth,
});

const decision = (meanCrossing: number | null, conservative: number | null): Decision => ({
  scenario: 's', regimen: 'qd', target: 0.9, mean_crossing: meanCrossing, conservative, replicate_median: null, replicate_lo: null, replicate_hi: null, flags: [], non_monotone_steps: 0,
  band: { method: 'clopper-pearson', level: 0.95 },
});

test('next R: the predicted size at the widest unmet dose, at least twice R, at most the budget', () => {
  const curves = [curve(1, 0.9, 0.03), curve(2, 0.95, 0.02)];
  const decisions = [decision(1, 2)];
  // dose 1: ceil(1.959964^2 * 0.9 * 0.1 / 0.01^2 / 100) = ceil(34.57) = 35; dose 2: ceil(18.25) = 19
  assert.equal(judgeRound(scenario(4, 'clopper-pearson', 0.01, 1000), curves, decisions).next, 35);
  assert.equal(judgeRound(scenario(30, 'clopper-pearson', 0.01, 1000), curves, decisions).next, 60, 'at least doubles');
  assert.equal(judgeRound(scenario(4, 'clopper-pearson', 0.01, 20), curves, decisions).next, 20, 'never past the budget');
  const atBudget = judgeRound(scenario(20, 'clopper-pearson', 0.01, 20), curves, decisions);
  assert.equal(atBudget.stop, 'budget');
  assert.equal(atBudget.next, undefined);
});

test('stops when every decision dose meets the half-width; unreached decisions have no dose to check', () => {
  const v = judgeRound(scenario(4, 'clopper-pearson', 0.031, 1000), [curve(1, 0.9, 0.03), curve(2, 0.95, 0.02)], [decision(1, 2), decision(null, null)]);
  assert.equal(v.stop, 'half-width-met');
  assert.deepEqual(v.halfWidths.map((w) => [w.kind, w.dose]), [['conservative', 2], ['mean_crossing', 1]]);
  const wider = judgeRound(scenario(4, 'clopper-pearson', 0.025, 1000), [curve(1, 0.9, 0.03), curve(2, 0.95, 0.02)], [decision(1, 2)]);
  assert.notEqual(wider.next, undefined, 'dose 1 at 0.03 > 0.025 needs another round');
});

test('a replicate-quantile band stops at once with reason parameter-uncertainty', () => {
  const v = judgeRound(scenario(4, 'replicate-quantile', 0.01, 1000), [curve(1, 0.9, 0.1)], [decision(1, 1)]);
  assert.equal(v.stop, 'parameter-uncertainty');
  assert.equal(v.next, undefined);
});
