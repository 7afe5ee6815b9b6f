/**
 * --verify-fraction (issue 17, item 4): a deterministic sample of tiles is computed a second time by
 * another worker. A faulty worker build (same version string, k = n in every cell; test kit
 * faulty-build.ts) beside an honest one is caught: a determinism alarm naming both digests fails the
 * run, nothing is aggregated. Honest workers verify without changing a byte of the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { readRunFile } from '../../coordinator/run/run-dir.js';
import { verifiedTile } from '../../coordinator/schedule/verification.js';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { freePort, startCoordinator, startWorker } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const FAULTY = { NODE_OPTIONS: `--import ${join(ROOT, 'dist', 'tests', 'kit', 'faulty-build.js')}` };
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test('a faulty worker build beside an honest one: determinism alarm with both digests, the run fails, nothing aggregated', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 8, subjects: 100, seed: 12 }));
    const port = await freePort();
    const out = join(tmp, 'out');
    const coordinator = startCoordinator({ scenario, out, port, tileTrajectories: 16_000, extraArgs: ['--verify-fraction', '1'] });
    await coordinator.waitFor(/coordinator listening/);
    // the faulty worker's tiles take 2 s, so the honest one is registered and asking for work before the
    // faulty one could finish the run alone (then it would verify its own tiles, which cannot disagree)
    const faulty = startWorker(port, 'faulty', { ...FAULTY, QUSOP_TEST_SLOW_TILE_MS: '2000' });
    const honest = startWorker(port, 'honest');
    try {
      const c = await coordinator.done;
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /determinism alarm: tile \S+ computed by worker \S+ has digest [0-9a-f]{64}, its verification copy by worker \S+ has digest [0-9a-f]{64}/);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { status: string; error: string; tiles: Record<string, number> };
      assert.equal(manifest.status, 'failed');
      assert.ok((manifest.tiles['determinism_alarms'] ?? 0) >= 1, JSON.stringify(manifest.tiles));
      assert.match(manifest.error, /determinism alarm/);
      assert.equal(await exists(join(out, 'decisions.json')), false, 'no decisions written');
      assert.equal(await exists(join(out, 'curves.parquet')), false, 'no curves written');
    } finally {
      for (const w of [faulty, honest]) w.child.kill('SIGKILL');
      await Promise.all([faulty.done, honest.done]);
    }
  });
});

test('honest workers: the sampled tiles are verified, and the result is the same bytes as without verification', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 8, subjects: 100, seed: 13 }));
    const args = ['--tile-trajectories', '8000', '--quiet'];
    const plain = join(tmp, 'plain');
    const checked = join(tmp, 'checked');
    assert.equal((await runCli(['run', scenario, '--out', plain, '--workers', '1', ...args])).code, 0);
    const r = await runCli(['run', scenario, '--out', checked, '--workers', '2', '--verify-fraction', '0.5', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const run = await readRunFile(checked);
    assert.ok(run !== undefined);
    const sampled = planTiles(run.spec, run.tiling).filter((t) => verifiedTile(run.runId, t.tileId, 0.5)).length;
    assert.ok(sampled > 0, 'the sample is not empty');
    const manifest = JSON.parse(await readFile(join(checked, 'manifest.json'), 'utf8')) as { tiles: Record<string, number> };
    assert.equal(manifest.tiles['verified'], sampled, 'every sampled tile was verified');
    assert.equal(manifest.tiles['determinism_alarms'], 0);
    assert.equal(manifest.tiles['verify_fraction'], 0.5);
    assert.ok((await readFile(join(checked, 'curves.parquet'))).equals(await readFile(join(plain, 'curves.parquet'))));
    assert.equal(await readFile(join(checked, 'decisions.json'), 'utf8'), await readFile(join(plain, 'decisions.json'), 'utf8'));
  });
});
