/**
 * Bad input for the question fields of a scenario (issue 16 step 3: endpoint, statistic, comparison,
 * threshold with its unit), in the pattern of bad-input-corpus.test.ts: the real CLI, exit code 2, a
 * message naming the file, line or field and what was expected, and nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;

const base = (): Obj => knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
const sc0 = (o: Obj): Obj => (o['scenarios'] as Obj[])[0] as Obj;
const mutate = (f: (s: Obj) => void): string => {
  const o = base();
  f(sc0(o));
  return stringify(o);
};

/** the known-answer QD card with its grid shifted off 0 and tau (same ONNX, same number of points) */
async function offGridCard(dir: string): Promise<string> {
  await copyFile(join(TEST_MODEL_DIR, 'qd.onnx'), join(dir, 'qd.onnx'));
  const card = JSON.parse(await readFile(join(TEST_MODEL_DIR, 'qd.model.json'), 'utf8')) as { time_grid_h: number[] };
  card.time_grid_h = card.time_grid_h.map((t) => t + 0.25);
  const path = join(dir, 'shifted.model.json');
  await writeFile(path, JSON.stringify(card));
  return path;
}

interface Case {
  readonly name: string;
  readonly scenario: string | ((dir: string) => Promise<string>);
  readonly message: RegExp;
}

const CASES: Case[] = [
  { name: 'unknown statistic', scenario: mutate((s) => { s['statistic'] = 'median'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.statistic: .*expected one of .*"max".*"min".*"mean".*"trough"/ },
  { name: 'unknown endpoint', scenario: mutate((s) => { s['endpoint'] = 'plasma'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.endpoint: .*expected one of .*"biomarker".*"concentration"/ },
  { name: 'comparison < (strict)', scenario: mutate((s) => { s['comparison'] = '<'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.comparison: .*expected one of .*"<=".*">="/ },
  {
    name: 'threshold given twice',
    scenario: mutate((s) => { s['threshold'] = { value: 3.3, unit: 'ng/mL' }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold: give threshold_ng_ml or threshold, not both/,
  },
  {
    name: 'no threshold at all',
    scenario: mutate((s) => { delete s['threshold_ng_ml']; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_ng_ml: required: give threshold_ng_ml, or threshold: \{ value, unit \}/,
  },
  {
    name: 'biomarker threshold unit not the card\'s',
    scenario: mutate((s) => { delete s['threshold_ng_ml']; s['threshold'] = { value: 2, unit: 'mmol/L' }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold\.unit: "mmol\/L": expected ng\/mL, the biomarker unit of model .*qd\.model\.json \(units\.pd\)/,
  },
  {
    name: 'concentration threshold unit not a mass concentration',
    scenario: mutate((s) => { delete s['threshold_ng_ml']; s['endpoint'] = 'concentration'; s['threshold'] = { value: 2, unit: 'mmol/L' }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold\.unit: "mmol\/L": expected one of "mg\/L", "ug\/mL", "ng\/mL", "ug\/L", "ng\/L", "pg\/mL", "mg\/mL", "g\/L" for a concentration threshold/,
  },
  {
    name: 'threshold without its unit',
    scenario: mutate((s) => { delete s['threshold_ng_ml']; s['threshold'] = { value: 2 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold\.unit: .*(expected|required)/i,
  },
  {
    name: 'non-positive threshold value',
    scenario: mutate((s) => { delete s['threshold_ng_ml']; s['threshold'] = { value: -1, unit: 'mg/L' }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold\.value: .*(>0|> 0)/,
  },
  {
    name: 'concentration endpoint on a card without a conc output',
    scenario: mutate((s) => { s['endpoint'] = 'concentration'; s['statistic'] = 'trough'; s['comparison'] = '>='; }),
    message: /scenario\.yaml: scenarios\[0\]\.endpoint: model .*qd\.model\.json: model card "known-answer-qd": the question's endpoint is concentration but the card declares no outputs\.conc/,
  },
  {
    name: 'trough on a grid that neither starts at 0 nor ends at tau',
    scenario: async (dir) => {
      const card = await offGridCard(dir);
      return mutate((s) => {
        s['statistic'] = 'trough';
        s['regimens'] = [{ name: 'qd', tau_h: 24, model: card, doses_mg: { start: 0.5, stop: 2, step: 0.5 } }];
      });
    },
    message: /scenario\.yaml: scenarios\[0\]\.statistic: model .*shifted\.model\.json: model card "known-answer-qd": time_grid_h runs from 0\.25 to 23\.75 h: a trough or mean over the 24 h interval needs a grid that starts at 0 \(periodic steady state\) or ends at tau/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad question input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const text = typeof c.scenario === 'function' ? await c.scenario(dir) : c.scenario;
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, text);
      const r = await runCli(['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet'], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(join(dir, 'out', 'decisions.json')), false, 'no decisions written');
      assert.equal(await exists(join(dir, 'out', 'curves.parquet')), false, 'no curves written');
    });
  });
}

/** `qusop answer --questions`: the questions file is checked before the answer directory is touched */
const QD = { name: 'qd', tau_h: 24, doses_mg: { start: 0.5, stop: 2, step: 0.5 } };
const question = (q: Obj): string => stringify({ questions: [{ id: 'q1', threshold: { value: 3.3, unit: 'ng/mL' }, regimens: [QD], populations: [{ name: 'base' }], targets: [0.9], ...q }] });

const ANSWER_CASES: { name: string; file?: string; message: RegExp }[] = [
  { name: 'questions file missing', message: /q\.yaml: cannot read questions file \(ENOENT\)/ },
  { name: 'unknown question field', file: question({ treshold: 3 }), message: /q\.yaml:\d+: questions\[0\]\.treshold: unknown field "treshold"/ },
  { name: 'question statistic unknown', file: question({ statistic: 'auc' }), message: /q\.yaml:\d+: questions\[0\]\.statistic: .*expected one of .*"max".*"trough"/ },
  { name: 'question threshold unit not the card\'s', file: question({ threshold: { value: 1, unit: 'IU/L' } }), message: /q\.yaml:\d+: questions\[0\]\.threshold\.unit: "IU\/L": expected ng\/mL, the biomarker unit of model card .*qd\.model\.json \(units\.pd\)/ },
  { name: 'question population override', file: question({ populations: [{ name: 'x', bw: 'uniform:90:60' }] }), message: /q\.yaml:\d+: questions\[0\]\.populations\[0\]\.bw: uniform:90:60: expected 0 < LO <= HI \(kg\)/ },
  { name: 'question regimen tau without a model card', file: question({ regimens: [{ ...QD, tau_h: 12 }] }), message: /q\.yaml: questions\[0\]\.regimens\[0\]\.tau_h: 12 h: qusop answer's models are QD \(24 h\) and QW \(168 h\) cards; expected 24 or 168/ },
];

for (const c of ANSWER_CASES) {
  test(`bad question input: answer --questions, ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      if (c.file !== undefined) await writeFile(join(dir, 'q.yaml'), c.file);
      const out = join(dir, 'out');
      const r = await runCli(['answer', join(TEST_MODEL_DIR, '..', '..', '..', 'data', 'EstData.csv'), '--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json'),
        '--questions', join(dir, 'q.yaml'), '--replicates', '2', '--subjects', '10', '--workers', '1', '--quiet', '--out', out], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(out), false, 'nothing written: no answer directory');
    });
  });
}
