/**
 * The units of a trial file (models/ingest/units.ts): the spec's endpoints.concentration.unit and
 * dose_unit convert DV/LLOQ to mg/L and AMT/RATE (and a DOSE column) to mg at ingest. Before, the unit
 * was accepted and ignored: theophylline written in ng/mL read as concentrations 1000x too high (a
 * volume 1000x too small). The conversions are powers of ten applied as exact divisions, so a file
 * rewritten in ng/mL (or doses in ug) reads to the very same Trial numbers as the original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset } from '../../models/ingest/dataset.js';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { parseTrial, type Trial } from '../../models/ingest/trial.js';
import { concentrationPower, convert, specUnits } from '../../models/ingest/units.js';
import { ROOT } from '../kit/cli.js';

const THEO = readFileSync(join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv'), 'utf8');
const [HEADER = '', ...ROWS] = THEO.trim().split('\n');
const COLS = HEADER.split(',').map((c) => c.replace(/"/g, ''));

/** theo_sd.csv with the named column's values shifted by 10^k in the text (exact: "0.74" -> "740"), on the rows `which` picks. */
function shifted(column: string, k: number, which: (fields: readonly string[]) => boolean): string {
  const i = COLS.indexOf(column);
  const rows = ROWS.map((r) => {
    const f = r.split(',');
    if (which(f)) f[i] = String(Number(`${f[i]}e${k}`));
    return f.join(',');
  });
  return `${[HEADER, ...rows].join('\n')}\n`;
}
const isObservation = (f: readonly string[]): boolean => f[COLS.indexOf('EVID')] === '0';
const isDose = (f: readonly string[]): boolean => !isObservation(f);

/** The trial's numbers, without the units it records having been read in. */
const numbers = (t: Trial): unknown => t.subjects;
const spec = (text: string) => parseDataSpec(text, 'units.yaml');
const ORIGINAL = parseTrial(THEO, 'theo.csv');

test('theophylline in ng/mL (ug/L, µg/L) reads to the same concentrations as in mg/L, exactly', () => {
  const ngPerMl = shifted('DV', 3, isObservation);
  assert.match(ngPerMl, /\n1,0,740,0,0,2,79\.6\n/, 'the rewritten file');
  assert.ok(Math.max(...parseTrial(ngPerMl, 'theo.csv').subjects.flatMap((s) => s.pk.map((o) => o.dv))) > 1000, 'without a unit the numbers are read as mg/L (the default)');
  for (const unit of ['ng/mL', 'ug/L', 'µg/L', 'mcg/L', 'NG/ML']) {
    const t = parseTrial(ngPerMl, 'theo.csv', spec(`endpoints:\n  concentration: { cmt: 2, unit: ${unit} }\n`));
    assert.deepEqual(numbers(t), numbers(ORIGINAL), unit);
    assert.deepEqual(t.units?.concentration, { unit, power: -3, declared: true });
  }
  const ngPerL = shifted('DV', 6, isObservation);
  assert.deepEqual(numbers(parseTrial(ngPerL, 'theo.csv', spec('endpoints:\n  concentration: { cmt: 2, unit: ng/L }\n'))), numbers(ORIGINAL));
  // mg/L, ug/mL: the numbers as written; the default without a spec
  for (const unit of ['mg/L', 'ug/mL']) assert.deepEqual(numbers(parseTrial(THEO, 'theo.csv', spec(`endpoints:\n  concentration: { cmt: 2, unit: ${unit} }\n`))), numbers(ORIGINAL), unit);
  // g/L: multiplied by 1000, equal within one rounding of the product
  const gPerL = parseTrial(shifted('DV', -3, isObservation), 'theo.csv', spec('endpoints:\n  concentration: { cmt: 2, unit: g/L }\n'));
  const a = gPerL.subjects.flatMap((s) => s.pk.map((o) => o.dv));
  const b = ORIGINAL.subjects.flatMap((s) => s.pk.map((o) => o.dv));
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - (b[i] ?? NaN)) <= 2 * Number.EPSILON * Math.abs(b[i] ?? NaN), `${x} vs ${b[i]}`));
});

test('doses in ug (µg, mcg) read as the same mg; in g within rounding; the arm dose follows', () => {
  const ug = shifted('AMT', 3, isDose);
  assert.match(ug, /\n1,0,0,319992,101,1,79\.6\n/);
  for (const unit of ['ug', 'µg', 'mcg']) {
    const t = parseTrial(ug, 'theo.csv', spec(`dose_unit: ${unit}\n`));
    assert.deepEqual(numbers(t), numbers(ORIGINAL), unit);
    assert.deepEqual(t.units?.dose, { unit, power: -3, declared: true });
  }
  const g = parseTrial(shifted('AMT', -3, isDose), 'theo.csv', spec('dose_unit: g\n'));
  g.subjects.forEach((s, i) => {
    const o = ORIGINAL.subjects[i]!;
    assert.ok(Math.abs(s.doses[0]!.amtMg - o.doses[0]!.amtMg) <= 2 * Number.EPSILON * o.doses[0]!.amtMg);
    assert.equal(s.doseMg, s.doses[0]!.amtMg);
  });
  assert.deepEqual(parseTrial(THEO, 'theo.csv', spec('dose_unit: mg\n')).subjects, ORIGINAL.subjects);
});

const IV = (rows: readonly string[]): string => `ID,TIME,AMT,RATE,DV,EVID,CMT,DVID,BLQ,LLOQ,DOSE,WT\n${rows.join('\n')}\n`;

