/**
 * Trial CSV ingestion: EstData parses to the counts the raw file shows, and every malformed case
 * fails with its exact `<file>:<line>: column <NAME>: expected ..., found ...` message.
 * Fixtures are a few lines built here; expected counts for EstData are recounted from the raw text
 * with a plain split, independently of the reader under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../worker/common/errors.js';
import { observedComedRate, parseTrial, readTrial, trialCovariates } from '../../models/ingest/trial.js';
import { summarizeTrial } from '../../models/ingest/summary.js';

// tests/unit -> repo root; works from the tsx source tree and from dist/tests/unit alike
function repoFile(rel: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes(`${join('dist', 'tests')}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, rel);
}
const ESTDATA = repoFile('data/EstData.csv');

const HEADER = 'ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID';
const COLS = HEADER.split(',');
/** A valid two-subject trial; the comment is each row's file line. */
const BASE = [
  '1,60,0,10,0,.,1,1,10,1,.', // 2 dose
  '1,60,0,10,0,12.5,0,0,0,3,2', // 3 PD baseline
  '1,60,0,10,1,0.8,0,0,0,2,1', // 4 PK
  '1,60,0,10,24,0,1,1,10,1,0', // 5 dose
  '1,60,0,10,24,9.1,0,0,.,3,2', // 6 PD
  '2,85,1,0,0,8.8,0,0,0,3,2', // 7 PD (placebo)
  '2,85,1,0,24,.,0,1,0,3,2', // 8 PD, MDV=1 -> excluded
];

function csv(rows: readonly string[], header = HEADER): string {
  return [header, ...rows].join('\n') + '\n';
}

/** BASE with the fields of file line `line` changed. */
function mutate(line: number, changes: Readonly<Record<string, string>>, rows: readonly string[] = BASE): string {
  const out = rows.map((r, i) => {
    if (i + 2 !== line) return r;
    const f = r.split(',');
    for (const [col, v] of Object.entries(changes)) f[COLS.indexOf(col)] = v;
    return f.join(',');
  });
  return csv(out);
}

function fails(text: string, message: string, details?: Record<string, unknown>): void {
  assert.throws(
    () => parseTrial(text, 'fx.csv'),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      assert.equal(e.message, message);
      if (details !== undefined) for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details[k], v, `details.${k}`);
      return true;
    },
  );
}

test('EstData: subjects, arms, records and counts match the raw file', async () => {
  const text = await readFile(ESTDATA, 'utf8');
  const rows = text.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const col = (name: string) => HEADER.split(',').indexOf(name);
  const countWhere = (pred: (r: number[]) => boolean) => rows.filter(pred).length;
  const trial = await readTrial(ESTDATA);

  assert.equal(trial.recordCount, rows.length);
  assert.equal(trial.subjects.length, new Set(rows.map((r) => r[col('ID')])).size);
  assert.equal(trial.subjects.length, 48);
  const perArm = new Map<number, number>();
  for (const s of trial.subjects) perArm.set(s.doseMg, (perArm.get(s.doseMg) ?? 0) + 1);
  assert.deepEqual([...perArm.entries()].sort((a, b) => a[0] - b[0]), [[0, 12], [1, 12], [3, 12], [10, 12]]);

  const sum = (f: (s: (typeof trial.subjects)[number]) => number) => trial.subjects.reduce((a, s) => a + f(s), 0);
  assert.equal(sum((s) => s.doses.length), countWhere((r) => r[col('EVID')] === 1));
  assert.equal(sum((s) => s.pk.length), countWhere((r) => r[col('EVID')] === 0 && r[col('DVID')] === 1));
  assert.equal(sum((s) => s.pd.length), countWhere((r) => r[col('EVID')] === 0 && r[col('DVID')] === 2));
  assert.equal(sum((s) => s.excluded.length), 0);
  for (const s of trial.subjects) {
    const active = s.doseMg > 0;
    assert.equal(s.pk.length > 0, active, `ID ${s.id}: PK only in active arms`);
    assert.equal(s.doses.length > 0, active, `ID ${s.id}: doses only in active arms`);
    assert.ok(s.pd.length > 0, `ID ${s.id}: PD for everyone`);
    for (const d of s.doses) assert.equal(d.amtMg, s.doseMg);
    const raw = rows.filter((r) => r[col('ID')] === s.id);
    assert.equal(s.bwKg, raw[0]?.[col('BW')]);
    assert.equal(s.pk.length + s.pd.length + s.doses.length, raw.length);
  }
  assert.deepEqual(trial.layout, { doseCmt: 1, pkCmt: 2, pdCmt: 3 });
  // per subject, not per record (subjects differ in record counts)
  const comedIds = new Set(rows.filter((r) => r[col('COMED')] === 1).map((r) => r[col('ID')]));
  assert.equal(observedComedRate(trial), comedIds.size / trial.subjects.length);
  assert.deepEqual(trialCovariates(trial)[0], { id: 1, bwKg: rows[0]?.[col('BW')], comed: rows[0]?.[col('COMED')] });
});

