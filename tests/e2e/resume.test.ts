/**
 * Resume (issue 6): a run directory is the durable record. Restarting on it recomputes only what is
 * missing; a torn shard and a shard from another run are detected, removed and redone — never
 * aggregated — and the result equals the clean run byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, readdir, rm, truncate, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { aggregateRunDir } from '../../coordinator/run/aggregate-run.js';
import { readRunFile } from '../../coordinator/run/run-dir.js';
import { ShardError } from '../../worker/common/errors.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

/** The same known-answer scenario run twice under different seeds: `dir/<name>` and a foreign run beside it. */
async function runWithForeign(tmp: string, opts: { replicates: number; subjects: number; seed: number }, tileTrajectories: number, name: string) {
  const scenario = await writeScenario(tmp, knownAnswerScenario(opts), 'a.yaml');
  const other = await writeScenario(tmp, knownAnswerScenario({ ...opts, seed: opts.seed + 1 }), 'b.yaml');
  const args = ['--workers', '1', '--tile-trajectories', String(tileTrajectories), '--quiet'];
  const run = join(tmp, name);
  const foreignRun = join(tmp, 'foreign');
  assert.equal((await runCli(['run', scenario, '--out', run, ...args])).code, 0);
  assert.equal((await runCli(['run', other, '--out', foreignRun, ...args])).code, 0);
  return { scenario, args, run, foreignRun };
}

test('resume recomputes exactly the missing, torn and foreign shards', async () => {
  await withTempDir(async (tmp) => {
    const { scenario, args, run: clean, foreignRun } = await runWithForeign(tmp, { replicates: 12, subjects: 100, seed: 31 }, 16000, 'clean');

    const resumed = join(tmp, 'resumed');
    await cp(clean, resumed, { recursive: true });
    for (const f of ['curves.parquet', 'decisions.json', 'manifest.json']) await rm(join(resumed, f));
    const shards = (await readdir(join(resumed, 'shards'))).filter((n) => n.endsWith('.parquet')).sort();
    const [missing, torn, foreign] = shards;
    assert.ok(missing !== undefined && torn !== undefined && foreign !== undefined && shards.length > 3);
    await rm(join(resumed, 'shards', missing));
    await truncate(join(resumed, 'shards', torn), 100);
    await copyFile(join(foreignRun, 'shards', foreign), join(resumed, 'shards', foreign));

    const r = await runCli(['run', scenario, '--out', resumed, ...args], { env: { QUSOP_LOG_LEVEL: 'warn' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`"tile":"${torn.replace('.parquet', '')}".*shard does not verify`));
    assert.match(r.stderr, new RegExp(`"tile":"${foreign.replace('.parquet', '')}".*shard does not verify`));
    const manifest = JSON.parse(await readFile(join(resumed, 'manifest.json'), 'utf8')) as { tiles: Record<string, number> };
    assert.equal(manifest.tiles['computed_now'], 3, 'only the missing, torn and foreign tiles were computed');
    assert.equal(manifest.tiles['resumed'], shards.length - 3);
    assert.ok((await readFile(join(resumed, 'curves.parquet'))).equals(await readFile(join(clean, 'curves.parquet'))));
    assert.equal(await readFile(join(resumed, 'decisions.json'), 'utf8'), await readFile(join(clean, 'decisions.json'), 'utf8'));
  });
});

test('qusop aggregate refuses a foreign or unreadable shard in plan order, even with later shards read ahead, and writes nothing', async () => {
  await withTempDir(async (tmp) => {
    const { run, foreignRun } = await runWithForeign(tmp, { replicates: 12, subjects: 100, seed: 33 }, 8000, 'run');
    const runFile = await readRunFile(run);
    assert.ok(runFile !== undefined);
    const order = planTiles(runFile.spec, runFile.tiling).map((t) => t.tileId);
    assert.ok(order.length > 12, `${order.length} tiles: more than the read-ahead window`);
    const [early, late] = [order[2] as string, order[6] as string]; // late: inside the read-ahead window when early is decoded
    for (const f of ['curves.parquet', 'decisions.json']) await rm(join(run, f));
    // the late shard cannot be read (a directory in its place): its read ahead fails while the early,
    // foreign shard is decoded, and the early one must still be the error reported
    await copyFile(join(run, 'shards', `${early}.parquet`), join(tmp, 'early.parquet'));
    await rm(join(run, 'shards', `${late}.parquet`));
    await mkdir(join(run, 'shards', `${late}.parquet`));
    await copyFile(join(foreignRun, 'shards', `${early}.parquet`), join(run, 'shards', `${early}.parquet`));
    const a = await runCli(['aggregate', run]);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, new RegExp(`${early}\\.parquet: shard belongs to run \\w+ tile ${early}, expected run`));
    assert.doesNotMatch(a.stderr, /EISDIR/, 'the failed read ahead is not reported (nor an unhandled rejection)');
    await assert.rejects(readFile(join(run, 'curves.parquet')), /ENOENT/);
    // in-process, where the late read gets time to fail after the aggregation has: it must not go unhandled
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(aggregateRunDir(run), (e: unknown) => e instanceof ShardError && e.message.includes(`${early}.parquet: shard belongs to run`));
      await new Promise((r) => setTimeout(r, 200)); // every read started has settled by now
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    // with the early shard put back, the unreadable one is reported
    await copyFile(join(tmp, 'early.parquet'), join(run, 'shards', `${early}.parquet`));
    const b = await runCli(['aggregate', run]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, new RegExp(`${late}\\.parquet: cannot read \\(EISDIR\\)`));
    await assert.rejects(readFile(join(run, 'curves.parquet')), /ENOENT/);
  });
});
