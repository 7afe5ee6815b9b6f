/**
 * The data summary's time-unit hint (models/ingest/time-unit-hint.ts): daily doses written in days and
 * read as hours recur every 1 h, and the summary says what to write; read with time_unit: d, or dosed
 * every 12 or 24 h, or dosed once, the trial gives no reason for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataset } from '../../models/ingest/dataset.js';
import { parseDataSpec } from '../../models/ingest/data-spec.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { timeUnitHint } from '../../models/ingest/time-unit-hint.js';

/** Two subjects, `doses` oral doses every `every` time units, a sample after each dose. */
function csv(every: number, doses: number): string {
  const rows = ['ID,TIME,AMT,EVID,MDV,CMT,DV'];
  for (const id of [1, 2]) {
    for (let k = 0; k < doses; k += 1) {
      const t = Number((k * every).toFixed(6));
      rows.push(`${id},${t},100,1,1,1,0`, `${id},${Number((t + every / 4).toFixed(6))},0,0,0,2,${(1 + k / 10).toFixed(2)}`);
    }
  }
  return `${rows.join('\n')}\n`;
}

test('daily doses in days read as hours: the summary names time_unit: d', () => {
  const d = parseDataset(csv(1, 7), 'days.csv');
  const hint = timeUnitHint(d);
  assert.match(hint ?? '', /doses recur every 1 h .*write time_unit: d in a dataset spec/);
  assert.ok(summarizeDataset(d).split('\n').includes(hint ?? '-'));
});

test('no hint: the same file with time_unit: d, doses every 12 or 24 h, a single dose', () => {
  assert.equal(timeUnitHint(parseDataset(csv(1, 7), 'days.csv', parseDataSpec('time_unit: d\n', 'spec.yaml'))), undefined);
  assert.equal(timeUnitHint(parseDataset(csv(12, 7), 'q12h.csv')), undefined);
  assert.equal(timeUnitHint(parseDataset(csv(24, 7), 'qd.csv')), undefined);
  assert.equal(timeUnitHint(parseDataset(csv(24, 1), 'single.csv')), undefined);
  assert.doesNotMatch(summarizeDataset(parseDataset(csv(24, 7), 'qd.csv')), /time unit:/);
});
