/**
 * Therapeutic-window decisions (issue 19 item 1) on constructed cells where every answer follows from
 * the counts by hand: R = 2 replicates of M = 100 subjects, five doses 1..5 mg, Clopper–Pearson 95 %.
 * The aggregator also refuses safety counts that cannot come from one set of subjects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateCells } from '../../coordinator/aggregate/decisions.js';
import { collectCells } from '../../coordinator/aggregate/curves.js';
import { jointAggregate } from '../../coordinator/aggregate/joint-outputs.js';
import { maximalSafeDose, windowBounds } from '../../coordinator/aggregate/therapeutic-window.js';
import type { AggregationPlan } from '../../coordinator/aggregate/plan.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { ShardError } from '../../worker/common/errors.js';

const DOSES = [1, 2, 3, 4, 5];
const M = 100;
const plan = (safetyTarget: number): AggregationPlan => ({
  scenarios: [{ name: 's', targets: [0.9, 0.5], band: { method: 'clopper-pearson', level: 0.95 }, replicates: 2, subjects: M, regimens: [{ name: 'qd', dosesMg: DOSES }], safety: { target: safetyTarget } }],
});

/** per dose: efficacious and safe subjects per replicate; both = the largest overlap consistent with them */
function rows(eff: readonly number[], safe: readonly number[]): ShardRow[] {
  return DOSES.flatMap((dose, d) => [0, 1].map((replicate) => {
    const k = eff[d] ?? 0;
    const kSafe = safe[d] ?? 0;
    return { scenario: 's', regimen: 'qd', dose_index: d, dose_mg: dose, replicate, n: M, k, sum_max_q20: 0n, sum_max_sq_q12: 0n, k_safe: kSafe, k_both: Math.max(0, k + kSafe - M) };
  }));
}

function windows(safetyTarget: number, eff: readonly number[], safe: readonly number[]) {
  const grids = collectCells(plan(safetyTarget), rows(eff, safe));
  const { decisions } = aggregateCells(grids);
  const result = jointAggregate(grids, decisions).window;
  assert.ok(result !== undefined);
  return result;
}

test('a window between the minimal efficacious and the maximal safe dose, mean and conservative', () => {
  // efficacy 40, 60, 92, 97, 99 %; safety 100, 99, 97, 93, 80 % (N = 200 per dose)
  const w = windows(0.9, [40, 60, 92, 97, 99], [100, 99, 97, 93, 80]);
  const at90 = w.windows.find((x) => x.target === 0.9);
  // mean: first p_eff >= 0.9 is 3 mg; p_safe >= 0.9 holds up to 4 mg (93 %), fails at 5 mg
  assert.deepEqual(at90?.mean, { minimal_efficacious: 3, maximal_safe: 4, window: [3, 4], no_window: null });
  // conservative: CP lower bound of 184/200 is 0.874 < 0.9, of 194/200 is 0.936: efficacy at 4 mg; safety
  // lower bounds 0.964 (194/200) at 3 mg, 0.886 (186/200) at 4 mg: safe up to 3 mg -> no window
  assert.deepEqual(at90?.conservative, { minimal_efficacious: 4, maximal_safe: 3, window: null, no_window: 'efficacious-dose-above-safe-dose' });
  const at50 = w.windows.find((x) => x.target === 0.5);
  assert.deepEqual(at50?.mean.window, [2, 4]);
  // joint curve: p_exceed = 1 - p_safe, p_both from k_both
  const c5 = w.curves.find((c) => c.dose === 5);
  assert.deepEqual([c5?.p_efficacy, c5?.p_safe, c5?.p_exceed, c5?.p_both], [0.99, 0.8, 1 - 0.8, 0.79]);
});

test('no window: unsafe from the lowest dose, or never efficacious; a later safe dose does not extend the safe range', () => {
  const unsafe = windows(0.95, [95, 96, 97, 98, 99], [90, 99, 99, 99, 99]).windows[0];
  assert.deepEqual(unsafe?.mean, { minimal_efficacious: 1, maximal_safe: null, window: null, no_window: 'not-safe' });
  const never = windows(0.9, [10, 20, 30, 40, 50], [100, 100, 100, 100, 100]).windows[0];
  assert.deepEqual(never?.mean, { minimal_efficacious: null, maximal_safe: 5, window: null, no_window: 'not-efficacious' });
  assert.equal(maximalSafeDose(DOSES, (d) => d !== 2), 2, 'the scan stops at the first unsafe dose (3 mg)');
  assert.deepEqual(windowBounds(4, 4), { minimal_efficacious: 4, maximal_safe: 4, window: [4, 4], no_window: null });
});

test('the aggregator refuses safety counts one set of subjects cannot give, and rows without them', () => {
  const good = rows([50, 50, 50, 50, 50], [70, 70, 70, 70, 70]);
  const bad = (change: Partial<ShardRow>): ShardRow[] => good.map((r, i) => (i === 3 ? { ...r, ...change } : r));
  assert.throws(() => collectCells(plan(0.9), bad({ k_both: 51 })), (e: unknown) => e instanceof ShardError && /k_both is 51, expected max\(0, k \+ k_safe - n\) <= k_both <= min\(k, k_safe\)/.test(e.message));
  assert.throws(() => collectCells(plan(0.9), bad({ k_both: 10 })), (e: unknown) => e instanceof ShardError && /k_both is 10/.test(e.message), 'k + k_safe - k_both > n');
  const { k_safe: _s, k_both: _b, ...plain } = good[3] as ShardRow;
  assert.throws(() => collectCells(plan(0.9), good.map((r, i) => (i === 3 ? plain : r))), (e: unknown) => e instanceof ShardError && /no safety counts/.test(e.message));
});