test('summary names subjects, arms, doses, samples, BW, COMED and time span', async () => {
  const s = summarizeTrial(parseTrial(csv(BASE), 'fx.csv'));
  assert.equal(
    s,
    [
      'fx.csv: 2 subjects, 7 records',
      'arms (DOSE): 0 mg: 1, 10 mg: 1',
      'dose events: 2 in 1 subjects, AMT 10 mg, TIME 0-24 h',
      'PK samples (DVID 1): 1 in 1 subjects; PD samples (DVID 2): 3 in 2 subjects; excluded (MDV=1): 1',
      'BW: 60-85 kg (median 72.5 kg)',
      'COMED: 1/2 subjects (50.0 %)',
      'time span: 0-24 h',
      'compartments: doses 1, PK 2, PD 3',
    ].join('\n'),
  );
});

test('valid fixture: grouping, missing values, covariates, COMED rate', () => {
  const t = parseTrial(csv(BASE), 'fx.csv');
  const [a, b] = t.subjects;
  assert.ok(a !== undefined && b !== undefined);
  assert.deepEqual(a.doses.map((d) => [d.timeH, d.amtMg, d.line]), [[0, 10, 2], [24, 10, 5]]);
  assert.deepEqual(a.pk.map((o) => [o.timeH, o.dv, o.line]), [[1, 0.8, 4]]);
  assert.deepEqual(a.pd.map((o) => [o.timeH, o.dv]), [[0, 12.5], [24, 9.1]]);
  assert.deepEqual(b.excluded, [{ timeH: 24, dvid: 2, line: 8 }]);
  assert.deepEqual(trialCovariates(t), [{ id: 1, bwKg: 60, comed: 0 }, { id: 2, bwKg: 85, comed: 1 }]);
  assert.equal(observedComedRate(t), 0.5);
});

test('tolerated layout variations: CRLF, BOM, blank lines, spaces, column order, no MDV/CMT, 60 vs 60.0', () => {
  const crlf = '\uFEFF' + csv(BASE).replace(/\n/g, '\r\n') + '\r\n\r\n';
  assert.equal(parseTrial(crlf, 'fx.csv').recordCount, BASE.length);
  // a blank line shifts later line numbers: the error points at the real line
  const blank = [HEADER, BASE[0], '', '  ', BASE[1], '1,60,0,10,-1,1,0,0,0,3,2'].join('\n');
  fails(blank, 'fx.csv:6: column TIME: expected a number >= 0, found -1');
  const spaced = csv(BASE.map((r) => r.split(',').join(' , ')));
  assert.equal(parseTrial(spaced, 'fx.csv').subjects.length, 2);
  const reordered = csv(BASE.map((r) => { const f = r.split(','); return [f[10], ...f.slice(0, 10)].join(','); }), `DVID,${COLS.slice(0, 10).join(',')}`);
  assert.deepEqual(parseTrial(reordered, 'fx.csv').subjects.map((s) => s.pd.length), [2, 1]);
  const noMdvCmt = csv(['1,60,0,10,0,.,1,10,.', '1,60,0,10,1,0.5,0,0,1'], 'ID,BW,COMED,DOSE,TIME,DV,EVID,AMT,DVID');
  const t = parseTrial(noMdvCmt, 'fx.csv');
  assert.equal(t.subjects[0]?.doses.length, 1);
  assert.deepEqual(t.layout, { doseCmt: null, pkCmt: null, pdCmt: null });
  assert.equal(parseTrial(mutate(3, { BW: '60.0' }), 'fx.csv').subjects[0]?.bwKg, 60);
});

