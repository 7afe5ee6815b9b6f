/**
 * Killing a worker process with SIGKILL mid-run still completes the run with the identical result
 * (issue 2 acceptance): its leased tile is re-queued, a replacement worker starts, and the curves
 * equal a clean run's byte for byte. Killing the `qusop run` process instead ends its workers too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, startCli, withTempDir } from '../kit/cli.js';
import { childPids, runningPids } from '../kit/processes.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { cellTable, outputs } from '../kit/run-dir.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('SIGKILL of one worker mid-run: the run completes with the clean run\'s exact result', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 120, subjects: 400, seed: 3 }));
    const args = ['--workers', '2', '--tile-trajectories', '32000', '--quiet'];
    const clean = join(tmp, 'clean');
    const r0 = await runCli(['run', scenario, '--out', clean, ...args]);
    assert.equal(r0.code, 0, r0.stderr);
    const cleanTiles = (await readdir(join(clean, 'shards'))).length;

    const chaos = join(tmp, 'chaos');
    const running = startCli(['run', scenario, '--out', chaos, ...args]);
    // wait until some but not all tiles are done, then kill one worker process
    let killed = 0;
    for (let i = 0; i < 600 && killed === 0; i += 1) {
      await sleep(50);
      const done = await readdir(join(chaos, 'shards')).then((n) => n.filter((x) => x.endsWith('.parquet')).length, () => 0);
      if (done >= cleanTiles * 0.2) {
        const workers = await childPids(running.child.pid ?? -1);
        const victim = workers[0];
        assert.ok(victim !== undefined, 'the run has worker processes');
        process.kill(victim, 'SIGKILL');
        killed = victim;
      }
    }
    assert.notEqual(killed, 0, 'a worker was killed mid-run');
    const r1 = await running.done;
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, /worker process died/);
    const a = await outputs(clean);
    const b = await outputs(chaos);
    assert.deepEqual(await cellTable(chaos), await cellTable(clean));
    assert.ok(b.curves.equals(a.curves), 'curves.parquet bytes equal the clean run');
    assert.equal(b.decisions, a.decisions);
    assert.ok(((b.manifest['execution'] as { workerRestarts: number }).workerRestarts) >= 1, 'a replacement worker was started');
  });
});

test('SIGKILL of `qusop run` itself: its worker processes exit at once instead of computing for nobody', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 400, subjects: 400, seed: 4 }));
    const running = startCli(['run', scenario, '--out', join(tmp, 'run'), '--workers', '2', '--tile-trajectories', '32000', '--quiet']);
    const runPid = running.child.pid ?? -1;
    // wait until both workers have finished a tile (so they are inside the lease loop, computing)
    let workers: number[] = [];
    for (let i = 0; i < 600; i += 1) {
      await sleep(50);
      const done = await readdir(join(tmp, 'run', 'shards')).then((n) => n.filter((x) => x.endsWith('.parquet')).length, () => 0);
      workers = await childPids(runPid);
      if (done >= 2 && workers.length === 2) break;
    }
    assert.equal(workers.length, 2, 'the run has two worker processes');
    process.kill(runPid, 'SIGKILL');
    await running.done;
    const killedAt = Date.now();
    while ((await runningPids(workers)).length > 0 && Date.now() - killedAt < 5_000) await sleep(50);
    const left = await runningPids(workers);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // never leave them behind, even when the test fails
    assert.deepEqual(left, [], `worker processes still running 5 s after their parent was killed: ${left.join(', ')}`);
  });
});
