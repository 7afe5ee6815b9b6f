/**
 * Trial files in the separators NONMEM's $INPUT reads (csv-reader.ts): comma, tab, semicolon and runs of
 * whitespace, decided by the header line; a "#" before the first name (NONMEM's default IGNORE=#) is not
 * part of it, and later "#" records are comments. The same data in every form reads to the same dataset,
 * and errors keep pointing at the file's own line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataset } from '../../models/ingest/dataset.js';
import { detectDelimiter } from '../../models/ingest/csv-reader.js';

const ROWS = [
  ['ID', 'TIME', 'AMT', 'DV', 'EVID', 'MDV', 'CMT', 'WT'],
  ['1', '0', '100', '.', '1', '1', '1', '72.5'],
  ['1', '1', '.', '4.2', '0', '0', '2', '72.5'],
  ['1', '6', '.', '2.9', '0', '0', '2', '72.5'],
  ['2', '0', '120', '.', '1', '1', '1', '81'],
  ['2', '2', '.', '5.5', '0', '0', '2', '81'],
];
const join = (sep: string): string => `${ROWS.map((r) => r.join(sep)).join('\n')}\n`;
const shape = (text: string) => {
  const d = parseDataset(text, 't.txt');
  return d.subjects.map((s) => ({ doses: s.doses.map((x) => [x.timeH, x.amt, x.route]), obs: s.observations.map((o) => [o.timeH, o.value, o.endpoint]) }));
};

test('comma, tab, semicolon and whitespace files read to the same dataset', () => {
  const want = shape(join(','));
  assert.equal(want.length, 2);
  assert.deepEqual(shape(join('\t')), want);
  assert.deepEqual(shape(join(';')), want);
  // NONMEM whitespace layout: aligned columns, runs of spaces (and a stray tab) between fields
  const aligned = `${ROWS.map((r) => r.map((f) => f.padStart(6)).join(r[0] === '2' ? ' \t ' : '  ')).join('\n')}\n`;
  assert.deepEqual(shape(aligned), want);
  assert.deepEqual([',', '\t', ';'].map((s) => detectDelimiter(join(s))), [',', '\t', ';']);
  assert.equal(detectDelimiter(aligned), 'whitespace');
});

test('a "#" header (IGNORE=#) and "#" comment records', () => {
  const want = shape(join(','));
  const marked = join(',').replace(/^ID/, '#ID').replace('\n2,0,', '\n# second subject\n2,0,');
  assert.deepEqual(shape(marked), want);
  assert.deepEqual(shape(join(' ').replace(/^ID/, '# ID')), want);
});

test('errors in a whitespace file name the file\'s own line and column', () => {
  const bad = join('   ').replace('\n1   6   .', '\n1   six   .');
  assert.throws(() => parseDataset(bad, 'ws.txt'), /ws\.txt:4: column TIME: expected/);
});
