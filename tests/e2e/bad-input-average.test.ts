/**
 * Bad input for model averaging (issue 18 §3): `qusop answer --average` options and the scenario
 * field `model_average` (`qusop run`). Each case runs the real CLI and checks exit 2, the located
 * message (option, or file + field + what was expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;
const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

interface AnswerCase { readonly name: string; readonly args: readonly string[]; readonly message: RegExp }

const ANSWER_CASES: AnswerCase[] = [
  { name: 'a threshold of 0', args: ['--average', '--average-min-weight', '0'], message: /--average-min-weight: expected a number > 0 and < 1 \(a BIC weight\), got 0/ },
  { name: 'a threshold of 1', args: ['--average', '--average-min-weight', '1'], message: /--average-min-weight: expected a number > 0 and < 1 \(a BIC weight\), got 1/ },
  { name: 'a threshold that is not a number', args: ['--average', '--average-min-weight', 'ten'], message: /--average-min-weight: expected a number .*got "?ten"?/ },
  { name: 'a threshold without --average', args: ['--average-min-weight', '0.05'], message: /--average-min-weight 0\.05: applies to --average only; add --average or drop it/ },
  { name: '--average with --model', args: ['--average', '--model', join(ROOT, 'models', 'estdata')], message: /--average with --model .*models\/estdata: the average is over the structures fitted to the trial; given cards have no BIC weights/ },
];

for (const c of ANSWER_CASES) {
  test(`bad --average input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(['answer', ESTDATA, '--out', out, ...c.args]);
      assert.equal(r.code, 2, `exit code\n${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written under --out');
    });
  });
}

/** The known-answer scenario with a second QD regimen on the same card and grid; `average` edits its model_average. */
function scenario(average: Obj[], edit: (sc: Obj) => void = () => undefined): Obj {
  const o = knownAnswerScenario({ replicates: 4, subjects: 10, qdStop: 2, qwStop: 10 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  const [qd, qw] = sc['regimens'] as Obj[];
  sc['regimens'] = [qd, { ...qd, name: 'qd2' }, qw];
  sc['model_average'] = average;
  edit(sc);
  return o;
}
const both = [{ regimen: 'qd', weight: 0.7 }, { regimen: 'qd2', weight: 0.3 }];

interface RunCase { readonly name: string; readonly doc: Obj; readonly extra?: readonly string[]; readonly message: RegExp }

const RUN_CASES: RunCase[] = [
  {
    name: 'a member that is not a regimen of the scenario',
    doc: scenario([{ name: 'qd.average', members: [{ regimen: 'qd', weight: 1 }, { regimen: 'qd3', weight: 1 }] }]),
    message: /s\.yaml: scenarios\[0\]\.model_average\[0\]\.members\[1\]\.regimen: no regimen "qd3" in this scenario \(regimens: qd, qd2, qw\)/,
  },
  {
    name: 'members of different regimens (tau)',
    doc: scenario([{ name: 'qd.average', members: [{ regimen: 'qd', weight: 1 }, { regimen: 'qw', weight: 1 }] }]),
    message: /s\.yaml: scenarios\[0\]\.model_average\[0\]\.members\[1\]\.regimen: "qw" has tau_h 168 h, "qd" 24 h: an average is over one regimen/,
  },
  {
    name: 'members with different dose grids',
    doc: scenario([{ name: 'qd.average', members: both }], (sc) => { ((sc['regimens'] as Obj[])[1] as Obj)['doses_mg'] = { start: 0.5, stop: 3, step: 0.5 }; }),
    message: /s\.yaml: scenarios\[0\]\.model_average\[0\]\.members\[1\]\.regimen: "qd2" has another dose grid than "qd": the members are combined dose by dose/,
  },
  {
    name: 'a member twice',
    doc: scenario([{ name: 'qd.average', members: [{ regimen: 'qd', weight: 1 }, { regimen: 'qd', weight: 1 }] }]),
    message: /s\.yaml: scenarios\[0\]\.model_average\[0\]\.members\[1\]\.regimen: "qd" is a member twice/,
  },
  {
    name: 'an average named like a regimen',
    doc: scenario([{ name: 'qd2', members: both }]),
    message: /s\.yaml: scenarios\[0\]\.model_average\[0\]\.name: "qd2" is already the name of a regimen or average of this scenario/,
  },
  {
    name: 'a weight of 0',
    doc: scenario([{ name: 'qd.average', members: [{ regimen: 'qd', weight: 0 }, { regimen: 'qd2', weight: 1 }] }]),
    message: /s\.yaml:\d+: scenarios\[0\]\.model_average\[0\]\.members\[0\]\.weight: .*(greater than 0|>0)/i,
  },
  {
    name: 'an average with adaptive precision (R grows, the allotment would move)',
    doc: scenario([{ name: 'qd.average', members: both }]),
    extra: ['--half-width', '0.2', '--max-replicates', '8'],
    message: /s\.yaml: scenarios\[0\]\.model_average: adaptive precision \(--half-width\) grows the replicates round by round, which would move the allotment/,
  },
];

for (const c of RUN_CASES) {
  test(`bad model_average: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const file = await writeScenario(dir, c.doc, 's.yaml');
      const out = join(dir, 'out');
      const r = await runCli(['run', file, '--out', out, ...(c.extra ?? [])]);
      assert.equal(r.code, 2, `exit code\n${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(join(out, 'run.json')), false, 'no run.json');
      assert.equal(await exists(join(out, 'curves.parquet')), false, 'no curves written');
    });
  });
}
