/**
 * SLURM execution modes on a real single-node cluster (tests/kit/slurm.ts), through the real CLI:
 * (a) an array sweep gives the same shard, curves.parquet and decisions.json bytes as `qusop run`;
 * (b) a failing array task makes the aggregation job fail naming the missing tiles, and re-submitting
 *     recomputes only those; (c) coordinator mode (coordinator job + worker array) completes with the
 *     same bytes. Plus `qusop tiles` on its own: skip-on-resume, SIGTERM, a broken model path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForJobs, type JobRecord } from '../../coordinator/slurm/job-state.js';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { readRunFile } from '../../coordinator/run/run-dir.js';
import { CLI, runCli, startCli } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { startSlurm, type SlurmCluster } from '../kit/slurm.js';

// 6 tiles of 2 replicates x 80 doses x 50 subjects: seconds per test, several tiles per task
const TILE = '8000';
let cluster: SlurmCluster | undefined;
let tmp = '';
let scenario = '';
let reference: Promise<{ dir: string; curves: Buffer; decisions: string }> | undefined;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qusop-slurm-test-'));
  scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 6, subjects: 50, seed: 23 }));
  cluster = await startSlurm({ cpus: 4 });
});

after(async () => {
  await cluster?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function slurm(): SlurmCluster {
  assert.ok(cluster !== undefined, 'the SLURM test cluster did not start');
  return cluster;
}

/** `qusop run` of the same scenario and tiling: what every other mode must reproduce byte for byte. */
function referenceRun(): Promise<{ dir: string; curves: Buffer; decisions: string }> {
  reference ??= (async () => {
    const dir = join(tmp, 'reference');
    const r = await runCli(['run', scenario, '--out', dir, '--tile-trajectories', TILE, '--workers', '1', '--quiet']);
    assert.equal(r.code, 0, `qusop run failed:\n${r.stderr}`);
    return { dir, curves: await readFile(join(dir, 'curves.parquet')), decisions: await readFile(join(dir, 'decisions.json'), 'utf8') };
  })();
  return reference;
}

async function submit(out: string, args: readonly string[]): Promise<Record<string, string>> {
  const r = await runCli(['submit', 'slurm', scenario, '--out', out, '--tile-trajectories', TILE, ...args], { env: slurm().env });
  assert.equal(r.code, 0, `qusop submit slurm failed:\n${r.stderr}`);
  const jobs = JSON.parse(await readFile(join(out, 'slurm', 'jobs.json'), 'utf8')) as { jobs: { role: string; jobId: string }[] };
  const ids = Object.fromEntries(jobs.jobs.map((j) => [j.role, j.jobId]));
  for (const [role, id] of Object.entries(ids)) assert.match(r.stdout, new RegExp(`^${role} job ${id}$`, 'm'), 'submit prints each job id');
  return ids;
}

async function finished(ids: readonly string[]): Promise<Map<string, JobRecord[]>> {
  return waitForJobs(ids, { env: slurm().env, waitMs: 120_000, pollMs: 250 });
}

function describe(records: readonly JobRecord[] | undefined): string {
  return (records ?? []).map((r) => `${r.jobId}[${r.arrayTaskId ?? '-'}] ${r.state} ${r.exitCode} ${r.reason}`).join('; ');
}

async function logs(dir: string, prefix: string): Promise<string> {
  const logDir = join(dir, 'slurm', 'logs');
  const names = (await readdir(logDir)).filter((n) => n.startsWith(prefix)).sort();
  return (await Promise.all(names.map(async (n) => `=== ${n}\n${await readFile(join(logDir, n), 'utf8')}`))).join('\n');
}

async function shardNames(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'shards'))).filter((n) => n.endsWith('.parquet')).sort();
}

async function assertSameBytes(dir: string, label: string): Promise<void> {
  const ref = await referenceRun();
  const refShards = await shardNames(ref.dir);
  assert.deepEqual(await shardNames(dir), refShards, `${label}: the same tiles`);
  for (const n of refShards) {
    assert.ok((await readFile(join(dir, 'shards', n))).equals(await readFile(join(ref.dir, 'shards', n))), `${label}: shard ${n} bytes differ from qusop run`);
  }
  assert.ok((await readFile(join(dir, 'curves.parquet'))).equals(ref.curves), `${label}: curves.parquet bytes differ from qusop run`);
  assert.equal(await readFile(join(dir, 'decisions.json'), 'utf8'), ref.decisions, `${label}: decisions.json differs from qusop run`);
}

