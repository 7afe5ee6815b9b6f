/** Trials in any NONMEM layout (issue 16, step 1): the same information read the same way, and located errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseDataset, readDataset, type Dataset } from '../../models/ingest/dataset.js';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { parseTrial, type Trial } from '../../models/ingest/trial.js';
import { estDataLayouts } from '../kit/trial-layouts.js';
import { ROOT } from '../kit/cli.js';

const THEO = join(ROOT, '..', 'shared', 'data', 'theophylline');

/** What a trial says, independent of layout: per subject, covariates, doses and observations. */
function content(d: Dataset, covariates: readonly string[]) {
  const r = (x: number) => Math.round(x * 1e9) / 1e9;
  return d.subjects.map((s) => ({
    id: s.id,
    // covariates are named as the file names them (bw in a lowercase layout)
    covariates: covariates.map((c) => Object.entries(s.covariates).find(([k]) => k.toUpperCase() === c)?.[1]),
    doses: s.doses.map((x) => [r(x.timeH), x.amt, x.route, x.rate, x.ss]),
    observations: s.observations.map((o) => [r(o.timeH), o.value, o.endpoint]),
  }));
}

test('EstData in eight other layouts reads as the same trial', async () => {
  const { original, layouts } = await estDataLayouts();
  const base = content(parseDataset(original, 'EstData.csv'), ['BW', 'COMED']);
  assert.equal(base.length, 48);
  for (const l of layouts) {
    const spec = l.spec === undefined ? NO_SPEC : parseDataSpec(l.spec, `${l.name}.yaml`);
    const d = parseDataset(l.csv, `${l.name}.csv`, spec);
    assert.deepEqual(content(d, ['BW', 'COMED']), base, l.name);
  }
});

/** The Trial the fit reads, without file lines (a compressed layout has fewer lines); times to 1e-9 h. */
function fitInput(t: Trial) {
  const r = (x: number) => Math.round(x * 1e9) / 1e9;
  return t.subjects.map((s) => ({
    id: s.id, bwKg: s.bwKg, comed: s.comed, doseMg: s.doseMg,
    doses: s.doses.map((x) => [r(x.timeH), x.amtMg, x.cmt]),
    pk: s.pk.map((o) => [r(o.timeH), o.dv, o.cmt]),
    pd: s.pd.map((o) => [r(o.timeH), o.dv, o.cmt]),
    excluded: s.excluded.map((o) => [r(o.timeH), o.dvid]),
  }));
}

test('every layout gives the fit the same input as EstData (so the same fit, seed for seed)', async () => {
  const { original, layouts } = await estDataLayouts();
  const base = fitInput(parseTrial(original, 'EstData.csv'));
  for (const l of layouts) {
    const spec = l.spec === undefined ? NO_SPEC : parseDataSpec(l.spec, `${l.name}.yaml`);
    assert.deepEqual(fitInput(parseTrial(l.csv, `${l.name}.csv`, spec)), base, l.name);
  }
});

test('the extra-covariates layout finds AGE and CRCL continuous and SEX categorical, with references', async () => {
  const { layouts } = await estDataLayouts();
  const l = layouts.find((x) => x.name.startsWith('extra covariates')) as { csv: string };
  const d = parseDataset(l.csv, 'extra.csv');
  const byName = Object.fromEntries(d.covariates.map((c) => [c.name, c]));
  assert.equal(byName['AGE']?.kind, 'continuous');
  assert.equal(byName['CRCL']?.kind, 'continuous');
  assert.equal(byName['SEX']?.kind, 'categorical');
  assert.deepEqual(byName['SEX']?.levels?.map((x) => x.level), ['F', 'M']);
  assert.equal(byName['COMED']?.kind, 'categorical');
  assert.match(summarizeDataset(d), /covariate CRCL: continuous, [\d.]+-[\d.]+; reference [\d.]+/);
});

