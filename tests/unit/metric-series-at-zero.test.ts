/**
 * A run's counter and histogram series exist at 0 from its start (coordinator/metrics.ts
 * startRunSeries), and a worker's per-outcome tile series from its start (worker/metrics.ts), so
 * increase()/rate() count the first event and dashboards show 0, not "no data".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCoordinatorMetrics, startRunSeries } from '../../coordinator/metrics.js';
import { createWorkerMetrics, TILE_OUTCOMES } from '../../worker/metrics.js';

test('startRunSeries: every run-labelled counter and histogram has a series at 0 for the run', async () => {
  const m = createCoordinatorMetrics();
  const before = await m.registry.metrics();
  assert.doesNotMatch(before, /run="r1"/, 'no series for the run before it starts');
  startRunSeries(m, 'r1');
  const runLabelled = m.registry.getMetricsAsArray().filter((metric) => {
    const names = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    return names.includes('run') && names.length === 1;
  });
  const json = await m.registry.getMetricsAsJSON();
  const kinds = new Map(json.map((j) => [j.name, String(j.type)]));
  const checked: string[] = [];
  for (const metric of runLabelled) {
    const name = (metric as unknown as { name: string }).name;
    const kind = kinds.get(name);
    if (kind !== 'counter' && kind !== 'histogram') continue; // gauges are set by the run's first progress report
    const values = json.find((j) => j.name === name)?.values ?? [];
    const own = values.filter((v) => v.labels['run'] === 'r1');
    assert.ok(own.length > 0, `${name} has a series for run r1`);
    for (const v of own) assert.equal(v.value, 0, `${name}${JSON.stringify(v.labels)} starts at 0`);
    checked.push(name);
  }
  assert.deepEqual(checked.sort(), [
    'qusop_determinism_alarms_total', 'qusop_lease_expiries_total', 'qusop_tile_backups_total', 'qusop_tile_backups_won_total',
    'qusop_tile_latency_seconds', 'qusop_tile_retries_total', 'qusop_tiles_completed_total', 'qusop_trajectories_total',
  ]);
});

test('a worker exposes every tile outcome at 0 before its first tile', async () => {
  const m = createWorkerMetrics({ worker: 'w1' });
  const values = (await m.registry.getMetricsAsJSON()).find((j) => j.name === 'qusop_worker_tiles_total')?.values ?? [];
  assert.deepEqual(values.map((v) => [v.labels['outcome'], v.value]).sort(), TILE_OUTCOMES.map((o) => [o, 0]).sort());
  assert.deepEqual([...TILE_OUTCOMES].sort(), ['cancelled', 'completed', 'failed', 'rejected']);
});
