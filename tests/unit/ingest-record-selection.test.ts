/**
 * NONMEM's IGNORE=/ACCEPT= as the dataset spec's ignore:/accept: (models/ingest/record-filter.ts), and
 * the TIMEUNIT column checked against the unit TIME is read in (time-unit-column.ts). A public file with
 * more endpoints than a PK/PD structure models (xgxr's MAD study) reads as the trial without them; a file
 * whose TIMEUNIT says days is never read in hours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseDataset, type Dataset } from '../../models/ingest/dataset.js';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { parseCondition } from '../../models/ingest/record-filter.js';
import { InputError } from '../../worker/common/errors.js';
import { ESTDATA } from '../kit/derived-trial.js';

const content = (d: Dataset) =>
  d.subjects.map((s) => ({ id: s.id, covariates: s.covariates, doses: s.doses.map((x) => [x.timeH, x.amt, x.route]), observations: s.observations.map((o) => [o.timeH, o.value, o.endpoint]) }));

/** EstData with a third endpoint (DVID 3, a text DV no parser would take) after every biomarker row. */
async function withThirdEndpoint(): Promise<{ original: string; extended: string; added: number }> {
  const original = await readFile(ESTDATA, 'utf8');
  const [header, ...rows] = original.trim().split('\n');
  let added = 0;
  const out = [header as string];
  for (const row of rows) {
    out.push(row);
    const f = row.split(',');
    if (f[10] === '2' && f[6] === '0') {
      f[10] = '3';
      f[5] = 'grade 2';
      out.push(f.join(','));
      added += 1;
    }
  }
  return { original, extended: `${out.join('\n')}\n`, added };
}

test('ignore: and accept: drop a third endpoint before its records are read: the same trial as the file without it', async () => {
  const { original, extended, added } = await withThirdEndpoint();
  assert.ok(added > 100);
  const base = content(parseDataset(original, 'EstData.csv'));
  // without a selection the third endpoint's first row (line 3) is read, and its text DV refused there
  assert.throws(() => parseDataset(extended, 'extended.csv'), (e: Error) => e instanceof InputError && /^extended\.csv:3: column DV: expected a number/.test(e.message));
  for (const spec of ['ignore: [DVID.EQ.3]', 'ignore: ["DVID > 2"]', 'accept: [DVID.LE.2]', 'accept: ["DVID == 0", "DVID == 1", "DVID.EQN.2"]', 'ignore: [dvid.ge.3, CMT.EQ.99]']) {
    const d = parseDataset(extended, 'extended.csv', parseDataSpec(spec, 'spec.yaml'));
    assert.deepEqual(content(d), base, spec);
    assert.equal(d.selectionDropped, added, spec);
    assert.match(summarizeDataset(d), new RegExp(`records dropped by the spec's (ignore|accept): .*: ${added}\\b`), spec);
  }
  // a condition that holds nowhere drops nothing
  assert.equal(parseDataset(original, 'EstData.csv', parseDataSpec('ignore: [CMT.GT.3]', 's.yaml')).selectionDropped, 0);
});

test('named endpoints: a record of another endpoint is refused with the ignore: that drops it', async () => {
  const { extended } = await withThirdEndpoint();
  const spec = parseDataSpec('endpoints:\n  concentration: { dvid: 1 }\n  biomarker: { dvid: 2 }\n', 'e.yaml');
  const text = extended.replace(/grade 2/g, '4');
  assert.throws(() => parseDataset(text, 'x.csv', spec), /x\.csv:\d+: column DVID: expected an endpoint e\.yaml names .*ignore: \[DVID\.EQ\.3\].*found DVID 3/);
  const kept = parseDataset(text, 'x.csv', parseDataSpec('endpoints:\n  concentration: { dvid: 1 }\n  biomarker: { dvid: 2 }\nignore: [DVID.EQ.3]\n', 'e.yaml'));
  assert.equal(kept.endpoints.biomarker?.selector, 'DVID 2');
});