test('theophylline (rxode2 EVID 101) loads without a spec and with one: 12 subjects, 1 vs 7 oral doses in mg, PK only', async () => {
  const spec = parseDataSpec(
    'columns: { id: ID, time: TIME, dv: DV, amt: AMT, evid: EVID, cmt: CMT }\nendpoints:\n  concentration: { cmt: 2, unit: mg/L }\ncovariates:\n  WT: { kind: continuous, reference: 70, unit: kg }\nweight: WT\n',
    'theo.yaml',
  );
  for (const [file, doses] of [['theo_sd.csv', 1], ['theo_md.csv', 7]] as const) {
    for (const s of [NO_SPEC, spec]) {
      const d = await readDataset(join(THEO, file), s);
      assert.equal(d.subjects.length, 12, file);
      assert.ok(d.subjects.every((x) => x.doses.length === doses && x.doses.every((y) => y.route === 'depot' && y.amt > 250 && y.amt < 330)), `${file}: ${doses} oral dose(s) per subject`);
      assert.equal(d.endpoints.biomarker, undefined);
      assert.ok((d.endpoints.concentration?.count ?? 0) > 0);
      assert.deepEqual(d.covariates.map((c) => [c.name, c.kind]), [['WT', 'continuous']]);
    }
    const text = summarizeDataset(await readDataset(join(THEO, file), spec));
    assert.match(text, new RegExp(`12 subjects.*\\n.*\\ndoses: ${12 * doses} \\(${doses} per subject\\), AMT 267\\.84-320\\.65 mg, route depot`));
    assert.match(text, /covariate WT: continuous, 54\.6-86\.4 kg; reference 70 \(the body weight: allometry relative to 70 kg\)/);
  }
});

test('without a spec the summary says which column the models take as body weight, and prints references without float noise', () => {
  // WT read as the weight by its standard name (trial-projection.ts) is marked so; 1.99 is a median of binary fractions
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,WT,APGR', '1,0,10,.,1,1,1.31,9', '1,2,.,5,0,0,1.31,9', '2,0,10,.,1,1,2.67,4', '2,2,.,4,0,0,2.67,4'];
  const text = summarizeDataset(parseDataset(`${rows.join('\n')}\n`, 'pheno.csv'));
  assert.match(text, /covariate WT: continuous, 1\.31-2\.67; reference 1\.99 \(the body weight: allometry relative to 70 kg\)/);
  assert.match(text, /covariate APGR: continuous, 4-9; reference 6\.5\n/);
});

const CSV = (rows: string[]): string => `ID,TIME,DV,AMT,EVID,MDV,CMT,DVID,II,ADDL,SS,RATE,BLQ,WT\n${rows.join('\n')}\n`;

test('II + ADDL expand to doses; RATE > 0 is a zero-order input; SS=1 a steady-state dose; a dose into the observed CMT is IV', () => {
  const d = parseDataset(CSV(['1,0,.,100,1,1,1,.,12,3,0,0,.,70', '1,0,.,50,1,1,2,.,0,0,0,25,.,70', '1,1,5,0,0,0,2,1,.,.,.,.,0,70', '1,60,.,100,1,1,1,.,24,0,1,0,.,70']), 't.csv');
  const s = d.subjects[0];
  assert.deepEqual(s?.doses.map((x) => [x.timeH, x.amt, x.route, x.rate, x.ss, x.additional]), [
    [0, 100, 'depot', 0, false, false], [0, 50, 'central', 25, false, false], [12, 100, 'depot', 0, false, true],
    [24, 100, 'depot', 0, false, true], [36, 100, 'depot', 0, false, true],
    // SS=1 after other doses is a reset (washout-timeline.ts): its period starts after the ADDL series (36 h), a washout and its implied 42 daily doses
    [36 + 1008 + 42 * 24, 100, 'depot', 0, true, false],
  ]);
  assert.deepEqual(s?.washouts.map((w) => [w.fromH, w.line, w.fileTimeH]), [[36, 5, 60]]);
  // `qusop data` reads SS=1 and says, before any fit, how the fit will read it
  assert.match(summarizeDataset(d), /\nsteady-state dose records \(SS=1\): 1, first on line 5; qusop fit and answer read each as \d+ doses before it every II \([\d.]+ h\), 1008 h or 10 intervals back \(after earlier records of the subject, a reset too, as in NONMEM; the fit checks the history is long enough\)\n/);
  assert.doesNotMatch(summarizeDataset(parseDataset(CSV(['1,0,.,100,1,1,1,.,12,3,0,0,.,70']), 't.csv')), /steady-state/);
});