test('array mode: tasks write shards, the afterany job aggregates; bytes equal qusop run', async () => {
  const out = join(tmp, 'array');
  const started = Date.now();
  const ids = await submit(out, ['--tasks', '3', '--concurrency', '3']);
  const states = await finished([ids['tiles'] ?? '', ids['aggregate'] ?? '']);
  const tasks = states.get(ids['tiles'] ?? '') ?? [];
  assert.equal(tasks.length, 3, `three array tasks: ${describe(tasks)}`);
  assert.ok(tasks.every((t) => t.state === 'COMPLETED' && t.exitCode === '0:0'), `every task completed: ${describe(tasks)}\n${await logs(out, 'tiles-')}`);
  const agg = states.get(ids['aggregate'] ?? '');
  assert.equal(agg?.[0]?.state, 'COMPLETED', `aggregation: ${describe(agg)}\n${await logs(out, 'aggregate-')}`);
  const taskLogs = await logs(out, 'tiles-');
  for (const i of [0, 1, 2]) assert.match(taskLogs, new RegExp(`slice ${i}/3 of run \\w+: 2 tiles, 2 computed, 0 already done`));
  process.stderr.write(`# array mode on SLURM: ${Date.now() - started} ms from submit to aggregated\n`);
  await assertSameBytes(out, 'array mode');
});

