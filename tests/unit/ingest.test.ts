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
import { parseDataset } from '../../models/ingest/dataset.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';

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

test('the data summary names the column mapping, doses, endpoints, covariates and what was set aside', () => {
  const s = summarizeDataset(parseDataset(csv(BASE), 'fx.csv'));
  assert.equal(
    s,
    [
      'fx.csv: 2 subjects, 7 records (spec: (none); time unit h)',
      'columns: ID=ID, TIME=TIME, DV=DV, AMT=AMT, EVID=EVID, MDV=MDV, CMT=CMT, DVID=DVID',
      'doses: 2 (0-2 per subject), AMT 10 mg, route depot',
      'units: concentration mg/L (default); doses mg (default); a spec names others: endpoints.concentration.unit (e.g. ng/mL), dose_unit (e.g. ug)',
      'concentration: 1 samples in 1 subjects (DVID 1 (read as the concentration: 1, cp, conc, ...))',
      'biomarker: 3 samples in 2 subjects (DVID 2 (read as the biomarker: 2, pd, effect, ...), ng/mL (assumed: no endpoints.biomarker.unit in a spec))',
      'covariate BW: continuous, 60-85; reference 72.5 (the body weight: allometry relative to 70 kg)',
      'covariate COMED: categorical, 0: 1, 1: 1; reference 0',
      'covariate DOSE: continuous, 0-10; reference 5',
      'observations set aside (MDV=1): 1',
      'time span: 0-24 h',
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

test('tolerated layout variations: CRLF, BOM, blank lines, spaces, column order, no MDV/CMT, 60 vs 60.0, lowercase names', () => {
  const crlf = '\uFEFF' + csv(BASE).replace(/\n/g, '\r\n') + '\r\n\r\n';
  assert.equal(parseTrial(crlf, 'fx.csv').recordCount, BASE.length);
  // a blank line shifts later line numbers: the error points at the real line
  const blank = [HEADER, BASE[0], '', '  ', BASE[1], '1,60,0,10,-1,1,0,0,0,3,2'].join('\n');
  fails(blank, 'fx.csv:6: column TIME: expected >= 0 h (the time on line 5 for ID 1; time may not go backwards within a subject except at a reset, EVID 3/4), found -1 h');
  const spaced = csv(BASE.map((r) => r.split(',').join(' , ')));
  assert.equal(parseTrial(spaced, 'fx.csv').subjects.length, 2);
  const reordered = csv(BASE.map((r) => { const f = r.split(','); return [f[10], ...f.slice(0, 10)].join(','); }), `DVID,${COLS.slice(0, 10).join(',')}`);
  assert.deepEqual(parseTrial(reordered, 'fx.csv').subjects.map((s) => s.pd.length), [2, 1]);
  const noMdvCmt = csv(['1,60,0,10,0,.,1,10,.', '1,60,0,10,1,0.5,0,0,1'], 'ID,BW,COMED,DOSE,TIME,DV,EVID,AMT,DVID');
  const t = parseTrial(noMdvCmt, 'fx.csv');
  assert.equal(t.subjects[0]?.doses.length, 1);
  assert.deepEqual(t.layout, { doseCmt: null, pkCmt: null, pdCmt: null });
  assert.equal(parseTrial(mutate(3, { BW: '60.0' }), 'fx.csv').subjects[0]?.bwKg, 60);
  // the same trial; only the covariates keep the file's own names (bw, comed, dose)
  const modelled = (t: ReturnType<typeof parseTrial>) => ({
    ...t, covariates: undefined,
    subjects: t.subjects.map((x) => ({ ...x, covariates: Object.fromEntries(Object.entries(x.covariates ?? {}).map(([k, v]) => [k.toUpperCase(), v])) })),
  });
  const lower = parseTrial(csv(BASE, HEADER.toLowerCase()), 'fx.csv');
  assert.deepEqual(modelled(lower), modelled(parseTrial(csv(BASE), 'fx.csv')));
  assert.deepEqual(lower.covariates?.map((c) => c.name), ['bw', 'comed', 'dose']);
});

test('records NONMEM accepts and the old reader refused: replicate samples, EVID 2, AMT on observations, WT for BW', () => {
  const replicate = parseTrial(mutate(4, { TIME: '0', DVID: '2', CMT: '3', DV: '11' }), 'fx.csv');
  assert.deepEqual(replicate.subjects[0]?.pd.map((o) => [o.timeH, o.dv]), [[0, 12.5], [0, 11], [24, 9.1]]);
  assert.equal(parseTrial(mutate(4, { EVID: '2' }), 'fx.csv').subjects[0]?.pk.length, 0, 'an EVID 2 row is not an observation');
  assert.equal(parseTrial(mutate(4, { AMT: '5' }), 'fx.csv').subjects[0]?.doses.length, 2, 'AMT on an observation is not a dose');
  assert.deepEqual(parseTrial(csv(BASE, HEADER.replace('BW', 'WT')), 'fx.csv').subjects.map((x) => x.bwKg), [60, 85]);
});

test('file and header errors', async () => {
  fails('', 'fx.csv: expected a header line naming the columns, found an empty file', { line: null, column: null });
  fails('\n  \n', 'fx.csv: expected a header line naming the columns, found an empty file');
  fails(HEADER + '\n', 'fx.csv:1: expected data records after the header, found none');
  // no weight column: read, every subject at the 70 kg reference, and said (trial.noWeight)
  const unweighed = parseTrial(csv(BASE, HEADER.replace('BW', 'HEIGHT')), 'fx.csv');
  assert.deepEqual(unweighed.subjects.map((x) => x.bwKg), [70, 70]);
  assert.equal(unweighed.noWeight, true);
  assert.equal(parseTrial(csv(BASE), 'fx.csv').noWeight, undefined);
  // and `qusop data` says so before any fit
  assert.match(summarizeDataset(parseDataset(csv(BASE, HEADER.replace('BW', 'HEIGHT')), 'fx.csv')), /\nbody weight: none \(no BW, WT, WEIGHT, WGT, BWT, WEIGHTB, WTBL, BASEWT covariate, nor a spec's weight:\): every subject at the 70 kg allometric reference/);
  assert.doesNotMatch(summarizeDataset(parseDataset(csv(BASE), 'fx.csv')), /body weight: none/);
  // other usual weight names (nlmixr2data's nimoData WGT, xgxr's WEIGHTB) are the weight too; BW wins over them
  const bwOf = (header: string) => parseTrial(csv(BASE, header), 'fx.csv').subjects.map((x) => x.bwKg);
  const weighed = bwOf(HEADER);
  assert.deepEqual(bwOf(HEADER.replace('BW', 'WGT')), weighed);
  assert.deepEqual(bwOf(HEADER.replace('BW', 'weightb')), weighed);
  assert.deepEqual(parseTrial(csv(BASE.map((r) => `${r},99`), `${HEADER},WGT`), 'fx.csv').subjects.map((x) => x.bwKg), weighed);
  assert.deepEqual(parseTrial(csv(BASE.map((r) => `${r},99`), `${HEADER.replace('BW', 'WGT')},BW`), 'fx.csv').subjects.map((x) => x.bwKg), [99, 99]);

  fails(csv(BASE, `${HEADER},`), 'fx.csv: header: column #12: expected a column name, found an empty name');
  fails(csv(BASE, `${HEADER},bw`), "fx.csv: header: column bw: expected each column name once (names are compared in any letter case), found 'BW' at position 2 and 'bw' at 12", { file: 'fx.csv', line: 1, column: 'bw' });
  fails(csv(BASE.map((r) => r.split(',').slice(0, 10).join(',')), HEADER.replace(',DVID', '').replace(',DV,', ',CONC,')), 'fx.csv: header: column DV: expected a column for DV (named DV in any letter case, or named in a --data-spec\'s columns:); if CONC holds the observed values, a spec with columns: { dv: CONC }, found columns ID,BW,COMED,DOSE,TIME,CONC,EVID,MDV,AMT,CMT', { column: 'DV' });
  // NONMEM's pheno.dta as shipped has no header line (the names are $INPUT's)
  fails('   1    0.0  25.0  1.4     7     0\n   1    2.0     0  1.4     7  17.3\n', "fx.csv: header: column 1: expected a header line naming the columns (qusop reads the names from the file; NONMEM takes them from $INPUT: add those names as the first line, e.g. 'ID TIME AMT WT APGR DV'), found a line of numbers (1,0.0,25.0,1.4,7,0): the file has no header", { column: '1' });
  // a file of concentrations alone (R's Indometh layout): the message says the doses must be records of the file
  fails('ID,time,DV\n1,0.25,1.5\n', 'fx.csv: header: column AMT: expected a column for AMT (named AMT in any letter case, or named in a --data-spec\'s columns:); the doses are records of the file: an AMT column and a row per dose (AMT > 0 at its TIME, or one row with ADDL/II), e.g. a row per subject at TIME 0 with AMT 25 for one 25 mg dose (DV empty or "."), found columns ID,time,DV', { column: 'AMT' });
  fails(`${HEADER}\n1,60,0,10,"0,1,0,0,0,3,2\n`, 'fx.csv:2: column TIME: expected well-formed CSV, found an unclosed quote at end of file');
  const dir = await mkdtemp(join(tmpdir(), 'ingest-'));
  try {
    const missing = join(dir, 'nope.csv');
    await assert.rejects(readTrial(missing), { name: 'InputError', message: `${missing}: cannot read trial CSV (ENOENT)` });
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, mutate(4, { DV: 'abc' }));
    await assert.rejects(readTrial(bad), { name: 'InputError', message: `${bad}:4: column DV: expected a number (or a missing-value code: '.', 'NA'), found 'abc'` });
  } finally {
    await rm(dir, { recursive: true });
  }
});

const NUMBER_OR_MISSING = "expected a number (or a missing-value code: '.', 'NA')";

test('field counts and numbers', () => {
  fails(csv([...BASE.slice(0, 2), '1,60,0,10,1,0.8,0,0,0,2']), 'fx.csv:4: expected 11 fields (the header\'s columns), found 10', { line: 4 });
  fails(csv([...BASE.slice(0, 2), '1,60,0,10,1,0.8,0,0,0,2,1,7']), "fx.csv:4: expected 11 fields (the header's columns), found 12");
  fails(mutate(4, { DV: 'abc' }), `fx.csv:4: column DV: ${NUMBER_OR_MISSING}, found 'abc'`);
  fails(mutate(4, { DV: 'NaN' }), `fx.csv:4: column DV: ${NUMBER_OR_MISSING}, found 'NaN'`);
  fails(mutate(4, { TIME: '-Inf' }), `fx.csv:4: column TIME: ${NUMBER_OR_MISSING}, found '-Inf'`);
  fails(mutate(4, { DV: '1e999' }), 'fx.csv:4: column DV: expected a finite number, found Infinity');
  fails(mutate(4, { ID: '1.5' }), 'fx.csv:4: column ID: expected an integer >= 0 (NONMEM reads ID as a number) or a text ID, found 1.5');
  // a text ID among numbers: a typo more likely than a subject (text IDs throughout are read: ingest-subject-id.test.ts)
  fails(mutate(4, { ID: 'A' }), "fx.csv:4: column ID: expected a number, as every other ID of the file (line 2: '1'; IDs are all numbers, as NONMEM reads them, or all text), found 'A'");
});

test("missing values ('.', 'NA') where they may be, and where not", () => {
  fails(mutate(4, { TIME: '.' }), 'fx.csv:4: column TIME: expected a time, found a missing value');
  fails(mutate(4, { DV: '.' }), 'fx.csv:4: column DV: expected a value on an observation record with MDV=0, found a missing value');
  fails(mutate(4, { DV: 'NA' }), 'fx.csv:4: column DV: expected a value on an observation record with MDV=0, found a missing value');
  fails(mutate(2, { AMT: '.' }), 'fx.csv:2: column AMT: expected > 0 on a dose record (EVID 1), found 0');
  // MDV and CMT missing: derived (MDV from EVID) or unknown (CMT)
  assert.equal(parseTrial(mutate(4, { MDV: '.', CMT: '.' }), 'fx.csv').subjects[0]?.pk[0]?.cmt, null);
});

test('EVID, MDV, AMT, DVID and CMT consistency', () => {
  fails(mutate(4, { EVID: '5' }), "fx.csv:4: column EVID: expected 0-4 (NONMEM) or rxode2's classic bolus code 100*CMT+1 (e.g. 101), found 5", { column: 'EVID' });
  fails(mutate(4, { MDV: '2' }), 'fx.csv:4: column MDV: expected 0 or 1, found 2');
  fails(mutate(2, { MDV: '0' }), 'fx.csv:2: column MDV: expected 1 on a dose record (EVID 1), found 0');
  fails(mutate(5, { AMT: '0' }), 'fx.csv:5: column AMT: expected > 0 on a dose record (EVID 1), found 0');
  fails(mutate(5, { AMT: '-10' }), 'fx.csv:5: column AMT: expected > 0 on a dose record (EVID 1), found -10');
  const dvid = "expected DVID 1 (concentration) or 2 (biomarker), or a common name (cp, conc, pd, effect, ...); name other endpoints in a --data-spec (endpoints:), or drop their records there (ignore:)";
  fails(mutate(4, { DVID: '3' }), `fx.csv:4: column DVID: ${dvid}, found '3'`);
  fails(mutate(4, { DVID: '.' }), `fx.csv:4: column DVID: ${dvid}, found ''`);
  fails(mutate(4, { CMT: '0' }), 'fx.csv:4: column CMT: expected an integer >= 1, found 0');
  // a dose into the observed CMT is IV (issue 18): this subject's later oral dose makes the trial mixed, refused
  fails(mutate(2, { CMT: '2' }), 'fx.csv:5: column CMT: expected doses by one route (the IV dose on line 2 sets it): mixed oral + IV trials are not supported by the population models of the qusop structure library (1-, 2- or 3-compartment PK, oral or IV; direct, effect-compartment or indirect-response PD), found an oral dose (into the depot) in ID 1');
});

test('TIME and contiguous subjects', () => {
  fails(mutate(6, { TIME: '12' }), 'fx.csv:6: column TIME: expected >= 24 h (the time on line 5 for ID 1; time may not go backwards within a subject except at a reset, EVID 3/4), found 12 h');
  const split = csv([...BASE, '1,60,0,10,48,8,0,0,0,3,2']);
  fails(split, "fx.csv:9: column ID: expected each subject's rows together (ID 1's rows ended on line 6), found ID 1 again");
});

test('subject covariates: constant within a subject, body weight > 0, COMED 0 or 1, DOSE a number', () => {
  const constant = (line: number, col: string, was: string, id: number, first: number, found: string) =>
    `fx.csv:${line}: column ${col}: expected ${was} (covariate ${col} of ID ${id} on line ${first}: a covariate is constant within a subject; to use each subject's first value, a spec's covariates: { ${col}: { column: ${col}, value: baseline } }), found '${found}'`;
  fails(mutate(4, { BW: '61' }), constant(4, 'BW', '60', 1, 2, '61'));
  fails(mutate(8, { COMED: '0' }), constant(8, 'COMED', '1', 2, 7, '0'));
  fails(mutate(6, { DOSE: '3' }), constant(6, 'DOSE', '10', 1, 2, '3'));
  fails(mutate(4, { BW: '.' }), constant(4, 'BW', '60', 1, 2, '.'));
  // subject 2's two rows (lines 7 and 8) changed alike: constant, but not a valid value
  const both = (changes: Record<string, string>) => mutate(8, changes, mutate(7, changes).trim().split('\n').slice(1));
  fails(both({ COMED: '2' }), "fx.csv:7: column COMED: expected 0 or 1, found '2'");
  fails(both({ BW: '0' }), "fx.csv:7: column BW: expected a body weight (a number > 0 kg), found '0'");
  fails(both({ BW: '-70' }), "fx.csv:7: column BW: expected a body weight (a number > 0 kg), found '-70'");
  fails(both({ DOSE: '-1' }), "fx.csv:7: column DOSE: expected a nominal dose (a number >= 0 mg), found '-1'");
});
