/**
 * bench/comparison's table writer and throughput arithmetic (tables.ts, card-throughput.ts): the
 * answer cell format, question cells x models layout, the seeded bootstrap interval of the Brier
 * score, the cards' training figures, the extrapolation notes beside the cards' own, the
 * synthetic-trial table against the truth, and trajectories/s from median wall times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerCell, answersTable, brierInterval, cardTraining, notesTable, syntheticTable, type AnswerRow } from '../../bench/comparison/tables.js';
import { median, tileShape, trajectoriesPerSecond } from '../../bench/comparison/card-throughput.js';

const answer = (model: string, question: number, regimen: string, dose: number | null, flags: string[] = []): AnswerRow => ({
  question, population: 'base', regimen, target: 0.9, dose, mean_crossing: dose === null ? null : dose - 1,
  interval: [dose === null ? 20 : dose - 2, dose], model: { name: model, card: `/m/${model}-${regimen}.model.json` }, flags,
});
// a questions file's answers.json names the model by its label alone
const byLabel = (a: AnswerRow): AnswerRow => ({ ...a, model: typeof a.model === 'string' ? a.model : a.model.name });

test('answer cell: conservative dose, mean crossing, interval; not reached and non-monotone flagged', () => {
  assert.equal(answerCell(answer('a', 1, 'qd', 7)), '**7 mg** (6; [5–7])');
  assert.equal(answerCell(answer('a', 1, 'qw', 30, ['non-monotone'])), '**30 mg** (29; [28–30]) ⚑');
  assert.equal(answerCell(answer('a', 1, 'qd', null)), 'not reached (—; [20–beyond])');
});

test('answers table: one row per question cell, one column per model in first-seen order, blank where a model has no answer', () => {
  const rows = answersTable([answer('pop', 1, 'qd', 7), answer('lstm', 1, 'qd', 10), answer('pop', 2, 'qw', 65)]);
  assert.equal(rows.length, 2 + 2);
  assert.equal(rows[0], '| Q | population | regimen | target | pop | lstm |');
  assert.equal(rows[2], '| Q1 | base | QD | 90 % | **7 mg** (6; [5–7]) | **10 mg** (9; [8–10]) |');
  assert.equal(rows[3], '| Q2 | base | QW | 90 % | **65 mg** (64; [63–65]) |  |');
});

test('Brier bootstrap interval: seeded (same table on every run), brackets the score, collapses when every subject scores alike', () => {
  const p = [1, 0, 0, 1, 0.5, 0.2, 0.9, 0, 0, 1, 0.3, 0];
  const o = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0];
  const brier = p.reduce((s, x, i) => s + (x - o[i]!) ** 2, 0) / p.length;
  const [lo, hi] = brierInterval(p, o);
  assert.deepEqual(brierInterval(p, o), [lo, hi]);
  assert.ok(lo < brier && brier < hi, `${lo} < ${brier} < ${hi}`);
  assert.ok(lo >= 0 && hi <= 1);
  assert.deepEqual(brierInterval([1, 0, 1], [1, 0, 1]), [0, 0]);
  assert.deepEqual(brierInterval([0.5, 0.5], [1, 0]), [0.25, 0.25]);
  assert.throws(() => brierInterval([0.5], [1, 0]), RangeError);
});

test('synthetic table: each model\'s Q1 / Q2 answer beside the true minimal dose, with the ratio answer / truth', () => {
  const truth = { answers: [{ question: 'Q1', regimen: 'qd', dose: 6.5, close: true }, { question: 'Q2', regimen: 'qw', dose: 65, close: false }], trials: [{ seed: 1 }] };
  const rows = syntheticTable(truth, [{ seed: 1, answers: [answer('pop', 1, 'qd', 7), answer('pop', 2, 'qw', 65), byLabel(answer('lstm', 1, 'qd', 13))] }]);
  assert.equal(rows[0], '| trial | model | Q1 QD (true 6.5 mg*) | Q2 QW (true 65 mg) |');
  assert.equal(rows[2], '| seed 1 | pop | **7 mg** (6; [5–7]) ×1.08 | **65 mg** (64; [63–65]) ×1.00 |');
  assert.equal(rows[3], '| seed 1 | lstm | **13 mg** (12; [11–13]) ×2.00 | — |');
});

test('throughput: trajectories per tile over the median repetition; tiles sized by the graph\'s time points', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
  // 1 600 trajectories, median 400 ms -> 4 000 /s (the slow outlier does not move it)
  assert.equal(trajectoriesPerSecond(1600, [400, 390, 5000, 410, 400]), 4000);
  assert.deepEqual(tileShape(168), { doses: 8, replicates: 2, subjects: 100 });
  assert.deepEqual(tileShape(24), { doses: 8, replicates: 2, subjects: 500 });
  assert.deepEqual(tileShape(1), { doses: 8, replicates: 2, subjects: 2000 });
});

test('card training figures: trainable_parameters or the QCNN\'s parameters.total, training_seconds; null where the card has neither', () => {
  assert.deepEqual(cardTraining({ trainable_parameters: 961, training_seconds: 20.2 }), { trainable: 961, seconds: 20.2 });
  assert.deepEqual(cardTraining({ parameters: { circuit: 46, readout: 6, total: 52 } }), { trainable: 52, seconds: null });
  assert.deepEqual(cardTraining({ parameters: 'none' }), { trainable: null, seconds: null });
  assert.deepEqual(cardTraining(undefined), { trainable: null, seconds: null });
});

test('extrapolation table: answers.json\'s note beside the card\'s own QD / QW notes, a dash where the card has none', () => {
  const notes = [{ model: 'pop', family: 'mech', extrapolation: 'through the mechanism' }, { model: 'qcnn', family: 'qcnn-success', extrapolation: 'a | b' }];
  const rows = notesTable(notes, { qcnn: { qd: 'QD-trained', qw: 'no weekly data' }, pop: { qd: null, qw: null } });
  assert.equal(rows[0], '| model | family | extrapolation (answers.json) | the card\'s own note (diagnostics.extrapolation) |');
  assert.equal(rows[2], '| pop | mech | through the mechanism | — |');
  assert.equal(rows[3], '| qcnn | qcnn-success | a / b | QD: QD-trained; QW: no weekly data |');
  assert.equal(notesTable(notes)[3], '| qcnn | qcnn-success | a / b | — |');
});