test('RATE is converted with AMT (the infusion lasts as long), LLOQ and BLQ limits with DV, the biomarker and RATE -2 are left as they are', () => {
  const iv = IV(['1,0,5000,2500,.,1,1,.,.,.,5000,70', '1,1,.,.,1500,0,1,1,0,20,5000,70', '1,8,.,.,.,0,1,1,1,20,5000,70', '1,9,.,.,10,0,1,1,1,.,5000,70', '1,9,.,.,37,0,3,2,0,.,5000,70']);
  const t = parseTrial(iv, 'iv.csv', spec('endpoints:\n  concentration: { dvid: 1, unit: ng/mL }\n  biomarker: { dvid: 2, unit: "%" }\ndose_unit: ug\n'));
  const s = t.subjects[0]!;
  assert.deepEqual(s.doses.map((d) => [d.amtMg, d.durationH]), [[5, 2]]);
  assert.equal(s.doseMg, 5, 'the DOSE column is in the dose unit');
  assert.deepEqual(s.pk.map((o) => [o.dv, o.lloq, o.blq ?? false]), [[1.5, 0.02, false], [0.02, 0.02, true], [0.01, 0.01, true]]);
  assert.deepEqual(s.pd.map((o) => o.dv), [37]);
  const d1 = parseDataset('ID,TIME,AMT,RATE,DV,EVID,CMT,WT\n1,0,100,-2,.,1,1,70\n1,1,.,.,900,0,1,70\n', 'd1.csv', spec('endpoints:\n  concentration: { cmt: 1, unit: ng/mL }\ndose_unit: ug\n'));
  assert.deepEqual(d1.subjects[0]?.doses.map((x) => [x.amt, x.rate]), [[0.1, -2]]);
  assert.deepEqual(d1.subjects[0]?.observations.map((o) => o.value), [0.9]);
});

test('qusop data says what it read and converted', () => {
  const d = parseDataset(shifted('DV', 3, isObservation), 'theo.csv', spec('endpoints:\n  concentration: { cmt: 2, unit: ng/mL }\ndose_unit: mg\n'));
  const text = summarizeDataset(d);
  assert.match(text, /\nunits: concentration ng\/mL in the file, converted to mg\/L \(x 0\.001\); doses mg in the file \(= mg, unconverted\)\n/);
  assert.match(text, /\nconcentration: 132 samples in 12 subjects \(CMT 2, mg\/L\)\n/);
  assert.match(summarizeDataset(parseDataset(THEO, 'theo.csv', spec('dose_unit: ug\n'))), /\nunits: concentration mg\/L \(default\); doses ug in the file, converted to mg \(x 0\.001\); a spec names others/);
  assert.match(summarizeDataset(parseDataset(THEO, 'theo.csv')), /\nunits: concentration mg\/L \(default\); doses mg \(default\); a spec names others: endpoints\.concentration\.unit \(e\.g\. ng\/mL\), dose_unit \(e\.g\. ug\)\n/);
});

test('a molar or unknown concentration unit, or an unknown dose unit, is refused at the spec line and field', () => {
  for (const unit of ['nmol/L', 'umol/L', 'µmol/L', 'nM']) {
    assert.throws(() => spec(`columns: { id: ID }\nendpoints:\n  concentration: { cmt: 2, unit: ${unit} }\n`), (e: Error) => {
      assert.equal(e.name, 'InputError');
      assert.match(e.message, new RegExp(`^units\\.yaml:3: endpoints\\.concentration\\.unit: "${unit}" is a molar unit, which needs the drug's molecular weight .*accepted: a mass per volume: mg/L \\(the default\\), ug/mL, ng/mL`));
      return true;
    });
  }
  assert.throws(() => spec('endpoints:\n  concentration:\n    cmt: 2\n    unit: mg/dL\n'), /^InputError: units\.yaml:4: endpoints\.concentration\.unit: "mg\/dL" is not a concentration unit qusop converts; accepted: /);
  assert.throws(() => spec('missing: [".", "NA"]\ndose_unit: kg\n'), /^InputError: units\.yaml:2: dose_unit: .*"mg"\|"ug"\|"µg"\|"mcg"\|"g"/);
  // the biomarker's unit is free text: not converted, not checked
  assert.equal(spec('endpoints:\n  biomarker: { cmt: 3, unit: "%" }\n').endpoints.biomarker?.unit, '%');
  // a DataSpec built in code with a unit the spec would refuse
  assert.throws(() => parseDataset(THEO, 'theo.csv', { ...NO_SPEC, source: 'code', endpoints: { concentration: { cmt: 2, unit: 'mmol/L' } } }), /^InputError: code: endpoints\.concentration\.unit: "mmol\/L" is a molar unit/);
});

test('conversion factors: powers of ten, exact by division', () => {
  const power = (u: string): number => { const r = concentrationPower(u); return 'power' in r ? r.power : NaN; };
  assert.deepEqual(['mg/L', 'ug/mL', 'ng/mL', 'ug/L', 'µg/L', 'μg/L', 'mg/mL', 'g/L', 'ng/L', 'pg/mL'].map(power), [0, 0, -3, -3, -3, -3, 3, 3, -6, -6]);
  // 20 of theophylline's 132 concentrations written in ng/mL would not read back by a multiplication, e.g. 6.89 mg/L
  assert.equal(convert(6890, -3), 6.89);
  assert.notEqual(6890 * 0.001, 6.89, 'why it divides');
  assert.deepEqual(specUnits(NO_SPEC), { concentration: { unit: 'mg/L', power: 0, declared: false }, dose: { unit: 'mg', power: 0, declared: false }, biomarker: { unit: 'ng/mL', power: 0, declared: false } });
});
