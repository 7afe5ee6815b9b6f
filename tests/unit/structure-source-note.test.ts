/**
 * `qusop answer` names the selector that produced an answer (issue 20 acceptance): the model note's
 * `structure` says which structure a mechanistic card uses and what chose it, read from the card alone:
 * the likelihood over the fit's candidates (`diagnostics.selection`), a learned selector's shortlist first
 * (`provenance.selector`, written by `qusop fit --preselect transformer`), a credible candidate swept beside
 * the chosen one, or no comparison on record. Cards of other kinds say they have no structure selection,
 * and the quantum-kernel and QCNN cards are no longer called mechanistic population models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnswerModel } from '../../analysis/answer/models.js';
import { modelNote } from '../../analysis/answer/model-notes.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema } from '../../worker/model/card.js';
import { answerSourcesMarkdown } from '../../analysis/report/answer-sources.js';

const SHA = 'a'.repeat(64);
const FACTS = { file: 'trial.csv', sha256: SHA, subjects: 8, armsMg: [0, 1, 3, 10] };
const SELECTION = [
  { structure: '1cmt-oral-idr', bic: 1801.94, weight: 0.88, chosen: true },
  { structure: '2cmt-oral-idr', bic: 1805.9, weight: 0.12, chosen: false },
  { structure: '1cmt-oral-imax', bic: 1900, weight: 0, chosen: false },
];
const SELECTOR = { method: 'transformer', weights: { path: 'models/selector-estdata', sha256: 'f00dfeed1234567890' }, shortlist: ['1cmt-oral-idr', '2cmt-oral-idr'], fitted: ['1cmt-oral-idr', '2cmt-oral-idr'] };

function model(family: string, extra: { provenance?: Record<string, unknown>; diagnostics?: Record<string, unknown>; pSuccess?: boolean } = {}): AnswerModel {
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA, name: 'm-qd', family, version: '1', onnx: 'x.onnx', sha256: '0'.repeat(64), test_model: false,
    regimen: { name: 'QD', tau_h: 24 }, time_grid_h: [0, 12],
    inputs: { covariates: ['dose', 'bw', 'comed'], eta: { dim: 1, distribution: 'standard-normal', names: ['CL'] }, theta: { dim: 1, draws: [[0], [1]] } },
    outputs: extra.pSuccess === true ? { pd: null, p_success: 'p_success' } : { pd: 'pd' },
    ...(extra.pSuccess === true ? { success_event: { endpoint: 'biomarker', statistic: 'max', comparison: '<=', threshold_ng_ml: 3.3 } } : {}),
    provenance: { data: { sha256: SHA }, ...(extra.provenance ?? {}) },
    diagnostics: extra.diagnostics ?? {},
  });
  const c = { cardPath: '/m/m-qd.model.json', card };
  return { label: family, family, testModel: false, cards: { qd: c, qw: c } };
}

test('structure note: chosen by the likelihood, with the BIC and weight of the chosen candidate', () => {
  const n = modelNote(model('mechanistic-1cmt-idr', { diagnostics: { selection: SELECTION } }), FACTS);
  assert.equal(n.kind, 'mechanistic population model');
  assert.equal(n.structure, '1cmt-oral-idr: chosen by the likelihood (lowest BIC among the eligible of 3 fitted candidates: BIC 1801.9, BIC weight 88 %)');
});

test('structure note: a learned selector shortlist is named before the likelihood choice', () => {
  const n = modelNote(model('mechanistic-1cmt-idr', { diagnostics: { selection: SELECTION }, provenance: { selector: SELECTOR } }), FACTS);
  assert.match(n.structure, /^1cmt-oral-idr: the transformer selector \(weights sha256 f00dfeed1234\) shortlisted 1cmt-oral-idr, 2cmt-oral-idr; then chosen by the likelihood/);
});

test('structure note: a credible candidate swept beside the chosen one, and a card with no comparison', () => {
  const credible = modelNote(model('mechanistic-2cmt-idr', { diagnostics: { selection: SELECTION } }), FACTS);
  assert.equal(credible.structure, '2cmt-oral-idr: a credible candidate swept beside the chosen 1cmt-oral-idr (BIC 1805.9, BIC weight 12 % among 3 fitted candidates)');
  const alone = modelNote(model('mechanistic-2cmt-idr'), FACTS);
  assert.match(alone.structure, /^2cmt-oral-idr: no structure comparison on record/);
});

test('structure note: other kinds have none; the quantum-kernel and QCNN cards get their own kinds', () => {
  const kernel = modelNote(model('quantum-kernel-ridge'), FACTS);
  assert.equal(kernel.kind, 'quantum-kernel covariate model');
  assert.equal(kernel.structure, 'no structure selection (a quantum-kernel covariate model)');
  assert.match(kernel.extrapolation, /quantum-kernel ridge regression/);
  const qcnn = modelNote(model('qcnn-success', { pSuccess: true }), FACTS);
  assert.equal(qcnn.kind, 'success classifier');
  assert.match(qcnn.extrapolation, /^P\(success\) from a classifier trained on observed success .* at 0, 1, 3, 10 mg/);
});

test('report: the sources table names every model with its structure and uncertainty source', () => {
  const notes = [modelNote(model('mechanistic-1cmt-idr', { diagnostics: { selection: SELECTION }, provenance: { selector: SELECTOR, uncertainty: { draws: 2, method: 'N(estimate, inverse Fisher information)' } } }), FACTS)];
  const md = answerSourcesMarkdown(notes).join('\n');
  assert.match(md, /## How the answers were obtained/);
  assert.match(md, /\| mechanistic-1cmt-idr \| 1cmt-oral-idr: the transformer selector.* \| 2 parameter-uncertainty draws .*; uncertainty: fisher/);
  assert.deepEqual(answerSourcesMarkdown([]), []);
});
