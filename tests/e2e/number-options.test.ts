/**
 * Numeric options through the real CLI, in the style of the bad-input corpus: a value outside its
 * option's range exits 2 before anything starts (no run directory, no worker, no output), with a
 * message naming the option, what was expected and what was given. And `qusop run` never starts more
 * local workers than the run has tiles left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const TOKEN = { QUSOP_TOKEN: 'x'.repeat(20) };
/** The corpus's tiny scenario: 2 tiles. Were a check missing, the worker cap would still start at most 2 processes. */
const tiny = (): Record<string, unknown> => knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });

interface Case {
  readonly name: string;
  /** CLI arguments, given the temp directory (also the working directory) and a valid scenario in it */
  readonly args: (dir: string, scenarioPath: string) => string[];
  readonly env?: Record<string, string>;
  readonly message: RegExp;
}

const run = (...extra: string[]) => (d: string, s: string): string[] => ['run', s, '--out', join(d, 'out'), '--quiet', ...extra];

const CASES: Case[] = [
  { name: 'run --workers 0', args: run('--workers', '0'), message: /--workers: expected an integer from 1 to \d+ \(at most 4 per core, \d+ core\(s\) here: each local worker is a process with its own onnxruntime session, ~150-350 MiB\), got 0$/m },
  { name: 'run --workers 400000', args: run('--workers', '400000'), message: /--workers: expected an integer from 1 to \d+ \(at most 4 per core.*\), got 400000$/m },
  { name: 'run --workers abc', args: run('--workers', 'abc'), message: /--workers: expected an integer from 1 to \d+ .*, got abc$/m },
  { name: 'run --workers without a value', args: run('--workers'), message: /Not enough arguments following: workers/ },
  { name: 'run --workers given twice', args: run('--workers', '1', '--workers', '2'), message: /--workers: .*got 1 and 2 \(the option given 2 times\)$/m },
  { name: 'run --threads abc', args: run('--threads', 'abc'), message: /--threads: expected an integer from 1 to 1024 \(threads per worker process; more than a node's cores only oversubscribe it\), got abc$/m },
  { name: 'run --threads 0', args: run('--threads', '0'), message: /--threads: expected an integer from 1 to 1024 \(threads per worker process; more than a node's cores only oversubscribe it\), got 0$/m },
  { name: 'run --lease-ms -5', args: run('--lease-ms', '-5'), message: /--lease-ms: expected an integer from 201 to 2147483647 \(heartbeats come every max\(200, lease\/5\) ms and must fit in a lease\), got -5$/m },
  { name: 'run --tile-trajectories 0', args: run('--tile-trajectories', '0'), message: /--tile-trajectories: expected an integer >= 1, got 0$/m },
  { name: 'run --max-batch-rows 1.5', args: run('--max-batch-rows', '1.5'), message: /--max-batch-rows: expected an integer >= 1, got 1\.5$/m },
  { name: 'run --metrics-port 65536', args: run('--metrics-port', '65536'), message: /--metrics-port: expected an integer from 0 to 65535, got 65536$/m },
  { name: 'coordinator --lease-ms 0', args: () => ['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0', '--lease-ms', '0'], env: TOKEN, message: /--lease-ms: expected an integer from 201 to 2147483647 .*, got 0$/m },
  { name: 'coordinator --backup-factor 0.5', args: () => ['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0', '--backup-factor', '0.5'], env: TOKEN, message: /--backup-factor: expected a number from 1 to 1000 \(the scheduler's bounds\), got 0\.5$/m },
  { name: 'coordinator --shutdown-ms -1', args: () => ['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0', '--shutdown-ms', '-1'], env: TOKEN, message: /--shutdown-ms: expected an integer >= 0, got -1$/m },
  { name: 'worker --metrics-port 70000', args: () => ['worker', '--coordinator', '127.0.0.1:9', '--metrics-port', '70000'], env: TOKEN, message: /--metrics-port: expected an integer from 0 to 65535, got 70000$/m },
  { name: 'worker --connect-timeout-ms 0', args: () => ['worker', '--coordinator', '127.0.0.1:9', '--connect-timeout-ms', '0'], env: TOKEN, message: /--connect-timeout-ms: expected an integer >= 1, got 0$/m },
  { name: 'answer --subjects 1.5', args: (d) => ['answer', ESTDATA, '--out', join(d, 'out'), '--subjects', '1.5'], message: /--subjects: expected an integer from 1 to 10000000 \(a scenario's limit\), got 1\.5$/m },
  { name: 'answer --workers 400000', args: (d) => ['answer', ESTDATA, '--out', join(d, 'out'), '--workers', '400000'], message: /--workers: expected an integer from 1 to \d+ \(at most 4 per core.*\), got 400000$/m },
  { name: 'answer --seed -1', args: (d) => ['answer', ESTDATA, '--out', join(d, 'out'), '--seed', '-1'], message: /--seed: expected an integer from 0 to 4294967295 \(seeds are unsigned 32-bit Philox keys\), got -1$/m },
  { name: 'train --epochs 0', args: (d) => ['train', 'lstm', ESTDATA, '--out', join(d, 'out'), '--epochs', '0'], message: /--epochs: expected an integer >= 1, got 0$/m },
  { name: 'train --max-minutes 0', args: (d) => ['train', 'lstm', ESTDATA, '--out', join(d, 'out'), '--max-minutes', '0'], message: /--max-minutes: expected a number > 0, got 0$/m },
  { name: 'fit --seed beyond 32 bits', args: (d) => ['fit', ESTDATA, '--out', join(d, 'out'), '--seed', '4294967296'], message: /--seed: expected an integer from 0 to 4294967295 .*, got 4294967296$/m },
  { name: 'fit --draws 0', args: (d) => ['fit', ESTDATA, '--out', join(d, 'out'), '--draws', '0'], message: /--draws: expected an integer from 1 to 100000 \(a scenario's limit\), got 0$/m },
  { name: 'plan --tile-trajectories abc', args: (d, s) => ['plan', s, '--out', join(d, 'out'), '--tile-trajectories', 'abc'], message: /--tile-trajectories: expected an integer >= 1, got abc$/m },
  { name: 'tiles --threads 0', args: (d) => ['tiles', '--run', join(d, 'out'), '--slice', '0/1', '--threads', '0'], message: /--threads: expected an integer from 1 to 1024 \(threads per worker process; more than a node's cores only oversubscribe it\), got 0$/m },
  { name: 'submit slurm --threads 5000', args: (d, s) => ['submit', 'slurm', s, '--out', join(d, 'out'), '--dry-run', '--threads', '5000'], message: /--threads: expected an integer from 1 to 1024 .*, got 5000$/m },
  { name: 'submit slurm --tasks 1.5', args: (d, s) => ['submit', 'slurm', s, '--out', join(d, 'out'), '--dry-run', '--tasks', '1.5'], message: /--tasks: expected an integer >= 1, got 1\.5$/m },
  { name: 'watch --timeout-s -1', args: () => ['watch', 'abc', '--coordinator', '127.0.0.1:9', '--timeout-s', '-1'], env: TOKEN, message: /--timeout-s: expected a number from 0 to 2147483\.647 \(0: no limit\), got -1$/m },
];

for (const c of CASES) {
  test(`bad number: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const scenarioPath = await writeScenario(dir, tiny());
      // a hang (something started despite the bad value) ends in runCli's timeout; nothing here is timed
      const r = await runCli(c.args(dir, scenarioPath), { cwd: dir, env: c.env ?? {}, timeoutMs: 30_000 });
      assert.match(r.stderr, /^qusop: InputError: /, `stderr:\n${r.stderr}`);
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line on stderr, nothing started:\n${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.deepEqual(await readdir(dir), ['scenario.yaml'], 'no run directory or output written');
    });
  });
}

test('qusop run starts no more local workers than the run has tiles left', async () => {
  await withTempDir(async (dir) => {
    const scenarioPath = await writeScenario(dir, tiny());
    const out = join(dir, 'out');
    // 4 is within --workers' range on any machine (4 per core)
    const args = ['run', scenarioPath, '--out', out, '--workers', '4', '--quiet'];
    const first = await runCli(args, { timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /run [0-9a-f]{16}: 2 tiles \(0 already done\), 2 workers ->/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { execution: { workers: number } };
    assert.equal(manifest.execution.workers, 2);
    const again = await runCli(args, { timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /run [0-9a-f]{16}: 2 tiles \(2 already done\), 0 workers ->/);
  });
});
