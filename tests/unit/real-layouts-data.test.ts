/**
 * The real-layout fixtures (tests/fixtures/real-layouts/README.md) read as `qusop data` reads them: the
 * column mapping, routes, endpoints, weights and time unit a new user sees, and the located refusals
 * (no AMT column at the header), and the steady-state record read as its history and fitted. Their fits and answers against the simulated truth:
 * tests/e2e/real-layout-warfarin.test.ts and the README's table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataSpec, NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { readDataset } from '../../models/ingest/dataset.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { readTrial, parseTrial, trialBiomarkerUnit, trialRoute } from '../../models/ingest/trial.js';
import { InputError } from '../../worker/common/errors.js';
import { ROOT } from '../kit/cli.js';
import { fitCandidate } from '../../analysis/fit/candidate-fit.js';
import { TRUTHS } from '../fixtures/real-layouts/truths.js';
import type { FixedEffectName } from '../../models/structures/parameters.js';

const DIR = join(ROOT, 'tests', 'fixtures', 'real-layouts');
const at = (name: string): string => join(DIR, name);

async function summary(file: string, spec?: string): Promise<string> {
  return summarizeDataset(await readDataset(at(file), spec === undefined ? NO_SPEC : await loadDataSpec(at(spec))));
}

test('warfarin (nlmixr2data): lowercase names, dvid cp / pca, one oral dose per subject, wt the body weight', async () => {
  const s = await summary('warfarin.csv');
  assert.match(s, /\ncolumns: ID=id, TIME=time, DV=dv, AMT=amt, EVID=evid, DVID=dvid\n/);
  assert.match(s, /\ndoses: 20 \(1 per subject\), AMT 68-143 mg, route depot /);
  assert.match(s, /\nconcentration: 248 samples in 20 subjects /);
  assert.match(s, /\nbiomarker: 160 samples in 20 subjects \(DVID pca /);
  assert.match(s, /\ncovariate wt: continuous, 45-95\.5; reference [\d.]+ \(the body weight/);
  assert.match(s, /\ncovariate sex: categorical, 0: 6, 1: 14/);
  const trial = await readTrial(at('warfarin.csv'));
  assert.equal(trialRoute(trial), 'oral');
  // every 5th subject has concentrations from 24 h only, as in the published data
  assert.deepEqual(trial.subjects.filter((x) => (x.pk[0]?.timeH ?? 0) >= 24).map((x) => x.id), [5, 10, 15, 20]);
});

test('pheno (NONMEM): aligned columns without EVID/MDV/CMT read as oral unless the spec says dose_route: central', async () => {
  assert.match(await summary('pheno.dta'), /route depot \(doses without CMT read as oral; an IV drug: a CMT column or the spec's dose_route: central\)/);
  const s = await summary('pheno.dta', 'pheno.spec.yaml');
  assert.match(s, /\ncolumns: ID=ID, TIME=TIME, DV=DV, AMT=AMT\n/);
  assert.match(s, /route central \(doses without CMT: the spec's dose_route central\)/);
  assert.match(s, /\nconcentration: 78 samples in 40 subjects/);
  assert.match(s, /\ncovariate WT: continuous, 0\.6-3\.5; .*\(the body weight/);
  const trial = await readTrial(at('pheno.dta'), await loadDataSpec(at('pheno.spec.yaml')));
  assert.equal(trialRoute(trial), 'iv');
  assert.ok(trial.subjects.every((x) => x.pk.length >= 1 && x.pk.length <= 3), '1-3 samples per neonate');
});

test('Indometh (R): Subject and conc mapped by the spec, no weight said; without an AMT column the error says how to add doses', async () => {
  const s = await summary('indometh.csv', 'indometh.spec.yaml');
  assert.match(s, /\ncolumns: ID=Subject \(spec\), TIME=time, DV=conc \(spec\), AMT=amt\n/);
  assert.match(s, /\ndoses: 6 \(1 per subject\), AMT 25 mg, route central/);
  assert.match(s, /\nbody weight: none .*70 kg allometric reference/);
  const noAmt = (await readFile(at('indometh.csv'), 'utf8')).split('\n').filter((l) => !l.endsWith(',25')).map((l) => l.split(',').slice(0, 3).join(',')).join('\n');
  assert.throws(() => parseTrial(noAmt, 'indometh.csv', { ...NO_SPEC, columns: { ID: 'Subject', DV: 'conc' } }), (e: unknown) => e instanceof InputError && /column AMT: .*the doses are records of the file/.test(e.message));
});

test('ADDL/II in days: time_unit d reads 10 daily doses over 240 h (without it, 10 hourly doses over 10 h)', async () => {
  // read as hours, the daily doses recur every 1 h: the summary's last line says what to write
  assert.match(await summary('addl-days.csv'), /\ndoses: 160 \(10 per subject; 144 from ADDL, II 1 h\), .*\ntime span: 0-10 h\ntime unit: a subject's doses recur every 1 h .*write time_unit: d in a dataset spec.*$/s);
  const s = await summary('addl-days.csv', 'addl-days.spec.yaml');
  assert.match(s, /time unit d\)\n/);
  assert.match(s, /\ndoses: 160 \(10 per subject; 144 from ADDL, II 24 h\), AMT 200 mg/);
  assert.match(s, /\ntime span: 0-240 h$/, 'no time-unit hint once time_unit: d is given');
  const trial = await readTrial(at('addl-days.csv'), await loadDataSpec(at('addl-days.spec.yaml')));
  assert.deepEqual(trial.subjects[0]?.doses.map((d) => d.timeH), [0, 24, 48, 72, 96, 120, 144, 168, 192, 216]);
});

/**
 * Each typical value within 3 of the fit's own standard errors of the truth (a fixed seed: a 3-SE miss
 * would be a 0.3 % event per parameter if the fit were unbiased), and within 25 % so a wide SE cannot
 * pass a poor fit.
 */
