/**
 * Subject IDs: numbers as NONMEM reads them, or text IDs (R, SAS and CDISC files) numbered 1..n in the
 * order subjects appear; never both in one file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataset } from '../../models/ingest/dataset.js';
import { parseTrial } from '../../models/ingest/trial.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';

const HEADER = 'ID,TIME,AMT,DV,WT';
const ROWS = [
  ['7', '0', '100', '.', '70'], ['7', '1', '.', '2.1', '70'], ['7', '4', '.', '1.2', '70'],
  ['3', '0', '150', '.', '82'], ['3', '2', '.', '3.3', '82'],
  ['12', '0', '100', '.', '64'], ['12', '1', '.', '1.9', '64'], ['12', '8', '.', '0.4', '64'],
];
const file = (ids: readonly string[]): string => [HEADER, ...ROWS.map((r, i) => [ids[i] ?? r[0], ...r.slice(1)].join(','))].join('\n') + '\n';
const NUMERIC = ROWS.map((r) => r[0]!);
const TEXT = NUMERIC.map((id) => ({ 7: 'S-07', 3: 'S-03', 12: 'S-12' } as Record<string, string>)[id]!);

test('text IDs read as the numeric file reads, subjects numbered 1..n in file order, the summary saying which is which', () => {
  const numeric = parseTrial(file(NUMERIC), 'n.csv');
  const text = parseTrial(file(TEXT), 't.csv');
  assert.deepEqual(numeric.subjects.map((s) => s.id), [7, 3, 12]);
  assert.deepEqual(text.subjects.map((s) => s.id), [1, 2, 3]);
  // everything but the number is the same subject
  assert.deepEqual(text.subjects.map(({ id: _id, ...rest }) => rest), numeric.subjects.map(({ id: _id, ...rest }) => rest));
  assert.match(summarizeDataset(parseDataset(file(TEXT), 't.csv')), /\nID: text IDs, numbered 1-3 in the order subjects appear \('S-07' is 1, 'S-12' is 3\)/);
  assert.doesNotMatch(summarizeDataset(parseDataset(file(NUMERIC), 'n.csv')), /\nID: /);
});

test('a text ID among numbers (or a number among text IDs) is refused at its line; numeric IDs keep NONMEM\'s rules', () => {
  const typo = [...NUMERIC]; typo[4] = 'l3';
  assert.throws(() => parseDataset(file(typo), 'x.csv'), { name: 'InputError', message: "x.csv:6: column ID: expected a number, as every other ID of the file (line 2: '7'; IDs are all numbers, as NONMEM reads them, or all text), found 'l3'" });
  const mixed = [...TEXT]; mixed[5] = '12'; mixed[6] = '12'; mixed[7] = '12';
  assert.throws(() => parseDataset(file(mixed), 'x.csv'), { message: /^x\.csv:7: column ID: expected a text ID, as every other ID of the file \(line 2: 'S-07'/ });
  // 07 and 7 are one subject, as NONMEM reads ID; a fractional or negative ID is no subject number
  const padded = [...NUMERIC]; padded[1] = '07';
  assert.deepEqual(parseTrial(file(padded), 'x.csv').subjects.map((s) => s.id), [7, 3, 12]);
  const fractional = [...NUMERIC]; fractional[0] = '6.5';
  assert.throws(() => parseDataset(file(fractional), 'x.csv'), { message: /^x\.csv:2: column ID: expected an integer >= 0 \(NONMEM reads ID as a number\) or a text ID, found 6\.5$/ });
  // a text subject's rows still belong together
  const split = [...TEXT]; split[7] = 'S-07';
  assert.throws(() => parseDataset(file(split), 'x.csv'), { message: /^x\.csv:9: column ID: expected each subject's rows together \(ID S-07's rows ended on line 4\)/ });
});
