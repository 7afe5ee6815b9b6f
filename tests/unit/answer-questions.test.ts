/**
 * The five questions' mapping (SCIENCE.md numbering), the answers built from decisions, model grouping
 * and the --bw / --comed parsers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { questionFor, relaxedFrom, POPULATIONS, REGIMENS } from '../../analysis/answer/questions.js';
import { answersFor, buildAnswers } from '../../analysis/answer/answers.js';
import { baseName, groupModels, regimenKey } from '../../analysis/answer/models.js';
import { parseBwOption, parseComedOption, populationBlocks } from '../../analysis/answer/populations.js';
import type { CellResult } from '../../analysis/answer/orchestrate.js';
import type { ModelCard } from '../../worker/model/card.js';
import { InputError } from '../../worker/common/errors.js';

test('question numbers follow SCIENCE.md: Q1 QD base, Q2 QW base, Q3 heavy, Q4 nocomed (90 %), Q5 everything at 75 %', () => {
  assert.equal(questionFor('base', 'qd', 0.9), 1);
  assert.equal(questionFor('base', 'qw', 0.9), 2);
  for (const r of REGIMENS) {
    assert.equal(questionFor('heavy', r, 0.9), 3);
    assert.equal(questionFor('nocomed', r, 0.9), 4);
    for (const p of POPULATIONS) assert.equal(questionFor(p, r, 0.75), 5);
  }
  assert.equal(questionFor('base', 'qd', 0.8), undefined, 'a target outside the five questions maps to none');
  assert.equal(relaxedFrom('base', 'qw'), 2);
  assert.equal(relaxedFrom('nocomed', 'qd'), 4);
});

function card(name: string, tauH: number, extra: Partial<ModelCard> = {}): ModelCard {
  return {
    schema: 'qusop.model-card/v1', name, family: 'fam', version: '1', test_model: false, onnx: 'x.onnx', sha256: '0'.repeat(64),
    regimen: { name: tauH === 24 ? 'QD' : 'QW', tau_h: tauH }, time_grid_h: [0], inputs: { covariates: ['dose', 'bw', 'comed'] },
    outputs: { pd: 'pd' }, units: { dose: 'mg', bw: 'kg', pd: 'ng/mL' }, provenance: {}, diagnostics: {}, ...extra,
  };
}

const curve = (regimen: string, doses: number[], p: (d: number) => number) =>
  doses.map((dose) => ({ scenario: 'heavy', regimen, dose, n: 1000, k: Math.round(1000 * p(dose)), p_hat: p(dose), cp_lo: p(dose) - 0.02, cp_hi: p(dose) + 0.02, wilson_lo: 0, wilson_hi: 1, rq_lo: 0, rq_hi: 1, rep_p_q025: 0, rep_p_q50: 0, rep_p_q975: 0, mean_max_ng_ml: 3, sd_max_ng_ml: 1, band_lo: p(dose) - 0.02, band_hi: p(dose) + 0.02 }));

const decision = (target: number, conservative: number | null) => ({
  scenario: 'heavy', regimen: 'qw', target, mean_crossing: conservative === null ? null : conservative - 5, conservative,
  replicate_median: conservative, replicate_lo: conservative === null ? null : conservative - 20, replicate_hi: conservative === null ? null : conservative + 20,
  flags: conservative === null ? ['conservative-not-reached' as const] : [], non_monotone_steps: 0, band: { method: 'clopper-pearson' as const, level: 0.95 },
});

test('answers: Q3 (90 %) and Q5 (75 %) from one cell, dose = conservative, interval = replicate quantiles, band at the dose', () => {
  const models = groupModels([{ cardPath: '/m/a-qd.model.json', card: card('a-qd', 24) }, { cardPath: '/m/a-qw.model.json', card: card('a-qw', 168) }]);
  const model = models[0]!;
  const doses = [5, 10, 15, 20];
  const cell: CellResult = {
    population: 'heavy', regimen: 'qw', model, regimenKey: 'qw', grid: { start: 5, stop: 20, step: 5 },
    curve: curve('qw', doses, (d) => d / 20), decisions: [decision(0.9, 20), decision(0.75, 15)],
    round: 1, runId: 'r1', runDir: '/x', populationLabel: 'BW ~ Uniform(70, 140) kg; COMED = 0', verdict: 'resolved',
  };
  const [a90, a75] = answersFor(cell);
  assert.equal(a90?.question, 3);
  assert.equal(a75?.question, 5);
  assert.equal(a75?.relaxes, 3);
  assert.equal(a90?.dose, 20);
  assert.deepEqual(a90?.interval, [0, 40]);
  assert.equal(a90?.band.p_hat, 1);
  assert.equal(a75?.band.lo, 0.75 - 0.02);
  assert.equal(a90?.model.name, 'a');
  assert.equal(a90?.grid.extensions, 1);
  assert.match(a90?.population_assumptions ?? '', /70-140 kg: BW ~ Uniform\(70, 140\) kg/);
  assert.match(a90?.statement ?? '', /20 mg/);
  const none = answersFor({ ...cell, decisions: [decision(0.9, null)], verdict: 'plateau' });
  assert.equal(none[0]?.dose, null);
  assert.deepEqual(none[0]?.band, { method: 'clopper-pearson', level: 0.95, dose: null, p_hat: null, lo: null, hi: null });
  assert.match(none[0]?.statement ?? '', /flattened/);
  // ordering: by question
  const ordered = buildAnswers({ cells: [cell, { ...cell, population: 'base', regimen: 'qd' }] });
  assert.deepEqual(ordered.map((a) => a.question), [1, 3, 5, 5]);
});

test('models: cards grouped by family + name without the regimen suffix; missing or doubled regimens are input errors', () => {
  assert.equal(baseName('popmodel-qd'), 'popmodel');
  assert.equal(baseName('known-answer_QW'), 'known-answer');
  assert.equal(baseName('qd'), 'qd');
  const two = groupModels([
    { cardPath: 'a', card: card('popmodel-qd', 24) }, { cardPath: 'b', card: card('lstm-qd', 24, { family: 'bilstm' }) },
    { cardPath: 'c', card: card('popmodel-qw', 168) }, { cardPath: 'd', card: card('lstm-qw', 168, { family: 'bilstm' }) },
  ]);
  assert.deepEqual(two.map((m) => [m.label, m.cards.qd.cardPath, m.cards.qw.cardPath]), [['popmodel', 'a', 'c'], ['lstm', 'b', 'd']]);
  assert.equal(regimenKey('qd', two[1]!, two), 'qd.lstm');
  assert.equal(regimenKey('qw', two[0]!, [two[0]!]), 'qw');
  assert.throws(() => groupModels([{ cardPath: 'a', card: card('m-qd', 24) }]), (e: unknown) => e instanceof InputError && /no QW card/.test(e.message));
  assert.throws(() => groupModels([{ cardPath: 'a', card: card('m-qd', 24) }, { cardPath: 'b', card: card('m-qd', 24) }, { cardPath: 'c', card: card('m-qw', 168) }]), /2 QD cards/);
  assert.throws(() => groupModels([{ cardPath: 'a', card: card('m', 12) }]), /tau_h is 12 h/);
  const test = groupModels([{ cardPath: 'a', card: card('t-qd', 24, { test_model: true }) }, { cardPath: 'b', card: card('t-qw', 168) }]);
  assert.equal(test[0]?.testModel, true);
});

test('--bw / --comed parse to scenario population blocks; heavy keeps base COMED, nocomed keeps base BW', () => {
  assert.deepEqual(parseBwOption('uniform:51:100'), { uniform: { min_kg: 51, max_kg: 100 } });
  assert.deepEqual(parseBwOption('resample'), { resample: { sigma: 0.1, clip_kg: [35, 120] } });
  assert.deepEqual(parseBwOption('resample:0.2'), { resample: { sigma: 0.2, clip_kg: [35, 120] } });
  assert.deepEqual(parseComedOption('bernoulli:0.3'), { bernoulli: 0.3 });
  assert.equal(parseComedOption('observed'), 'observed');
  for (const bad of ['uniform:100:50', 'uniform:1', 'normal:70:10', 'resample:x']) assert.throws(() => parseBwOption(bad), (e: unknown) => e instanceof InputError && /--bw/.test(e.message), bad);
  for (const bad of ['bernoulli:1.5', 'bernoulli', 'fixed:0']) assert.throws(() => parseComedOption(bad), (e: unknown) => e instanceof InputError && /--comed/.test(e.message), bad);
  const blocks = populationBlocks({ bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.3 } }, 'trial.csv');
  assert.deepEqual(blocks.base, { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.3 } }, 'no trial needed for a fully specified base');
  assert.deepEqual(blocks.heavy, { bw: { uniform: { min_kg: 70, max_kg: 140 } }, comed: { bernoulli: 0.3 } });
  assert.deepEqual(blocks.nocomed, { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { fixed: 0 } });
  const observed = populationBlocks({ bw: { resample: { sigma: 0.1, clip_kg: [35, 120] } }, comed: 'observed' }, 'trial.csv');
  assert.equal(observed.heavy.subjects_source, 'trial.csv', 'observed COMED needs the trial');
  assert.equal(observed.nocomed.subjects_source, 'trial.csv', 'resampled BW needs the trial');
});
