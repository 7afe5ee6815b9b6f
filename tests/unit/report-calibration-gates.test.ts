/**
 * The report's calibration-gate pieces (analysis/report/calibration-gates.ts) on assessments of
 * synthetic data: a model outside the gates gets an alert (role="alert") naming the failed gates next
 * to the decisions; one within them gets no flag; an inconclusive one gets a note, not an alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { mulberry32 } from '../kit/prng.js';
import { assessCalibration } from '../../analysis/calibration/calibration-assessment.js';
import type { CalibrationResult, ModelCalibration } from '../../analysis/calibration/calibration-check.js';
import { calibrationScore } from '../../analysis/calibration/calibration-score.js';
import { gateFlagHtml, gateFlagMarkdown, gatesHtml } from '../../analysis/report/calibration-gates.js';

const expit = (x: number): number => 1 / (1 + Math.exp(-x));

function model(name: string, seed: number, n: number, b0: number): ModelCalibration {
  const u = mulberry32(seed);
  const subjects = Array.from({ length: n }, () => {
    const x = 2 * normalQuantile(u(), 0, 1);
    return { p: expit(x), y: (u() < expit(b0 * x) ? 1 : 0) as 0 | 1, bwKg: 50 + 50 * u(), categorical: { COMED: u() < 0.5 ? 0 : 1 } };
  });
  const assessment = assessCalibration(subjects, { logitClip: 1e-9, hlDegreesOfFreedom: 'held-out' });
  const score = calibrationScore(subjects.map((s) => s.p), subjects.map((s) => s.y));
  return { model: name, relation: 'held-out', note: '', family: 'test', card: '', prediction: '', theta_draws: 1, eta_draws: 1, score, score_all_subjects: score, assessment };
}

const result = (models: ModelCalibration[]): CalibrationResult => ({
  schema: 'qusop.calibration/v1', threshold_ng_ml: 3.3, window: '', observed_success: '', subjects_source: '', subject_ids: [], caveats: [], models, subjects: [], without_observations: [],
});

test('outside the gates: an alert next to the decisions naming the failed gates; within: no flag', () => {
  const c = result([model('calibrated', 7, 20_000, 1), model('overconfident', 8, 2000, 0.5)]);
  const flag = gateFlagHtml(c);
  assert.equal((flag.match(/role="alert"/g) ?? []).length, 1);
  assert.match(flag, /Model overconfident is OUTSIDE the QuSOP calibration gates on 2000 held-out subjects \(calibration slope 0\.\d\d \[0\.\d\d, 0\.\d\d\]/);
  assert.doesNotMatch(flag, /calibrated is/);
  assert.match(gateFlagMarkdown(c).join('\n'), /\*\*Model overconfident is OUTSIDE/);
  const html = gatesHtml(c);
  assert.match(html, /<b>within the gates<\/b>.*<b>OUTSIDE the gates<\/b>/s);
  assert.match(html, /<b>FAIL<\/b>: 95 % CI \[0\.\d\d, 0\.\d\d\] entirely below the gate/);
});

test('too few subjects to judge: a note (inconclusive), not an alert and not a pass', () => {
  const c = result([model('small', 9, 12, 1)]);
  const flag = gateFlagHtml(c);
  assert.doesNotMatch(flag, /role="alert"/);
  assert.match(flag, /model small is not shown within the gates — calibration slope, .*inconclusive on 12 held-out subjects/);
  assert.match(gatesHtml(c), /not shown within the gates/);
});
