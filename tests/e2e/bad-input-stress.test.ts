/**
 * Bad input for `qusop stress`, in the pattern of bad-input-corpus.test.ts: the real CLI, exit code 2,
 * a message naming the option (or file and field) and what was expected, and nothing written (the
 * output directory is not created).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const MODELS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];

interface Case {
  readonly name: string;
  /** the first argument (default: EstData.csv with the known-answer cards as --model) */
  readonly first?: readonly string[];
  readonly args: readonly string[];
  readonly message: RegExp;
}

const CASES: Case[] = [
  { name: 'unknown parameter', args: ['--shift', 'height=150:190:10'], message: /--shift height=150:190:10: unknown parameter "height"; expected PARAM=VALUES with PARAM one of bw-mean, bw-range, comed/ },
  { name: 'no shift at all', args: [], message: /--shift: required, e\.g\. --shift bw-mean=50:110:10/ },
  { name: 'no values', args: ['--shift', 'comed='], message: /--shift comed=: no values after "="/ },
  { name: 'empty range (start > stop)', args: ['--shift', 'bw-mean=110:50:10'], message: /--shift bw-mean=110:50:10: empty range: START \(110\) > STOP \(50\)/ },
  { name: 'empty weight range (LO > HI)', args: ['--shift', 'bw-range=50:90,140:70'], message: /--shift bw-range=50:90,140:70: "140:70": empty range: LO \(140\) > HI \(70\)/ },
  { name: 'step of zero', args: ['--shift', 'comed=0:1:0'], message: /--shift comed=0:1:0: STEP must be > 0 \(got 0\)/ },
  { name: 'prevalence above 1', args: ['--shift', 'comed=0:1.2:0.2'], message: /--shift comed=0:1\.2:0\.2: prevalence 1\.2 is outside \[0, 1\]/ },
  { name: 'prevalence below 0', args: ['--shift', 'comed=-0.1,0.5'], message: /--shift comed=-0\.1,0\.5: prevalence -0\.1 is outside \[0, 1\]/ },
  { name: 'mean weight <= 0', args: ['--shift', 'bw-mean=0,70'], message: /--shift bw-mean=0,70: mean body weight 0 kg: a weight must be > 0/ },
  { name: 'weight range reaching 0', args: ['--shift', 'bw-range=0:50'], message: /--shift bw-range=0:50: "0:50": a weight must be > 0 \(LO = 0\)/ },
  {
    name: 'mean weight moving a uniform base below 0 kg',
    args: ['--bw', 'uniform:51:100', '--shift', 'bw-mean=20:80:20'],
    message: /--shift bw-mean=20:80:20: mean 20 kg moves the base Uniform\(51, 100\) kg to Uniform\(-4\.5, 44\.5\); a weight must be > 0 and <= 1000 kg/,
  },
  { name: 'mean weight above any body weight', args: ['--shift', 'bw-mean=70,1200'], message: /--shift bw-mean=70,1200: mean body weight 1200 kg: a weight must be <= 1000 kg/ },
  { name: 'weight range above any body weight', args: ['--shift', 'bw-range=50:2000'], message: /--shift bw-range=50:2000: "50:2000": a weight must be <= 1000 kg \(HI = 2000\)/ },
  { name: 'not a number', args: ['--shift', 'bw-mean=50:abc:10'], message: /--shift bw-mean=50:abc:10: STOP "abc" is not a number/ },
  { name: 'value given twice', args: ['--shift', 'comed=0.5,0.5'], message: /--shift comed=0\.5,0\.5: value 0\.5 is given twice/ },
  { name: 'parameter swept twice', args: ['--shift', 'comed=0,1', '--shift', 'comed=0.5'], message: /--shift comed=0\.5: parameter comed is swept twice; give its values in one --shift/ },
  { name: 'too many values', args: ['--shift', 'comed=0:1:0.001'], message: /--shift comed=0:1:0\.001: 1001 values; at most 100/ },
  {
    name: 'a model without a trial, population resampling the trial',
    first: [TEST_MODEL_DIR],
    args: ['--comed', 'bernoulli:0.5', '--shift', 'comed=0,1'],
    message: /stress .*artifacts: population comed-0 \(--shift comed=0,1\) resamples the trial's body weights, and a model was given instead of a trial; give --bw uniform:LO:HI and --comed bernoulli:P/,
  },
  {
    name: 'a model without a trial, observed COMED',
    first: [TEST_MODEL_DIR],
    args: ['--bw', 'uniform:51:100', '--shift', 'bw-mean=60,80'],
    message: /stress .*artifacts: population bw-mean-60 \(--shift bw-mean=60,80\) uses the trial's observed COMED rate, and a model was given instead of a trial/,
  },
  { name: 'unknown question id', args: ['--question', 'Q9', '--shift', 'comed=0,1'], message: /--question Q9: .*estdata\.yaml has no question with that id \(ids: Q1, Q2, Q3, Q4, Q5\)/ },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad stress input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(['stress', ...(c.first ?? [ESTDATA, ...MODELS]), ...c.args, '--replicates', '2', '--subjects', '10', '--workers', '1', '--quiet', '--out', out], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(out), false, 'nothing written: no output directory');
    });
  });
}
