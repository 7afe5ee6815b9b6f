/**
 * /metrics on the coordinator shows the counters moving during a run (issue 2 acceptance), scraped
 * over real HTTP while real workers compute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { freePort } from '../kit/ports.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


function metric(body: string, name: string): number {
  let total = 0;
  for (const line of body.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

test('coordinator /metrics: trajectories and tile counters move during a run', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 200, subjects: 400, seed: 5 }));
    const port = await freePort();
    const running = startCli(['run', scenario, '--out', join(tmp, 'run'), '--workers', '2', '--tile-trajectories', '32000', '--metrics-port', String(port), '--quiet']);
    const samples: number[] = [];
    let body = '';
    for (let i = 0; i < 400; i += 1) {
      await sleep(50);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      if (res === undefined) {
        if (running.child.exitCode !== null) break;
        continue;
      }
      body = await res.text();
      const t = metric(body, 'qusop_trajectories_total');
      if (samples.length === 0 || t !== samples[samples.length - 1]) samples.push(t);
      if (samples.filter((s) => s > 0).length >= 3) break;
    }
    const r = await running.done;
    assert.equal(r.code, 0, r.stderr);
    const positive = samples.filter((s) => s > 0);
    assert.ok(positive.length >= 2, `saw the trajectories counter at ${samples.join(', ')}`);
    for (let i = 1; i < samples.length; i += 1) assert.ok((samples[i] ?? 0) > (samples[i - 1] ?? 0), 'counter only increases');
    for (const name of ['qusop_tiles_completed_total', 'qusop_tiles', 'qusop_tile_latency_seconds_bucket', 'qusop_lease_expiries_total', 'qusop_tile_retries_total', 'qusop_workers_connected', 'qusop_queue_depth', 'qusop_run_progress_ratio']) {
      assert.ok(body.includes(name), `/metrics exposes ${name}`);
    }
    // a healthy run's event counters exist at 0 (not absent), so the first event would be counted by increase()
    for (const name of ['qusop_lease_expiries_total', 'qusop_tile_retries_total', 'qusop_determinism_alarms_total']) {
      assert.match(body, new RegExp(`^${name}\\{run="[0-9a-f]+"\\} 0$`, 'm'), `/metrics has ${name} at 0 for the run`);
    }
  });
});
