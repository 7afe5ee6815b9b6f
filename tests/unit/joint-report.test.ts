/**
 * The report files of the threshold sweep and the joint endpoints (issue 19): the window table and the
 * dose-vs-threshold table say what the aggregate decided, and the plots render to PNG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepMarkdown, windowMarkdown, writeJointReport } from '../../analysis/report/joint-endpoints.js';
import type { SweepResult } from '../../coordinator/aggregate/threshold-sweep.js';
import type { WindowResult } from '../../coordinator/aggregate/therapeutic-window.js';
import { windowBounds } from '../../coordinator/aggregate/therapeutic-window.js';
import { sweepThresholdUnits } from '../../analysis/report/sweep-units.js';
import { sweepPlotSpec } from '../../analysis/joint-plots.js';

const SWEEP: SweepResult = {
  decisions: [2.5, 3, 3.5].flatMap((t, h) => [
    { scenario: 's', regimen: 'qd', threshold_ng_ml: t, target: 0.9, mean_crossing: [12, 9, null][h] ?? null, conservative: [13, 10, null][h] ?? null, replicate_median: null, flags: [] },
  ]),
  curves: [],
};
const WINDOW: WindowResult = {
  windows: [
    { scenario: 's', regimen: 'qd', target: 0.9, safety_target: 0.95, mean: windowBounds(3, 4), conservative: windowBounds(5, 4) },
  ],
  curves: [1, 2, 3, 4, 5].map((dose, d) => ({ scenario: 's', regimen: 'qd', dose, n: 200, p_efficacy: 0.2 * (d + 1), p_safe: 1 - 0.05 * d, p_both: 0.2 * (d + 1) - 0.01, p_exceed: 0.05 * d, safe_band_lo: 0.9, safe_band_hi: 1 })),
};

test('tables: dose against threshold, and the window or why there is none', () => {
  const sweep = sweepMarkdown(SWEEP);
  assert.match(sweep, /\| threshold \(ng\/mL\) \| s qd 90 % \|/);
  assert.match(sweep, /\| 2\.5 \| 12 \/ 13 \|\n\| 3 \| 9 \/ 10 \|\n\| 3\.5 \| — \/ — \|/);
  // a biomarker in its own unit is labelled so, in the table and the plot's axis
  assert.match(sweepMarkdown(SWEEP, new Map([['s', '%']])), /\| threshold \(%\) \| s qd 90 % \|/);
  assert.match(JSON.stringify(sweepPlotSpec('s', SWEEP.decisions, [], undefined, '%')), /"title":"threshold \(%\)"/);
  // scenarios in different units: each column says its own
  const two: SweepResult = { curves: [], decisions: [...SWEEP.decisions, ...SWEEP.decisions.map((d) => ({ ...d, scenario: 'c' }))] };
  assert.match(sweepMarkdown(two, new Map([['s', '%'], ['c', 'ng/mL']])), /\| threshold \| s qd 90 % \(threshold in %\) \| c qd 90 % \(threshold in ng\/mL\) \|/);
  const window = windowMarkdown(WINDOW);
  assert.match(window, /\| s \| qd \| 90 % \| 95 % \| 3 \| 4 \| 3–4 mg \| 5 \| 4 \| no window \(efficacious-dose-above-safe-dose\) \|/);
});

test('sweepThresholdUnits: the biomarker in its card\'s units.pd, a concentration in ng/mL', () => {
  const scenario = (name: string, endpoint: 'biomarker' | 'concentration' | undefined, sha: string) =>
    ({ name, ...(endpoint === undefined ? {} : { question: { endpoint, statistic: 'max', comparison: '<=' } }), regimens: [{ modelSha256: sha }] }) as never;
  const units = sweepThresholdUnits({ scenarios: [scenario('pca', undefined, 'a'), scenario('conc', 'concentration', 'a'), scenario('est', 'biomarker', 'b')] }, [{ sha256: 'a', pdUnit: '%' }, { sha256: 'b' }]);
  assert.deepEqual([...units], [['pca', '%'], ['conc', 'ng/mL'], ['est', 'ng/mL']]);
});

test('writeJointReport writes the tables and PNG plots, nothing for a run without sweep or safety', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-joint-report-'));
  try {
    assert.deepEqual(await writeJointReport(dir, {}), []);
    const written = await writeJointReport(dir, { sweep: SWEEP, window: WINDOW });
    assert.deepEqual(written, ['threshold-sweep.md', join('plots', 'threshold-sweep-s.png'), 'therapeutic-window.md', join('plots', 'pareto-s.png')]);
    for (const png of written.filter((p) => p.endsWith('.png'))) {
      const bytes = await readFile(join(dir, png));
      assert.deepEqual([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG', png);
      assert.ok(bytes.byteLength > 10_000, `${png} is a picture`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
