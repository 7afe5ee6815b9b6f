/**
 * Bad input for adaptive precision (issue 19 item 5), in the pattern of bad-input-corpus.test.ts: the
 * real CLI, exit code 2, a message naming the option (and the scenario file and field where one is at
 * fault) and what was expected, and nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const FIVE_QUESTIONS = join(ROOT, 'scenarios', 'five-questions.yaml');

const CASES: Array<{ name: string; args: string[]; scenario?: string; message: RegExp }> = [
  { name: 'half-width 0', args: ['--half-width', '0', '--max-replicates', '8'], message: /--half-width: expected a number > 0 and < 0\.5 .*got 0/ },
  { name: 'half-width 0.5 (all of [0, 1])', args: ['--half-width', '0.5', '--max-replicates', '8'], message: /--half-width: expected a number > 0 and < 0\.5 .*got 0\.5/ },
  { name: 'half-width not a number', args: ['--half-width', 'abc', '--max-replicates', '8'], message: /--half-width: expected a number > 0 and < 0\.5 .*got abc/ },
  { name: 'half-width given twice', args: ['--half-width', '0.01', '--half-width', '0.02', '--max-replicates', '8'], message: /--half-width/ },
  { name: 'half-width without a budget', args: ['--half-width', '0.01'], message: /--half-width and --max-replicates go together/ },
  { name: 'budget without a half-width', args: ['--max-replicates', '8'], message: /--half-width and --max-replicates go together/ },
  { name: 'max-replicates 0', args: ['--half-width', '0.01', '--max-replicates', '0'], message: /--max-replicates: expected an integer from 1 to 100000/ },
  { name: 'max-replicates fractional', args: ['--half-width', '0.01', '--max-replicates', '8.5'], message: /--max-replicates: expected an integer/ },
  {
    name: 'budget below the first round', args: ['--half-width', '0.01', '--max-replicates', '3'],
    message: /--max-replicates 3: .*scenario\.yaml: scenarios\[0\]\.replicates \("ka"\) is 4, the first round; expected a budget >= 4/,
  },
  {
    name: 'budget beyond the card\'s parameter draws', args: ['--half-width', '0.01', '--max-replicates', '201'], scenario: FIVE_QUESTIONS,
    message: /--max-replicates 201: .*five-questions\.yaml: scenarios\[0\]\.regimens\[0\]\.model .* 200 parameter-uncertainty draws .*expected at most 200/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad input (adaptive precision): ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const scenarioPath = c.scenario ?? (await writeScenario(dir, knownAnswerScenario({ replicates: 4, subjects: 16, qdStop: 2, qwStop: 10 })));
      const r = await runCli(['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet', ...c.args], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(join(dir, 'out', 'run.json')), false, 'no run directory content written');
      assert.equal(await exists(join(dir, 'out', 'decisions.json')), false, 'no decisions written');
    });
  });
}