test('conditions: NONMEM words and symbols, text values, located errors', () => {
  assert.deepEqual(['CMT.GT.3', 'cmt.gt.3', 'CMT > 3', 'CMT>3'].map((t) => parseCondition(t, 'at').op), ['>', '>', '>', '>']);
  assert.equal(parseCondition('NAME.EQ.PD - Count', 'at').value, 'PD - Count');
  assert.equal(parseCondition('NAME == "Dosing"', 'at').value, 'Dosing');
  assert.equal(parseCondition('DVID /= 1', 'at').op, '!=');
  for (const bad of ['CMT', 'CMT.XX.3', 'CMT.GT.', '3 > CMT']) assert.throws(() => parseCondition(bad, 'spec.yaml:4: ignore[0]'), /spec\.yaml:4: ignore\[0\]: expected a condition COLUMN\.OP\.VALUE/, bad);
  assert.throws(() => parseDataSpec('ignore: [CMT.GT.3]\naccept: [CMT.LE.3]\n', 's.yaml'), /s\.yaml:2: accept: expected either ignore: conditions or accept:/);
  assert.throws(() => parseDataSpec('ignore:\n  - CMT.GT.3\n  - CMT.XX.3\n', 's.yaml'), /s\.yaml:3: ignore\[1\]: expected a condition/);
  assert.throws(() => parseDataSpec('ignore: []\n', 's.yaml'), /s\.yaml:1: ignore:/);
  const text = 'ID,TIME,AMT,DV\n1,0,10,.\n1,1,.,2\n';
  assert.throws(() => parseDataset(text, 't.csv', parseDataSpec('ignore: [FLAG.EQ.1]\n', 's.yaml')), /s\.yaml:1: ignore\[0\]: column FLAG: expected a column of the trial file's header \(ID,TIME,AMT,DV\)/);
  // a text value against a number, and an ordering on a field that is not a number: no match
  const t2 = 'ID,TIME,AMT,DV,FLAG\n1,0,10,.,.\n1,1,.,2,a\n1,2,.,3,5\n';
  assert.equal(parseDataset(t2, 't.csv', parseDataSpec('ignore: [FLAG.GT.1]\n', 's.yaml')).selectionDropped, 1);
  assert.equal(parseDataset(t2, 't.csv', parseDataSpec('ignore: [FLAG.EQ.a]\n', 's.yaml')).selectionDropped, 1);
  // every record dropped: said so
  assert.throws(() => parseDataset(t2, 't.csv', parseDataSpec('accept: [ID.EQ.2]\n', 's.yaml')), /t\.csv:1: expected data records after the header that the spec's accept: keeps, found none \(all 3 dropped\)/);
});

test('a TIMEUNIT column must agree with the unit TIME is read in, and is no covariate', () => {
  const rows = (unit: string, scale: number) => `ID,TIME,AMT,DV,WT,TIMEUNIT\n1,0,100,.,70,${unit}\n1,${1 * scale},.,2,70,${unit}\n1,${2 * scale},.,1.5,70,${unit}\n2,0,100,.,60,${unit}\n2,${4 * scale},.,1,60,${unit}\n`;
  const hours = parseDataset(rows('Hours', 1), 'h.csv');
  assert.deepEqual(hours.covariates.map((c) => c.name), ['WT']);
  assert.equal(hours.timeUnitColumn?.name, 'TIMEUNIT');
  assert.match(summarizeDataset(hours), /time unit h, as column TIMEUNIT says: Hours\)/);
  assert.deepEqual(content(hours), content(parseDataset(rows('Hours', 1).replace(/,Hours/g, '').replace(',TIMEUNIT', ''), 'plain.csv')));
  // days in the column, hours as read: refused at the first record, naming the spec field
  assert.throws(() => parseDataset(rows('Days', 1 / 24), 'd.csv'), /d\.csv:2: column TIMEUNIT: expected hours, the unit TIME is read in \(.*time_unit: d.*\), found 'Days'/);
  // with time_unit: d the same trial in days reads as the one in hours
  const days = parseDataset(rows('day', 1 / 24), 'd.csv', parseDataSpec('time_unit: d\n', 's.yaml'));
  const r = (d: Dataset) => content(d).map((s) => ({ ...s, doses: s.doses.map(([t, ...x]) => [Math.round((t as number) * 1e9) / 1e9, ...x]), observations: s.observations.map(([t, ...x]) => [Math.round((t as number) * 1e9) / 1e9, ...x]) }));
  assert.deepEqual(r(days), r(hours));
  assert.throws(() => parseDataset(rows('hours', 1), 'h.csv', parseDataSpec('time_unit: d\n', 's.yaml')), /h\.csv:2: column TIMEUNIT: expected days, the unit TIME is read in \(TIME is read in days because the spec says time_unit: d/);
  assert.throws(() => parseDataset(rows('weeks', 1), 'w.csv'), /w\.csv:2: column TIMEUNIT: expected a unit of TIME: hours \(h, hr, hours\) or days \(d, day, days\), found 'weeks'/);
  assert.equal(parseDataset(rows('Hours', 1), 'x.csv', NO_SPEC).subjects.length, 2);
});

test('a unit column (EVENTU) must agree with the units values are read in, and is no covariate', () => {
  const file = (conc: string, pd: string, dose = 'mg') =>
    `ID,TIME,AMT,DV,CMT,EVENTU,WT\n1,0,100,.,1,${dose},70\n1,1,.,2000,2,${conc},70\n1,1,.,45,3,${pd},70\n1,4,.,900,2,${conc},70\n2,0,100,.,1,${dose},60\n2,2,.,1500,2,${conc},60\n2,2,.,40,3,${pd},60\n`;
  const spec = (extra: string) => parseDataSpec(`endpoints:\n  concentration: { cmt: 2${extra.includes('conc') ? ', unit: ng/mL' : ''} }\n  biomarker: { cmt: 3${extra.includes('pd') ? ', unit: IU/L' : ''} }\n${extra.includes('ug') ? 'dose_unit: ug\n' : ''}`, 's.yaml');
  const ok = parseDataset(file('ng/ml', 'IU/L'), 'x.csv', spec('conc pd'));
  assert.deepEqual(ok.covariates.map((c) => c.name), ['WT']);
  assert.equal(ok.unitColumn?.name, 'EVENTU');
  assert.equal(ok.subjects[0]?.observations[0]?.value, 2);
  assert.match(summarizeDataset(ok), /every record agrees with its unit in column EVENTU/);
  // ug/L is ng/mL's factor; letter case and blanks are free for the biomarker
  assert.equal(parseDataset(file('ug/L', 'iu / l'), 'x.csv', spec('conc pd')).subjects.length, 2);
  // the concentration said in ng/mL but read in mg/L (no spec unit): refused at its line, naming the field
  assert.throws(() => parseDataset(file('ng/ml', 'IU/L'), 'x.csv', spec('pd')), /: x\.csv:3: column EVENTU: expected mg\/L or the same factor to mg\/L, the unit concentrations are read in \(the default; a spec's endpoints\.concentration\.unit: ng\/ml reads them so\), found 'ng\/ml'$/);
  assert.throws(() => parseDataset(file('nmol/L', 'IU/L'), 'x.csv', spec('conc pd')), /: x\.csv:3: column EVENTU: expected ng\/mL, .*molar unit.*found 'nmol\/L'$/);
  // the biomarker's unit assumed (ng/mL) where the file says IU/L: refused; declared otherwise: refused
  assert.throws(() => parseDataset(file('ng/ml', 'IU/L'), 'x.csv', spec('conc')), /: x\.csv:4: column EVENTU: expected ng\/mL, the biomarker's unit \(assumed when no spec names one; a spec's endpoints\.biomarker\.unit: "IU\/L" labels/);
  assert.throws(() => parseDataset(file('ng/ml', '%'), 'x.csv', spec('conc pd')), /: x\.csv:4: column EVENTU: expected IU\/L, the biomarker's unit \(the spec's endpoints\.biomarker\.unit\), found '%'$/);
  // doses: a mass unit other than the one AMT is read in is refused; other text on a dose record is not judged
  assert.throws(() => parseDataset(file('ng/ml', 'IU/L', 'ug'), 'x.csv', spec('conc pd')), /: x\.csv:2: column EVENTU: expected mg, the unit AMT is read in \(the default; a spec's dose_unit: ug reads it so\), found 'ug'$/);
  assert.equal(parseDataset(file('ng/ml', 'IU/L', 'ug'), 'x.csv', spec('conc pd ug')).subjects[0]?.doses[0]?.amt, 0.1);
  assert.equal(parseDataset(file('ng/ml', 'IU/L', 'Dosing'), 'x.csv', spec('conc pd')).subjects.length, 2);
});

test("NONMEM's comment column C: refused until the spec says ignore: [C], which drops those records (also beside accept:)", () => {
  const text = 'C,ID,TIME,AMT,DV,CMT\n.,1,0,100,.,1\n.,1,1,.,2,2\nC,1,2,.,99,2\n.,1,4,.,1,2\n.,1,30,.,0.5,3\n';
  assert.throws(() => parseDataset(text, 'c.csv'), (e: Error) => e instanceof InputError && /c\.csv:4: column C: expected a record NONMEM reads \(.*write ignore: \[C\] in a dataset spec.*found 'C'/.test(e.message));
  const d = parseDataset(text.replace(/,3\n$/, ',2\n'), 'c.csv', parseDataSpec('ignore: [C]\n', 's.yaml'));
  assert.deepEqual(d.subjects[0]?.observations.map((o) => o.value), [2, 1, 0.5]);
  assert.equal(d.selectionDropped, 1);
  assert.match(summarizeDataset(d), /records dropped by the spec's ignore: C \(first character\): 1\n/);
  // '@' drops records starting with a letter (or @); a mark beside accept: conditions
  const both = parseDataset(text, 'c.csv', parseDataSpec('ignore: ["@"]\naccept: [CMT.LE.2]\n', 's.yaml'));
  assert.deepEqual(both.subjects[0]?.observations.map((o) => o.value), [2, 1]);
  assert.equal(both.selectionDropped, 2);
  assert.throws(() => parseDataSpec('ignore: [C, CMT.GT.2]\naccept: [CMT.LE.2]\n', 's.yaml'), /s\.yaml:2: accept: expected either ignore: conditions or accept:/);
  // a first column C holding no C is read as before
  assert.equal(parseDataset(text.replace('\nC,1,2', '\n.,1,2').replace(/,3\n$/, ',2\n'), 'c.csv').subjects[0]?.observations.length, 4);
});
