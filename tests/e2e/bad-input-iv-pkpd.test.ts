/**
 * Bad input for IV PK/PD trials (issue 18 §1): an IV PK/PD structure forced on an oral trial is refused
 * by its route. (IV infusions under the PD structures are fitted since the PD simulators step them:
 * tests/unit/structure-iv-infusion-pd.test.ts, tests/e2e/iv-infusion-pkpd-truth.test.ts.) Each case runs
 * the real CLI and checks the exit code (2), the located message and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const HEADER = 'ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,DVID,WT';
/** An IV bolus trial with biomarker samples (DVID 2); the comment is each row's file line. */
const BASE = [
  '1,0,.,.,10.2,0,0,2,2,70', // 2 baseline
  '1,0,100,0,.,1,1,1,.,70', // 3 bolus
  '1,1,.,.,3.1,0,0,1,1,70', // 4
  '1,4,.,.,2.5,0,0,1,1,70', // 5
  '1,6,.,.,7.9,0,0,2,2,70', // 6
  '1,12,60,0,.,1,1,1,.,70', // 7 bolus
  '1,13,.,.,3.9,0,0,1,1,70', // 8
  '1,24,.,.,1.2,0,0,1,1,70', // 9
  '1,24,.,.,8.8,0,0,2,2,70', // 10
  '2,0,.,.,9.6,0,0,2,2,80', // 11 baseline
  '2,0,100,0,.,1,1,1,.,80', // 12 bolus
  '2,2,.,.,2.8,0,0,1,1,80', // 13
  '2,8,.,.,1.9,0,0,1,1,80', // 14
  '2,8,.,.,7.1,0,0,2,2,80', // 15
  '2,24,.,.,0.9,0,0,1,1,80', // 16
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

interface Case {
  readonly name: string;
  readonly trial: string;
  readonly args?: (trial: string, out: string) => string[];
  readonly message: RegExp;
  /** what may be under --out afterwards (qusop answer records its request before it fits); default nothing */
  readonly leaves?: readonly string[];
}

const CASES: Case[] = [
  {
    name: 'an IV PK/PD structure forced on an oral trial',
    trial: rows((r) => { for (const l of [3, 7, 12]) set(l, { CMT: '2' })(r); for (const l of [2, 6, 10, 11, 15]) set(l, { CMT: '3' })(r); }),
    args: (trial, out) => ['fit', trial, '--out', out, '--draws', '5', '--structure', '1cmt-iv-idr'],
    message: /--structure 1cmt-iv-idr: takes iv doses, but the doses of .*pkpd\.csv are oral \(into a depot\)/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad IV PK/PD input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const trial = join(dir, 'pkpd.csv');
      await writeFile(trial, c.trial);
      const out = join(dir, 'out');
      const r = await runCli(c.args?.(trial, out) ?? ['fit', trial, '--out', out, '--draws', '5']);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /RangeError|\n\s+at /, 'no RangeError, no stack trace');
      if (c.leaves === undefined) assert.equal(await exists(out), false, 'nothing written');
      else assert.deepEqual((await readdir(out, { recursive: true })).sort(), [...c.leaves].sort(), 'no model, no answers written');
    });
  });
}
