/**
 * An infusion written three ways reads as one dose: RATE (mass per TIME unit, NONMEM), DUR (rxode2's
 * dur) or TINF (Monolix), in a file in hours or in days (time_unit: d, where RATE is per day).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataset } from '../../models/ingest/dataset.js';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { InputError } from '../../worker/common/errors.js';
import { trialFromDataset } from '../../models/ingest/trial-projection.js';

/** 100 mg infused over 2 h into CMT 1, observed in CMT 1; `dose` is the dose record's extra fields. */
const file = (extraHeader: string, dose: string, scale = 1) =>
  `ID,TIME,AMT,DV,CMT,EVID,MDV${extraHeader}\n1,0,100,.,1,1,1${dose}\n1,${1 * scale},.,3.1,1,0,0${dose.replace(/[^,]+/g, '.')}\n1,${6 * scale},.,1.2,1,0,0${dose.replace(/[^,]+/g, '.')}\n`;

const doses = (text: string, spec = NO_SPEC) => parseDataset(text, 'x.csv', spec).subjects[0]?.doses.map((d) => [Math.round(d.timeH * 1e9) / 1e9, d.amt, d.rate, d.route]);

test('RATE, DUR and TINF give the same infusion, in hours and in days', () => {
  const byRate = doses(file(',RATE', ',50'));
  assert.deepEqual(byRate, [[0, 100, 50, 'central']]);
  assert.deepEqual(doses(file(',DUR', ',2')), byRate);
  assert.deepEqual(doses(file(',tinf', ',2')), byRate);
  const days = parseDataSpec('time_unit: d\n', 's.yaml');
  // 100 mg over 2 h = over 1/12 day: RATE 1200 mg/day, DUR 1/12 day
  assert.deepEqual(doses(file(',RATE', ',1200', 1 / 24), days), byRate);
  assert.deepEqual(doses(file(',DUR', `,${1 / 12}`, 1 / 24), days), byRate);
  // DUR 0 or empty: a bolus
  assert.deepEqual(doses(file(',DUR', ',0')), [[0, 100, 0, 'central']]);
});

test('RATE with DUR, or a negative DUR: located errors', () => {
  assert.throws(() => doses(file(',RATE,DUR', ',50,2')), (e: Error) => e instanceof InputError && /x\.csv:2: column DUR: expected 0 or empty when RATE is given \(RATE 50 on this record/.test(e.message));
  assert.throws(() => doses(file(',TINF', ',-1')), /x\.csv:2: column TINF: expected an infusion duration >= 0/);
});

test('a duration on a dose into the depot: refused at the column the file wrote (TINF), with the duration it gave', () => {
  // doses into CMT 1, concentrations in CMT 2: CMT 1 is the depot, and 100 mg over 2 h into it is no structure's input
  const text = 'ID,TIME,AMT,DV,CMT,EVID,MDV,TINF,WT\n1,0,100,.,1,1,1,2,70\n1,1,.,3.1,2,0,0,.,70\n1,6,.,1.2,2,0,0,.,70\n';
  const d = parseDataset(text, 'x.csv', NO_SPEC);
  assert.throws(() => trialFromDataset(d), (e: Error) => e instanceof InputError && /^x\.csv:2: column TINF: expected 0 or empty \(a bolus\) for a dose into the depot \(CMT 1\): .*, found 2 h \(AMT \/ TINF\)$/.test(e.message));
  // the same dose by RATE names RATE
  const byRate = parseDataset(text.replace('TINF', 'RATE').replace('1,1,2,70', '1,1,50,70'), 'x.csv', NO_SPEC);
  assert.throws(() => trialFromDataset(byRate), /x\.csv:2: column RATE: expected 0 \(bolus\) for a dose into the depot \(CMT 1\): .*, found 50$/);
});
