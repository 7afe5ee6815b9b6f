/**
 * A warfarin-like trial in nlmixr2data's layout (tests/fixtures/real-layouts/warfarin.csv: lowercase
 * columns, dvid text cp / pca, one oral dose, PCA falling by an indirect response), fitted with the
 * default candidates as a new user would (`qusop fit warfarin.csv`). Before staged-refit.ts the
 * simultaneous 1cmt-oral-idr fit from the data's start values converged to R0 72 (truth 100), IC50 3e-4
 * (truth 3), PD residual sd 15 (truth 4), -2LL 1994 against the stages' 1719, and was chosen. Since the
 * single-dose effect start values (models/estimate/start-values-effect.ts) the data-start fit reaches the
 * stages' level by itself (-2LL 1710.0 against 685.3 + 1023.7), so the staged refit is the second guard.
 * The truth's 1cmt-oral-idr must sit at the stages' level; the chosen fit is a turnover model of a falling
 * biomarker, inhibited production (the truth) or stimulated loss (1cmt-oral-idr4: after one dose the two
 * differ by ~1 BIC here, 1812.2 vs 1811.2, a tie BIC resolves either way), and must recover the truth of
 * truths.ts within 3 standard errors (its own linearised-information SEs) for the parameters both share:
 * CL, V1, R0 and the PD residual sd; KOUT too when the truth's structure is chosen (in IDR IV the drug acts
 * on the loss, so its KOUT is another quantity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { STAGED_REFIT_MARGIN } from '../../analysis/fit/staged-refit.js';
import { TRUTHS } from '../fixtures/real-layouts/truths.js';

const TRIAL = join(ROOT, 'tests', 'fixtures', 'real-layouts', 'warfarin.csv');

interface Row { structure: string; minus2LL: number; chosen?: boolean }
interface FitJson {
  fit: { structure: string; population: { fixed: Record<string, number>; sigma: Record<string, number> }; se: { fixed: Record<string, number>; sigma: Record<string, number> } };
  selection: Row[]; pk_stage: Row[]; pd_stage: Row[];
}

test('warfarin layout: the default fit chooses a turnover model, the truth\'s at the stages\' -2LL, and recovers the truth', { timeout: 600_000 }, async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'fit');
    const r = await runCli(['fit', TRIAL, '--out', out, '--draws', '20', '--vpc-replicates', '20', '--parallel', '2'], { timeoutMs: 550_000 });
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as FitJson;
    assert.ok(['1cmt-oral-idr', '1cmt-oral-idr4'].includes(f.fit.structure), `chosen ${f.fit.structure}`);
    const idr = f.selection.find((c) => c.structure === '1cmt-oral-idr');
    const pk = f.pk_stage.find((c) => c.structure === '1cmt-oral');
    const pd = f.pd_stage.find((c) => c.structure === '1cmt-oral-idr');
    assert.ok(idr !== undefined && pk !== undefined && pd !== undefined);
    assert.ok(idr.minus2LL <= pk.minus2LL + pd.minus2LL + STAGED_REFIT_MARGIN, `1cmt-oral-idr -2LL ${idr.minus2LL} vs stages ${pk.minus2LL} + ${pd.minus2LL}`);
    const truth = TRUTHS.warfarin.truth;
    for (const name of f.fit.structure === '1cmt-oral-idr' ? ['CL', 'V1', 'R0', 'KOUT'] as const : ['CL', 'V1', 'R0'] as const) {
      const est = f.fit.population.fixed[name]!;
      const se = f.fit.se.fixed[name]!;
      assert.ok(Math.abs(est - truth.fixed[name]) <= 3 * se, `${name}: ${est} (SE ${se}) vs truth ${truth.fixed[name]}`);
    }
    const pdSd = f.fit.population.sigma['pdAdditive']!;
    assert.ok(Math.abs(pdSd - truth.sigma.pdAdditive) <= 3 * f.fit.se.sigma['pdAdditive']!, `PD residual sd ${pdSd} vs truth ${truth.sigma.pdAdditive}`);
  });
});
