/**
 * The classical baselines in a model comparison through the real CLI: `qusop train emax` and
 * `qusop train logistic` on EstData, then `qusop answer --model` over both (tiny sizes, real workers):
 * every question answered by each, the answers monotone-consistent (a 75 % dose never above the 90 %
 * one of the same population and regimen, "not reached" counting as beyond the grid), each model
 * described as a classical baseline with its parameter draws. Numbers are not fixed here: they move
 * with the sizes; bench/comparison records them at full size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import type { Answer } from '../../analysis/answer/answers.js';
import type { ModelNote } from '../../analysis/answer/model-notes.js';
import type { CalibrationResult } from '../../analysis/calibration/calibration-check.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');

test('qusop train emax|logistic, then qusop answer --model over both: the five questions answered by each, monotone-consistent', { timeout: 240_000 }, async () => {
  await withTempDir(async (tmp) => {
    const models = join(tmp, 'baselines');
    const bilstm = join(ROOT, 'models', 'sequence-estdata', 'bilstm-qd.model.json');
    for (const family of ['emax', 'logistic']) {
      const r = await runCli(['train', family, TRIAL, '--out', models, '--draws', '50', '--quiet', ...(family === 'emax' ? ['--holdout-from', bilstm] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['qd', 'qw'].map((t) => join(models, `${family}-${t}.model.json`)));
    }
    const out = join(tmp, 'cmp');
    const r = await runCli(['answer', TRIAL, '--model', models, '--replicates', '3', '--subjects', '40', '--workers', '2', '--seed', '5', '--out', out, '--format', 'md', '--quiet'], { timeoutMs: 200_000 });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: Answer[]; models: ModelNote[] };
    const valIds = (JSON.parse(await readFile(bilstm, 'utf8')) as { provenance: { split: { val_ids: number[] } } }).provenance.split.val_ids;
    const emaxCard = JSON.parse(await readFile(join(models, 'emax-qd.model.json'), 'utf8')) as { provenance: { split: { val_ids: number[]; train_ids: number[] } }; diagnostics: { subjects: number } };
    assert.deepEqual(emaxCard.provenance.split.val_ids, valIds, 'the held-out subjects are the BiLSTM\'s');
    assert.equal(emaxCard.diagnostics.subjects, 48 - valIds.length, 'fitted without them');
    const cal = JSON.parse(await readFile(join(out, 'calibration.json'), 'utf8')) as CalibrationResult;
    assert.deepEqual(cal.subject_ids, [...valIds].sort((a, b) => a - b));
    assert.deepEqual(cal.models.map((m) => [m.model, m.relation]), [['emax', 'held-out'], ['logistic', 'in-sample']]);
    assert.match(doc.models[0]?.data ?? '', new RegExp(`fitted to ${48 - valIds.length} subjects of EstData\\.csv; ${valIds.length} held out`));
    assert.deepEqual(doc.models.map((m) => [m.model, m.family, m.kind]), [['emax', 'baseline-emax-cavg', 'classical baseline'], ['logistic', 'baseline-logistic', 'classical baseline']]);
    for (const m of doc.models) {
      assert.match(m.parameter_uncertainty, /^50 parameter-uncertainty draws/);
      assert.match(m.extrapolation, /no time course .* once-weekly card is the once-daily model at the same average daily dose/);
    }
    assert.equal(doc.answers.length, 12 * 2, '12 question cells x 2 models');
    for (const q of [1, 2, 3, 4, 5]) {
      assert.deepEqual([...new Set(doc.answers.filter((a) => a.question === q).map((a) => a.model.name))].sort(), ['emax', 'logistic'], `Q${q} answered by both`);
    }
    const key = (a: Answer) => JSON.stringify([a.model.name, a.population, a.regimen]);
    const beyond = (d: number | null) => d ?? Infinity;
    const at90 = new Map(doc.answers.filter((a) => a.target === 0.9).map((a) => [key(a), a]));
    const at75 = doc.answers.filter((a) => a.target === 0.75);
    assert.equal(at75.length, at90.size, 'every cell asked at 90 % and 75 %');
    for (const a of at75) {
      const b = at90.get(key(a));
      assert.ok(b !== undefined, `${key(a)}: a 90 % answer`);
      assert.ok(beyond(a.dose) <= beyond(b.dose), `${key(a)}: 75 % dose ${a.dose} <= 90 % dose ${b.dose}`);
      assert.ok(beyond(a.mean_crossing) <= beyond(b.mean_crossing), `${key(a)}: 75 % mean crossing ${a.mean_crossing} <= 90 % ${b.mean_crossing}`);
    }
    // the logistic link reaches its targets on its grids (its P(success) tends to 1 with dose)
    assert.ok(doc.answers.filter((a) => a.model.name === 'logistic').every((a) => a.dose !== null), 'logistic: every cell has a dose');
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    assert.match(md, /## Model comparison/);
  });
});
