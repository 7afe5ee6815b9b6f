/**
 * Bad input for IV trials (issue 18 §1 / issue 16 §1 records): each case runs the real CLI (`qusop fit`)
 * on a small trial and checks the exit code (2), the located message (file, line, column, what was
 * expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const HEADER = 'ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,DVID,WT';
/** A valid IV trial (doses into CMT 1, the observed one); the comment is each row's file line. */
const BASE = [
  '1,0,100,0,.,1,1,1,.,70', // 2 bolus
  '1,1,.,.,3.1,0,0,1,1,70', // 3
  '1,4,.,.,2.5,0,0,1,1,70', // 4
  '1,12,60,30,.,1,1,1,.,70', // 5 infusion over 2 h
  '1,13,.,.,3.9,0,0,1,1,70', // 6
  '1,24,.,.,1.2,0,0,1,1,70', // 7
  '2,0,100,0,.,1,1,1,.,80', // 8 bolus
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
    name: 'an infusion into the depot (RATE > 0 on an oral dose)',
    trial: rows((r) => { for (const l of [2, 5, 8]) set(l, { CMT: '2' })(r); set(5, { RATE: '30' })(r); }),
    message: /iv\.csv:5: column RATE: expected 0 \(bolus\) for a dose into the depot \(CMT 2\): a zero-order input into an absorption compartment \(zero-order then first-order absorption\) is not in .*\. An IV infusion goes into the concentration's observation CMT; zero-order absorption over a duration the model estimates is RATE = -2 \(structures 1cmt-zo, 2cmt-zo\), found 30/,
  },
  {
    name: 'a trial mixing oral and IV doses',
    trial: rows(set(8, { CMT: '2' })),
    message: /iv\.csv:8: column CMT: expected doses by one route \(the IV dose on line 2 sets it\): mixed oral \+ IV trials are not supported .*, found an oral dose \(into the depot\) in ID 2/,
  },
  {
    name: 'a model-defined infusion rate (RATE = -1)',
    trial: rows(set(5, { RATE: '-1' })),
    message: /iv\.csv:5: column RATE: expected 0 \(bolus\), > 0 \(zero-order input of AMT \/ RATE hours\) or -2 \(zero-order absorption over the duration D1 the model estimates: structures 1cmt-zo, 2cmt-zo\); a rate the model defines \(RATE = -1, R1\) is not supported, found -1/,
  },
  {
    name: 'a steady-state IV dose (SS=1, a reset) while an ADDL series still runs',
    trial: rows((r) => { r.forEach((x) => x.push('.', '.', '0')); r[0]!.splice(COLS.length, 3, '24', '3', '0'); r[3]!.splice(COLS.length, 3, '24', '.', '1'); }).replace(HEADER, `${HEADER},II,ADDL,SS`),
    message: /iv\.csv:5: column TIME: expected a steady-state dose \(SS=1, a reset in NONMEM\) after the doses before it have ended: line 2's ADDL series or infusion runs to 72 h, found 12 h/,
  },
  {
    name: 'an oral structure forced on an IV trial',
    trial: rows(() => undefined),
    extra: ['--structure', '1cmt-oral'],
    message: /--structure 1cmt-oral: takes oral doses, but the doses of .*iv\.csv are iv \(into the observed compartment\)/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad IV input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const trial = join(dir, 'iv.csv');
      await writeFile(trial, c.trial);
      const out = join(dir, 'out');
      const r = await runCli(['fit', trial, '--out', out, '--draws', '5', ...(c.extra ?? [])]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
