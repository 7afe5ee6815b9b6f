/**
 * A fit's candidate structures as a SLURM array (issue 18 §2) on a real single-node cluster
 * (tests/kit/slurm.ts), through the real CLI, on theophylline (PK-only: the oral PK defaults, seconds
 * each): the selection job's fit record, cards, graphs and model.yaml equal `qusop fit` on one machine;
 * a failing candidate task makes the selection fail naming it, and re-submitting fits only that one.
 * Plus the candidate store on its own: a second `qusop fit --candidate-store` reads instead of fitting
 * and writes the same bytes, and the located refusals of the new options.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForJobs, type JobRecord } from '../../coordinator/slurm/job-state.js';
import { CLI, ROOT, runCli } from '../kit/cli.js';
import { startSlurm, type SlurmCluster } from '../kit/slurm.js';
import { candidatesFor } from '../../models/structures/structure.js';

const THEO = join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv');
const SMALL = ['--draws', '10', '--vpc-replicates', '50'];
// theophylline's candidates: the oral PK-only defaults (1cmt-oral, 2cmt-oral, 3cmt-oral today)
const IDS = candidatesFor(false).map((s) => s.id);
const OUTPUTS = ['fit.json', 'fit-report.md', 'qd.model.json', 'qw.model.json', 'qd.onnx', 'qw.onnx', 'model.yaml'];

let cluster: SlurmCluster | undefined;
let tmp = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qusop-slurm-fit-test-'));
  cluster = await startSlurm({ cpus: 2 });
});

after(async () => {
  await cluster?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function slurm(): SlurmCluster {
  assert.ok(cluster !== undefined, 'the SLURM test cluster did not start');
  return cluster;
}

async function submit(out: string, args: readonly string[] = []): Promise<Record<string, string>> {
  const r = await runCli(['submit', 'slurm-fit', THEO, '--out', out, ...SMALL, ...args], { env: slurm().env });
  assert.equal(r.code, 0, `qusop submit slurm-fit failed:\n${r.stderr}`);
  assert.ok(r.stderr.includes(`fit of ${IDS.length} candidate structure(s) (${IDS.join(', ')})`), r.stderr);
  const jobs = JSON.parse(await readFile(join(out, 'slurm', 'jobs.json'), 'utf8')) as { jobs: { role: string; jobId: string }[] };
  return Object.fromEntries(jobs.jobs.map((j) => [j.role, j.jobId]));
}

function describe(records: readonly JobRecord[] | undefined): string {
  return (records ?? []).map((r) => `${r.jobId}[${r.arrayTaskId ?? '-'}] ${r.state} ${r.exitCode} ${r.reason}`).join('; ');
}

async function logs(dir: string): Promise<string> {
  const logDir = join(dir, 'slurm', 'logs');
  const names = (await readdir(logDir)).sort();
  return (await Promise.all(names.map(async (n) => `=== ${n}\n${await readFile(join(logDir, n), 'utf8')}`))).join('\n');
}

/** The one-machine fit every other way must reproduce; wall-clock timings are the only fields two fits may differ in. */
let reference: Promise<Map<string, Buffer>> | undefined;
function localFit(): Promise<Map<string, Buffer>> {
  reference ??= (async () => {
    const out = join(tmp, 'local');
    const r = await runCli(['fit', THEO, '--out', out, ...SMALL, '--parallel', '1']);
    assert.equal(r.code, 0, r.stderr);
    return outputs(out);
  })();
  return reference;
}

const stripTimings = (b: Buffer, name: string): Buffer => {
  if (name.endsWith('.json')) return Buffer.from(b.toString('utf8').replace(/"(timings_ms|timingsMs)": \{[^}]*\}/g, '"$1": {}'));
  // the report's objective line ends with the fit's wall time ("...; SAEM iterations 5 + 122 + 100; 3 s.")
  if (name.endsWith('.md')) return Buffer.from(b.toString('utf8').replace(/; \d+ s\.$/gm, '; (time) s.'));
  return b;
};

async function outputs(dir: string): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(OUTPUTS.map(async (n) => [n, stripTimings(await readFile(join(dir, n)), n)] as const)));
}

async function assertSameFit(dir: string, label: string): Promise<void> {
  const ref = await localFit();
  const got = await outputs(dir);
  for (const n of OUTPUTS) assert.ok(got.get(n)?.equals(ref.get(n) ?? Buffer.alloc(0)), `${label}: ${n} differs from qusop fit on one machine`);
}

test('slurm-fit: one array task per candidate, then the selection job; the fit equals qusop fit on one machine', async () => {
  const out = join(tmp, 'array');
  const ids = await submit(out, ['--concurrency', '2']);
  const states = await waitForJobs([ids['candidates'] ?? '', ids['select'] ?? ''], { env: slurm().env, waitMs: 240_000, pollMs: 250 });
  const tasks = states.get(ids['candidates'] ?? '') ?? [];
  assert.equal(tasks.length, IDS.length, `one task per candidate: ${describe(tasks)}`);
  assert.ok(tasks.every((t) => t.state === 'COMPLETED' && t.exitCode === '0:0'), `every candidate task completed: ${describe(tasks)}\n${await logs(out)}`);
  assert.equal(states.get(ids['select'] ?? '')?.[0]?.state, 'COMPLETED', `selection: ${describe(states.get(ids['select'] ?? ''))}\n${await logs(out)}`);
  const text = await logs(out);
  for (const [i, id] of IDS.entries()) assert.ok(text.includes(`candidate ${i}/${IDS.length} (${id})`), `task ${i} fits ${id}`);
  // the selection fitted nothing: both candidates came from the store
  assert.match(text, /1cmt-oral: stored fit read from .*candidates\/1cmt-oral\.[0-9a-f]{16}\.v8/);
  assert.match(text, /2cmt-oral: stored fit read from .*candidates\/2cmt-oral\.[0-9a-f]{16}\.v8/);
  assert.doesNotMatch(text.split('=== select-')[1] ?? '', /fit done in/);
  await assertSameFit(out, 'slurm-fit');
});

