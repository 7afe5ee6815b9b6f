/**
 * A trial in ng/mL (theophylline's concentrations x 1000, as most assays report them): `qusop data`
 * with a spec naming the unit says it converted them; `qusop fit` without one fits volumes 1000x too
 * small (V1 ~0.03 L: degenerate, exit 1) and the message names endpoints.concentration.unit. That the
 * spec'd file reads to the same Trial as the original is tests/unit/ingest-units.test.ts. ~12 s here.
 *
 * A biomarker in % (the warfarin-like PCA, tests/fixtures/real-layouts/warfarin.csv, with a spec naming
 * its unit): the fit's cards say units.pd "%", its report labels R0 and the PD residual in %, a model
 * file imported back keeps it; `qusop answer` takes a threshold in % (or none: the card's, said in the
 * table) and refuses one in ng/mL, before a fit (the trial's unit) and with the cards (theirs), naming
 * the file, line, field and %. ~45 s here (a one-structure fit: ~17 s; the answer: ~14 s).
 */
import { test } from 'node:test';
import { stringify } from 'yaml';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const THEO = join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv');

test('theophylline in ng/mL: qusop data converts it with a spec; qusop fit without one hints at the unit', async () => {
  await withTempDir(async (dir) => {
    const [header = '', ...rows] = (await readFile(THEO, 'utf8')).trim().split('\n');
    // EVID 0 rows: DV (the third column) shifted by 10^3 in the text
    const ngPerMl = rows.map((r) => r.split(',')).map((f) => (f[4] === '0' ? [...f.slice(0, 2), String(Number(`${f[2]}e3`)), ...f.slice(3)] : f).join(','));
    const trial = join(dir, 'theo_ngml.csv');
    await writeFile(trial, `${[header, ...ngPerMl].join('\n')}\n`);
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, 'endpoints:\n  concentration: { cmt: 2, unit: ng/mL }\n');
    const data = await runCli(['data', trial, '--data-spec', spec]);
    assert.equal(data.code, 0, data.stderr);
    assert.match(data.stdout, /\nunits: concentration ng\/mL in the file, converted to mg\/L \(x 0\.001\); doses mg \(default\)/);
    const fit = await runCli(['fit', trial, '--out', join(dir, 'fit'), '--structure', '1cmt-oral', '--draws', '20', '--vpc-replicates', '100']);
    assert.equal(fit.code, 1, fit.stderr);
    assert.match(fit.stderr, /volume V1 is 0\.0\d+ L, outside the plausible/);
    assert.match(fit.stderr, /hint: V1 ran to 0\.0\d+ L, below any body volume, .*`endpoints: \{ concentration: \{ unit: ng\/mL \} \}`/);
  });
});

const WARFARIN = join(ROOT, 'tests', 'fixtures', 'real-layouts', 'warfarin.csv');
const QD = '[{ name: qd, tau_h: 24, doses_mg: { start: 2, stop: 20, step: 2 } }]';
const questions = (unit: string | undefined): string =>
  `questions:\n  - id: P1\n    threshold: { value: 50${unit === undefined ? '' : `, unit: ${unit}`} }\n    regimens: ${QD}\n    populations: [{ name: base }]\n    targets: [0.9]\n`;

