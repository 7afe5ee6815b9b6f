/**
 * Who the calibration check scores and what was observed (analysis/calibration/calibration-subjects.ts):
 * the sequence models' held-out subjects (card split, only on the same trial), the same set for every
 * model, each model's relation to them; the last dosing window of a constructed trial (dosed subjects:
 * after their last dose; placebo: the same hours) and observed success = every PD in it <= threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSubjects, observedLastWindows } from '../../analysis/calibration/calibration-subjects.js';
import type { AnswerModel } from '../../analysis/answer/models.js';
import { modelNote } from '../../analysis/answer/model-notes.js';
import { parseTrial } from '../../models/ingest/trial.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema } from '../../worker/model/card.js';
import { syntheticTrialCsv } from '../kit/sequence-trial.js';

const TRIAL_SHA = 'a'.repeat(64);
const IDS = [1, 2, 3, 4, 5, 6, 7, 8];

function model(label: string, family: string, provenance: Record<string, unknown>, extra: Record<string, unknown> = {}, testModel = false): AnswerModel {
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA, name: `${label}-qd`, family, version: '1', onnx: 'x.onnx', sha256: '0'.repeat(64), test_model: testModel,
    regimen: { name: 'QD', tau_h: 24 }, time_grid_h: [0, 12], inputs: { covariates: ['dose', 'bw', 'comed'], ...extra }, outputs: { pd: 'pd' }, provenance,
  });
  const c = { cardPath: `/m/${label}-qd.model.json`, card };
  return { label, family, testModel, cards: { qd: c, qw: c } };
}

const seq = (label: string, val: number[], sha = TRIAL_SHA): AnswerModel =>
  model(label, 'bilstm', { data: { sha256: sha }, split: { train_ids: IDS.filter((i) => !val.includes(i)), val_ids: val } });
const pop = model('popmodel', 'mechanistic-2cmt-idr', { data: { sha256: TRIAL_SHA } }, { eta: { dim: 2, distribution: 'standard-normal', names: ['CL', 'V1'] }, theta: { dim: 1, draws: [[0], [1], [2]] } });

test('the sequence models\' validation subjects, the same for every model; the population fit is in-sample on them', () => {
  const c = chooseSubjects([pop, seq('bilstm', [8, 2, 5])], IDS, TRIAL_SHA);
  assert.deepEqual(c.ids, [2, 5, 8]);
  assert.match(c.source, /3 validation subjects .* bilstm card/);
  assert.deepEqual(c.relations.map((r) => [r.model, r.relation]), [['popmodel', 'in-sample'], ['bilstm', 'held-out']]);
  assert.match(c.relations[0]?.note ?? '', /fitted to all 8 trial subjects/);
  assert.match(c.relations[1]?.note ?? '', /early stopping/);
});

test('two splits: their shared validation subjects; a model trained on some of them is in-sample', () => {
  const c = chooseSubjects([seq('a', [2, 5, 8]), seq('b', [2, 3, 8])], IDS, TRIAL_SHA);
  assert.deepEqual(c.ids, [2, 8]);
  assert.deepEqual(c.relations.map((r) => r.relation), ['held-out', 'held-out']);
  const disjoint = chooseSubjects([seq('a', [1, 2]), seq('b', [3, 4])], IDS, TRIAL_SHA);
  assert.deepEqual(disjoint.ids, IDS, 'no shared subject: all subjects');
  assert.match(disjoint.source, /share no validation subject/);
  assert.deepEqual(disjoint.relations.map((r) => r.relation), ['in-sample', 'in-sample']);
});

test('a split recorded on other data does not apply; no split at all: every subject; a test model was fitted to nothing', () => {
  const other = chooseSubjects([seq('x', [2, 5], 'b'.repeat(64)), pop], IDS, TRIAL_SHA);
  assert.deepEqual(other.ids, IDS);
  assert.match(other.source, /all 8 trial subjects/);
  assert.deepEqual(other.relations.map((r) => r.relation), ['not-fitted-here', 'in-sample']);
  const testModel = model('known-answer', 'test-known-answer', {}, {}, true);
  assert.match(chooseSubjects([testModel], IDS, TRIAL_SHA).relations[0]?.note ?? '', /test model/);
});

test('model notes: random effects and parameter draws vs covariates only, data and extrapolation in words', () => {
  const facts = { file: 'trial.csv', sha256: TRIAL_SHA, subjects: 8, armsMg: [0, 1, 3, 10] };
  const p = modelNote(pop, facts);
  assert.equal(p.kind, 'mechanistic population model');
  assert.match(p.between_subjects, /2 random effects \(CL, V1\)/);
  assert.match(p.parameter_uncertainty, /^3 parameter-uncertainty draws/);
  assert.match(p.data, /fitted to all 8 subjects of trial.csv/);
  assert.match(p.extrapolation, /above 10 mg .* mechanism/);
  const s = modelNote(seq('bilstm', [2, 5]), facts);
  assert.equal(s.kind, 'sequence model');
  assert.match(s.between_subjects, /only by body weight and COMED/);
  assert.match(s.parameter_uncertainty, /^none/);
  assert.match(s.data, /trained on 6 subjects .* 2 held out/);
  assert.match(s.extrapolation, /0, 1, 3, 10 mg: QD doses above 10 mg and every once-weekly prediction/);
});

test('last dosing window: after the last dose, the same hours for placebo; success = every observation <= threshold', () => {
  // arms 0 and 10 mg, 2 subjects each (ids 1-2 placebo, 3-4 dosed); doses at 0, 24, 48; window [48, 72]
  const pd = (id: number, t: number): number => {
    if (t < 48 || t > 72) return 1; // outside the window: never looked at
    if (id === 3) return t === 60 ? 3.31 : 2; // one observation just above
    if (id === 4) return t === 72 ? 3.3 : 1.5; // at the threshold counts as success
    return 5 + id;
  };
  const csv = syntheticTrialCsv({ armsMg: [0, 10], perArm: 2, doseTimesH: [0, 24, 48], pdTimesH: [0, 24, 47, 48, 50, 60, 72, 96], pd });
  const trial = parseTrial(csv, 'constructed.csv');
  const w = observedLastWindows(trial, [1, 3, 4], 24, 3.3);
  assert.ok(w !== undefined);
  assert.deepEqual(w.subjects.map((s) => [s.id, s.armDoseMg, s.doseMg, s.windowStartH, s.windowEndH, s.observations, s.observedMaxNgMl, s.observedSuccess]), [
    [1, 0, 0, 48, 72, 4, 6, 0],
    [3, 10, 10, 48, 72, 4, 3.31, 0],
    [4, 10, 10, 48, 72, 4, 3.3, 1],
  ]);
  assert.deepEqual(w.subjects.map((s) => [s.bwKg, s.comed]), [[53, 1], [59, 1], [62, 0]]);
  const placeboOnly = parseTrial(syntheticTrialCsv({ armsMg: [0], perArm: 2, doseTimesH: [], pdTimesH: [0, 24], pd: () => 1 }), 'placebo.csv');
  assert.equal(observedLastWindows(placeboOnly, [1, 2], 24, 3.3), undefined, 'no dosed subject: no window');
});
