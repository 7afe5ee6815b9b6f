/**
 * The questions file: the shipped EstData file groups into exactly the populations, regimens, grids,
 * targets, threshold and question numbers `qusop answer` asks today (so the code and the file cannot
 * drift apart); a user's exposure questions group per measure with thresholds converted to ng/mL; bad
 * files get located errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkBiomarkerUnits, loadQuestionsFile, parseQuestionsText, questionGroups, thresholdUnit } from '../../analysis/answer/questions-file.js';
import { POPULATIONS, QUESTION_TEXT, questionFor, REGIMENS, REGIMEN_TEXT, TARGETS, type QuestionNumber } from '../../analysis/answer/questions.js';
import { DEFAULT_BW, DEFAULT_COMED, populationBlocks } from '../../analysis/answer/populations.js';
import { DEFAULT_GRIDS } from '../../analysis/answer/grid-extension.js';
import { THRESHOLD_NG_ML } from '../../analysis/answer-command.js';
import { InputError } from '../../worker/common/errors.js';
import { ROOT } from '../kit/cli.js';

test('scenarios/questions/estdata.yaml is the five questions: same populations, regimens, grids, targets, threshold and numbering', async () => {
  const file = await loadQuestionsFile(join(ROOT, 'scenarios', 'questions', 'estdata.yaml'));
  file.questions.forEach((q, i) => assert.equal(q.text, QUESTION_TEXT[(i + 1) as QuestionNumber], `Q${i + 1} text`));
  const groups = questionGroups(file);
  assert.deepEqual(groups.map((g) => g.population.name), [...POPULATIONS]);
  const blocks = populationBlocks({ bw: DEFAULT_BW, comed: DEFAULT_COMED }, 'trial.csv');
  for (const g of groups) {
    assert.deepEqual(g.measure, { endpoint: 'biomarker', statistic: 'max', comparison: '<=' });
    assert.equal(g.thresholdNgMl, THRESHOLD_NG_ML);
    assert.deepEqual(g.targets, TARGETS);
    assert.deepEqual(g.regimens.map((r) => r.name), [...REGIMENS]);
    for (const r of g.regimens) {
      const name = r.name as (typeof REGIMENS)[number];
      assert.equal(r.tauH, REGIMEN_TEXT[name].tauH);
      assert.deepEqual(r.dosesMg, DEFAULT_GRIDS[name]);
      for (const t of g.targets) {
        const n = questionFor(g.population.name as (typeof POPULATIONS)[number], name, t);
        assert.deepEqual(g.questionsOf.get(`${r.name}@${t}`), [`Q${n}`], `${g.population.name} ${r.name} ${t}`);
      }
    }
    // the overrides applied to the default base give the population block qusop answer writes
    const block = blocks[g.population.name as (typeof POPULATIONS)[number]];
    assert.deepEqual({ bw: g.population.bw ?? DEFAULT_BW, comed: g.population.comed ?? DEFAULT_COMED }, { bw: block.bw, comed: block.comed });
  }
});

const QD = { name: 'qd', tau_h: 24, doses_mg: { start: 5, stop: 200, step: 5 } };
const QW = { name: 'qw', tau_h: 168, doses_mg: { start: 50, stop: 1000, step: 50 } };

test('exposure questions group per (population, measure); thresholds in mg/L become ng/mL', () => {
  const text = stringify({
    questions: [
      { id: 'mec', endpoint: 'concentration', statistic: 'trough', comparison: '>=', threshold: { value: 0.2, unit: 'mg/L' }, regimens: [QD, QW], populations: [{ name: 'base' }, { name: 'light', bw: 'uniform:40:60' }], targets: [0.9] },
      { id: 'cap', endpoint: 'concentration', statistic: 'mean', threshold: { value: 1.5, unit: 'mg/L' }, regimens: [QD], populations: [{ name: 'base' }], targets: [0.95, 0.9] },
    ],
  });
  const groups = questionGroups(parseQuestionsText(text, 'q.yaml'));
  assert.deepEqual(groups.map((g) => [g.population.name, g.measure.statistic, g.measure.comparison, g.thresholdNgMl, g.regimens.map((r) => r.name), g.targets]), [
    ['base', 'trough', '>=', 200, ['qd', 'qw'], [0.9]],
    ['light', 'trough', '>=', 200, ['qd', 'qw'], [0.9]],
    ['base', 'mean', '<=', 1500, ['qd'], [0.95, 0.9]],
  ]);
  assert.deepEqual(groups[1]?.population.bw, { uniform: { min_kg: 40, max_kg: 60 } });
  assert.deepEqual(groups[2]?.questionsOf.get('qd@0.95'), ['cap']);
});

const one = (q: Record<string, unknown>) => ({ id: 'q1', threshold: { value: 3.3, unit: 'ng/mL' }, regimens: [QD], populations: [{ name: 'base' }], targets: [0.9], ...q });

const BAD: [string, string, RegExp][] = [
  ['empty file', '', /q\.yaml:1: the file is empty; expected a mapping with a "questions:" list/],
  ['unknown field', stringify({ questions: [one({ treshold: 3 })] }), /q\.yaml:\d+: questions\[0\]\.treshold: unknown field "treshold"/],
  ['statistic not known', stringify({ questions: [one({ statistic: 'auc' })] }), /q\.yaml:\d+: questions\[0\]\.statistic: .*expected one of/],
  ['concentration threshold without unit', stringify({ questions: [one({ endpoint: 'concentration', threshold: { value: 2 } })] }), /q\.yaml:\d+: questions\[0\]\.threshold: a concentration threshold needs its unit/],
  ['concentration threshold in a unit that is not a mass concentration', stringify({ questions: [one({ endpoint: 'concentration', threshold: { value: 2, unit: '%' } })] }), /q\.yaml:\d+: questions\[0\]\.threshold\.unit: "%": expected one of "mg\/L", "ug\/mL", "ng\/mL", "ug\/L", "ng\/L", "pg\/mL", "mg\/mL", "g\/L" for a concentration threshold/],
  ['duplicate id', stringify({ questions: [one({}), one({})] }), /q\.yaml:\d+: questions\[1\]\.id: duplicate question id "q1"/],
  ['bad bw override', stringify({ questions: [one({ populations: [{ name: 'x', bw: 'normal:70:10' }] })] }), /q\.yaml:\d+: questions\[0\]\.populations\[0\]\.bw: normal:70:10: expected uniform:LO:HI \(kg\) or resample/],
  ['bad comed override', stringify({ questions: [one({ populations: [{ name: 'x', comed: 'fixed:2' }] })] }), /q\.yaml:\d+: questions\[0\]\.populations\[0\]\.comed: fixed:2: expected bernoulli:P or observed .*\(or fixed:0, fixed:1\)/],
  ['regimen defined twice differently', stringify({ questions: [one({}), one({ id: 'q2', regimens: [{ ...QD, tau_h: 12 }] })] }), /q\.yaml:\d+: questions\[1\]\.regimens\[0\]: regimen "qd" is defined differently by an earlier question/],
  ['grid start > stop', stringify({ questions: [one({ regimens: [{ ...QD, doses_mg: { start: 10, stop: 5, step: 1 } }] })] }), /q\.yaml:\d+: questions\[0\]\.regimens\[0\]\.doses_mg\.start: start \(10\) must be <= stop \(5\)/],
];

test('biomarker thresholds in any unit or none are read (checked against the card: checkBiomarkerUnits) and concentration thresholds in any mass unit are accepted', () => {
  for (const unit of ['ng/mL', 'ug/L', 'mg/L', '%', 'IU/L']) assert.equal(parseQuestionsText(stringify({ questions: [one({ threshold: { value: 50, unit } })] }), 'q.yaml').questions[0]?.threshold.unit, unit);
  assert.equal(parseQuestionsText(stringify({ questions: [one({ threshold: { value: 50 } })] }), 'q.yaml').questions[0]?.threshold.unit, undefined);
  for (const unit of ['mg/L', 'ug/mL', 'ng/mL']) assert.equal(parseQuestionsText(stringify({ questions: [one({ endpoint: 'concentration', threshold: { value: 2, unit } })] }), 'q.yaml').questions[0]?.endpoint, 'concentration');
});

for (const [label, text, message] of BAD) {
  test(`questions file refused with a located message: ${label}`, () => {
    assert.throws(() => parseQuestionsText(text, 'q.yaml'), (err: Error) => {
      assert.match(err.message, message);
      assert.ok(err instanceof InputError, 'an InputError: exit 2');
      return true;
    });
  });
}

test('checkBiomarkerUnits: a biomarker threshold in a unit other than the card\'s is refused with file, line, field and the card\'s unit; the same unit normalised, or none, is taken', () => {
  const text = stringify({ questions: [one({ id: 'c', endpoint: 'concentration', threshold: { value: 2, unit: 'mg/L' } }), one({ id: 'b', threshold: { value: 50, unit: 'mg/L' } })] });
  const file = parseQuestionsText(text, 'q.yaml');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('id: b'));
  const line = lines.findIndex((l, i) => i > start && /unit: mg\/L/.test(l)) + 1;
  assert.ok(start >= 0 && line > start, 'question b\'s unit line');
  assert.throws(() => checkBiomarkerUnits(file, 'q.yaml', 'ng/mL', 'the card\'s units.pd'), (err: Error) => {
    assert.ok(err instanceof InputError, 'exit 2');
    assert.equal(err.message, `q.yaml:${line}: questions[1].threshold.unit: "mg/L": expected ng/mL, the card's units.pd: the biomarker is compared unconverted, so its threshold is written in that unit`);
    return true;
  });
  // the concentration question's mg/L is converted, not checked; the biomarker's against a card in %
  const pct = parseQuestionsText(stringify({ questions: [one({ threshold: { value: 50, unit: 'percent' } }), one({ id: 'q2', threshold: { value: 40 } })] }), 'q.yaml');
  assert.doesNotThrow(() => checkBiomarkerUnits(pct, 'q.yaml', '%', 'x'));
  assert.throws(() => checkBiomarkerUnits(pct, 'q.yaml', 'IU/L', 'the card\'s units.pd'), /q\.yaml:\d+: questions\[0\]\.threshold\.unit: "percent": expected IU\/L/);
  // the group's threshold is the value unconverted
  assert.deepEqual(questionGroups(pct).map((g) => g.thresholdNgMl), [50, 40]);
  assert.equal(thresholdUnit(pct.questions[1]!, '%'), '%');
});
