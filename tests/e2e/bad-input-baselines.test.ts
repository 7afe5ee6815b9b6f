/**
 * Bad input for the classical baselines (`qusop train emax|logistic`, and their cards in `qusop answer`
 * and `qusop stress`):
 * each case runs the real CLI and checks the exit code (2), the located message (file, subject and
 * line, or the option/field, and what was expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const THEOPHYLLINE = join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv');

/** EstData without subject 5's biomarker samples in its last window (480-504 h); subject 5 starts on line 102. */
async function withoutLastWindowPd(dir: string): Promise<string> {
  const lines = (await readFile(ESTDATA, 'utf8')).split('\n');
  const kept = lines.filter((l) => {
    const [id, , , , time, , evid, , , , dvid] = l.split(',');
    return !(id === '5' && evid === '0' && dvid === '2' && Number(time) >= 480 && Number(time) <= 504);
  });
  const path = join(dir, 'no-window.csv');
  await writeFile(path, kept.join('\n'));
  return path;
}

/** EstData with one more newline: the same subjects, other bytes (another sha256). */
async function estDataPlusNewline(dir: string): Promise<string> {
  const path = join(dir, 'copy.csv');
  await writeFile(path, `${await readFile(ESTDATA, 'utf8')}\n`);
  return path;
}

/** Two subjects dosed every 12 h with a biomarker sample after the last dose. */
async function twiceDaily(dir: string): Promise<string> {
  const rows = ['ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID'];
  for (const id of [1, 2]) {
    for (const t of [0, 12, 24]) rows.push(`${id},70,0,5,${t},0,1,1,5,1,0`);
    rows.push(`${id},70,0,5,30,4.2,0,0,0,3,2`);
  }
  const path = join(dir, 'bid.csv');
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}

/** scenarios/questions/estdata.yaml asking <= 4 ng/mL instead of 3.3. */
async function otherThreshold(dir: string): Promise<string> {
  const text = (await readFile(join(ROOT, 'scenarios', 'questions', 'estdata.yaml'), 'utf8')).replace('threshold: { value: 3.3, unit: ng/mL }', 'threshold: { value: 4, unit: ng/mL }');
  assert.match(text, /value: 4, unit/);
  const path = join(dir, 'q4.yaml');
  await writeFile(path, text);
  return path;
}

interface Case {
  readonly name: string;
  readonly args: (dir: string, out: string) => Promise<string[]>;
  readonly message: RegExp;
}

const train = (family: string, trial: string, out: string, ...extra: string[]) => ['train', family, trial, '--out', out, '--quiet', ...extra];

const CASES: Case[] = [
  { name: 'an unknown family', args: async (_d, out) => train('gru', ESTDATA, out), message: /Argument: family, Given: "gru", Choices: "lstm", "qt-lstm", "emax", "logistic"/ },
  {
    name: 'a trial without biomarker samples (PK-only theophylline)',
    args: async (_d, out) => train('emax', THEOPHYLLINE, out),
    message: /theo_sd\.csv: no biomarker \(PD, DVID 2\) observations; the emax baseline is fitted to each subject's largest biomarker value in the last dosing window/,
  },
  {
    name: 'a subject without biomarker samples in its last dosing window',
    args: async (d, out) => train('logistic', await withoutLastWindowPd(d), out),
    message: /no-window\.csv: subject 5 \(line 102\): no biomarker observation in the last dosing window \[480, 504\] h; the logistic baseline needs PD_LAST_MAX for every subject/,
  },
  {
    name: 'a trial dosed every 12 h',
    args: async (d, out) => train('emax', await twiceDaily(d), out),
    message: /bid\.csv: subject 1 \(line 4\): the last two doses are 12 h apart; the emax baseline needs once-daily dosing \(24 h\)/,
  },
  {
    name: 'a --pk card without a clearance',
    args: async (_d, out) => train('emax', ESTDATA, out, '--pk', join(ROOT, 'models', 'sequence-estdata', 'bilstm-qd.model.json')),
    message: /--pk .*bilstm-qd\.model\.json: field inputs\.theta\.names has no "log CL"; the emax baseline needs a population PK card with a clearance/,
  },
  { name: 'a --pk card that does not exist', args: async (d, out) => train('emax', ESTDATA, out, '--pk', join(d, 'nope.model.json')), message: /nope\.model\.json: cannot read model card \(ENOENT\)/ },
  {
    name: 'a --holdout-from card that records no subject split',
    args: async (_d, out) => train('emax', ESTDATA, out, '--holdout-from', join(ROOT, 'models', 'estdata', 'qd.model.json')),
    message: /--holdout-from .*estdata\/qd\.model\.json: field provenance\.split has no train_ids\/val_ids; expected a card that records its subject split/,
  },
  {
    name: 'a --holdout-from card trained on another trial',
    args: async (d, out) => train('logistic', await estDataPlusNewline(d), out, '--holdout-from', join(ROOT, 'models', 'sequence-estdata', 'bilstm-qd.model.json')),
    message: /--holdout-from .*bilstm-qd\.model\.json: field provenance\.data\.sha256: the card's split is of another trial \(100f8829[0-9a-f]+\); expected this trial's [0-9a-f]{64}/,
  },
  {
    name: 'a success threshold no subject reaches (logistic needs both outcomes)',
    args: async (_d, out) => train('logistic', ESTDATA, out, '--threshold', '0.5'),
    message: /EstData\.csv: the logistic baseline needs both successes and failures among more than 4 subjects \(got 0 successes of 48\)/,
  },
  {
    name: 'the logistic surrogate asked about another threshold',
    args: async (d, out) => {
      const models = join(d, 'logistic');
      const r = await runCli(train('logistic', ESTDATA, models, '--draws', '5'));
      assert.equal(r.code, 0, r.stderr);
      return ['answer', ESTDATA, '--model', models, '--questions', await otherThreshold(d), '--out', out, '--quiet'];
    },
    message: /q4\.yaml: questions\[0\]: question Q1 asks biomarker <= 4 ng\/mL, but --model .*logistic-qd\.model\.json \(baseline-logistic\) outputs a success surrogate that answers only biomarker <= 3\.3 ng\/mL/,
  },
  {
    name: 'the logistic surrogate stress-tested on another threshold',
    args: async (d, out) => {
      const models = join(d, 'logistic');
      const r = await runCli(train('logistic', ESTDATA, models, '--draws', '5'));
      assert.equal(r.code, 0, r.stderr);
      return ['stress', ESTDATA, '--model', models, '--questions', await otherThreshold(d), '--question', 'Q1', '--shift', 'comed=0:1:0.5', '--out', out];
    },
    message: /q4\.yaml: question Q1 asks biomarker <= 4 ng\/mL, but --model .*logistic-qd\.model\.json \(baseline-logistic\) outputs a success surrogate/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad baseline input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(await c.args(dir, out));
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written under --out');
    });
  });
}
