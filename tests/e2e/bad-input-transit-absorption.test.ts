/**
 * Bad input for the transit-absorption structures (issue 18 §1, `1cmt-oral-tabs`, `2cmt-oral-tabs`): they
 * take oral doses only (the chain starts in a depot before the depot). Each case runs the real CLI
 * (`qusop fit`) on a small trial and checks the exit code (2), the located message and that nothing was
 * written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const HEADER = 'ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,DVID,WT';
/** A trial whose doses go into CMT `cmt` with RATE `rate` (CMT 1 is the observed compartment: IV). */
const trial = (cmt: number, rate: number): string => [
  HEADER,
  `1,0,100,${rate},.,1,1,${cmt},.,70`, '1,1,.,.,3.1,0,0,1,1,70', '1,4,.,.,2.5,0,0,1,1,70', '1,12,.,.,1.2,0,0,1,1,70',
  `2,0,100,${rate},.,1,1,${cmt},.,80`, '2,2,.,.,2.8,0,0,1,1,80', '2,8,.,.,1.9,0,0,1,1,80', '2,24,.,.,0.9,0,0,1,1,80',
].join('\n') + '\n';

const CASES = [
  { name: 'an IV bolus trial', trial: trial(1, 0), structure: '1cmt-oral-tabs', message: /--structure 1cmt-oral-tabs: takes oral doses, but the doses of .*tabs\.csv are iv \(into the observed compartment\)/ },
  { name: 'an IV infusion trial', trial: trial(1, 50), structure: '2cmt-oral-tabs', message: /--structure 2cmt-oral-tabs: takes oral doses, but the doses of .*tabs\.csv are iv \(into the observed compartment\)/ },
  { name: 'a zero-order (RATE = -2) trial', trial: trial(1, -2), structure: '1cmt-oral-tabs', message: /--structure 1cmt-oral-tabs: takes oral doses, but the doses of .*tabs\.csv are zero-order \(RATE = -2/ },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad transit-absorption input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'tabs.csv');
      await writeFile(path, c.trial);
      const out = join(dir, 'out');
      const r = await runCli(['fit', path, '--out', out, '--draws', '5', '--structure', c.structure]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
