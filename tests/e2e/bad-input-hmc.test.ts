/**
 * Bad input for `qusop fit --uncertainty hmc` (issue 20 §2): each case runs the real CLI on a small valid
 * PK trial and checks exit code 2, the message naming the option and what it expected, and that nothing
 * was written under --out (the options are checked before any fit starts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const TRIAL = [
  'ID,TIME,AMT,DV,EVID,MDV,CMT,DVID,WT',
  '1,0,100,.,1,1,1,.,70',
  '1,1,.,3.1,0,0,2,1,70',
  '1,4,.,2.5,0,0,2,1,70',
  '1,24,.,1.2,0,0,2,1,70',
  '2,0,100,.,1,1,1,.,80',
  '2,2,.,2.8,0,0,2,1,80',
  '2,8,.,1.9,0,0,2,1,80',
  '2,24,.,0.9,0,0,2,1,80',
].join('\n') + '\n';

interface Case { readonly name: string; readonly args: readonly string[]; readonly message: RegExp }

const CASES: Case[] = [
  { name: 'unknown --uncertainty value', args: ['--uncertainty', 'bootstrap'], message: /--uncertainty: expected one of fisher, hmc, got "bootstrap"/ },
  { name: '--hmc-chains 0', args: ['--uncertainty', 'hmc', '--hmc-chains', '0'], message: /--hmc-chains: expected an integer from 1 to 64.*got 0/ },
  { name: '--hmc-chains not a number', args: ['--uncertainty', 'hmc', '--hmc-chains', 'four'], message: /--hmc-chains: expected an integer.*got four/ },
  { name: '--hmc-samples too few for split R-hat', args: ['--uncertainty', 'hmc', '--hmc-samples', '4'], message: /--hmc-samples: expected an integer from 10 to 100000.*R-hat and ESS split each chain.*got 4/ },
  { name: '--hmc-warmup negative', args: ['--uncertainty', 'hmc', '--hmc-warmup', '-5'], message: /--hmc-warmup: expected an integer from 0 to 100000.*got -5/ },
  { name: '--hmc-max-depth beyond 15', args: ['--uncertainty', 'hmc', '--hmc-max-depth', '20'], message: /--hmc-max-depth: expected an integer from 1 to 15.*got 20/ },
  { name: 'unknown --hmc-mass', args: ['--uncertainty', 'hmc', '--hmc-mass', 'full'], message: /--hmc-mass: expected one of diagonal, resample, got "full"/ },
  { name: 'unknown --hmc-parametrisation', args: ['--uncertainty', 'hmc', '--hmc-parametrisation', 'centered'], message: /--hmc-parametrisation: expected one of auto, centred, non-centred, got "centered"/ },
  { name: '--hmc-parametrisation without --uncertainty hmc', args: ['--hmc-parametrisation', 'centred'], message: /--hmc-parametrisation: only with --uncertainty hmc/ },
  { name: 'an --hmc-* option without --uncertainty hmc', args: ['--hmc-chains', '2'], message: /--hmc-chains: only with --uncertainty hmc/ },
  { name: '--uncertainty hmc with --only-candidate', args: ['--uncertainty', 'hmc', '--candidate-store', 'STORE', '--only-candidate', '1cmt-oral'], message: /--uncertainty hmc: not with --only-candidate/ },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad HMC input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const trial = join(dir, 'trial.csv');
      await writeFile(trial, TRIAL);
      const out = join(dir, 'out');
      const args = c.args.map((a) => (a === 'STORE' ? join(dir, 'store') : a));
      const r = await runCli(['fit', trial, '--out', out, '--structure', '1cmt-oral', '--draws', '5', ...args]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
      assert.equal(await exists(join(dir, 'store')), false, 'no candidate store written');
    });
  });
}
