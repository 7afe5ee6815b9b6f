/**
 * The library bench's other trial designs (bench/selection/library-designs.ts, written by
 * library-trial.ts): read back through the project's ingest, a SAD trial has one dose per subject at
 * five levels and samples to 5 half-lives; a sparse trial has 120 subjects on 3 levels with 28 daily
 * doses (ADDL) and 2-4 samples each within a dosing interval; COMED only where the truth uses it; an
 * IV truth's doses go into the concentration's CMT; simulated values below the LLOQ are written BLQ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrial, readTrial } from '../../models/ingest/trial.js';
import { LIBRARY_TRUTHS, type LibraryTruth } from '../../bench/selection/library-truths.js';
import { sadTimesH, syntheticDesignLines, terminalHalfLifeH } from '../../bench/selection/library-designs.js';
import { writeLibraryTrial } from '../../bench/selection/library-trial.js';

const truth = (id: string): LibraryTruth => LIBRARY_TRUTHS.find((t) => t.structure.id === id)!;
const read = (t: LibraryTruth, design: 'sad' | 'sparse', seed = 1) => parseTrial(`${syntheticDesignLines(t, design, seed).join('\n')}\n`, `${design}.csv`);

test('terminalHalfLifeH: ln 2 V/CL for one compartment; the slow eigenvalue for two', () => {
  assert.ok(Math.abs(terminalHalfLifeH(truth('1cmt-oral')) - Math.LN2 * 10 / 0.09) < 1e-9);
  // 2cmt-oral: CL 0.06, V1 3, Q 0.4, V2 12; beta by the quadratic, checked against its defining equation
  const h = terminalHalfLifeH(truth('2cmt-oral'));
  const beta = Math.LN2 / h;
  const [k10, k12, k21] = [0.06 / 3, 0.4 / 3, 0.4 / 12];
  assert.ok(Math.abs(beta * beta - (k10 + k12 + k21) * beta + k10 * k21) < 1e-12);
  assert.ok(h > Math.LN2 * 15 / 0.06 * 0.9, `terminal half-life ${h} h`);
});

test('sad: 40 subjects, one dose each at 1-100 mg, samples to >= 5 half-lives, no COMED for a PK-only truth', () => {
  const t = truth('1cmt-oral');
  const lines = syntheticDesignLines(t, 'sad', 1);
  assert.ok(!lines[0]!.split(',').includes('COMED'));
  const trial = read(t, 'sad');
  assert.equal(trial.subjects.length, 40);
  assert.ok(trial.subjects.every((s) => s.doses.length === 1 && s.pd.length === 0));
  assert.deepEqual([...new Set(trial.subjects.map((s) => s.doses[0]!.amtMg))], [1, 3, 10, 30, 100]);
  const last = Math.max(...trial.subjects[0]!.pk.map((o) => o.timeH));
  assert.ok(last >= 5 * terminalHalfLifeH(t), `last sample ${last} h`);
  assert.deepEqual(trial.subjects[0]!.pk.map((o) => o.timeH), sadTimesH(t));
  assert.ok(trial.subjects.some((s) => s.bwKg !== trial.subjects[0]!.bwKg), 'body weights vary');
});

test('sparse: 120 subjects at 3 levels, 28 daily doses, 2-4 samples within a dosing interval; PK/PD: COMED and a baseline', () => {
  const t = truth('1cmt-oral-idr');
  const trial = read(t, 'sparse', 2);
  assert.equal(trial.subjects.length, 120);
  assert.deepEqual([...new Set(trial.subjects.map((s) => s.doses[0]!.amtMg))].sort((a, b) => a - b), [3, 10, 30]);
  for (const s of trial.subjects) {
    assert.equal(s.doses.length, 28);
    assert.ok(s.pk.length >= 2 && s.pk.length <= 4, `subject ${s.id}: ${s.pk.length} samples`);
    for (const o of s.pk) {
      const after = o.timeH % 24;
      assert.ok(after >= 0.5 && after <= 23.5 && o.timeH < 28 * 24, `subject ${s.id}: sample at ${o.timeH} h`);
    }
    assert.equal(s.pd.length, s.pk.length + 1);
    assert.equal(s.pd[0]!.timeH, 0);
  }
  const comed = trial.subjects.filter((s) => s.comed === 1).length;
  assert.ok(comed > 20 && comed < 100, `${comed} of 120 on COMED`);
  assert.ok(new Set(trial.subjects.map((s) => s.pk.length)).size === 3, 'every sample count 2-4 occurs');
});

test('IV truth: doses into the concentration CMT (read as IV)', () => {
  const trial = read(truth('1cmt-iv'), 'sad');
  assert.ok(trial.subjects.every((s) => s.doses.every((d) => d.route === 'central')));
});

test('writeLibraryTrial: simulated DVs written back, values below the LLOQ as BLQ=1 with DV = the limit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'library-designs-'));
  try {
    const path = await writeLibraryTrial(join(dir, 'sad.csv'), truth('1cmt-oral'), 7, 1, 'sad');
    const trial = await readTrial(path);
    const pk = trial.subjects.flatMap((s) => s.pk);
    const blq = pk.filter((o) => o.blq === true);
    // the 1 mg cohort's last samples (5 half-lives: ~3 % of a ~0.09 mg/L peak) fall below 0.01 mg/L
    assert.ok(blq.length > 0, 'some samples BLQ');
    assert.ok(blq.every((o) => o.dv === o.lloq));
    assert.ok(pk.filter((o) => o.blq !== true).every((o) => o.dv >= o.lloq!));
    const text = await readFile(path, 'utf8');
    assert.equal(text, await readFile(await writeLibraryTrial(join(dir, 'again.csv'), truth('1cmt-oral'), 7, 1, 'sad'), 'utf8'), 'seeded: the same file twice');
    await assert.rejects(writeLibraryTrial(join(dir, 'x.csv'), truth('1cmt-oral'), 7, 2, 'sad'), /copies apply to the EstData design only/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
