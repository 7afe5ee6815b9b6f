/**
 * SLURM script rendering (the real templates in slurm/), sbatch/scontrol output parsing. Rendered
 * scripts must be complete (no placeholder left), valid bash (`bash -n`), and carry the array range,
 * throttle, paths and options the run needs; unsafe inputs are refused with the flag named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderArrayScripts, renderCoordinatorScripts, slurmPaths, type ArrayScriptOptions, type CoordinatorScriptOptions } from '../../coordinator/slurm/scripts.js';
import { loadTemplates, renderTemplate, shQuote } from '../../coordinator/slurm/templates.js';
import { parseParsable } from '../../coordinator/slurm/slurm-cli.js';
import { allTerminal, parseShowJob } from '../../coordinator/slurm/job-state.js';
import { InputError } from '../../worker/common/errors.js';
import { submitSlurm, type SubmitSlurmOptions } from '../../coordinator/slurm/submit.js';

const base: ArrayScriptOptions = {
  runDir: '/shared/runs/r1', runId: '0123456789abcdef', tasks: 4, concurrency: 2, qusopCommand: "'/opt/node/bin/node' '/opt/qusop/dist/coordinator/cli/main.js'",
  provider: 'cpu', maxBatchRows: 4096, threads: 2, aggregateAfter: 'any',
};
const coord: CoordinatorScriptOptions = { ...base, scenarioPath: '/shared/scenarios/q 1.yaml', tileTrajectories: 8000, listenHost: '0.0.0.0', allowInsecure: true, leaseMs: 3000, addrWaitS: 60 };

function bashSyntaxOk(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'qusop-sbatch-'));
  try {
    writeFileSync(join(dir, 's.sh'), text);
    execFileSync('bash', ['-n', join(dir, 's.sh')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** #SBATCH directives sbatch will see: the comment block before the first command. */
function directives(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.startsWith('#SBATCH ')) out.push(line.slice(8));
    else if (line.trim() !== '' && !line.startsWith('#')) break;
  }
  return out;
}

test('array mode: tiles array with range, throttle, requeue, per-task slice; aggregation script', async () => {
  const [tiles, agg] = renderArrayScripts(await loadTemplates(), { ...base, partition: 'gpu', timeLimit: '01:30:00', sbatchOptions: ['--account=pk'] });
  assert.ok(tiles !== undefined && agg !== undefined);
  assert.equal(tiles.name, 'tiles.sbatch');
  for (const s of [tiles, agg]) {
    assert.doesNotMatch(s.text, /\{\{|\}\}/, `${s.name}: no placeholder left`);
    bashSyntaxOk(s.text);
    assert.ok(directives(s.text).includes('--partition=gpu') && directives(s.text).includes('--time=01:30:00') && directives(s.text).includes('--account=pk'), s.name);
  }
  const d = directives(tiles.text);
  assert.ok(d.includes('--array=0-3%2'), d.join(' | '));
  assert.ok(d.includes('--requeue'));
  assert.ok(d.includes('--cpus-per-task=2'));
  assert.ok(d.includes('--output=/shared/runs/r1/slurm/logs/tiles-%A_%a.out'));
  assert.match(tiles.text, /^exec '\/opt\/node\/bin\/node' '\/opt\/qusop\/dist\/coordinator\/cli\/main\.js' tiles --run \/shared\/runs\/r1 --slice "\$\{SLURM_ARRAY_TASK_ID\}\/4" --provider cpu --max-batch-rows 4096 --threads 2$/m);
  assert.ok(directives(agg.text).includes('--output=/shared/runs/r1/slurm/logs/aggregate-%j.out'));
  assert.match(agg.text, /^exec .* aggregate \/shared\/runs\/r1$/m);
});

test('no throttle, partition or time lines unless asked for', async () => {
  const [tiles] = renderArrayScripts(await loadTemplates(), { ...base, concurrency: undefined, tasks: 1 });
  const d = directives(tiles?.text ?? '');
  assert.ok(d.includes('--array=0-0'), d.join(' | '));
  assert.ok(!d.some((x) => x.startsWith('--partition') || x.startsWith('--time')));
});

test('coordinator mode: coordinator publishes its address, workers read it and the 0600 token', async () => {
  const [c, w] = renderCoordinatorScripts(await loadTemplates(), coord);
  assert.ok(c !== undefined && w !== undefined);
  const paths = slurmPaths(coord.runDir);
  for (const s of [c, w]) {
    assert.doesNotMatch(s.text, /\{\{|\}\}/, `${s.name}: no placeholder left`);
    bashSyntaxOk(s.text);
    assert.ok(s.text.includes(`cat ${paths.token}`), `${s.name} reads the token file`);
    assert.ok(s.text.includes(`addr_file=${paths.addr}`), `${s.name} uses the address file`);
  }
  assert.match(c.text, /coordinator --scenario '\/shared\/scenarios\/q 1\.yaml' --out \/shared\/runs\/r1 --tile-trajectories 8000 \\\n\s+--listen 0\.0\.0\.0:0 --allow-insecure --metrics-port 0 --lease-ms 3000 --exit-when-done/);
  assert.match(c.text, /^host="\$\(hostname\)"$/m, 'a wildcard listener is advertised by host name');
  assert.ok(directives(w.text).includes('--array=0-3%2'));
  assert.match(w.text, /worker --coordinator "\$\(cat "\$addr_file"\)"/);
  const [loop] = renderCoordinatorScripts(await loadTemplates(), { ...coord, listenHost: '127.0.0.1', allowInsecure: false });
  assert.match(loop?.text ?? '', /--listen 127\.0\.0\.1:0  --metrics-port/, 'no --allow-insecure on loopback');
  assert.match(loop?.text ?? '', /^host=127\.0\.0\.1$/m);
});

