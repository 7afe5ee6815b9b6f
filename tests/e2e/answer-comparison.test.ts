/**
 * `qusop answer` comparing the shipped population fit (models/estdata) with the shipped sequence models
 * (models/sequence-estdata), tiny sizes (real CLI, real workers, real models): every question answered
 * by every model; answers.json states what each model is and assumes; calibration.json scores every
 * model on the same held-out subjects (the cards' validation split, read here from the cards), with
 * observed success recomputed here from the CSV; report.html and summary.md carry both sections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import type { Answer } from '../../analysis/answer/answers.js';
import type { CalibrationResult } from '../../analysis/calibration/calibration-check.js';
import type { ModelNote } from '../../analysis/answer/model-notes.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');

/** Max PD (DVID 2) per subject over [t0, t0 + 24] h, t0 = last dose (placebo: the latest last dose of anyone). */
function observedMaxima(csv: string): Map<number, number> {
  const rows = csv.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const lastDose = new Map<number, number>();
  for (const [id, , , , time, , evid] of rows) if (evid === 1) lastDose.set(id ?? 0, Math.max(lastDose.get(id ?? 0) ?? 0, time ?? 0));
  const nominal = Math.max(...lastDose.values());
  const max = new Map<number, number>();
  for (const [id = 0, , , , time = 0, dv = 0, evid, mdv, , , dvid] of rows) {
    const t0 = lastDose.get(id) ?? nominal;
    if (evid === 0 && mdv === 0 && dvid === 2 && time >= t0 && time <= t0 + 24) max.set(id, Math.max(max.get(id) ?? -Infinity, dv));
  }
  return max;
}

test('qusop answer with the population fit and the sequence models: side-by-side answers, model notes, calibration on held-out subjects', { timeout: 240_000 }, async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'cmp');
    const started = Date.now();
    const r = await runCli(['answer', TRIAL, '--model', join(ROOT, 'models', 'estdata'), '--model', join(ROOT, 'models', 'sequence-estdata'),
      '--replicates', '2', '--subjects', '20', '--workers', '2', '--seed', '5', '--out', out, '--format', 'md', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    process.stdout.write(`# qusop answer, 5 models (2 x 20): ${Date.now() - started} ms\n`);

    const doc = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: Answer[]; models: ModelNote[]; calibration: { file: string; subjects: number[] } };
    const labels = ['popmodel', 'bilstm', 'qk-lstm', 'qlstm', 'qt-lstm'];
    assert.deepEqual(doc.models.map((m) => m.model), labels);
    const [pop, ...sequence] = doc.models;
    assert.equal(pop?.kind, 'mechanistic population model');
    assert.match(pop?.parameter_uncertainty ?? '', /^200 parameter-uncertainty draws/);
    assert.match(pop?.between_subjects ?? '', /6 random effects/);
    for (const s of sequence) {
      assert.equal(s?.kind, 'sequence model');
      assert.match(s?.parameter_uncertainty ?? '', /^none/);
      assert.match(s?.extrapolation ?? '', /above 10 mg and every once-weekly prediction/);
    }
    assert.equal(doc.answers.length, 12 * labels.length, '12 question cells x 5 models');
    for (const q of [1, 2, 3, 4, 5]) {
      const models = new Set(doc.answers.filter((a) => a.question === q).map((a) => a.model.name));
      assert.deepEqual([...models].sort(), [...labels].sort(), `Q${q} answered by every model`);
    }

    const cal = JSON.parse(await readFile(join(out, 'calibration.json'), 'utf8')) as CalibrationResult;
    const card = JSON.parse(await readFile(join(ROOT, 'models', 'sequence-estdata', 'bilstm-qd.model.json'), 'utf8')) as { provenance: { split: { val_ids: number[] } } };
    const heldOut = [...card.provenance.split.val_ids].sort((a, b) => a - b);
    assert.deepEqual(cal.subject_ids, heldOut, 'the sequence models\' validation subjects');
    assert.deepEqual(doc.calibration.subjects, heldOut);
    assert.deepEqual(cal.models.map((m) => [m.model, m.relation]), [['popmodel', 'in-sample'], ...labels.slice(1).map((l) => [l, 'held-out'])]);
    const maxima = observedMaxima(await readFile(TRIAL, 'utf8'));
    const chosen = cal.subjects.filter((s) => s.chosen);
    assert.deepEqual(chosen.map((s) => s.id), heldOut);
    for (const s of chosen) {
      assert.equal(s.observed_max_ng_ml, maxima.get(s.id), `subject ${s.id}: observed window maximum`);
      assert.equal(s.observed_success, (maxima.get(s.id) ?? Infinity) <= 3.3 ? 1 : 0);
    }
    for (const m of cal.models) {
      const p = chosen.map((s) => s.predicted[m.model] ?? NaN);
      const brier = chosen.reduce((acc, s, i) => acc + ((p[i] ?? NaN) - s.observed_success) ** 2, 0) / chosen.length;
      assert.ok(Math.abs(m.score.brier - brier) < 1e-12, `${m.model}: Brier ${m.score.brier} vs ${brier} from the subject rows`);
      assert.equal(m.score.n, heldOut.length);
      assert.equal(m.score_all_subjects.n, 48);
      if (m.model === 'popmodel') assert.ok(p.some((x) => x > 0 && x < 1), 'a probability over random effects and parameter draws');
      else assert.ok(p.every((x) => x === 0 || x === 1), `${m.model}: deterministic 0/1 predictions`);
    }

    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.match(html, /<section id="comparison">.*The models and what each assumes.*Doses side by side/s);
    assert.match(html, /<section id="calibration">.*<figure id="calibration-plot"><svg/s);
    assert.equal((await readFile(join(out, 'calibration.png'))).subarray(1, 4).toString(), 'PNG');
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    assert.match(md, /## Model comparison[\s\S]*\| Q1 \| base \| QD \| 90 % \| \*\*/);
    assert.match(md, /## Calibration on held-out subjects/);
  });
});
