/**
 * Sequence-model training data (models/sequence/window.ts, dataset.ts): last-window extraction and
 * linear resampling against a PD function known in closed form, placebo windows, a clear error when
 * PD does not cover the window, and the subject split: seeded, stratified by arm, disjoint, and the
 * scalers learned from training subjects only (changing a validation subject changes nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../worker/common/errors.js';
import { parseTrial } from '../../models/ingest/trial.js';
import { buildDataset, featureRows, splitSubjects, standardizer, toArrays } from '../../models/sequence/dataset.js';
import { SEQUENCE_REGIMENS } from '../../models/sequence/regimens.js';
import { interpolate, lastDosingWindows } from '../../models/sequence/window.js';
import { syntheticTrialCsv } from '../kit/sequence-trial.js';

const QD = SEQUENCE_REGIMENS.qd;
const DOSES = [0, 24, 48, 72];
// piecewise linear between observation times, so interpolation must reproduce these exactly
const PD_TIMES = [0, 24, 72, 73, 74, 76, 80, 84, 96, 120];
const pdAt = (id: number, t: number): number => 10 + id + 0.25 * t;

function trial(perArm = 4, pd = pdAt) {
  return parseTrial(syntheticTrialCsv({ armsMg: [0, 1, 3, 10], perArm, doseTimesH: DOSES, pdTimesH: PD_TIMES, pd }), 'synthetic.csv');
}

test('interpolate: exact at knots, linear between them', () => {
  assert.equal(interpolate([0, 2, 4], [1, 5, 3], 2), 5);
  assert.equal(interpolate([0, 2, 4], [1, 5, 3], 1), 3);
  assert.equal(interpolate([0, 2, 4], [1, 5, 3], 3.5), 3.5);
  assert.ok(Number.isNaN(interpolate([0, 2], [1, 5], 3)));
});

test('last dosing window: starts at the last dose; placebo uses the nominal last window; PD resampled hourly', () => {
  const w = lastDosingWindows(trial(), { tauH: QD.tauH, gridH: QD.timesH });
  assert.equal(w.length, 16);
  for (const s of w) {
    assert.equal(s.startH, 72, `subject ${s.id}`);
    assert.equal(s.pdNgMl.length, 24);
    QD.timesH.forEach((g, k) => assert.ok(Math.abs(s.pdNgMl[k]! - pdAt(s.id, 72 + g)) < 1e-9, `subject ${s.id} t ${g}`));
    assert.equal(s.observations, 7); // 72, 73, 74, 76, 80, 84, 96
    assert.equal(s.doseMg, s.armDoseMg);
  }
  assert.deepEqual(w.filter((s) => s.doseMg === 0).map((s) => s.id), [1, 2, 3, 4]);
});

test('last dosing window: PD that does not span the window is an InputError naming the subject', () => {
  const text = syntheticTrialCsv({ armsMg: [1], perArm: 2, doseTimesH: DOSES, pdTimesH: [0, 72, 80, 84], pd: pdAt });
  assert.throws(
    () => lastDosingWindows(parseTrial(text, 'short.csv'), { tauH: 24, gridH: QD.timesH }),
    (e: unknown) => e instanceof InputError && /short\.csv: subject 1 .*\[72, 96\] h.*\[0, 8, 12\] h.*\[0, 23\] h/.test(e.message),
  );
});

test('split: seeded, stratified by arm, disjoint and complete', () => {
  const w = lastDosingWindows(trial(8), { tauH: 24, gridH: QD.timesH });
  const a = splitSubjects(w, { seed: 7, valFraction: 0.25 });
  const b = splitSubjects(w, { seed: 7, valFraction: 0.25 });
  assert.deepEqual(a.val.map((s) => s.id), b.val.map((s) => s.id));
  const ids = [...a.train, ...a.val].map((s) => s.id).sort((x, y) => x - y);
  assert.deepEqual(ids, w.map((s) => s.id));
  assert.equal(new Set(a.train.map((s) => s.id)).size + new Set(a.val.map((s) => s.id)).size, 32);
  for (const arm of [0, 1, 3, 10]) assert.equal(a.val.filter((s) => s.armDoseMg === arm).length, 2, `arm ${arm}`);
  // a different seed picks a different validation set (8 choose 2 per arm: a collision over 4 arms is ~1e-6)
  const c = splitSubjects(w, { seed: 8, valFraction: 0.25 });
  assert.notDeepEqual(c.val.map((s) => s.id), a.val.map((s) => s.id));
});

test('dataset: scalers come from training subjects only; validation data do not leak into them', () => {
  const base = buildDataset(trial(8), QD, { seed: 3, valFraction: 0.25 });
  const valIds = new Set(base.split.valIds);
  // shift every validation subject's PD by +100: nothing learned from the training set may move
  const shifted = buildDataset(trial(8, (id, t) => pdAt(id, t) + (valIds.has(id) ? 100 : 0)), QD, { seed: 3, valFraction: 0.25 });
  assert.deepEqual(shifted.target, base.target);
  assert.deepEqual(shifted.features, base.features);
  const trainPd = base.train.flatMap((w) => [...w.pdNgMl]);
  assert.deepEqual(base.target, standardizer(trainPd));
  // z-scaled training targets have mean 0 and SD 1
  const { y, n, steps } = toArrays(base, base.train);
  const mean = y.reduce((a, v) => a + v, 0) / (n * steps);
  const sd = Math.sqrt(y.reduce((a, v) => a + (v - mean) ** 2, 0) / (n * steps));
  assert.ok(Math.abs(mean) < 1e-5 && Math.abs(sd - 1) < 1e-5, `mean ${mean} sd ${sd}`);
});

test('features: x_t = z(t/tau, dose/BW, COMED) on the regimen grid', () => {
  const f = { tOverTau: { mean: 0.5, sd: 0.25 }, dosePerKg: { mean: 0.1, sd: 0.05 }, comed: { mean: 0.5, sd: 0.5 } };
  const x = featureRows(f, SEQUENCE_REGIMENS.qw, 140, 70, 1);
  assert.equal(x.length, 168 * 3);
  const at = (k: number) => [x[3 * k]!, x[3 * k + 1]!, x[3 * k + 2]!];
  assert.deepEqual(at(0).map((v) => +v.toFixed(5)), [-2, 38, 1]);
  assert.deepEqual(at(84).map((v) => +v.toFixed(5)), [0, 38, 1]);
});
