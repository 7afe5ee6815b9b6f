/**
 * The performance suite's smoke run: `bench/perf/main.js --quick` exercises every section (raw vs
 * e2e per model, 2 processes at once, peak RSS, the PyTorch peer, sweeps with 1 and 2 workers, the
 * coordinator capacity harness) at toy sizes and writes results.json + results.md. It checks that
 * each section produced its figures and what must hold whatever the speed — never a speed itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from '../../bench/perf/main.js';
import { BENCH_MODEL_IDS, REPO_ROOT } from '../../bench/perf/models.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

test('bench --quick runs every section and records the acceptance table', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-bench-quick-'));
  try {
    const scenario = await writeScenario(dir, knownAnswerScenario({ replicates: 4, subjects: 50, qdStop: 10, qwStop: 100 }));
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/bench/perf/main.js'), '--quick', '--out', out, '--sweep-scenario', scenario], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[1\/\d+\] raw vs e2e popmodel-qd/, 'progress lines on stderr');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as BenchResults;
    assert.equal(results.quick, true);
    for (const id of BENCH_MODEL_IDS) {
      for (const threads of [1, 2]) {
        const t = results.throughput.find((x) => x.config.model === id && x.config.threads === threads);
        assert.ok(t !== undefined && t.e2eTrajPerS > 0 && (t.rawTrajPerS ?? 0) > 0 && t.peakRssMiB > 0, `${id} x ${threads} thread(s)`);
      }
      const m = results.machineThroughput.find((x) => x.perProcess[0]?.config.model === id);
      assert.equal(m?.perProcess.length, 2, `${id}: two processes at once`);
    }
    assert.deepEqual(results.throughput.find((t) => t.config.model === 'popmodel-qd-hourly')?.T, 24);
    assert.deepEqual(results.throughput.find((t) => t.config.model === 'popmodel-qw-hourly')?.T, 168);
    assert.ok(results.memory.every((x) => x.peakRssMiB > 0 && x.rawTrajPerS === null), 'memory runs measure the worker alone');
    // the peer computed the same network: its check pd is finite and its timed runs cover both grids
    assert.deepEqual(results.peer.comparison.map((c) => `${c.setup} ${c.T}`), ['as-specified 24', 'as-specified 168', 'tuned 24', 'tuned 168']);
    assert.ok(results.peer.comparison.every((c) => c.peerTrajPerS > 0 && c.qusopTrajPerS > 0 && Number.isFinite(c.ratio)));
    // the sweep: same decisions with 1 and 2 workers (determinism), every trajectory counted, start-up measured
    const [one, two] = [results.sweeps.find((s) => s.workers === 1), results.sweeps.find((s) => s.workers === 2)];
    assert.ok(one !== undefined && two !== undefined);
    assert.equal(one.decisionsSha256, two.decisionsSha256);
    assert.equal(one.trajectories, (4 * 20 + 4 * 20) * 50);
    assert.equal(two.trajectories, one.trajectories);
    assert.ok(one.startupMs !== null && one.startupMs > 0 && one.startupMs < one.runWallMs);
    assert.ok(one.workerComputeMs > 0 && one.overhead !== null);
    assert.ok((results.capacity.grpc?.completionsPerS ?? 0) > 0, 'the capacity harness completed tiles over gRPC');
    const md = await readFile(join(out, 'results.md'), 'utf8');
    assert.match(md, /QUICK smoke run/);
    for (const heading of ['## Acceptance (issue 7)', '## Raw session vs worker end to end', '## BiLSTM vs the PyTorch peer', '## Full sweep through the coordinator', '## Coordinator capacity', '## Worker peak RSS']) {
      assert.ok(md.includes(heading), heading);
    }
    assert.equal((md.match(/^\| (BiLSTM path|worker end-to-end|mechanistic path|full sweep|coordinator completions|the same against the tuned peer|the same through the whole coordinator|worker peak RSS)/gm) ?? []).length, 11, 'eleven acceptance rows');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
