/**
 * Chaos run (issue 6): during a farm-mode sweep, SIGKILL a random worker every ~2 s and start a
 * replacement, SIGSTOP one worker past its lease and SIGCONT it (its late result must be discarded or
 * deduplicated), and kill -9 the coordinator once and restart it on the same run directory. The final
 * curves must equal a clean run's byte for byte. Seeded, bounded in time; prints a summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir, type RunningCli } from '../kit/cli.js';
import { freePort, startCoordinator, startWorker, waitUntil } from '../kit/farm.js';
import { mulberry32 } from '../kit/prng.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 1_500;
const TILE = 20_000;

async function shardInodes(dir: string): Promise<Map<string, number>> {
  const names = await readdir(join(dir, 'shards')).catch(() => [] as string[]);
  const out = new Map<string, number>();
  for (const n of names.filter((x) => x.endsWith('.parquet'))) out.set(n, (await stat(join(dir, 'shards', n))).ino);
  return out;
}

test('chaos: worker kills, a stopped worker, a coordinator kill -9 + restart -> the clean result', { timeout: 240_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 150, subjects: 400, seed: 21 }));
    const clean = join(tmp, 'clean');
    const cleanStarted = Date.now();
    const r0 = await runCli(['run', scenario, '--out', clean, '--workers', '2', '--tile-trajectories', String(TILE), '--quiet']);
    assert.equal(r0.code, 0, r0.stderr);
    const cleanSeconds = (Date.now() - cleanStarted) / 1000;

    const out = join(tmp, 'chaos');
    const port = await freePort();
    const rand = mulberry32(6);
    const started = Date.now();
    let coordinator = startCoordinator({ scenario, out, port, leaseMs: LEASE_MS, tileTrajectories: TILE });
    const workers = new Map<string, RunningCli>();
    const everyWorker: RunningCli[] = [];
    let seq = 0;
    const spawnWorker = (): void => {
      seq += 1;
      const w = startWorker(port, `chaos${seq}`);
      workers.set(`w${seq}`, w);
      everyWorker.push(w);
    };
    spawnWorker();
    spawnWorker();
    const total = (await readFile(join(clean, 'manifest.json'), 'utf8').then((t) => (JSON.parse(t) as { tiles: { total: number } }).tiles.total));
    const done = async (): Promise<number> => (await shardInodes(out)).size;
    const events = { workersKilled: 0, stopped: 0, coordinatorKills: 0 };

    // Faults are triggered by progress, not by the clock, so the test means the same on a fast or a
    // loaded machine. 1. kill a random worker three times (at 10, 20, 30 % of the tiles), replacing it
    const atLeast = (fraction: number): Promise<void> => waitUntil(`${fraction * 100} % of the tiles`, async () => (await done()) >= fraction * total, 120_000, 20);
    for (const fraction of [0.1, 0.2, 0.3]) {
      await atLeast(fraction);
      const names = [...workers.keys()];
      const victim = names[Math.floor(rand() * names.length)] ?? '';
      workers.get(victim)?.child.kill('SIGKILL');
      workers.delete(victim);
      events.workersKilled += 1;
      spawnWorker();
    }
    // 2. kill -9 the coordinator mid-run and restart it on the same directory and port
    await atLeast(0.4);
    coordinator.child.kill('SIGKILL');
    await coordinator.done;
    events.coordinatorKills += 1;
    const finishedBefore = await shardInodes(out);
    assert.ok(finishedBefore.size < total, `the run was still going (${finishedBefore.size}/${total}) when the coordinator was killed`);
    coordinator = startCoordinator({ scenario, out, port, leaseMs: LEASE_MS, tileTrajectories: TILE });
    // 3. stop one worker past its lease, then let it go on (its late result must not be double-counted)
    await atLeast(0.6);
    const [stoppedName, stopped] = [...workers.entries()][0] ?? ['', undefined];
    stopped?.child.kill('SIGSTOP');
    events.stopped += 1;
    await sleep(3 * LEASE_MS);
    stopped?.child.kill('SIGCONT');
    const r = await coordinator.done;
    assert.equal(r.code, 0, `restarted coordinator failed:\n${r.stderr}`);
    for (const w of workers.values()) w.child.kill('SIGTERM');

    // identical result
    const a = await readFile(join(clean, 'curves.parquet'));
    const b = await readFile(join(out, 'curves.parquet'));
    assert.ok(a.equals(b), 'chaos curves.parquet equals the clean run byte for byte');
    assert.equal(await readFile(join(out, 'decisions.json'), 'utf8'), await readFile(join(clean, 'decisions.json'), 'utf8'));
    // the restarted coordinator recomputed none of the tiles that were finished before the kill
    const after = await shardInodes(out);
    let rewritten = 0;
    for (const [name, ino] of finishedBefore) if (after.get(name) !== ino) rewritten += 1;
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { tiles: Record<string, number> };
    assert.equal(rewritten, 0, 'finished shards were not rewritten after the restart');
    assert.equal(manifest.tiles['resumed'], finishedBefore.size, 'the restart resumed exactly the finished tiles');
    // every tile a worker computed and reported, across all workers (killed ones included)
    const outputs = await Promise.all(everyWorker.map((w) => w.done));
    const computed = outputs.reduce((n, o) => n + (o.stderr.match(/"msg":"tile completed"/g)?.length ?? 0), 0);
    const chaosSeconds = (Date.now() - started) / 1000;
    const summary = {
      tiles: total, tilesReported: computed, tilesReRun: computed - total, finishedBeforeCoordinatorKill: finishedBefore.size, recomputedAfterRestart: rewritten,
      ...events, stoppedWorker: stoppedName, leaseExpiriesAfterRestart: manifest.tiles['lease_expiries'], retriesAfterRestart: manifest.tiles['retries'],
      backupsAfterRestart: manifest.tiles['backups_issued'], duplicatesAfterRestart: manifest.tiles['duplicates'],
      cleanSeconds: Math.round(cleanSeconds * 10) / 10, chaosSeconds: Math.round(chaosSeconds * 10) / 10, timeLostSeconds: Math.round((chaosSeconds - cleanSeconds) * 10) / 10,
    };
    process.stdout.write(`# chaos summary: ${JSON.stringify(summary)}\n`);
  });
});