function assertNearTruth(fit: { fit: { population: { fixed: Readonly<Record<FixedEffectName, number>> }; se: { fixed: Readonly<Record<FixedEffectName, number>> } } }, truth: { fixed: Readonly<Record<FixedEffectName, number>> }): void {
  for (const name of ['CL', 'V1', 'KA'] as const) {
    const est = fit.fit.population.fixed[name];
    const se = fit.fit.se.fixed[name];
    assert.ok(Math.abs(est - truth.fixed[name]) < 3 * se && Math.abs(est / truth.fixed[name] - 1) < 0.25, `${name} ${est} (SE ${se}) against the truth's ${truth.fixed[name]}`);
  }
}

test('SS=1 on the ADDL record: read as 42 implied daily doses before it, and the fit finds the truth the file was simulated at', async () => {
  assert.match(await summary('addl-days-ss.csv', 'addl-days.spec.yaml'), /\nsteady-state dose records \(SS=1\): 16, first on line 2; qusop fit and answer read each as 42 doses before it every II \(24 h\)/);
  const trial = await readTrial(at('addl-days-ss.csv'), await loadDataSpec(at('addl-days.spec.yaml')));
  const times = trial.subjects[0]?.doses.map((d) => d.timeH) ?? [];
  assert.equal(times.length, 42 + 10);
  assert.deepEqual([times[0], times[41], times[42], times[51]], [-1008, -24, 0, 216]);
  // values simulated after a year of daily doses: the 6-week history and the fit's check both hold
  const fit = await fitCandidate(trial, '1cmt-oral', { seed: 1, draws: 20, vpcReplicates: 20 }, () => undefined);
  assert.deepEqual(fit.degenerate.map((p) => p.message), []);
  assertNearTruth(fit, TRUTHS.addl.truth);
});

test('a two-period crossover (EVID 4, the clock restarting): read as two periods a washout apart, and the fit finds the truth', async () => {
  const s = await summary('crossover.csv');
  assert.match(s, /\nresets \(EVID 3\/4\): 12\nperiods: 12 reset\(s\) after a subject's first record; the model's time axis puts each new period 1008 h after/);
  assert.match(s, /\ncolumn PERIOD: not a covariate/);
  const trial = await readTrial(at('crossover.csv'));
  assert.deepEqual(trial.subjects[0]?.doses.map((d) => [d.timeH, d.amtMg]), [[0, 100], [36 + 1008, 200]]);
  const fit = await fitCandidate(trial, '1cmt-oral', { seed: 1, draws: 20, vpcReplicates: 20 }, () => undefined);
  assert.deepEqual(fit.degenerate.map((p) => p.message), []);
  assertNearTruth(fit, TRUTHS.crossover.truth);
});

test("xgxr's MAD study: LIDV mapped, CMT 4-6 responses dropped by ignore:, ng/mL and IU/L checked against EVENTU, TIMEUNIT against hours", async () => {
  const s = await summary('mad.csv', 'mad.spec.yaml');
  assert.match(s, /^\S+mad\.csv: 25 subjects, 1700 records \(spec: \S+mad\.spec\.yaml; time unit h, as column TIMEUNIT says: Hours\)\nrecords dropped by the spec's ignore: CMT\.GT\.3: 2025\n/);
  assert.match(s, /\ncolumns: ID=ID, TIME=TIME, DV=LIDV \(spec\), AMT=AMT, EVID=EVID, MDV=MDV, CMT=CMT, BLQ=CENS\n/);
  assert.match(s, /\ndoses: 350 \(14 per subject\), AMT 100-1600 mg, route depot\n/);
  assert.match(s, /every record agrees with its unit in column EVENTU\n/);
  assert.match(s, /\nconcentration: 675 samples in 25 subjects \(CMT 2, mg\/L\), 54 BLQ /);
  assert.match(s, /\nbiomarker: 675 samples in 25 subjects \(CMT 3, IU\/L\)\n/);
  assert.doesNotMatch(s, /covariate (TIMEUNIT|EVENTU)/);
  const trial = await readTrial(at('mad.csv'), await loadDataSpec(at('mad.spec.yaml')));
  assert.equal(trialBiomarkerUnit(trial), 'IU/L');
  assert.ok(trial.subjects.every((x) => x.doses.length === 14 && x.pk.length === 27 && x.pd.length === 27));
  // LIDV 289.1 ng/mL at 0.5 h is 0.2891 mg/L; the pre-dose sample is BLQ at 50 ng/mL
  assert.deepEqual(trial.subjects[0]?.pk.slice(0, 2).map((o) => [o.timeH, o.dv]), [[0, 0.05], [0.5, 0.2891]]);
  // the same file without the spec's ignore: refused at the first CMT 4 record, with the ignore: that drops it
  const noIgnore = (await readFile(at('mad.spec.yaml'), 'utf8')).replace(/^ignore:.*$/m, '');
  await assert.rejects(readTrial(at('mad.csv'), parseDataSpec(noIgnore, 'mad.spec.yaml')), /mad\.csv:4: column CMT: expected an endpoint mad\.spec\.yaml names \(concentration: CMT 2; biomarker: CMT 3\); drop other endpoints' records with the spec's ignore: \(e\.g\. ignore: \[CMT\.EQ\.4\]/);
});