test('replicate samples at equal times are kept; BLQ rows are kept for M3 with their limit, or dropped and counted', () => {
  const rows = ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', '1,2,5,0,0,0,2,1,.,.,.,.,0,70', '1,2,5.2,0,0,0,2,1,.,.,.,.,0,70', '1,24,0.1,0,0,0,2,1,.,.,.,.,1,70'];
  const m3 = parseDataset(CSV(rows), 't.csv');
  assert.deepEqual(m3.subjects[0]?.observations.map((o) => [o.timeH, o.value, o.blq, o.lloq]), [[2, 5, false, null], [2, 5.2, false, null], [24, 0.1, true, 0.1]]);
  const dropped = parseDataset(CSV(rows), 't.csv', parseDataSpec('blq: drop\n', 's.yaml'));
  assert.equal(dropped.subjects[0]?.observations.length, 2);
  assert.equal(dropped.blqDropped, 1);
  assert.match(summarizeDataset(dropped), /BLQ rows dropped \(blq: drop\): 1/);
});

const ERRORS: readonly { name: string; rows: string[]; spec?: string; message: RegExp }[] = [
  { name: 'time going backwards', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', '1,5,1,0,0,0,2,1,.,.,.,.,0,70', '1,4,1,0,0,0,2,1,.,.,.,.,0,70'], message: /^t\.csv:4: column TIME: expected >= 5 h \(the time on line 3 for ID 1; time may not go backwards within a subject except at a reset, EVID 3\/4\), found 4 h$/ },
  { name: 'a declared covariate changing within a subject', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', '1,5,1,0,0,0,2,1,.,.,.,.,0,72'], spec: 'covariates:\n  WT: { kind: continuous }\n', message: /^t\.csv:3: column WT: expected 70 \(covariate WT of ID 1 on line 2: a covariate is constant within a subject; to use each subject's first value, a spec's covariates: \{ WT: \{ column: WT, value: baseline \} \}\), found '72'$/ },
  { name: 'a dose with AMT 0', rows: ['1,0,.,0,1,1,1,.,0,0,0,0,.,70'], message: /^t\.csv:2: column AMT: expected > 0 on a dose record \(EVID 1\), found 0$/ },
  { name: 'a dose with negative AMT', rows: ['1,0,.,-5,1,1,1,.,0,0,0,0,.,70'], message: /^t\.csv:2: column AMT: expected > 0 on a dose record \(EVID 1\), found -5$/ },
  { name: 'an endpoint the spec does not name', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', '1,5,1,0,0,0,2,3,.,.,.,.,0,70'], spec: 'endpoints:\n  concentration: { dvid: 1 }\n  biomarker: { dvid: 2 }\n', message: /^t\.csv:3: column DVID: expected an endpoint s\.yaml names \(concentration: DVID 1; biomarker: DVID 2\); drop other endpoints' records with the spec's ignore: \(e\.g\. ignore: \[DVID\.EQ\.3\], as NONMEM's IGNORE=\), found DVID 3, CMT 2$/ },
  { name: 'an unknown DVID without a spec', rows: ['1,5,1,0,0,0,2,7,.,.,.,.,0,70'], message: /^t\.csv:2: column DVID: expected DVID 1 \(concentration\) or 2 \(biomarker\).*found '7'$/ },
  { name: 'ADDL without II', rows: ['1,0,.,100,1,1,1,.,0,3,0,0,.,70'], message: /^t\.csv:2: column II: expected > 0 when ADDL is 3/ },
  { name: 'SS=1 without II', rows: ['1,0,.,100,1,1,1,.,0,0,1,0,.,70'], message: /^t\.csv:2: column II: expected > 0 on a steady-state dose \(SS=1\)/ },
  { name: 'SS=2', rows: ['1,0,.,100,1,1,1,.,24,0,2,0,.,70'], message: /^t\.csv:2: column SS: expected 0 or 1 \(SS=2 and SS=3 are not supported\), found 2$/ },
  { name: 'a rate the model defines (RATE = -1)', rows: ['1,0,.,100,1,1,1,.,0,0,0,-1,.,70'], message: /^t\.csv:2: column RATE: expected 0 \(bolus\), > 0 .* or -2 \(zero-order absorption .*RATE = -1, R1\) is not supported, found -1$/ },
  { name: 'a negative rate other than -2', rows: ['1,0,.,100,1,1,1,.,0,0,0,-3,.,70'], message: /^t\.csv:2: column RATE: expected 0 \(bolus\), > 0 .*found -3$/ },
  { name: 'EVID 5', rows: ['1,0,.,100,5,1,1,.,0,0,0,0,.,70'], message: /^t\.csv:2: column EVID: expected 0-4 \(NONMEM\) or rxode2's classic bolus code/ },
  { name: 'a classic EVID whose compartment disagrees with CMT', rows: ['1,0,.,100,201,1,1,.,0,0,0,0,.,70'], message: /^t\.csv:2: column CMT: expected 2 \(the compartment of EVID 201\) or no CMT, found 1$/ },
  { name: 'an observation without DV', rows: ['1,5,.,0,0,0,2,1,.,.,.,.,0,70'], message: /^t\.csv:2: column DV: expected a value on an observation record with MDV=0, found a missing value$/ },
  { name: 'a subject whose rows come back', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', '2,0,.,100,1,1,1,.,0,0,0,0,.,70', '1,5,1,0,0,0,2,1,.,.,.,.,0,70'], message: /^t\.csv:4: column ID: expected each subject's rows together \(ID 1's rows ended on line 2\), found ID 1 again$/ },
  { name: 'a spec column the file lacks', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70'], spec: 'columns: { time: TAD }\n', message: /^t\.csv: header: column TAD: expected the column that s\.yaml names for TIME/ },
  { name: 'a declared covariate the file lacks', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,70'], spec: 'covariates:\n  CRCL: {}\n', message: /column CRCL: expected the column s\.yaml declares for covariate CRCL/ },
  { name: 'a text value in a continuous covariate', rows: ['1,0,.,100,1,1,1,.,0,0,0,0,.,heavy'], spec: 'covariates:\n  WT: { kind: continuous }\n', message: /^t\.csv:2: column WT: expected a number \(covariate WT is continuous\), found 'heavy'$/ },
  { name: 'a non-numeric TIME', rows: ['1,0h,.,100,1,1,1,.,0,0,0,0,.,70'], message: /^t\.csv:2: column TIME: expected a number \(or a missing-value code: '\.', 'NA'\), found '0h'$/ },
];

for (const c of ERRORS) {
  test(`located error: ${c.name}`, () => {
    const spec = c.spec === undefined ? NO_SPEC : parseDataSpec(c.spec, 's.yaml');
    assert.throws(() => parseDataset(CSV(c.rows), 't.csv', spec), (err: Error) => {
      assert.equal(err.name, 'InputError');
      assert.match(err.message, c.message);
      return true;
    });
  });
}

test('spec errors are located: unknown field, endpoint by both dvid and cmt, weight not declared', () => {
  assert.throws(() => parseDataSpec('columns: { id: ID }\ncovarates: {}\n', 's.yaml'), /^InputError: s\.yaml:2: unknown field "covarates"/);
  assert.throws(() => parseDataSpec('endpoints:\n  concentration: { dvid: 1, cmt: 2 }\n', 's.yaml'), /s\.yaml:2: endpoints\.concentration: name the endpoint by exactly one of dvid or cmt/);
  assert.throws(() => parseDataSpec('covariates:\n  AGE: {}\nweight: WT\n', 's.yaml'), /s\.yaml: weight: "WT" is not one of the declared covariates \(AGE\)/);
  assert.throws(() => parseDataSpec('time_unit: min\n', 's.yaml'), /s\.yaml:1: time_unit: /);
});

test('doses without a CMT are oral unless the spec says dose_route: central (NONMEM ADVAN1/3 files); the summary says which and why', () => {
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,WT', '1,0,10,.,1,1,3', '1,2,.,5,0,0,3', '1,12,10,.,1,1,3', '1,13,.,6,0,0,3'];
  const csv = `${rows.join('\n')}\n`;
  const oral = parseDataset(csv, 'pheno.csv');
  assert.deepEqual(oral.subjects[0]?.doses.map((x) => x.route), ['depot', 'depot']);
  assert.match(summarizeDataset(oral), /route depot \(doses without CMT read as oral; an IV drug: a CMT column or the spec's dose_route: central\)/);
  const iv = parseDataset(csv, 'pheno.csv', parseDataSpec('dose_route: central\n', 'iv.yaml'));
  assert.deepEqual(iv.subjects[0]?.doses.map((x) => x.route), ['central', 'central']);
  assert.match(summarizeDataset(iv), /route central \(doses without CMT: the spec's dose_route central\)/);
  // a dose with a CMT keeps the CMT rule (into the observed compartment: IV; else the depot)
  const withCmt = parseDataset('ID,TIME,AMT,DV,EVID,MDV,CMT\n1,0,10,.,1,1,1\n1,2,.,5,0,0,2\n', 'c.csv', parseDataSpec('dose_route: central\n', 'iv.yaml'));
  assert.deepEqual(withCmt.subjects[0]?.doses.map((x) => x.route), ['depot']);
  assert.throws(() => parseDataSpec('dose_route: iv\n', 'bad.yaml'), /bad\.yaml:1: dose_route: .*"depot"\|"central"/);
});

test('a covariate declared value: baseline takes each subject\'s first value given, and the summary counts the subjects whose value changes', () => {
  const rows = [
    // ID 1: WT missing on the dose record, 70 then 72: baseline 70 (changes later)
    '1,0,.,100,1,1,1,.,0,0,0,0,.,.', '1,5,1,0,0,0,2,1,.,.,.,.,0,70', '1,24,0.5,0,0,0,2,1,.,.,.,.,0,72',
    // ID 2: constant 80
    '2,0,.,100,1,1,1,.,0,0,0,0,.,80', '2,5,1.2,0,0,0,2,1,.,.,.,.,0,80',
  ];
  const spec = parseDataSpec('covariates:\n  WT: { column: WT, value: baseline }\nweight: WT\n', 's.yaml');
  const d = parseDataset(CSV(rows), 't.csv', spec);
  assert.deepEqual(d.subjects.map((s) => s.covariates['WT']), [70, 80]);
  assert.deepEqual(d.covariates[0]?.baseline, { changing: 1 });
  assert.match(summarizeDataset(d), /covariate WT: continuous, 70-80; reference 75 \(the body weight: allometry relative to 70 kg\); each subject's baseline \(first value given; it changes later in 1 of 2 subjects: not modelled as time-varying\)/);
  assert.deepEqual(parseTrial(CSV(rows), 't.csv', spec).subjects.map((s) => s.bwKg), [70, 80]);
  // without the declaration the changing WT is set aside, and a trial that needs it says how to declare it
  const given = rows.map((r) => r.replace(/^1,0,(.*),\.$/, '1,0,$1,70'));
  assert.throws(() => parseTrial(CSV(given), 't.csv'), /t\.csv:4: column WT: expected 70 \(covariate WT of ID 1 on line 2: .*a spec's covariates: \{ WT: \{ column: WT, value: baseline \} \}\), found '72'/);
  assert.deepEqual(parseTrial(CSV(given), 't.csv', spec).subjects.map((s) => s.bwKg), [70, 80]);
  // qusop data says the fit will stop at the changing weight, not "body weight: none"
  const summary = summarizeDataset(parseDataset(CSV(given), 't.csv'));
  assert.match(summary, /\nbody weight: column WT is no covariate \(changes within ID 1 \(lines 2 and 4\)\): qusop fit and answer stop at t\.csv:4: column WT: expected 70 .*value: baseline \} \}\), found '72'\n/);
  assert.doesNotMatch(summary, /body weight: none/);
  // a baseline needs some value: a subject with none is a located error
  const none = ['1,0,.,100,1,1,1,.,0,0,0,0,.,.', '1,5,1,0,0,0,2,1,.,.,.,.,0,.'];
  assert.throws(() => parseDataset(CSV(none), 't.csv', spec), /t\.csv:2: column WT: expected a value of covariate WT for ID 1, found '\.'/);
  assert.throws(() => parseDataSpec('covariates:\n  WT: { value: latest }\n', 's.yaml'), /value/);
});

test('log concentrations as DV are refused at the first negative; additive noise around zero is not', () => {
  // ln of 0.05-20 mg/L: the low half negative, as deep as the high half is high
  const conc = [20, 8, 3, 1.2, 0.5, 0.2, 0.05];
  const rows = (values: readonly number[]) => ['1,0,.,100,1,1,1,.,0,0,0,0,.,70', ...values.map((v, i) => `1,${i + 1},${v},0,0,0,2,1,.,.,.,.,0,70`)];
  assert.throws(() => parseDataset(CSV(rows(conc.map((c) => Math.log(c)))), 't.csv'), /^InputError: t\.csv:7: column DV: expected a concentration on the natural scale \(>= 0; 3 of 7 concentrations are negative, down to -2\.99\d* mg\/L against a highest of 2\.99\d* mg\/L, as log-transformed values are: map dv: in a spec to the untransformed column\), found -0\.69\d* mg\/L \(as read, in the model's unit\)$/);
  // every concentration below 1: all logs negative
  assert.throws(() => parseDataset(CSV(rows([0.9, 0.5, 0.2, 0.1].map((c) => Math.log(c)))), 't.csv'), /t\.csv:3: column DV: expected a concentration on the natural scale/);
  // natural scale with additive noise: many shallow negatives late (5 of 9, none below -0.2 against a peak of 20)
  assert.equal(parseDataset(CSV(rows([20, 8, 3, 1.2, -0.1, -0.05, 0.02, -0.2, -0.15])), 't.csv').subjects[0]?.observations.length, 9);
  // a few negatives (2 of 7) are noise whatever their depth; negative biomarkers are values
  assert.equal(parseDataset(CSV(rows([20, 8, 3, -5, 0.5, -6, 0.05])), 't.csv').subjects[0]?.observations.length, 7);
});

test('a changing BW before a constant WT: qusop data and the fit agree that the fit stops at BW, and the error names weight: WT', () => {
  const text = 'ID,TIME,AMT,DV,BW,WT\n1,0,100,.,70,70\n1,2,.,3.1,71,70\n2,0,100,.,80,80\n2,2,.,2.9,80,80\n';
  const d = parseDataset(text, 'b.csv');
  const summary = summarizeDataset(d);
  // WT is not labelled the body weight while the fit would stop at BW
  assert.doesNotMatch(summary, /covariate WT: .*the body weight/);
  const stop = /column BW: expected 70 \(covariate BW of ID 1 on line 2: .*value: baseline \} \}\), or a spec's weight: WT to take WT \(constant within subjects\) as the body weight, found '71'/;
  assert.match(summary, new RegExp(`\\nbody weight: column BW is no covariate \\(changes within ID 1 \\(lines 2 and 3\\)\\): qusop fit and answer stop at b\\.csv:3: ${stop.source}\\n`));
  assert.throws(() => parseTrial(text, 'b.csv'), { message: new RegExp(`^b\\.csv:3: ${stop.source}$`) });
  // the spec the error suggests: WT is the weight, BW set aside
  const spec = parseDataSpec('weight: WT\n', 's.yaml');
  assert.deepEqual(parseTrial(text, 'b.csv', spec).subjects.map((s) => s.bwKg), [70, 80]);
  assert.match(summarizeDataset(parseDataset(text, 'b.csv', spec)), /covariate WT: .*\(the body weight: allometry relative to 70 kg\)/);
});
