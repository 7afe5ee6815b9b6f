/**
 * `qusop answer` without --questions on another drug's trial (analysis/answer/five-questions-note.ts):
 * the five EstData questions are asked of it, and the note says so with the trial's own biomarker range
 * (a warfarin-like PCA in % never reaches EstData's 3.3 threshold). EstData itself gets no note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readTrial } from '../../models/ingest/trial.js';
import { parseDataSpec } from '../../models/ingest/data-spec.js';
import { fiveQuestionsNote } from '../../analysis/answer/five-questions-note.js';
import { ROOT } from '../kit/cli.js';

test("a warfarin-like trial asked EstData's questions: the note names them, the biomarker range and --questions", async () => {
  const trial = await readTrial(join(ROOT, 'tests', 'fixtures', 'real-layouts', 'warfarin.csv'));
  const note = fiveQuestionsNote(trial, 3.3, false) ?? '';
  assert.match(note, /^note: no --questions: .*warfarin\.csv is not EstData, and gets EstData's five questions \(max biomarker <= 3\.3 ng\/mL over the steady-state interval; QD 0\.5-40 mg, QW 5-400 mg; SCIENCE\.md\)/);
  const pd = trial.subjects.flatMap((s) => s.pd.map((o) => o.dv));
  assert.match(note, new RegExp(`its biomarker samples run ${Math.min(...pd)}-${Math.max(...pd)} \\(the trial's unit\\), every one above 3\\.3;`));
  assert.match(note, /write a questions file \(--questions Q\.yaml/);
});

test('a trial whose spec names the biomarker\'s unit: the note says the 3.3 is compared in it', async () => {
  const spec = parseDataSpec('endpoints:\n  concentration: { dvid: cp }\n  biomarker: { dvid: pca, unit: "%" }\n', 'pct.yaml');
  const note = fiveQuestionsNote(await readTrial(join(ROOT, 'tests', 'fixtures', 'real-layouts', 'warfarin.csv'), spec), 3.3, false) ?? '';
  assert.match(note, /\(max biomarker <= 3\.3 ng\/mL over the steady-state interval, compared unconverted: 3\.3 % on this trial's cards; QD/);
  assert.match(note, /its biomarker samples run [\d.]+-[\d.]+ %, every one above 3\.3;/);
});

test('EstData (the shipped model names its sha256) gets no note', async () => {
  const trial = await readTrial(join(ROOT, 'data', 'EstData.csv'));
  assert.equal(fiveQuestionsNote(trial, 3.3, true), undefined);
  // and a biomarker that does reach the threshold is not called "every one above"
  assert.doesNotMatch(fiveQuestionsNote(trial, 3.3, false) ?? '', /every one above/);
});