test('refusals name the flag: plaintext across nodes, unquotable paths, bad numbers, odd options', async () => {
  const t = await loadTemplates();
  const refuses = (fn: () => unknown, flag: string) => assert.throws(fn, (e: unknown) => e instanceof InputError && e.message.includes(flag), flag);
  refuses(() => renderCoordinatorScripts(t, { ...coord, allowInsecure: false }), '--allow-insecure');
  refuses(() => renderArrayScripts(t, { ...base, runDir: '/shared/my runs/r1' }), 'run directory');
  refuses(() => renderArrayScripts(t, { ...base, runDir: 'relative/r1' }), 'run directory');
  refuses(() => renderArrayScripts(t, { ...base, runDir: '/shared/r%j' }), 'run directory');
  refuses(() => renderArrayScripts(t, { ...base, tasks: 0 }), '--tasks');
  refuses(() => renderArrayScripts(t, { ...base, concurrency: 1.5 }), '--concurrency');
  refuses(() => renderArrayScripts(t, { ...base, partition: 'a b' }), '--partition');
  refuses(() => renderArrayScripts(t, { ...base, sbatchOptions: ['--account=x\nrm -rf /'] }), '--sbatch-option');
  refuses(() => renderCoordinatorScripts(t, { ...coord, listenHost: 'host;id' }), '--listen-host');
});

test('renderTemplate: a placeholder without a value is an error, never a blank', () => {
  assert.equal(renderTemplate('a {{X}} b {{X}}', { X: '1' }, 't'), 'a 1 b 1');
  assert.throws(() => renderTemplate('a {{X}} {{Y}}', { X: '1' }, 't.sbatch'), /t\.sbatch: no value for placeholder\(s\) Y/);
});

test('shQuote gives bash the exact string back', () => {
  for (const s of ['plain', '/a/b.c', 'with space', "it's", '$(rm -rf /)', '"q"', 'a\\b', '']) {
    const echoed = execFileSync('bash', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' });
    assert.equal(echoed, s);
  }
});

test('sbatch --parsable output: job id, optionally with a cluster name', () => {
  assert.equal(parseParsable('1234\n'), '1234');
  assert.equal(parseParsable('1234;cluster-a\n'), '1234');
  assert.throws(() => parseParsable('sbatch: error: Batch job submission failed'), /expected a job id/);
});

test('scontrol show job -o: one record per array task, values with spaces kept whole', () => {
  // the shape of slurm 22.05 output (fields trimmed)
  const text = [
    'JobId=6 ArrayJobId=1 ArrayTaskId=2 ArrayTaskThrottle=4 JobName=a.sh UserId=root(0) MCS_label=N/A JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 TRES=cpu=1,node=1 Command=/tmp/my dir/a.sh WorkDir=/tmp StdOut=/tmp/a-1_2.out',
    'JobId=4 ArrayJobId=1 ArrayTaskId=0 JobName=a.sh JobState=COMPLETED Reason=None ExitCode=0:0 StdOut=/tmp/a-1_0.out',
    'JobId=7 ArrayJobId=1 ArrayTaskId=3-5%4 JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0',
    '',
  ].join('\n');
  const rs = parseShowJob(text);
  assert.equal(rs.length, 3);
  assert.deepEqual([rs[0]?.jobId, rs[0]?.arrayJobId, rs[0]?.arrayTaskId, rs[0]?.state, rs[0]?.exitCode, rs[0]?.reason], ['6', '1', '2', 'FAILED', '1:0', 'NonZeroExitCode']);
  assert.equal(rs[0]?.fields['Command'], '/tmp/my dir/a.sh');
  assert.equal(rs[0]?.fields['TRES'], 'cpu=1,node=1');
  assert.equal(rs[0]?.fields['MCS_label'], 'N/A');
  assert.equal(rs[1]?.stdOut, '/tmp/a-1_0.out');
  assert.equal(allTerminal(rs.slice(0, 2)), true);
  assert.equal(allTerminal(rs), false, 'a pending task is not terminal');
  assert.equal(allTerminal([]), false, 'no record yet is not terminal');
});

test('submitSlurm refuses a bad task count before it plans: nothing is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qusop-submit-'));
  try {
    const out = join(dir, 'run');
    const options: SubmitSlurmOptions = {
      scenario: 'scenarios/five-questions.yaml', out, mode: 'array', tasks: 0, provider: 'cpu', maxBatchRows: 4096, threads: 1,
      aggregateAfter: 'any', listenHost: '0.0.0.0', allowInsecure: false, leaseMs: 30_000, addrWaitS: 60, dryRun: true,
    };
    await assert.rejects(submitSlurm(options), (err: unknown) => err instanceof InputError && /--tasks 0: expected a positive integer/.test(err.message));
    assert.equal(existsSync(out), false, 'no run directory for a refused submission');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
