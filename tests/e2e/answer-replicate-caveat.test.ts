/**
 * Issue 17 item 14 (one part): `qusop answer --replicates 2` stated doses with no caveat, although its
 * interval and replicate-quantile band are read from two values. The range of R replicate values
 * covers a new replicate with probability (R - 1) / (R + 1), so a 95 % statement needs R >= 39; below
 * that every answer carries the flag `few-replicates` and says so in its statement and on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { ESTDATA } from '../kit/derived-trial.js';
import { minReplicatesFor, rangeCoverage } from '../../analysis/answer/replicate-caveat.js';
import type { Answer } from '../../analysis/answer/answers.js';

const MODEL_ARGS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];

test('the fewest replicates whose range can cover a new one with probability >= level', () => {
  assert.equal(minReplicatesFor(0.95), 39);
  assert.ok(rangeCoverage(39) >= 0.95 && rangeCoverage(38) < 0.95);
  assert.equal(minReplicatesFor(0.9), 19);
  assert.ok(rangeCoverage(19) >= 0.9 && rangeCoverage(18) < 0.9);
});

test('qusop answer --replicates 2 flags every answer and says why; R = 39 states its answers without the caveat', { timeout: 120_000 }, async () => {
  await withTempDir(async (tmp) => {
    const read = async (dir: string): Promise<Answer[]> => (JSON.parse(await readFile(join(dir, 'answers.json'), 'utf8')) as { answers: Answer[] }).answers;
    const few = await runCli(['answer', ESTDATA, ...MODEL_ARGS, '--replicates', '2', '--subjects', '20', '--workers', '1', '--quiet', '--out', join(tmp, 'r2')]);
    assert.equal(few.code, 0, few.stderr);
    assert.match(few.stderr, /caveat: with R = 2 replicates the interval is read from 2 values and covers at most 33 %, not 95 %; use --replicates 39 or more/);
    assert.match(few.stdout, /few-replicates/, 'the terminal table shows the flag');
    for (const a of await read(join(tmp, 'r2'))) {
      assert.ok(a.flags.includes('few-replicates'), `Q${a.question} ${a.population}/${a.regimen}: flagged`);
      assert.match(a.statement, /Caveat: with R = 2 replicates/);
    }
    const enough = await runCli(['answer', ESTDATA, ...MODEL_ARGS, '--replicates', '39', '--subjects', '20', '--workers', '1', '--quiet', '--out', join(tmp, 'r39')]);
    assert.equal(enough.code, 0, enough.stderr);
    assert.doesNotMatch(enough.stderr, /caveat/);
    for (const a of await read(join(tmp, 'r39'))) assert.ok(!a.flags.includes('few-replicates') && !/Caveat/.test(a.statement));
  });
});