test('file and header errors', async () => {
  fails('', 'fx.csv: expected a header line naming the columns, found an empty file', { line: null, column: null });
  fails('\n  \n', 'fx.csv: expected a header line naming the columns, found an empty file');
  fails(HEADER + '\n', 'fx.csv: header: expected at least one data record after the header, found none');
  fails(csv(BASE, HEADER.replace('BW', 'WT')), "fx.csv: header: column WT: expected one of ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID, found 'WT'", { file: 'fx.csv', line: 1, column: 'WT' });
  fails(csv(BASE, `${HEADER},`), "fx.csv: header: column #12: expected one of ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID, found an empty field");
  fails(csv(BASE, `${HEADER},BW`), 'fx.csv: header: column BW: expected each column once, found it at positions 2 and 12');
  fails(csv(BASE, HEADER.replace(',DVID', '')), 'fx.csv: header: column DVID: expected a column named DVID (required), found columns ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT', { column: 'DVID' });
  fails(`${HEADER}\n1,60,0,10,"0,1,0,0,0,3,2\n`, 'fx.csv:2: column TIME: expected well-formed CSV, found an unclosed quote at end of file');
  const dir = await mkdtemp(join(tmpdir(), 'ingest-'));
  try {
    const missing = join(dir, 'nope.csv');
    await assert.rejects(readTrial(missing), { name: 'InputError', message: `${missing}: expected a readable trial CSV file, found ENOENT` });
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, mutate(4, { DV: 'abc' }));
    await assert.rejects(readTrial(bad), { name: 'InputError', message: `${bad}:4: column DV: expected a number, found 'abc'` });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('field counts and numbers', () => {
  fails(csv([...BASE.slice(0, 2), '1,60,0,10,1,0.8,0,0,0,2']), 'fx.csv:4: column DVID: expected 11 fields as in the header, found 10', { line: 4, column: 'DVID' });
  fails(csv([...BASE.slice(0, 2), '1,60,0,10,1,0.8,0,0,0,2,1,7']), 'fx.csv:4: column #12: expected 11 fields as in the header, found 12');
  fails(mutate(4, { DV: 'abc' }), "fx.csv:4: column DV: expected a number, found 'abc'");
  fails(mutate(4, { BW: '' }), 'fx.csv:4: column BW: expected a number, found an empty field');
  fails(mutate(4, { DV: 'NaN' }), "fx.csv:4: column DV: expected a finite number, found 'NaN'");
  fails(mutate(4, { TIME: '-Inf' }), "fx.csv:4: column TIME: expected a finite number, found '-Inf'");
  fails(mutate(4, { DV: '1e999' }), 'fx.csv:4: column DV: expected a finite number, found 1e999');
  fails(mutate(4, { DOSE: '0x10' }), "fx.csv:4: column DOSE: expected a number, found '0x10'");
  // the leftmost bad field in file order is reported
  fails(mutate(4, { BW: 'x', DV: 'y' }), "fx.csv:4: column BW: expected a number, found 'x'");
  fails(mutate(4, { ID: '1.5' }), 'fx.csv:4: column ID: expected an integer >= 0, found 1.5');
});

test("'.' (missing) only where allowed", () => {
  fails(mutate(4, { BW: '.' }), "fx.csv:4: column BW: expected a number, found '.'");
  fails(mutate(4, { TIME: '.' }), "fx.csv:4: column TIME: expected a number, found '.'");
  fails(mutate(4, { MDV: '.' }), "fx.csv:4: column MDV: expected a number, found '.'");
  fails(mutate(4, { CMT: '.' }), "fx.csv:4: column CMT: expected a number, found '.'");
  fails(mutate(4, { DV: '.' }), "fx.csv:4: column DV: expected a number on an observation record with MDV=0, found '.'");
  fails(mutate(2, { AMT: '.' }), "fx.csv:2: column AMT: expected a number > 0 on a dose record (EVID=1), found '.'");
  fails(mutate(4, { DVID: '.' }), "fx.csv:4: column DVID: expected 1 (PK) or 2 (PD) on an observation record (EVID=0), found '.'");
});

test('EVID, MDV, AMT, DVID and CMT consistency', () => {
  fails(mutate(4, { EVID: '2' }), 'fx.csv:4: column EVID: expected 0 (observation) or 1 (dose), found 2', { column: 'EVID' });
  fails(mutate(4, { EVID: '4' }), 'fx.csv:4: column EVID: expected 0 (observation) or 1 (dose), found 4');
  fails(mutate(4, { MDV: '2' }), 'fx.csv:4: column MDV: expected 0 or 1, found 2');
  fails(mutate(2, { MDV: '0' }), 'fx.csv:2: column MDV: expected 1 on a dose record (EVID=1), found 0');
  fails(mutate(5, { AMT: '0' }), 'fx.csv:5: column AMT: expected a number > 0 on a dose record (EVID=1), found 0');
  fails(mutate(5, { AMT: '-10' }), 'fx.csv:5: column AMT: expected a number > 0 on a dose record (EVID=1), found -10');
  fails(mutate(4, { AMT: '5' }), "fx.csv:4: column AMT: expected 0 or '.' on an observation record (EVID=0), found 5");
  fails(mutate(2, { DVID: '1' }), "fx.csv:2: column DVID: expected 0 or '.' on a dose record (EVID=1), found 1");
  fails(mutate(4, { DVID: '3' }), 'fx.csv:4: column DVID: expected 1 (PK) or 2 (PD) on an observation record (EVID=0), found 3');
  fails(mutate(4, { DVID: '0' }), 'fx.csv:4: column DVID: expected 1 (PK) or 2 (PD) on an observation record (EVID=0), found 0');
  fails(mutate(4, { CMT: '0' }), 'fx.csv:4: column CMT: expected an integer >= 1, found 0');
  fails(mutate(6, { CMT: '2' }), 'fx.csv:6: column CMT: expected 3 (the CMT of DVID 2 since line 3), found 2', { line: 6, otherLine: 3 });
  fails(mutate(5, { CMT: '4' }), 'fx.csv:5: column CMT: expected 1 (the CMT of doses since line 2), found 4');
  fails(mutate(4, { CMT: '3' }), "fx.csv:4: column CMT: expected a CMT other than 3 (DVID 2's since line 3) for DVID 1, found 3");
});

test('TIME, duplicates and contiguous subjects', () => {
  fails(mutate(3, { TIME: '-1' }), 'fx.csv:3: column TIME: expected a number >= 0, found -1');
  fails(mutate(6, { TIME: '12' }), 'fx.csv:6: column TIME: expected >= 24 (TIME on line 5 for ID 1), found 12', { otherLine: 5 });
  fails(mutate(4, { TIME: '0', DVID: '2', CMT: '3', DV: '11' }), 'fx.csv:4: column TIME: expected one record per (ID, TIME, EVID, DVID), found a duplicate of line 3 (ID 1, TIME 0, EVID 0, DVID 2)', { line: 4, otherLine: 3 });
  const doubleDose = csv([...BASE.slice(0, 4), BASE[3] ?? '', ...BASE.slice(4)]);
  fails(doubleDose, 'fx.csv:6: column TIME: expected one record per (ID, TIME, EVID, CMT), found a duplicate of line 5 (ID 1, TIME 24, EVID 1, CMT 1)');
  // a dose and an observation at the same TIME are not duplicates (line 2 and 3 of BASE)
  assert.equal(parseTrial(csv(BASE), 'fx.csv').subjects[0]?.doses[0]?.timeH, 0);
  const split = csv([...BASE, '1,60,0,10,48,8,0,0,0,3,2']);
  fails(split, 'fx.csv:9: column ID: expected the rows of each subject to be contiguous, found ID 1 again after its rows ended on line 6', { otherLine: 6 });
});

test('subject covariates', () => {
  fails(mutate(4, { BW: '61' }), 'fx.csv:4: column BW: expected 60 (constant within ID 1, as on line 2), found 61', { column: 'BW', otherLine: 2 });
  fails(mutate(8, { COMED: '0' }), 'fx.csv:8: column COMED: expected 1 (constant within ID 2, as on line 7), found 0');
  fails(mutate(6, { DOSE: '3' }), 'fx.csv:6: column DOSE: expected 10 (constant within ID 1, as on line 2), found 3');
  fails(mutate(7, { COMED: '2' }), 'fx.csv:7: column COMED: expected 0 or 1, found 2');
  fails(mutate(7, { BW: '0' }), 'fx.csv:7: column BW: expected a number > 0, found 0');
  fails(mutate(7, { BW: '-70' }), 'fx.csv:7: column BW: expected a number > 0, found -70');
  fails(mutate(7, { DOSE: '-1' }), 'fx.csv:7: column DOSE: expected a number >= 0, found -1');
});