test('slurm-fit: a failing candidate task fails the selection naming it; re-submitting fits only that candidate', async () => {
  const out = join(tmp, 'failing');
  const wrapper = join(tmp, 'qusop-fail-task-1.sh');
  await writeFile(wrapper, `#!/bin/bash\nif [ "\${SLURM_ARRAY_TASK_ID:-}" = 1 ]; then echo "injected failure in task 1" >&2; exit 1; fi\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(wrapper, 0o755);
  const ids = await submit(out, ['--qusop-cmd', wrapper]);
  const states = await waitForJobs([ids['candidates'] ?? '', ids['select'] ?? ''], { env: slurm().env, waitMs: 240_000, pollMs: 250 });
  const tasks = states.get(ids['candidates'] ?? '') ?? [];
  assert.deepEqual(tasks.filter((t) => t.state === 'FAILED').map((t) => t.arrayTaskId), ['1'], `only task 1 fails: ${describe(tasks)}`);
  assert.equal(states.get(ids['select'] ?? '')?.[0]?.state, 'FAILED', `the selection must fail: ${describe(states.get(ids['select'] ?? ''))}`);
  const selectLog = (await logs(out)).split('=== select-')[1] ?? '';
  assert.match(selectLog, /1 candidate fit\(s\) not in .*candidates: 2cmt-oral \(/);
  await assert.rejects(stat(join(out, 'fit.json')), 'nothing selected or exported');
  const kept = (await stat(join(out, 'candidates', (await readdir(join(out, 'candidates'))).find((n) => n.startsWith('1cmt-oral.')) ?? 'none'))).mtimeMs;

  const again = await submit(out);
  const states2 = await waitForJobs([again['candidates'] ?? '', again['select'] ?? ''], { env: slurm().env, waitMs: 240_000, pollMs: 250 });
  assert.equal(states2.get(again['select'] ?? '')?.[0]?.state, 'COMPLETED', `${describe(states2.get(again['candidates'] ?? ''))}\n${await logs(out)}`);
  const stored = (await readdir(join(out, 'candidates'))).find((n) => n.startsWith('1cmt-oral.')) ?? 'none';
  assert.equal((await stat(join(out, 'candidates', stored))).mtimeMs, kept, 'the stored 1cmt-oral fit is read, not refitted');
  await assertSameFit(out, 'slurm-fit after a re-submit');
});

test('candidate store: a second qusop fit reads the stored candidates and writes the same bytes, timings included', async () => {
  const store = join(tmp, 'store');
  const a = await runCli(['fit', THEO, '--out', join(tmp, 'a'), ...SMALL, '--candidate-store', store]);
  assert.equal(a.code, 0, a.stderr);
  assert.doesNotMatch(a.stderr, /stored fit read/);
  const b = await runCli(['fit', THEO, '--out', join(tmp, 'b'), ...SMALL, '--candidate-store', store]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /1cmt-oral: stored fit read/);
  assert.doesNotMatch(b.stderr, /fit done in/);
  for (const n of OUTPUTS) assert.ok((await readFile(join(tmp, 'a', n))).equals(await readFile(join(tmp, 'b', n))), `${n}: same bytes from the store`);
  await assertSameFit(join(tmp, 'a'), 'fit with a candidate store');
  // other inputs (another seed) are another key: fitted, not read
  const c = await runCli(['fit', THEO, '--out', join(tmp, 'c'), ...SMALL, '--seed', '7', '--candidate-store', store, '--structure', '1cmt-oral']);
  assert.equal(c.code, 0, c.stderr);
  assert.doesNotMatch(c.stderr, /stored fit read/);
});

test('candidate store options: located refusals', async () => {
  const cases: { args: string[]; code: number; message: RegExp }[] = [
    { args: ['--stored-only'], code: 2, message: /--stored-only needs --candidate-store DIR/ },
    { args: ['--only-candidate', '1cmt-oral'], code: 2, message: /--only-candidate needs --candidate-store DIR/ },
    { args: ['--candidate-store', join(tmp, 'refusals'), '--only-candidate', '1cmt-iv'], code: 2, message: new RegExp(`--only-candidate 1cmt-iv: not a candidate of this fit of .*theo_sd\\.csv \\(its candidates: ${IDS.join(', ')}\\)`) },
    { args: ['--candidate-store', join(tmp, 'refusals'), '--only-candidate', 'no-such'], code: 2, message: /--only-candidate: unknown structure "no-such"/ },
    { args: ['--candidate-store', join(tmp, 'empty'), '--stored-only'], code: 1, message: new RegExp(`${IDS.length} candidate fit\\(s\\) not in .*empty: 1cmt-oral \\(.*\\), 2cmt-oral`) },
  ];
  for (const c of cases) {
    const r = await runCli(['fit', THEO, '--out', join(tmp, 'refused'), ...SMALL, ...c.args]);
    assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, c.message);
  }
  await assert.rejects(stat(join(tmp, 'refused', 'fit.json')), 'a refused fit writes nothing');
});
