/**
 * The coordinator capacity benchmark's harness (bench/coordinator/capacity.ts) at a tiny size:
 * correctness only, never speed. With results computed by the worker's own code, every tile must be
 * completed exactly once over real gRPC (and in-process), nothing partial may be left in the shard
 * store, and the run's curves and decisions must equal a normal in-process sweep of the same scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCapacityBench } from '../../bench/coordinator/capacity.js';
import { DOSES_PER_REPLICATE } from '../../bench/coordinator/capacity-run.js';
import type { LatencySummary } from '../../bench/coordinator/capacity-stats.js';
import { runInProcess } from '../../coordinator/local/in-process.js';
import { aggregateRunDir } from '../../coordinator/run/aggregate-run.js';
import { withTempDir } from '../kit/cli.js';

function assertLatencies(l: LatencySummary, count: number, what: string): void {
  assert.equal(l.count, count, `${what}: one latency per leased tile`);
  assert.ok(l.p50Ms >= 0 && l.p50Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.maxMs && Number.isFinite(l.maxMs), `${what}: ordered, finite quantiles ${JSON.stringify(l)}`);
}

async function assertShardStore(runDir: string, tiles: number): Promise<void> {
  const names = await readdir(join(runDir, 'shards'));
  assert.equal(names.filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).length, tiles, 'one shard per tile');
  assert.deepEqual(names.filter((n) => n.startsWith('.')), [], 'no temp files left behind');
  assert.ok(JSON.parse(await readFile(join(runDir, 'decisions.json'), 'utf8')), 'decisions.json written');
}

test('capacity harness: tiles completed exactly once, outputs equal a normal run, latencies recorded', { timeout: 120_000 }, async () => {
  await withTempDir(async (dir) => {
    const tilesWanted = 300;
    const r = await runCapacityBench({ workers: 50, tiles: tilesWanted, clientProcesses: 1, channelsPerProcess: 2, cells: 'computed', workDir: dir, timeoutMs: 60_000 });
    const tiles = Math.ceil(tilesWanted / DOSES_PER_REPLICATE) * DOSES_PER_REPLICATE;
    assert.equal(r.tiles, tiles);
    const normal = await runInProcess(r.scenarioPath, { threads: 1 });

    const s = r.scheduler;
    assert.ok(s !== undefined);
    assert.equal(s.tiles, tiles);
    assertLatencies(s.leaseLatency, tiles, 'scheduler');

    const rc = r.runController;
    assert.ok(rc !== undefined);
    assert.equal(rc.leasesIssued, tiles, 'in-process: every tile leased once');
    assert.equal(rc.duplicates, 0);
    assertLatencies(rc.leaseLatency, tiles, 'run controller');
    await assertShardStore(rc.runDir, tiles);

    const n = r.grpcNull;
    assert.ok(n !== undefined);
    assertLatencies(n.leaseLatency, tiles, 'do-nothing server');

    const g = r.grpc;
    assert.ok(g !== undefined);
    assert.deepEqual(g.errors, []);
    assert.equal(g.accepted, tiles, 'gRPC: every tile accepted');
    assert.equal(g.distinctAccepted, tiles, 'gRPC: no tile accepted twice');
    assert.equal(g.otherOutcomes, 0, 'no duplicate, conflict or unknown outcomes');
    assert.equal(g.leasesIssued, tiles, 'gRPC: every tile leased exactly once');
    assert.equal(g.duplicates, 0);
    assertLatencies(g.leaseLatency, tiles, 'gRPC lease');
    assertLatencies(g.completeLatency, tiles, 'gRPC complete');
    assert.ok(g.cpu.coordinator.userS > 0 && g.cpu.clients.length === 1 && g.cpu.coordinatorUsPerCompletion > 0, 'CPU of both sides recorded');
    await assertShardStore(g.runDir, tiles);

    const paced = r.grpcPaced;
    assert.ok(paced !== undefined && paced.thinkMs > 0);
    assert.deepEqual([paced.accepted, paced.distinctAccepted, paced.leasesIssued, paced.otherOutcomes], [paced.tiles, paced.tiles, paced.tiles, 0], 'paced: every tile once');
    assertLatencies(paced.leaseLatency, paced.tiles, 'paced gRPC lease');

    for (const [what, runDir] of [['in-process', rc.runDir], ['gRPC', g.runDir]] as const) {
      const out = await aggregateRunDir(runDir);
      assert.deepEqual(out.curves, normal.curves, `${what}: curves equal a normal run's`);
      assert.deepEqual(out.decisions, normal.decisions, `${what}: decisions equal a normal run's`);
    }
  });
});
