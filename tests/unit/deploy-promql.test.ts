/**
 * Every PromQL expression in deploy/ (dashboard targets and variables, alert rules) parses, names
 * only metrics that coordinator/metrics.ts or worker/metrics.ts really export (read from their
 * registries, histogram suffixes included), and uses only labels those metrics carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertExpressions, checkExpression, dashboardExpressions, exportedSeries, loadDashboard, parsePromql, substituteGrafanaVariables } from '../kit/promql.js';

test('the metric list comes from the real registries, histograms expanded', async () => {
  const series = await exportedSeries();
  for (const name of ['qusop_trajectories_total', 'qusop_tiles', 'qusop_tile_latency_seconds_bucket', 'qusop_tile_latency_seconds_sum', 'qusop_tile_latency_seconds_count', 'qusop_worker_tile_seconds_bucket', 'qusop_workers_connected']) {
    assert.ok(series.has(name), name);
  }
  assert.ok(!series.has('qusop_tile_latency_seconds'), 'a histogram is only its _bucket/_sum/_count series');
  assert.ok(series.get('qusop_tile_latency_seconds_bucket')?.has('le'));
  assert.ok(series.get('qusop_tiles')?.has('state'));
});

test('the parser finds metric names and labels in selectors and grouping clauses', () => {
  const p = parsePromql('histogram_quantile(0.95, sum by (le) (rate(qusop_tile_latency_seconds_bucket{run=~"a|b"}[5m]))) > on (job) {__name__="up"}');
  assert.deepEqual(p.selectors, [{ metric: 'qusop_tile_latency_seconds_bucket', labels: ['run'] }, { metric: 'up', labels: [] }]);
  assert.deepEqual(p.groupingLabels, ['le', 'job']);
  assert.deepEqual(p.errors, []);
  assert.ok(parsePromql('rate(qusop_trajectories_total[5m)').errors.length > 0);
  assert.equal(substituteGrafanaVariables('rate(x{run=~"$run"}[$__rate_interval])'), 'rate(x{run=~".*"}[1m])');
});

test('the checker rejects unknown metrics, unknown labels and bad syntax', async () => {
  const series = await exportedSeries();
  const check = (expr: string): string[] => checkExpression({ where: 'planted', expr }, series);
  assert.deepEqual(check('sum by (state) (qusop_tiles{run="r"})'), []);
  assert.match(check('rate(qusop_trajectory_total[5m])').join('\n'), /qusop_trajectory_total is not exported/);
  assert.match(check('histogram_quantile(0.5, rate(qusop_tile_latency_seconds[5m]))').join('\n'), /qusop_tile_latency_seconds is not exported/);
  assert.match(check('qusop_tiles{status="pending"}').join('\n'), /has no label "status"/);
  assert.match(check('sum by (sate) (qusop_tiles)').join('\n'), /groups by "sate"/);
  assert.match(check('sum(rate(qusop_trajectories_total[5m])').join('\n'), /syntax error/);
});

test('dashboard expressions use only exported metrics and their labels', async () => {
  const series = await exportedSeries();
  const exprs = dashboardExpressions(await loadDashboard());
  assert.ok(exprs.length >= 15, `found ${exprs.length} dashboard expressions`);
  const problems = exprs.flatMap((e) => checkExpression(e, series));
  assert.deepEqual(problems, []);
});

test('alert rule expressions use only exported metrics and their labels', async () => {
  const series = await exportedSeries();
  const exprs = await alertExpressions();
  assert.ok(exprs.length >= 4, `found ${exprs.length} rules`);
  const problems = exprs.flatMap((e) => checkExpression(e, series));
  assert.deepEqual(problems, []);
});
