/**
 * NM-TRAN's day-time translation: clock times (hh:mm) and a date column (DATE, DAT1, DAT2, DAT3) become
 * hours since each subject's first record; the examples of NONMEM's help for the TIME and DATE items
 * give the same relative times here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataset } from '../../models/ingest/dataset.js';
import { NO_SPEC, parseDataSpec } from '../../models/ingest/data-spec.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { clockHours, dayNumber } from '../../models/ingest/clock-time.js';

/** Times (h, rounded to 1e-9) of every dose and observation per subject. */
const times = (text: string, spec = NO_SPEC) =>
  parseDataset(text, 'x.csv', spec).subjects.map((s) => [...s.doses.map((d) => d.timeH), ...s.observations.map((o) => o.timeH)].map((t) => Math.round(t * 1e9) / 1e9));

const fail = (expected: string, found: string) => new Error(`${expected} | ${found}`);

test('NONMEM\'s TIME help: 8:00, 14:45 and 14.75 read as 0, 6.75 and 6.75 h', () => {
  const text = 'ID,TIME,AMT,DV\n1,8:00,100,.\n1,14:45,.,3.1\n1,14.75,.,3.0\n';
  assert.deepEqual(times(text), [[0, 6.75, 6.75]]);
  assert.match(summarizeDataset(parseDataset(text, 'x.csv')), /\ntime: clock times in TIME, read as hours since each subject's first record \(NM-TRAN's day-time translation\)\n/);
});

test('NONMEM\'s DATE help: 10-1-86 9:15 -> 0, 14:40 -> 5.42, 10-2-86 8:30 -> 23.25; 10-12 8 -> 0, 10-14 10 -> 50; the date is no covariate', () => {
  const text = 'ID,DATE,TIME,AMT,DV\n1,10-1-86,9:15,100,.\n1,10-1-86,14:40,.,3.1\n1,10-2-86,8:30,.,1.0\n2,10-12,8,100,.\n2,10-14,10,.,2.2\n';
  const d = parseDataset(text, 'x.csv');
  assert.deepEqual(times(text), [[0, 5.416666667, 23.25], [0, 50]]);
  assert.ok(!d.covariates.some((c) => c.name === 'DATE') && !d.ignored.some((i) => i.name === 'DATE'));
  assert.match(summarizeDataset(d), /\ntime: TIME \(clock times\) and the date column DATE, read as hours since each subject's first record/);
});

test('the four date labels, years (LAST20 = 50), leap days, day numbers, and TRANSLATE=(TIME/24) as time_unit: d', () => {
  const day = (t: string, l: 'DATE' | 'DAT1' | 'DAT2' | 'DAT3') => dayNumber(t, l, fail);
  // 3 December 1990 in each label's order
  const want = day('12/3/1990', 'DATE');
  assert.equal(day('3/12/90', 'DAT1'), want);
  assert.equal(day('1990-12-03', 'DAT2'), want);
  assert.equal(day('90/3/12', 'DAT3'), want);
  assert.equal(day('12/3/90', 'DATE'), want);
  // a two-digit year up to 50 is in the 2000s
  assert.equal(day('1/1/50', 'DATE') - day('12/31/2049', 'DATE'), 1);
  assert.equal(day('1/1/51', 'DATE'), day('1/1/1951', 'DATE'));
  // 2024 is a leap year: 28 Feb -> 1 Mar is two days
  assert.equal(day('3/1/2024', 'DATE') - day('2/28/2024', 'DATE'), 2);
  assert.throws(() => day('2/29/2023', 'DATE'), /a date as DATE writes it/);
  assert.throws(() => day('2/29', 'DATE'), /without a year, 29 February needs one/);
  assert.throws(() => day('13/1/90', 'DATE'), /month day year/);
  assert.equal(day('-2', 'DATE'), -2);
  // a file in days with clock times: hours / 24 (and II in days)
  const text = 'ID,DAT1,TIME,AMT,DV,II,ADDL\n1,1/3/2024,08:00,100,.,1,2\n1,2/3/2024,20:00,.,3.1,.,.\n';
  assert.deepEqual(times(text, parseDataSpec('time_unit: d\n', 's.yaml')), [[0, 24, 48, 36]]);
  assert.match(summarizeDataset(parseDataset(text, 'x.csv', parseDataSpec('time_unit: d\n', 's.yaml'))), /read as days \(hours \/ 24, as TRANSLATE=\(TIME\/24\)\)/);
});

test('clock times: seconds, negative times; a malformed clock or date is refused at its line and column', () => {
  assert.equal(clockHours('08:30:36', fail), 8.51);
  assert.equal(clockHours('-1:30', fail), -1.5);
  assert.throws(() => clockHours('8:75', fail), /a clock time hh:mm/);
  assert.throws(() => parseDataset('ID,TIME,AMT,DV\n1,8:00,100,.\n1,9h30,.,3.1\n', 'x.csv'), /^InputError: x\.csv:3: column TIME: expected a clock time hh:mm .*, found '9h30'$/);
  assert.throws(() => parseDataset('ID,DATE,TIME,AMT,DV\n1,10-1-86,8:00,100,.\n1,.,9:00,.,3.1\n', 'x.csv'), /^InputError: x\.csv:3: column DATE: expected a date as DATE writes it \(month day year, .*found '\.'$/);
  // each subject starts at its own first record; a file of plain numbers is left as it is
  assert.deepEqual(times('ID,TIME,AMT,DV\n1,8:00,100,.\n1,10:00,.,3.1\n2,22:00,100,.\n2,23:30,.,2.0\n'), [[0, 2], [0, 1.5]]);
  assert.deepEqual(times('ID,TIME,AMT,DV\n1,8,100,.\n1,10,.,3.1\n'), [[8, 10]]);
  // ID is a number, as NONMEM reads it: 1 and 01 are one subject, one zero
  assert.deepEqual(times('ID,TIME,AMT,DV\n1,8:00,100,.\n01,9:00,.,3.1\n'), [[0, 1]]);
});
