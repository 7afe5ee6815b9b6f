/**
 * The HMC-vs-Fisher coverage study's pure parts (bench/hmc/coverage-summary.ts, coverage-trial.ts):
 * a cell's coverage and width, the median with missing widths counted as infinite, the Clopper-Pearson
 * share, the per-regimen summary (flagged posteriors kept, and apart), the paired width ratio, and the
 * subset of a trial's subjects per dose group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageCell, medianOrInfinite, medianWidthRatio, reachesStepBelow, share, summarizeCoverage, type CoverageRow, type MethodResult } from '../../bench/hmc/coverage-summary.js';
import { subsetIds } from '../../bench/hmc/coverage-trial.js';

test('coverageCell: covered when lo <= truth <= hi (hi missing: past the grid); width in mg and grid steps; a missing bound has no width', () => {
  const c = coverageCell('QD', 10.5, 0.5, { dose: 11, mean_crossing: 10, interval: [8.5, 11.5] });
  assert.equal(c.covered, true);
  assert.equal(c.width_mg, 3);
  assert.equal(c.width_steps, 6);
  assert.equal(coverageCell('QD', 12, 0.5, { dose: 11, mean_crossing: 10, interval: [8.5, 11.5] }).covered, false);
  assert.equal(coverageCell('QD', 11.5, 0.5, { dose: 11, mean_crossing: 10, interval: [8.5, 11.5] }).covered, true, 'the bounds belong to the interval');
  // hi null: the upper quantile lies past the grid, so [60, beyond) holds 100 but [105, beyond) does not
  const open = coverageCell('QW', 100, 5, { dose: null, mean_crossing: null, interval: [60, null] });
  assert.equal(open.covered, true);
  assert.equal(open.width_mg, null);
  assert.equal(coverageCell('QW', 100, 5, { dose: null, mean_crossing: null, interval: [105, null] }).covered, false);
  assert.equal(coverageCell('QW', 100, 5, { dose: null, mean_crossing: null, interval: [null, null] }).covered, false);
  const none = coverageCell('QW', 100, 5, undefined);
  assert.deepEqual([none.covered, none.width_mg, none.answer], [false, null, null]);
});

test('medianOrInfinite: odd and even counts; a missing width counts as wider than any; all missing or none gives null', () => {
  assert.equal(medianOrInfinite([3, 1, 2]), 2);
  assert.equal(medianOrInfinite([4, 1, 3, 2]), 2.5);
  assert.equal(medianOrInfinite([1, null, 2]), 2);
  assert.equal(medianOrInfinite([1, null, null]), null);
  assert.equal(medianOrInfinite([]), null);
});

test('share: the exact Clopper-Pearson 95 % interval (known values) and its ends at k = 0 and k = n', () => {
  const s = share(18, 20);
  // Beta quantiles: qbeta(0.025, 18, 3) = 0.68301, qbeta(0.975, 19, 2) = 0.98765 (R)
  assert.ok(Math.abs(s.lo - 0.68301) < 1e-4, String(s.lo));
  assert.ok(Math.abs(s.hi - 0.98765) < 1e-4, String(s.hi));
  assert.equal(share(0, 5).lo, 0);
  assert.equal(share(5, 5).hi, 1);
});

function result(widths: readonly [number, number], covered: readonly [boolean, boolean], flagged?: boolean): MethodResult {
  const cells = (['QD', 'QW'] as const).map((regimen, i) => {
    const step = regimen === 'QD' ? 0.5 : 5;
    const truth = regimen === 'QD' ? 10 : 100;
    const lo = covered[i] ? truth - 1 : truth + 1;
    return coverageCell(regimen, truth, step, { dose: lo, mean_crossing: lo, interval: [lo, lo + widths[i]!] });
  });
  return { fit_s: 1, answer_s: 1, degenerate: [], cells, ...(flagged === undefined ? {} : { hmc: { max_rhat: flagged ? 1.2 : 1.01, min_ess_bulk: 100, min_ess_tail: 100, divergences: 0, transitions: 200, tree_depth_saturated: 0, flagged, flags: flagged ? ['R-hat 1.2 > 1.05'] : [], sampling_s: 10 } }) };
}

const row = (seed: number, fisher: MethodResult, hmc: MethodResult): CoverageRow => ({ seed, trial_seed: seed, subjects: 12, observations: 288, fisher, hmc });

test('summarizeCoverage: per regimen, Fisher and HMC over every trial, flagged posteriors counted in HMC and left out of HMC-unflagged', () => {
  const rows = [
    row(1, result([2, 20], [true, true]), result([3, 30], [true, true], false)),
    row(2, result([4, 40], [false, true]), result([5, 50], [true, false], true)),
    row(3, result([6, 60], [true, false]), result([7, 70], [false, true], false)),
  ];
  const s = summarizeCoverage(rows, [{ id: 'QD', step: 0.5 }, { id: 'QW', step: 5 }]);
  const find = (regimen: string, method: string) => s.find((x) => x.regimen === regimen && x.method === method)!;
  assert.deepEqual([find('QD', 'fisher').coverage.k, find('QD', 'fisher').coverage.n], [2, 3]);
  assert.equal(find('QD', 'fisher').median_width_mg, 4);
  assert.equal(find('QD', 'fisher').median_width_steps, 8);
  assert.deepEqual([find('QD', 'hmc').coverage.k, find('QD', 'hmc').coverage.n], [2, 3]);
  assert.deepEqual([find('QD', 'hmc-unflagged').coverage.k, find('QD', 'hmc-unflagged').coverage.n], [1, 2]);
  assert.equal(find('QD', 'hmc-unflagged').median_width_mg, 5);
  assert.deepEqual([find('QW', 'hmc').coverage.k, find('QW', 'hmc').coverage.n], [2, 3]);
  assert.equal(find('QW', 'hmc').median_width_steps, 10);
  // a missed interval starts one mg above the truth: it reaches neither the truth nor one step below
  assert.deepEqual([find('QD', 'fisher').coverage_step_below.k, find('QD', 'fisher').coverage_step_below.n], [2, 3]);
  // ratios QD: 3/2, 5/4, 7/6 -> median 1.25
  assert.deepEqual(medianWidthRatio(rows, 'QD'), { median: 1.25, n: 3 });
});

test('reachesStepBelow: an interval ending one grid step below the truth reaches it, two steps below does not; hi missing (past the grid) does, lo missing never', () => {
  assert.equal(reachesStepBelow(coverageCell('QD', 10.5, 0.5, { dose: 10, mean_crossing: 9, interval: [7, 10] }), 0.5), true);
  assert.equal(reachesStepBelow(coverageCell('QD', 10.5, 0.5, { dose: 9.5, mean_crossing: 9, interval: [7, 9.5] }), 0.5), false);
  assert.equal(reachesStepBelow(coverageCell('QD', 10.5, 0.5, { dose: 11, mean_crossing: 11, interval: [11, 12] }), 0.5), false, 'an interval above the truth does not reach it');
  assert.equal(reachesStepBelow(coverageCell('QW', 100, 5, { dose: null, mean_crossing: null, interval: [90, null] }), 5), true, 'hi past the grid');
  assert.equal(reachesStepBelow(coverageCell('QW', 100, 5, { dose: null, mean_crossing: null, interval: [null, null] }), 5), false);
});

test('subsetIds: the first M subjects by ID of each dose group; undosed subjects never kept; a missing column named', () => {
  const lines = ['ID,TIME,DV,EVID,AMT', '1,0,0,1,3', '2,0,0,1,1', '3,0,0,1,3', '10,0,0,1,1', '4,0,0,1,3', '4,1,5,0,0', '20,1,5,0,0', '11,0,0,1,1'];
  assert.deepEqual([...subsetIds(lines, 2)].sort(), ['1', '10', '2', '3']);
  assert.deepEqual([...subsetIds(lines, 1)].sort(), ['1', '2']);
  assert.throws(() => subsetIds(['ID,TIME,DV,EVID'], 1), /no AMT column/);
});