test('a biomarker in %: the card says units.pd %, the fit report and answers say %, a threshold in ng/mL is refused at its line', { timeout: 180_000 }, async () => {
  await withTempDir(async (dir) => {
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, 'endpoints:\n  concentration: { dvid: cp }\n  biomarker: { dvid: pca, unit: "%" }\n');
    const data = await runCli(['data', WARFARIN, '--data-spec', spec]);
    assert.equal(data.code, 0, data.stderr);
    assert.match(data.stdout, /\nbiomarker: 160 samples in 20 subjects \(DVID pca, %\)\n/);

    const fitDir = join(dir, 'fit');
    const fit = await runCli(['fit', WARFARIN, '--data-spec', spec, '--structure', '1cmt-oral-idr', '--draws', '20', '--vpc-replicates', '50', '--out', fitDir], { timeoutMs: 120_000 });
    assert.equal(fit.code, 0, fit.stderr);
    for (const tag of ['qd', 'qw']) {
      const card = JSON.parse(await readFile(join(fitDir, `${tag}.model.json`), 'utf8')) as { units: Record<string, string> };
      assert.deepEqual(card.units, { dose: 'mg', bw: 'kg', pd: '%', conc: 'mg/L' }, tag);
    }
    const report = await readFile(join(fitDir, 'fit-report.md'), 'utf8');
    assert.match(report, /\nUnits: doses mg, concentrations mg\/L, biomarker % /);
    assert.match(report, /\n\| theta \| R0 \| % \| /);
    assert.match(report, /\n\| sigma \| pdAdditive \| % \| /);
    assert.doesNotMatch(report, /ng\/mL \|/, 'no parameter labelled ng/mL');
    assert.equal(JSON.parse(await readFile(join(fitDir, 'fit.json'), 'utf8')).fit.pdUnit, '%');
    const imported = await runCli(['model', 'import', join(fitDir, 'model.yaml'), '--out', join(dir, 'imported')]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal((JSON.parse(await readFile(join(dir, 'imported', 'qd.model.json'), 'utf8')) as { units: { pd: string } }).units.pd, '%');

    const cards = ['--model', join(fitDir, 'qd.model.json'), '--model', join(fitDir, 'qw.model.json')];
    const common = ['--replicates', '2', '--subjects', '10', '--workers', '1', '--quiet'];
    for (const [unit, out] of [['percent', 'given'], [undefined, 'assumed']] as const) {
      await writeFile(join(dir, `${out}.yaml`), questions(unit));
      const answer = await runCli(['answer', WARFARIN, '--data-spec', spec, ...cards, '--questions', join(dir, `${out}.yaml`), ...common, '--out', join(dir, out)], { timeoutMs: 90_000 });
      assert.equal(answer.code, 0, answer.stderr);
      const row = JSON.parse(await readFile(join(dir, out, 'answers.json'), 'utf8')).answers[0] as { threshold: Record<string, unknown> };
      assert.deepEqual(row.threshold, unit === undefined ? { value: 50, unit: '%', unit_assumed: true } : { value: 50, unit: 'percent' });
      assert.match(answer.stdout, unit === undefined ? /max biomarker <= 50 % \(the card's unit: none given\)/ : /max biomarker <= 50 percent /);
    }

    // qusop run with a threshold sweep on the % card: run.json carries the card's unit, the sweep's table says %
    const sweep = { scenarios: [{ name: 'pca', population: { bw: { uniform: { min_kg: 50, max_kg: 100 } }, comed: { bernoulli: 0 } }, threshold: { value: 50, unit: '%' }, threshold_sweep: [40, 50, 60], targets: [0.9], replicates: 2, subjects: 10, seed: 7, regimens: [{ name: 'qd', tau_h: 24, model: join(fitDir, 'qd.model.json'), doses_mg: { start: 1, stop: 20, step: 1 } }] }] };
    await writeFile(join(dir, 'sweep.yaml'), stringify(sweep));
    const swept = await runCli(['run', join(dir, 'sweep.yaml'), '--out', join(dir, 'swept'), '--workers', '1', '--quiet'], { timeoutMs: 90_000 });
    assert.equal(swept.code, 0, swept.stderr);
    assert.equal((JSON.parse(await readFile(join(dir, 'swept', 'run.json'), 'utf8')) as { models: { pdUnit?: string }[] }).models[0]?.pdUnit, '%');
    assert.match(await readFile(join(dir, 'swept', 'threshold-sweep.md'), 'utf8'), /\| threshold \(%\) \| pca qd 90 % \|/);

    await writeFile(join(dir, 'ng.yaml'), questions('ng/mL'));
    const line = questions('ng/mL').split('\n').findIndex((l) => l.includes('unit: ng/mL')) + 1;
    for (const [args, whose] of [[cards, /the biomarker unit of model card .*qd\.model\.json \(units\.pd\)/], [[], /the biomarker unit of .*warfarin\.csv \(its dataset spec's endpoints\.biomarker\.unit\), which the fitted cards carry/]] as const) {
      const out = join(dir, `refused-${args.length}`);
      const refused = await runCli(['answer', WARFARIN, '--data-spec', spec, ...args, '--questions', join(dir, 'ng.yaml'), ...common, '--out', out]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, new RegExp(`ng\\.yaml:${line}: questions\\[0\\]\\.threshold\\.unit: "ng/mL": expected %, `));
      assert.match(refused.stderr, whose);
      assert.deepEqual(await readdir(dir).then((names) => names.filter((n) => n === `refused-${args.length}`)), [], 'refused before DIR is made');
    }
  });
});
