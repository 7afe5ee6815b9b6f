/**
 * Straggler backups (issue 6): one artificially slowed worker no longer decides a run's end time.
 * Once the queue is empty, an idle worker gets a backup copy of the straggler's tile; the first valid
 * result wins and the slow copy is cancelled through its heartbeat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../kit/cli.js';
import { freePort, startCoordinator, startWorker } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const SLOW_MS = 60_000;

test('a slowed worker does not decide the end time: its tile is backed up and the backup wins', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 16, subjects: 100, seed: 4 }));
    const port = await freePort();
    const out = join(tmp, 'out');
    const started = Date.now();
    const coordinator = startCoordinator({ scenario, out, port, tileTrajectories: 16_000, extraArgs: ['--backup-min-ms', '500', '--backup-factor', '2'] });
    await coordinator.waitFor(/coordinator listening/);
    // the slow worker registers first so it surely holds a tile
    const slow = startWorker(port, 'slow', { QUSOP_TEST_SLOW_TILE_MS: String(SLOW_MS) });
    await coordinator.waitFor(/worker registered/);
    await new Promise((r) => setTimeout(r, 300));
    const fast = startWorker(port, 'fast');
    const c = await coordinator.done;
    const wallMs = Date.now() - started;
    assert.equal(c.code, 0, c.stderr);
    assert.ok(wallMs < SLOW_MS / 2, `the run ended after ${wallMs} ms, long before the straggler's ${SLOW_MS} ms`);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { tiles: Record<string, number> };
    assert.ok((manifest.tiles['backups_issued'] ?? 0) >= 1, 'a backup was issued');
    assert.ok((manifest.tiles['backups_won'] ?? 0) >= 1, 'a backup won');
    const [s, f] = await Promise.all([slow.done, fast.done]);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /tile cancelled: the coordinator no longer needs it/);
    process.stdout.write(`# stragglers: run ended after ${wallMs} ms with a ${SLOW_MS} ms straggler; backups issued ${manifest.tiles['backups_issued']}, won ${manifest.tiles['backups_won']}\n`);
  });
});
