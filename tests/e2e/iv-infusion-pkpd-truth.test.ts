/**
 * An IV infusion PK/PD trial of known truth (issue 18 §1: IV infusion under the PD structures): the test
 * kit's generator (tests/kit/iv-pkpd-trial.ts, seed 1, 30 subjects, every dose a 2 h infusion: one-
 * compartment IV PK in closed form, an indirect response I biomarker by RK4, both independent of
 * models/structures/). `qusop fit --structure 1cmt-iv-idr` fits it (before, the trial was refused at its
 * first infusion's RATE); CL and V1 within 20 % (30 subjects, IIV sd 0.3 and 0.2: SE of the log typical
 * value ~ 0.055 and 0.037, so 20 % is > 3.5 SE), and the true KOUT, IMAX and IC50 inside their 95 % Wald
 * intervals on the estimation scale (log, logit), as the bolus trial's test (iv-pkpd-truth.test.ts) asks.
 * Three 95 % intervals all cover with probability ~0.86 for a correct fit; the seed is the bolus test's,
 * fixed, so the test is deterministic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { assertInWaldInterval } from '../kit/wald-interval.js';
import { IV_PKPD_TRUTH, writeIvPkPdTrial } from '../kit/iv-pkpd-trial.js';

interface Row { group: string; key: string; estimate: number; se: number }

test('IV infusion PK/PD trial of known truth: 1cmt-iv-idr fitted on 2 h infusions (CL, V1 within 20 %; KOUT, IMAX, IC50 within their 95 % intervals)', { timeout: 1_800_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await writeIvPkPdTrial(join(dir, 'trial.csv'), 1, 30, 2);
    assert.match(await readFile(trial, 'utf8'), /^1,0,50,25,\.,1,1,1,\./m, 'the doses are 2 h infusions (RATE = AMT / 2)');
    const fitDir = join(dir, 'fit');
    const fit = await runCli(['fit', trial, '--structure', '1cmt-iv-idr', '--out', fitDir, '--draws', '20', '--vpc-replicates', '20'], { timeoutMs: 1_500_000 });
    assert.equal(fit.code, 0, fit.stderr);
    const record = JSON.parse(await readFile(join(fitDir, 'fit.json'), 'utf8')) as { fit: { structure: string; table: Row[]; population: { fixed: Record<string, number> } } };
    assert.equal(record.fit.structure, '1cmt-iv-idr');
    const T = IV_PKPD_TRUTH;
    for (const [name, value] of [['CL', T.CL], ['V1', T.V]] as const) {
      const got = record.fit.population.fixed[name] ?? NaN;
      t.diagnostic(`${name}: true ${value}, estimate ${got}`);
      assert.ok(Math.abs(got / value - 1) <= 0.2, `${name}: ${got} vs true ${value} (20 %)`);
    }
    for (const [name, value] of [['KOUT', T.KOUT], ['IMAX', T.IMAX], ['IC50', T.IC50]] as const) assertInWaldInterval(t, record.fit.table, name, value);
  });
});
