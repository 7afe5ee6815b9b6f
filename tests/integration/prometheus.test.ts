/**
 * A real Prometheus, configured from deploy/prometheus/prometheus.yml (1 s scrape and rule
 * intervals, the coordinator target pointed at a free loopback port), scrapes a running
 * `qusop run`: the trajectory rate is positive, the shipped alert rules load and evaluate cleanly
 * with none firing, and every dashboard query runs on Prometheus' own engine, with data wherever
 * the run produces the metrics. The sweep is sized to outlast the checks and interrupted after them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startCli, withTempDir, type RunningCli } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { eventually, freePort, startPrometheus, type PrometheusServer } from '../kit/prometheus.js';
import { ALERTS_PATH, DEPLOY_DIR, alertExpressions, dashboardExpressions, loadDashboard, parsePromql } from '../kit/promql.js';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
}

/** The shipped static config, made testable: fast intervals, absolute rule path, loopback target. */
async function testConfig(metricsPort: number): Promise<Record<string, unknown>> {
  const shipped = parseYaml(await readFile(join(DEPLOY_DIR, 'prometheus', 'prometheus.yml'), 'utf8')) as { global: Record<string, unknown>; scrape_configs: ScrapeConfig[] };
  const coordinator = shipped.scrape_configs.find((s) => s.job_name === 'qusop-coordinator');
  assert.ok(coordinator?.static_configs !== undefined, 'prometheus.yml has a static qusop-coordinator job');
  // qusop run's local workers serve no /metrics, so the worker job is left out
  return {
    ...shipped,
    global: { ...shipped.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [ALERTS_PATH],
    scrape_configs: [{ ...coordinator, static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
  };
}

/** Metrics a local run exports from the start (labelled counters such as expiries appear only once incremented). */
const PRESENT_DURING_RUN = new Set(['up', 'qusop_trajectories_total', 'qusop_tiles_completed_total', 'qusop_tiles', 'qusop_tile_latency_seconds_bucket', 'qusop_run_progress_ratio', 'qusop_workers_connected', 'qusop_queue_depth']);

const hasData = (v: { value: [number, string] }[]): boolean => v.length > 0 && v.every((s) => Number.isFinite(Number(s.value[1])));

test('Prometheus scrapes a running sweep: positive trajectory rate, healthy rules, working dashboard queries', { timeout: 120_000 }, async (t) => {
  await withTempDir(async (tmp) => {
    // ~100 s of work on one worker: the checks finish first and the run is interrupted
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 400, subjects: 1000, seed: 11 }));
    const metricsPort = await freePort();
    const started = Date.now();
    const prom: PrometheusServer = await startPrometheus(await testConfig(metricsPort));
    let run: RunningCli | undefined;
    try {
      run = startCli(['run', scenario, '--out', join(tmp, 'run'), '--workers', '1', '--tile-trajectories', '32000', '--metrics-port', String(metricsPort), '--quiet'], { timeoutMs: 110_000 });
      const running = run;
      let stderr = '';
      running.child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      const alive = (): void => assert.equal(running.child.exitCode, null, `the sweep is still running; stderr:\n${stderr}`);

      await eventually('up{job="qusop-coordinator"} == 1', async () => {
        alive();
        return (await prom.query('up{job="qusop-coordinator"} == 1')).length === 1 ? true : undefined;
      }, 30_000);
      const rate = await eventually('rate(qusop_trajectories_total[10s]) > 0', async () => {
        const v = await prom.query('sum(rate(qusop_trajectories_total[10s]))');
        const x = Number(v[0]?.value[1] ?? 0);
        return x > 0 ? x : undefined;
      }, 30_000);
      alive();
      const firstData = Date.now() - started;

      // the shipped rules: all loaded, all evaluated without error, none firing in a healthy run
      const names = (await alertExpressions()).map((e) => e.where.split(' ').pop());
      const rules = await eventually('every rule evaluated', async () => {
        const data = await prom.api<{ groups: { rules: { name: string; health: string; lastError?: string; state?: string }[] }[] }>('rules');
        const all = data.groups.flatMap((g) => g.rules);
        return all.length === names.length && all.every((r) => r.health !== 'unknown') ? all : undefined;
      }, 15_000);
      assert.deepEqual(rules.map((r) => r.name).sort(), [...names].sort());
      for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
      assert.deepEqual(rules.filter((r) => r.state === 'firing').map((r) => r.name), [], 'no alert fires during a healthy sweep');

      // every dashboard query parses and runs on Prometheus 2.42; those over metrics the run exports return data
      const exprs = dashboardExpressions(await loadDashboard());
      for (const e of exprs) await prom.query(e.expr);
      const expectData = exprs.filter((e) => parsePromql(e.expr).selectors.every((s) => s.metric !== undefined && PRESENT_DURING_RUN.has(s.metric)));
      assert.ok(expectData.length >= 8, `${expectData.length} dashboard queries expected to show data`);
      await eventually('dashboard queries with data', async () => {
        for (const e of expectData) if (!hasData(await prom.query(e.expr))) return undefined;
        return true;
      }, 20_000);
      alive();
      const progress = Number((await prom.query('max(qusop_run_progress_ratio)'))[0]?.value[1]);
      assert.ok(progress > 0 && progress < 1, `progress ${progress} is moving`);
      t.diagnostic(`first positive rate ${rate.toFixed(0)} trajectories/s after ${firstData} ms; checks done after ${Date.now() - started} ms`);
    } finally {
      if (run !== undefined && run.child.exitCode === null) run.child.kill('SIGINT');
      await run?.done;
      await prom.stop();
    }
  });
});
