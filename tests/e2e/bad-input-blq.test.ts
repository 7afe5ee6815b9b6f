/**
 * Bad input for BLQ rows (issue 16 §1, the M3 likelihood): each case runs the real CLI (`qusop fit`)
 * on a small oral trial and checks the exit code (2), the located message (file, line, column, what was
 * expected) and that nothing was written under --out. A BLQ row's limit is its LLOQ value, else its DV
 * (NONMEM's M3 ignores the DV of a BLQ row otherwise); a row with neither, or a limit <= 0, cannot enter
 * the likelihood.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

/** A valid oral trial with BLQ-flagged rows; the comment is each row's file line. */
const HEADER = 'ID,TIME,AMT,DV,EVID,MDV,CMT,DVID,BLQ,LLOQ,WT';
const BASE = [
  '1,0,100,.,1,1,1,.,.,.,70', // 2 dose
  '1,1,.,3.1,0,0,2,1,0,0.05,70', // 3
  '1,4,.,2.5,0,0,2,1,0,0.05,70', // 4
  '1,96,.,.,0,0,2,1,1,0.05,70', // 5 BLQ, limit from the LLOQ column, DV missing (ignored)
  '2,0,100,.,1,1,1,.,.,.,80', // 6 dose
  '2,2,.,2.8,0,0,2,1,0,0.05,80', // 7
  '2,8,.,1.9,0,0,2,1,0,0.05,80', // 8
  '2,120,.,0.05,0,0,2,1,1,0.05,80', // 9 BLQ
];
const COLS = HEADER.split(',');
const trial = (edit: (r: string[][]) => void, drop: readonly string[] = []): string => {
  const r = BASE.map((l) => l.split(','));
  edit(r);
  const keep = COLS.map((c, i) => (drop.includes(c) ? -1 : i)).filter((i) => i >= 0);
  return [keep.map((i) => COLS[i]).join(','), ...r.map((x) => keep.map((i) => x[i]).join(','))].join('\n') + '\n';
};
const set = (line: number, values: Record<string, string>) => (r: string[][]): void => {
  for (const [k, v] of Object.entries(values)) r[line - 2]![COLS.indexOf(k)] = v;
};

interface Case { readonly name: string; readonly trial: string; readonly message: RegExp; readonly command?: (trial: string, out: string) => string[] }

const CASES: Case[] = [
  {
    name: 'a BLQ row with no LLOQ column and a missing DV',
    trial: trial(() => undefined, ['LLOQ']),
    message: /blq\.csv:5: column DV: expected the limit of quantification of a BLQ row: an LLOQ value, or the row's DV \(the file has no LLOQ column\), found a missing value/,
  },
  {
    name: 'a BLQ row whose LLOQ and DV are both missing',
    trial: trial(set(5, { LLOQ: '.' })),
    message: /blq\.csv:5: column LLOQ: expected the limit of quantification of a BLQ row: an LLOQ value, or the row's DV, found a missing value/,
  },
  {
    name: 'LLOQ 0',
    trial: trial(set(9, { LLOQ: '0' })),
    message: /blq\.csv:9: column LLOQ: expected a limit of quantification > 0, found 0/,
  },
  {
    name: 'a negative LLOQ on a quantified row',
    trial: trial(set(3, { LLOQ: '-0.05' })),
    message: /blq\.csv:3: column LLOQ: expected a limit of quantification > 0, found -0\.05/,
  },
  {
    name: 'a BLQ row whose limit is its DV (no LLOQ column) and that DV is 0',
    trial: trial((r) => { set(5, { DV: '0.05' })(r); set(9, { DV: '0' })(r); }, ['LLOQ']),
    message: /blq\.csv:9: column DV: expected a limit of quantification > 0 \(with no LLOQ value, a BLQ row's DV is its limit\), found 0/,
  },
  {
    name: 'a BLQ flag of 2',
    trial: trial(set(9, { BLQ: '2' })),
    message: /blq\.csv:9: column BLQ: expected 0 or 1 \(1 = below the limit of quantification; right-censoring, -1, is not supported\), found 2/,
  },
  {
    name: 'a BLQ flag of -1 (right-censoring)',
    trial: trial(set(9, { BLQ: '-1' })),
    message: /blq\.csv:9: column BLQ: expected 0 or 1 .*, found -1/,
  },
  {
    name: 'a BLQ flag that is not a number',
    trial: trial(set(9, { BLQ: 'yes' })),
    message: /blq\.csv:9: column BLQ: expected a number \(or a missing-value code: '\.', 'NA'\), found 'yes'/,
  },
  {
    name: 'a BLQ biomarker row for the sequence models (they learn from values, not limits)',
    trial: trial(set(9, { DVID: '2' })),
    command: (path, out) => ['train', 'lstm', path, '--out', out],
    message: /blq\.csv:9: column BLQ: expected biomarker values: the sequence models learn from values, not limits \(set "blq: drop" in a --data-spec to drop BLQ rows with a count\), found a BLQ biomarker row/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test('the BLQ fixture itself is read: 2 BLQ rows for the M3 likelihood, limits from the LLOQ column', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'blq.csv'), trial(() => undefined));
    const r = await runCli(['data', join(dir, 'blq.csv')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /concentration: 6 samples in 2 subjects .*, 2 BLQ \(M3 likelihood; LLOQ from the LLOQ column\)/);
  });
});

for (const c of CASES) {
  test(`bad BLQ input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'blq.csv');
      await writeFile(path, c.trial);
      const out = join(dir, 'out');
      const r = await runCli(c.command?.(path, out) ?? ['fit', path, '--out', out, '--draws', '5']);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
