/**
 * Bad input for zero-order absorption trials (issue 18 §1, NONMEM RATE = -2): each case runs the real
 * CLI (`qusop fit`) on a small trial and checks the exit code (2), the located message (file, line,
 * column, what was expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const HEADER = 'ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,DVID,WT';
/** A valid zero-order trial (RATE = -2 doses into CMT 1, the observed one); the comment is each row's file line. */
const BASE = [
  '1,0,100,-2,.,1,1,1,.,70', // 2
  '1,1,.,.,3.1,0,0,1,1,70', // 3
  '1,4,.,.,2.5,0,0,1,1,70', // 4
  '1,12,60,-2,.,1,1,1,.,70', // 5
  '1,13,.,.,3.9,0,0,1,1,70', // 6
  '1,24,.,.,1.2,0,0,1,1,70', // 7
  '2,0,100,-2,.,1,1,1,.,80', // 8
  '2,2,.,.,2.8,0,0,1,1,80', // 9
  '2,8,.,.,1.9,0,0,1,1,80', // 10
  '2,24,.,.,0.9,0,0,1,1,80', // 11
];
const COLS = HEADER.split(',');
const rows = (edit: (r: string[][]) => void): string => {
  const r = BASE.map((l) => l.split(','));
  edit(r);
  return [HEADER, ...r.map((x) => x.join(','))].join('\n') + '\n';
};
const set = (line: number, values: Record<string, string>) => (r: string[][]): void => {
  for (const [k, v] of Object.entries(values)) r[line - 2]![COLS.indexOf(k)] = v;
};

interface Case { readonly name: string; readonly trial: string; readonly extra?: string[]; readonly message: RegExp }

const CASES: Case[] = [
  {
    name: 'a rate the model defines (RATE = -1)',
    trial: rows(set(5, { RATE: '-1' })),
    message: /zo\.csv:5: column RATE: expected 0 \(bolus\), > 0 \(zero-order input of AMT \/ RATE hours\) or -2 \(zero-order absorption over the duration D1 the model estimates: structures 1cmt-zo, 2cmt-zo\); a rate the model defines \(RATE = -1, R1\) is not supported, found -1/,
  },
  {
    name: 'RATE = -2 mixed with a bolus of the same drug',
    trial: rows(set(8, { RATE: '0' })),
    message: /zo\.csv:8: column RATE: expected RATE = -2 \(zero-order over the model's D1\) like the dose on line 2: a trial mixing zero-order absorption \(RATE = -2\) with other dose kinds is not supported .*, found a dose of given rate \(RATE >= 0\) in ID 2/,
  },
  {
    name: 'RATE = -2 mixed with an infusion of given rate',
    trial: rows(set(5, { RATE: '30' })),
    message: /zo\.csv:5: column RATE: expected RATE = -2 .* like the dose on line 2: a trial mixing zero-order absorption .*, found a dose of given rate \(RATE >= 0\) in ID 1/,
  },
  {
    name: 'a bolus trial with one RATE = -2 dose',
    trial: rows((r) => { for (const l of [2, 8]) set(l, { RATE: '0' })(r); }),
    message: /zo\.csv:5: column RATE: expected a dose of given rate \(RATE >= 0\) like the dose on line 2: .*, found RATE = -2 \(zero-order over the model's D1\) in ID 1/,
  },
  {
    name: 'a zero-order trial with biomarker samples (no zero-order structure has the PD)',
    trial: rows((r) => { r.push(['2', '30', '.', '.', '9.5', '0', '0', '2', '2', '80']); }),
    message: /zo\.csv: a trial with zero-order doses and biomarker samples: no structure of the library has zero-order PK with the PD yet/,
  },
  {
    name: 'an IV structure forced on a zero-order trial',
    trial: rows(() => undefined),
    extra: ['--structure', '1cmt-iv'],
    message: /--structure 1cmt-iv: takes iv doses, but the doses of .*zo\.csv are zero-order \(RATE = -2: zero-order over D1, structures 1cmt-zo, 2cmt-zo\)/,
  },
  {
    name: 'a zero-order structure forced on an IV trial',
    trial: rows((r) => { for (const l of [2, 5, 8]) set(l, { RATE: '0' })(r); }),
    extra: ['--structure', '1cmt-zo'],
    message: /--structure 1cmt-zo: takes zero-order doses, but the doses of .*zo\.csv are iv \(into the observed compartment\)/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad zero-order input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const trial = join(dir, 'zo.csv');
      await writeFile(trial, c.trial);
      const out = join(dir, 'out');
      const r = await runCli(['fit', trial, '--out', out, '--draws', '5', ...(c.extra ?? [])]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
