/**
 * The report's derived tables (90 % vs 75 % reduction, QD vs QW coherence, model comparison) from
 * hand-made answers with hand-computed expectations, and the fit-diagnostics helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coherenceRows, comparisonRows, reductionRows } from '../../analysis/report/tables.js';
import { imageReferences, scalarFacts } from '../../analysis/report/diagnostics.js';
import type { Answer } from '../../analysis/answer/answers.js';
import { questionFor, type PopulationName, type RegimenName } from '../../analysis/answer/questions.js';

type A = Pick<Answer, 'population' | 'regimen' | 'target' | 'dose' | 'model' | 'question'>;

const a = (population: PopulationName, regimen: RegimenName, target: number, dose: number | null, model = 'm'): A => ({
  population, regimen, target, dose, question: questionFor(population, regimen, target) ?? 5,
  model: { name: model, family: 'f', card: 'c', version: '1', sha256: 's', test_model: false, parameter_draws: 1 },
});

test('reduction: 90 % vs 75 % dose per (population, regimen, model), in mg and % of the 90 % dose', () => {
  const rows = reductionRows([a('base', 'qd', 0.9, 20), a('base', 'qd', 0.75, 15), a('base', 'qw', 0.9, 150), a('base', 'qw', 0.75, null), a('heavy', 'qd', 0.9, 12.5), a('heavy', 'qd', 0.75, 10)]);
  assert.deepEqual(rows.map((r) => [r.population, r.regimen, r.dose90, r.dose75, r.reductionMg, r.reductionPercent]), [
    ['base', 'qd', 20, 15, 5, 25],
    ['base', 'qw', 150, null, null, null],
    ['heavy', 'qd', 12.5, 10, 2.5, 20],
  ]);
});

test('coherence: weekly dose vs 7 x daily dose, % difference, within +-5 % flagged', () => {
  const rows = coherenceRows([a('base', 'qd', 0.9, 20), a('base', 'qw', 0.9, 147), a('base', 'qd', 0.75, 10), a('base', 'qw', 0.75, 105), a('heavy', 'qd', 0.9, null), a('heavy', 'qw', 0.9, 200)]);
  assert.deepEqual(rows.map((r) => [r.population, r.target, r.weeklyFromDaily, r.qwDose, r.differencePercent, r.withinTolerance]), [
    ['base', 0.9, 140, 147, 5, true],
    ['base', 0.75, 70, 105, 50, false],
    ['heavy', 0.9, null, 200, null, null],
  ]);
});

test('model comparison: each model\'s dose per question cell, spread = (max - min) / min', () => {
  const rows = comparisonRows([a('base', 'qd', 0.9, 20, 'pop'), a('base', 'qd', 0.9, 25, 'lstm'), a('base', 'qw', 0.9, 100, 'pop'), a('base', 'qw', 0.9, null, 'lstm')]);
  assert.deepEqual(rows.map((r) => [r.question, r.regimen, r.doses, r.spreadPercent]), [
    [1, 'qd', { pop: 20, lstm: 25 }, 25],
    [2, 'qw', { pop: 100, lstm: null }, null],
  ]);
});

test('diagnostics: image references found at any depth; scalars flattened one level; the parameter table kept apart', () => {
  const d = { minus2LL: 123.456789, converged: true, figures: { gof: 'gof.png', vpc: ['vpc-qd.svg', 'notes.txt'] }, shrinkage: { CL: 0.1 }, parameters: [{ key: 'CL' }] };
  assert.deepEqual(imageReferences(d), [{ key: 'figures.gof', file: 'gof.png' }, { key: 'figures.vpc[0]', file: 'vpc-qd.svg' }]);
  assert.deepEqual(scalarFacts(d), [['minus2LL', '123.46'], ['converged', 'true'], ['figures.vpc', 'vpc-qd.svg, notes.txt'], ['shrinkage.CL', '0.1']]);
});
