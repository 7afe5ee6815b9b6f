/**
 * `qusop answer`'s model notes say where a model's parameter draws came from (issue 20 acceptance: "the
 * report of qusop answer shows which uncertainty source produced an answer"): "uncertainty: hmc" with the
 * posterior's diagnostics (and FLAGGED for a forced, flagged posterior), "uncertainty: fisher" for the
 * Fisher-information draws of `qusop fit`, nothing for a card without draws or with draws of another origin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnswerModel } from '../../analysis/answer/models.js';
import { modelNote } from '../../analysis/answer/model-notes.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema } from '../../worker/model/card.js';

const SHA = 'a'.repeat(64);
const FACTS = { file: 'trial.csv', sha256: SHA, subjects: 8, armsMg: [0, 1, 3, 10] };

function model(uncertainty: Record<string, unknown> | undefined, draws: number[][]): AnswerModel {
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA, name: 'pop-qd', family: 'mechanistic-1cmt-oral', version: '1', onnx: 'x.onnx', sha256: '0'.repeat(64), test_model: false,
    regimen: { name: 'QD', tau_h: 24 }, time_grid_h: [0, 12],
    inputs: { covariates: ['dose', 'bw', 'comed'], eta: { dim: 1, distribution: 'standard-normal', names: ['CL'] }, theta: { dim: 1, draws } },
    outputs: { pd: 'pd' }, provenance: { data: { sha256: SHA }, ...(uncertainty === undefined ? {} : { uncertainty }) },
  });
  const c = { cardPath: '/m/pop-qd.model.json', card };
  return { label: 'pop', family: 'mechanistic-1cmt-oral', testModel: false, cards: { qd: c, qw: c } };
}

test('model note: uncertainty source hmc (with diagnostics, flagged or not), fisher, or none', () => {
  const draws = [[0], [1], [2]];
  const hmc = modelNote(model({ source: 'hmc', draws: 3, diagnostics: { max_rhat: 1.0123, min_ess_bulk: 412.7, divergences: 0, flagged: false } }, draws), FACTS);
  assert.match(hmc.parameter_uncertainty, /^3 parameter-uncertainty draws .*; uncertainty: hmc \(posterior by NUTS; max R-hat 1\.01, min bulk ESS 413, 0 divergences\)$/);
  const flagged = modelNote(model({ source: 'hmc', draws: 3, diagnostics: { max_rhat: 1.4, min_ess_bulk: 5, divergences: 2, flagged: true } }, draws), FACTS);
  assert.match(flagged.parameter_uncertainty, /uncertainty: hmc \(.*FLAGGED: not a usable posterior\)$/);
  const fisher = modelNote(model({ draws: 3, method: 'N(estimate, inverse Fisher information) on the estimation scale; row 0 = point estimate' }, draws), FACTS);
  assert.match(fisher.parameter_uncertainty, /; uncertainty: fisher \(N\(estimate, inverse Fisher information\)\)$/);
  const none = modelNote(model(undefined, [[0]]), FACTS);
  assert.doesNotMatch(none.parameter_uncertainty, /uncertainty:/);
  // draws of another origin (an imported model's covariance; a baseline without the field) keep their text
  const imported = modelNote(model({ draws: 3, method: "N(estimate, the file's covariance of the estimates) on the estimation scale" }, draws), FACTS);
  assert.doesNotMatch(imported.parameter_uncertainty, /uncertainty:/);
  assert.doesNotMatch(modelNote(model(undefined, draws), FACTS).parameter_uncertainty, /uncertainty:/);
});
