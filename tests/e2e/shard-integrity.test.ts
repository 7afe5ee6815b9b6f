/**
 * Shards read back are verified (issue 17, items 2 and 14): `qusop aggregate` refuses a shard whose
 * rows were rewritten with their metadata kept, or that a flipped bit damaged, naming the file and
 * writing nothing; resume recomputes such a shard and ends with the clean run's bytes. Re-aggregating
 * leaves no curves file of another format behind and brings the manifest in line with the shards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readShard } from '../../coordinator/store/shard-reader.js';
import { writeShard } from '../../coordinator/store/shard-writer.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const ARGS = ['--workers', '1', '--tile-trajectories', '8000', '--quiet'];
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

async function cleanRun(tmp: string): Promise<{ scenario: string; run: string; shards: string[] }> {
  const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 6, subjects: 100, seed: 41 }));
  const run = join(tmp, 'clean');
  const r = await runCli(['run', scenario, '--out', run, ...ARGS]);
  assert.equal(r.code, 0, r.stderr);
  const shards = (await readdir(join(run, 'shards'))).filter((n) => n.endsWith('.parquet')).sort();
  assert.ok(shards.length >= 4, `${shards.length} shards`);
  return { scenario, run, shards };
}

/** Every curves/decisions output removed, so a refused aggregation can be seen to write nothing. */
async function copyWithoutOutputs(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  for (const f of ['curves.parquet', 'curves.arrow', 'decisions.json']) await rm(join(to, f), { force: true });
}

test('aggregate refuses rewritten rows (k = n, metadata kept) and a flipped bit, naming the shard; resume recomputes them', async () => {
  await withTempDir(async (tmp) => {
    const { scenario, run, shards } = await cleanRun(tmp);
    const [rewritten, flipped] = shards as [string, string];
    const damaged = join(tmp, 'damaged');
    await copyWithoutOutputs(run, damaged);
    const original = await readShard(join(run, 'shards', rewritten));
    await writeShard(join(damaged, 'shards', rewritten), original.rows.map((r) => ({ ...r, k: r.n })), original.metadata);

    const a = await runCli(['aggregate', damaged]);
    assert.equal(a.code, 1, a.stderr);
    assert.match(a.stderr, new RegExp(`${rewritten}: shard rows do not match their digest \\(cells_sha256 ${original.metadata['cells_sha256']}`));
    assert.equal(await exists(join(damaged, 'curves.parquet')), false, 'no curves written');
    assert.equal(await exists(join(damaged, 'decisions.json')), false, 'no decisions written');

    // a single flipped bit in the data pages of another shard (the rewritten one put back)
    await cp(join(run, 'shards', rewritten), join(damaged, 'shards', rewritten));
    const bytes = await readFile(join(run, 'shards', flipped));
    const at = Math.min(900, Math.floor(bytes.byteLength / 3));
    bytes[at] = (bytes[at] as number) ^ 0x10;
    await writeFile(join(damaged, 'shards', flipped), bytes);
    const b = await runCli(['aggregate', damaged]);
    assert.equal(b.code, 1, `byte ${at} of ${bytes.byteLength}: ${b.stderr}`);
    assert.match(b.stderr, new RegExp(`${flipped}`));
    assert.equal(await exists(join(damaged, 'curves.parquet')), false, 'no curves written');

    // both damaged at once: resume removes and recomputes exactly those two, and the bytes equal the clean run
    await writeShard(join(damaged, 'shards', rewritten), original.rows.map((r) => ({ ...r, k: r.n })), original.metadata);
    await rm(join(damaged, 'manifest.json'));
    const r = await runCli(['run', scenario, '--out', damaged, ...ARGS], { env: { QUSOP_LOG_LEVEL: 'warn' } });
    assert.equal(r.code, 0, r.stderr);
    for (const name of [rewritten, flipped]) assert.match(r.stderr, new RegExp(`"tile":"${name.replace('.parquet', '')}".*shard does not verify`));
    const manifest = JSON.parse(await readFile(join(damaged, 'manifest.json'), 'utf8')) as { tiles: Record<string, number> };
    assert.equal(manifest.tiles['computed_now'], 2, 'the two damaged tiles were recomputed');
    assert.ok((await readFile(join(damaged, 'curves.parquet'))).equals(await readFile(join(run, 'curves.parquet'))));
    assert.equal(await readFile(join(damaged, 'decisions.json'), 'utf8'), await readFile(join(run, 'decisions.json'), 'utf8'));
  });
});

test('aggregate --format arrow leaves no old curves.parquet, and the manifest says what the directory now holds', async () => {
  await withTempDir(async (tmp) => {
    const { run, shards } = await cleanRun(tmp);
    // as an interrupted coordinator leaves it: a manifest counting one tile fewer than the shards on disk
    const manifestPath = join(run, 'manifest.json');
    const before = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & { tiles: Record<string, number> };
    await writeFile(manifestPath, JSON.stringify({ ...before, status: 'incomplete', outputs: [], tiles: { ...before.tiles, done: shards.length - 1 } }));

    const a = await runCli(['aggregate', run, '--format', 'arrow']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(await exists(join(run, 'curves.parquet')), false, 'the curves.parquet of the earlier aggregation is gone');
    assert.equal(await exists(join(run, 'curves.arrow')), true);
    const after = JSON.parse(await readFile(manifestPath, 'utf8')) as { status: string; outputs: string[]; tiles: Record<string, number>; run_id: string };
    assert.equal(after.status, 'succeeded');
    assert.deepEqual([after.tiles['done'], after.tiles['total']], [shards.length, shards.length], 'done counts every shard aggregated');
    assert.deepEqual(after.outputs, ['curves.arrow', 'decisions.json']);
    assert.equal(after.run_id, before['run_id'], 'the rest of the manifest is kept');

    const b = await runCli(['aggregate', run, '--format', 'parquet']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(await exists(join(run, 'curves.arrow')), false, 'and the other way round');
    assert.deepEqual((JSON.parse(await readFile(manifestPath, 'utf8')) as { outputs: string[] }).outputs, ['curves.parquet', 'decisions.json']);
  });
});