test('a failing task: aggregation fails naming the missing tiles; re-submitting computes only those', async () => {
  const out = join(tmp, 'failing');
  // a task whose command exits 1: slice 1 never runs
  const wrapper = join(tmp, 'qusop-fail-task-1.sh');
  await writeFile(wrapper, `#!/bin/bash\nif [ "\${SLURM_ARRAY_TASK_ID:-}" = 1 ]; then echo "injected failure in task 1" >&2; exit 1; fi\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(wrapper, 0o755);
  const ids = await submit(out, ['--tasks', '3', '--qusop-cmd', wrapper]);
  const states = await finished([ids['tiles'] ?? '', ids['aggregate'] ?? '']);
  const tasks = states.get(ids['tiles'] ?? '') ?? [];
  const failed = tasks.filter((t) => t.state === 'FAILED');
  assert.deepEqual(failed.map((t) => [t.arrayTaskId, t.exitCode]), [['1', '1:0']], `only task 1 fails: ${describe(tasks)}`);
  const agg = states.get(ids['aggregate'] ?? '');
  assert.equal(agg?.[0]?.state, 'FAILED', `aggregation must fail: ${describe(agg)}`);
  assert.notEqual(agg?.[0]?.exitCode, '0:0');

  // what is missing, from the plan and the shard store (not from the partition the tasks used)
  const run = await readRunFile(out);
  assert.ok(run !== undefined);
  const present = new Set((await shardNames(out)).map((n) => n.replace(/\.parquet$/, '')));
  const missing = planTiles(run.spec, run.tiling).map((t) => t.tileId).filter((id) => !present.has(id));
  assert.equal(missing.length, 2, 'slice 1 of 3 held 2 of the 6 tiles');
  const aggLog = await logs(out, 'aggregate-');
  assert.match(aggLog, /2 of 6 tile shards are missing/);
  for (const id of missing) assert.ok(aggLog.includes(id), `aggregation output names missing tile ${id}:\n${aggLog}`);
  await assert.rejects(stat(join(out, 'curves.parquet')), 'nothing aggregated');
  await assert.rejects(stat(join(out, 'decisions.json')), 'nothing aggregated');

  // re-submit the same run into the same directory: finished tiles are skipped, not rewritten
  const before = new Map<string, number>();
  for (const id of present) before.set(id, (await stat(join(out, 'shards', `${id}.parquet`))).mtimeMs);
  const again = await submit(out, ['--tasks', '3']);
  const states2 = await finished([again['tiles'] ?? '', again['aggregate'] ?? '']);
  assert.equal(states2.get(again['aggregate'] ?? '')?.[0]?.state, 'COMPLETED', `${describe(states2.get(again['tiles'] ?? ''))}\n${await logs(out, '')}`);
  const taskLogs = await logs(out, `tiles-${again['tiles']}_`);
  assert.match(taskLogs, /slice 1\/3 of run \w+: 2 tiles, 2 computed, 0 already done/);
  assert.match(taskLogs, /slice 0\/3 of run \w+: 2 tiles, 0 computed, 2 already done/);
  for (const [id, mtime] of before) assert.equal((await stat(join(out, 'shards', `${id}.parquet`))).mtimeMs, mtime, `shard ${id} was rewritten`);
  await assertSameBytes(out, 'resubmitted array');
});

test('coordinator mode: a coordinator job and a worker array complete the run; bytes equal qusop run', async () => {
  const out = join(tmp, 'coordinator');
  const started = Date.now();
  const ids = await submit(out, ['--mode', 'coordinator', '--tasks', '2', '--listen-host', '127.0.0.1', '--lease-ms', '1500']);
  const token = await stat(join(out, 'slurm', 'token'));
  assert.equal(token.mode & 0o777, 0o600, 'token file is private');
  const states = await finished([ids['coordinator'] ?? '', ids['workers'] ?? '']);
  const coord = states.get(ids['coordinator'] ?? '');
  assert.equal(coord?.[0]?.state, 'COMPLETED', `coordinator: ${describe(coord)}\n${await logs(out, '')}`);
  const workers = states.get(ids['workers'] ?? '') ?? [];
  assert.ok(workers.length === 2 && workers.every((w) => w.state === 'COMPLETED'), `workers: ${describe(workers)}\n${await logs(out, 'worker-')}`);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { status: string; execution: { mode: string } };
  assert.equal(manifest.status, 'succeeded');
  process.stderr.write(`# coordinator mode on SLURM: ${Date.now() - started} ms from submit to aggregated\n`);
  await assertSameBytes(out, 'coordinator mode');
});

test('coordinator mode: a coordinator that fails is reported by its job, and its workers do not wait for it', async () => {
  const out = join(tmp, 'coordinator-fails');
  const wrapper = join(tmp, 'qusop-fail-coordinator.sh');
  await writeFile(wrapper, `#!/bin/bash\nif [ "$1" = coordinator ]; then echo "injected coordinator failure" >&2; exit 3; fi\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(wrapper, 0o755);
  const ids = await submit(out, ['--mode', 'coordinator', '--tasks', '2', '--listen-host', '127.0.0.1', '--qusop-cmd', wrapper, '--addr-wait-s', '60']);
  const started = Date.now();
  const states = await finished([ids['coordinator'] ?? '', ids['workers'] ?? '']);
  const coord = states.get(ids['coordinator'] ?? '');
  assert.equal(coord?.[0]?.state, 'FAILED', describe(coord));
  assert.equal(coord?.[0]?.exitCode, '3:0', 'the coordinator\'s own exit status');
  assert.ok(Date.now() - started < 30_000, 'workers gave up well before --addr-wait-s');
  assert.match(await logs(out, 'worker-'), /coordinator job \d+ is no longer running; nothing to do/);
  assert.match(await logs(out, 'coordinator-'), /injected coordinator failure[\s\S]*exited \(3\) before listening/);
});

test('qusop tiles: a re-run skips finished tiles; SIGTERM finishes the tile in hand and exits non-zero', async () => {
  const dir = join(tmp, 'sigterm');
  // 80 tiles of 20 doses x 1 replicate: enough that the signal lands mid-slice
  const sc = await writeScenario(tmp, knownAnswerScenario({ replicates: 10, subjects: 50, seed: 5 }), 'many-tiles.yaml');
  const plan = await runCli(['plan', sc, '--out', dir, '--tile-trajectories', '1000']);
  assert.equal(plan.code, 0, plan.stderr);
  const total = Number(/: (\d+) tiles/.exec(plan.stdout)?.[1]);
  assert.equal(total, 80, plan.stdout);
  const task = startCli(['tiles', '--run', dir, '--slice', '0/1'], { env: { QUSOP_LOG_LEVEL: 'info' } });
  await task.waitFor(/tile written/);
  task.child.kill('SIGTERM');
  const r = await task.done;
  assert.equal(r.code, 1, `interrupted slice exits non-zero:\n${r.stderr.slice(-2000)}`);
  assert.match(r.stderr, /interrupted \(SIGTERM\) with \d+ tile\(s\) left/);
  const done = (await shardNames(dir)).length;
  assert.ok(done >= 1 && done < total, `some but not all tiles written (${done} of ${total})`);
  const again = await runCli(['tiles', '--run', dir, '--slice', '0/1']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${total} tiles, ${total - done} computed, ${done} already done`));
  const third = await runCli(['tiles', '--run', dir, '--slice', '0/1']);
  assert.match(third.stdout, /80 tiles, 0 computed, 80 already done/);
  const agg = await runCli(['aggregate', dir]);
  assert.equal(agg.code, 0, agg.stderr);
});

test('qusop tiles: a model card path that no longer exists fails the slice naming its tiles', async () => {
  const dir = join(tmp, 'bad-model');
  await cp((await referenceRun()).dir, dir, { recursive: true });
  for (const n of await shardNames(dir)) await rm(join(dir, 'shards', n));
  const runJson = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { models: { cardPath: string }[] };
  for (const m of runJson.models) m.cardPath = join(tmp, 'gone', 'model.json');
  await writeFile(join(dir, 'run.json'), JSON.stringify(runJson));
  const r = await runCli(['tiles', '--run', dir, '--slice', '1/3']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /slice 1\/3 of run \w+: models could not be loaded, so tiles s0-g\d-d\d+-\d+-r\d+-\d+, s0-g/);
  assert.match(r.stderr, /gone\/model\.json: cannot read model card \(ENOENT\)/);
  assert.deepEqual(await shardNames(dir), [], 'nothing written');
});
