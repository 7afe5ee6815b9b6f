/**
 * Bad input to `qusop qae RUN_DIR` (real CLI): exit 2 with a message naming the file or option and what
 * was expected, and no qae-simulated.* file written. One small finished run of the known-answer TEST
 * model is made once and copied for the cases that alter it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

interface Case {
  readonly name: string;
  /** prepares dir/run from the finished run at `finished` (default: an unchanged copy) */
  readonly setup?: (run: string, finished: string) => Promise<void>;
  readonly args: (run: string) => string[];
  readonly message: RegExp;
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
const copy = (from: string, to: string): Promise<void> => cp(from, to, { recursive: true });

const CASES: Case[] = [
  { name: 'RUN_DIR missing', setup: async () => {}, args: (run) => ['qae', join(run, 'nope')], message: /nope: no such run directory \(ENOENT\); expected the directory of a finished qusop run/ },
  { name: 'RUN_DIR is a file', setup: async (run, fin) => { await mkdir(run); await cp(join(fin, 'run.json'), join(run, 'run.json')); }, args: (run) => ['qae', join(run, 'run.json')], message: /run\.json: not a directory; expected the directory of a finished qusop run/ },
  { name: 'not a run directory', setup: async (run) => { await mkdir(run); }, args: (run) => ['qae', run], message: /run\.json: missing; expected a qusop run directory/ },
  {
    name: 'planned, never run (no curves)',
    setup: async (run, fin) => { await mkdir(join(run, 'shards'), { recursive: true }); await cp(join(fin, 'run.json'), join(run, 'run.json')); },
    args: (run) => ['qae', run],
    message: /curves\.parquet: missing; expected the curves of a finished run/,
  },
  {
    name: 'interrupted run (manifest status incomplete)',
    setup: async (run, fin) => {
      await copy(fin, run);
      const m = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(run, 'manifest.json'), JSON.stringify({ ...m, status: 'incomplete' }, null, 2));
    },
    args: (run) => ['qae', run],
    message: /manifest\.json: field "status" is "incomplete"; expected "succeeded"/,
  },
  {
    name: "another run's curves",
    setup: async (run, fin) => {
      await copy(fin, run);
      const r = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(run, 'run.json'), JSON.stringify({ ...r, runId: '0000000000000000' }, null, 2));
    },
    args: (run) => ['qae', run],
    message: /curves\.parquet: metadata run_id is "[0-9a-f]+"; expected 0000000000000000 \(run\.json\)/,
  },
  { name: 'half-width 0', args: (run) => ['qae', run, '--half-width', '0'], message: /--half-width: expected a number >= 0\.0001 and < 0\.5 .*got 0\b/ },
  { name: 'half-width 0.5', args: (run) => ['qae', run, '--half-width', '0.5'], message: /--half-width: expected a number >= 0\.0001 and < 0\.5 .*got 0\.5/ },
  { name: 'half-width negative', args: (run) => ['qae', run, '--half-width', '-0.01'], message: /--half-width: expected a number >= 0\.0001 and < 0\.5 .*got -0\.01/ },
  { name: 'half-width not a number', args: (run) => ['qae', run, '--half-width', 'one'], message: /--half-width: expected a number >= 0\.0001 and < 0\.5 .*got one/ },
  { name: 'half-width below 1e-4', args: (run) => ['qae', run, '--half-width', '1e-5'], message: /--half-width: expected a number >= 0\.0001 and < 0\.5 \(.*below 1e-4 the Monte Carlo count needs > 10\^8 samples\), got (1e-5|0\.00001)/ },
  { name: 'half-width given twice', args: (run) => ['qae', run, '--half-width', '0.1', '--half-width', '0.2'], message: /--half-width: .*got 0\.1 and 0\.2 \(the option given 2 times\)/ },
  { name: 'alpha 1', args: (run) => ['qae', run, '--alpha', '1'], message: /--alpha: expected a number > 0 and < 1 .*got 1/ },
  { name: 'seed beyond 32 bits', args: (run) => ['qae', run, '--seed', String(2 ** 32)], message: /--seed: expected an integer from 0 to 4294967295/ },
];

let finished = '';
let root = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'qusop-qae-bad-'));
  const scenario = await writeScenario(root, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }));
  finished = join(root, 'finished');
  const r = await runCli(['run', scenario, '--out', finished, '--workers', '1', '--quiet'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  if (root !== '') await rm(root, { recursive: true, force: true });
});

for (const c of CASES) {
  test(`bad input to qae: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const run = join(dir, 'run');
      await (c.setup ?? ((to, from) => copy(from, to)))(run, finished);
      const r = await runCli(c.args(run), { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      if (await exists(run)) {
        const names = (await readdir(run)).filter((n) => n.includes('qae'));
        assert.deepEqual(names, [], 'nothing written');
      }
    });
  });
}
