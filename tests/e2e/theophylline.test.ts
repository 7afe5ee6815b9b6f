/**
 * A real public PK-only dataset (../shared/data/theophylline/theo_sd.csv, rxode2's layout: EVID 101
 * doses, no DVID): `qusop fit` ranks the PK structures by BIC and chooses one compartment, whose
 * typical values agree with the classic published ones (ka ~1.5 /h, CL ~0.04 L/h/kg, V ~0.5 L/kg) within
 * 20 % (issue 18's acceptance); `qusop answer` with concentration questions answers them, and with the
 * five biomarker questions is refused before any fit (exit 2, nothing written). Fits take ~1 s here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const THEO = join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv');
const QUESTIONS = join(ROOT, 'scenarios', 'questions', 'theophylline-trough.yaml');

test('theophylline: one compartment chosen by BIC, typical values within 20 % of the published ones', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'fit');
    const r = await runCli(['fit', THEO, '--out', out, '--draws', '20', '--vpc-replicates', '100']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: 1cmt-oral BIC -?[\d.]+ \(chosen\); 2cmt-oral BIC -?[\d.]+/);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as { fit: { structure: string; population: { fixed: Record<string, number> } } };
    assert.equal(record.fit.structure, '1cmt-oral');
    const f = record.fit.population.fixed;
    // typical values at 70 kg (allometric reference), per kg for the comparison with per-kg literature
    const published: [string, number, number][] = [['KA', f['KA'] ?? NaN, 1.5], ['CL per kg', (f['CL'] ?? NaN) / 70, 0.04], ['V per kg', (f['V1'] ?? NaN) / 70, 0.5]];
    for (const [name, got, want] of published) assert.ok(Math.abs(got / want - 1) <= 0.2, `${name}: ${got} vs published ${want}`);
    const card = JSON.parse(await readFile(join(out, 'qd.model.json'), 'utf8')) as { family: string; outputs: { pd: string | null; conc: string } };
    assert.deepEqual([card.family, card.outputs.pd], ['mechanistic-1cmt-pk', null]);
    assert.match(await readFile(join(out, 'model.yaml'), 'utf8'), /^structure: one-compartment-oral$/m);
    // the PK-only MODEL.yaml imports back to the very same cards' draws
    const imported = await runCli(['model', 'import', join(out, 'model.yaml'), '--out', join(dir, 'imported')]);
    assert.equal(imported.code, 0, imported.stderr);
    const draws = async (d: string) => (JSON.parse(await readFile(join(d, 'qd.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } }).inputs.theta.draws;
    assert.deepEqual(await draws(join(dir, 'imported')), await draws(out));
  });
});

test('theophylline: concentration questions answered; the biomarker questions refused before the fit', async () => {
  await withTempDir(async (dir) => {
    const refused = await runCli(['answer', THEO, '--out', join(dir, 'refused'), '--quiet']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /theo_sd\.csv: a PK-only trial \(no biomarker samples\) is fitted with a PK structure, which answers concentration questions only; the five EstData questions/);
    await assert.rejects(access(join(dir, 'refused')), 'nothing written');

    const out = join(dir, 'answer');
    const r = await runCli(['answer', THEO, '--questions', QUESTIONS, '--out', out, '--replicates', '40', '--subjects', '200', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const answers = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: { question: string; regimen: string; dose: number | null; flags: string[] }[] };
    const t1 = answers.answers.find((x) => x.question === 'T1');
    const t2 = answers.answers.find((x) => x.question === 'T2');
    assert.ok(t1 !== undefined && t1.dose !== null && t1.dose > 0, `QD trough >= 5 mg/L answered: ${JSON.stringify(t1)}`);
    // an 8 h half-life leaves nothing at a weekly trough: not reached on the grid, and said so
    assert.ok(t2 !== undefined && t2.dose === null && t2.flags.includes('not-reached'), JSON.stringify(t2));
  });
});

test('theophylline: candidates fitted in worker threads (--parallel 2) give the same fit, cards and choice as one after the other', async () => {
  await withTempDir(async (dir) => {
    const runs = [];
    for (const parallel of ['1', '2']) {
      const out = join(dir, `p${parallel}`);
      const r = await runCli(['fit', THEO, '--out', out, '--draws', '10', '--vpc-replicates', '50', '--parallel', parallel]);
      assert.equal(r.code, 0, r.stderr);
      // wall-clock timings are the only fields that may differ (as between any two fits)
      const strip = (text: string) => text.replace(/"(timings_ms|timingsMs)": \{[^}]*\}/g, '"$1": {}');
      runs.push({ fit: strip(await readFile(join(out, 'fit.json'), 'utf8')), card: strip(await readFile(join(out, 'qw.model.json'), 'utf8')), model: await readFile(join(out, 'model.yaml'), 'utf8') });
    }
    assert.deepEqual(runs[1], runs[0]);
  });
});

test('theophylline without its weight column: fitted with every subject at the 70 kg reference, and the fit says so', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const { writeFile } = await import('node:fs/promises');
    const noWt = (await readFile(THEO, 'utf8')).trimEnd().split('\n').map((l) => l.split(',').slice(0, 6).join(',')).join('\n') + '\n';
    await writeFile(join(dir, 'theo-nowt.csv'), noWt);
    const r = await runCli(['fit', join(dir, 'theo-nowt.csv'), '--out', join(dir, 'fit'), '--draws', '20'], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no body-weight covariate .*every subject at the 70 kg reference, no allometry fitted/);
    assert.match(await readFile(join(dir, 'fit', 'fit-report.md'), 'utf8'), /no body-weight covariate in the trial: every subject at the 70 kg reference/);
    // its population "like the trial" sits at the 70 kg reference (nothing to resample), and says so
    const a = await runCli(['answer', join(dir, 'theo-nowt.csv'), '--questions', join(ROOT, 'scenarios', 'questions', 'theophylline-trough.yaml'), '--out', join(dir, 'answer'), '--replicates', '20', '--subjects', '100'], { timeoutMs: 280_000 });
    assert.equal(a.code, 0, a.stderr);
    assert.match(await readFile(join(dir, 'answer', 'scenarios.yaml'), 'utf8'), /resample/);
    assert.match(await readFile(join(dir, 'answer', 'run.json'), 'utf8'), /BW = 70 kg \(.*theo-nowt\.csv has no body weights: its subjects are at the allometric reference\)/);
  });
});

test('theophylline multiple doses (theo_md): BIC alone prefers 3cmt-oral, whose V3 the data do not determine; one compartment chosen, typical values within 20 % of the published ones', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'fit');
    const r = await runCli(['fit', join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_md.csv'), '--out', out, '--draws', '20', '--vpc-replicates', '100'], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    // (measured: 1cmt-oral BIC 877.9; 2cmt-oral 886.4, not converged; 3cmt-oral 870.3 with V3 RSE 110 %)
    assert.match(r.stderr, /structure selection: 1cmt-oral BIC -?[\d.]+ \(chosen\);.* 3cmt-oral BIC -?[\d.]+ \(poorly identified: V3 RSE \d+ %\)/);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as { fit: { structure: string; population: { fixed: Record<string, number> } }; selection: { structure: string; bic: number; weight: number }[] };
    assert.equal(record.fit.structure, '1cmt-oral');
    const bic = (id: string): number => record.selection.find((c) => c.structure === id)?.bic ?? NaN;
    assert.ok(bic('3cmt-oral') < bic('1cmt-oral'), 'the test is about BIC being overruled: 3cmt-oral has the lower BIC');
    const f = record.fit.population.fixed;
    const published: [string, number, number][] = [['KA', f['KA'] ?? NaN, 1.5], ['CL per kg', (f['CL'] ?? NaN) / 70, 0.04], ['V per kg', (f['V1'] ?? NaN) / 70, 0.5]];
    for (const [name, got, want] of published) assert.ok(Math.abs(got / want - 1) <= 0.2, `${name}: ${got} vs published ${want}`);
  });
});
