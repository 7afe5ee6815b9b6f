/**
 * `qusop fit --uncertainty hmc` (issue 20 §2) on a small PK-only trial of known design: 12 subjects of the
 * test kit's one-compartment oral trial (seed 1), concentrations only, fitted with 1cmt-oral. SAEM runs
 * once (a candidate store); then:
 * - a deliberately useless posterior run (no warm-up, trees of depth 1: two leapfrog steps per draw, 10
 *   draws per chain from starts jittered by U(-0.3, 0.3) on the log scale, where CL's posterior sd is
 *   ~0.12) cannot mix: R-hat > 1.05 is flagged in fit.json and fit-report.md and nothing is exported;
 * - the same with --force is exported, its cards naming the posterior problem (`diagnostics.degenerate`,
 *   which `qusop answer` turns into a caveat on every answer) and carrying the posterior draws: row 0 the
 *   SAEM estimate (the Fisher cards' row 0), rows 1.. other than the Fisher draws, provenance
 *   `uncertainty.source: hmc` with the diagnostics, no model.yaml (that format would regenerate Fisher draws);
 *   the report has R-hat, ESS, divergences and the trace plot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { writeOneCompartmentTrial } from '../kit/one-compartment-trial.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** The kit trial's first 12 dosed subjects, concentration rows only. */
async function smallPkTrial(dir: string): Promise<string> {
  const [head, ...rows] = (await readFile(await writeOneCompartmentTrial(join(dir, 'full.csv'), 1), 'utf8')).trimEnd().split('\n');
  const h = head!.split(',');
  const [ID, DVID] = [h.indexOf('ID'), h.indexOf('DVID')];
  const ids = [...new Set(rows.filter((r) => r.split(',')[DVID] === '1').map((r) => r.split(',')[ID]))].slice(0, 12);
  const keep = rows.filter((r) => { const c = r.split(','); return c[DVID] !== '2' && ids.includes(c[ID]!); });
  const path = join(dir, 'pk12.csv');
  await writeFile(path, [head, ...keep].join('\n') + '\n');
  return path;
}

interface Card { readonly inputs: { readonly theta: { readonly draws: number[][] } }; readonly provenance: { readonly uncertainty: Record<string, unknown> }; readonly diagnostics: Record<string, unknown> }

test('fit --uncertainty hmc: a flagged posterior is not exported without --force; forced cards carry the posterior draws and name the problem', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await smallPkTrial(dir);
    const common = ['--structure', '1cmt-oral', '--draws', '12', '--vpc-replicates', '20', '--candidate-store', join(dir, 'store')];
    const fisher = await runCli(['fit', trial, '--out', join(dir, 'fisher'), ...common], { timeoutMs: 240_000 });
    assert.equal(fisher.code, 0, fisher.stderr);
    const useless = ['--uncertainty', 'hmc', '--hmc-chains', '2', '--hmc-warmup', '0', '--hmc-samples', '10', '--hmc-max-depth', '1'];

    const flagged = await runCli(['fit', trial, '--out', join(dir, 'flagged'), ...common, ...useless], { timeoutMs: 60_000 });
    assert.equal(flagged.code, 1, flagged.stderr);
    assert.match(flagged.stderr, /posterior by HMC: R-hat \d+\.\d+ > 1\.05 \([^)]*CL[^)]*\): the chains have not mixed/);
    assert.match(flagged.stderr, /not exported \(no cards/);
    assert.equal(await exists(join(dir, 'flagged', 'qd.model.json')), false);
    const record = JSON.parse(await readFile(join(dir, 'flagged', 'fit.json'), 'utf8')) as { provenance: { uncertainty: { source: string; diagnostics: { max_rhat: number; flagged: boolean } } }; degenerate: { kind: string }[] };
    assert.equal(record.provenance.uncertainty.source, 'hmc');
    assert.ok(record.provenance.uncertainty.diagnostics.max_rhat > 1.05 && record.provenance.uncertainty.diagnostics.flagged);
    assert.ok(record.degenerate.some((p) => p.kind === 'posterior'));
    const report = await readFile(join(dir, 'flagged', 'fit-report.md'), 'utf8');
    for (const re of [/## Parameter uncertainty: posterior by NUTS/, /Max R-hat \d/, /min bulk ESS \d/, /min tail ESS \d/, /divergences \d+ of 20/, /\*\*Posterior flagged\*\*/, /\| CL \| [\d.]+ \|/, /diagnostics\/hmc-trace\.png/]) assert.match(report, re);
    assert.ok(await exists(join(dir, 'flagged', 'diagnostics', 'hmc-trace.png')));

    const forced = await runCli(['fit', trial, '--out', join(dir, 'forced'), ...common, ...useless, '--force'], { timeoutMs: 60_000 });
    assert.equal(forced.code, 1, forced.stderr);
    const card = JSON.parse(await readFile(join(dir, 'forced', 'qd.model.json'), 'utf8')) as Card;
    const fisherCard = JSON.parse(await readFile(join(dir, 'fisher', 'qd.model.json'), 'utf8')) as Card;
    assert.equal(card.provenance.uncertainty['source'], 'hmc');
    assert.equal(fisherCard.provenance.uncertainty['source'], undefined, 'a Fisher card keeps its provenance');
    assert.ok(JSON.stringify(card.diagnostics['degenerate']).includes('posterior by HMC: R-hat'));
    const draws = card.inputs.theta.draws;
    assert.equal(draws.length, 12);
    assert.deepEqual(draws[0], fisherCard.inputs.theta.draws[0], 'row 0: the SAEM estimate');
    for (let r = 1; r < draws.length; r += 1) {
      assert.ok(draws[r]!.every(Number.isFinite));
      assert.notDeepEqual(draws[r], fisherCard.inputs.theta.draws[r], `row ${r}: a posterior draw, not the Fisher one`);
    }
    assert.ok(new Set(draws.slice(1).map((d) => d[0])).size > 1, 'posterior draws vary');
    // model.yaml regenerates draws from the covariance of the estimates: not written for posterior draws
    assert.equal(await exists(join(dir, 'forced', 'model.yaml')), false);
  });
});
