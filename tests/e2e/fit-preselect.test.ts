/**
 * `qusop fit --preselect transformer` (issue 20 item 1) on a small PK-only trial of known truth (the
 * test kit's one-compartment trial, seed 1, EstData's design, biomarker rows dropped): a tiny selector is
 * retrained for the trial's design (`qusop train selector`, 12 simulated trials, 1 epoch: the rule and
 * the plumbing are under test here, not the accuracy, which bench/selector measures), then the fit
 * shortlists with it. The report and fit.json must name the selector's probabilities and shortlist, only
 * the shortlisted candidates are fitted, SAEM starts from the selector's regressed typical values, and the
 * structure the likelihood chose is one of them. The cards name the selector (`provenance.selector`), so
 * the answer report's model note says the selector shortlisted and the likelihood chose (issue 20).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { writeOneCompartmentTrial } from '../kit/one-compartment-trial.js';
import { dropBiomarkerRows } from '../kit/estdata-design.js';
import { ModelCardSchema } from '../../worker/model/card.js';
import { modelNote } from '../../analysis/answer/model-notes.js';

interface FitJson {
  readonly fit: { readonly structure?: string; readonly start: { readonly fixed: Record<string, number> } };
  readonly selection?: readonly { readonly structure: string; readonly chosen: boolean }[];
  readonly preselect?: { readonly shortlist: string[]; readonly fitted: string[]; readonly probabilities: { structure: string; p: number }[]; readonly likelihood_chose: string | null; readonly typical_values: Record<string, Record<string, number>> };
}

test('fit --preselect transformer: the report names the shortlist, only it is fitted, the chosen structure is in it', { timeout: 180_000 }, async () => {
  await withTempDir(async (dir) => {
    const pk = await dropBiomarkerRows(await writeOneCompartmentTrial(join(dir, 'full.csv'), 1), join(dir, 'pk.csv'));
    const trained = await runCli(['train', 'selector', pk, '--out', join(dir, 'sel'), '--seed', '2', '--trials', '12', '--epochs', '1', '--quiet'], { timeoutMs: 120_000 });
    assert.equal(trained.code, 0, trained.stderr);
    const out = join(dir, 'fit');
    const r = await runCli(['fit', pk, '--preselect', 'transformer', '--selector', join(dir, 'sel'), '--out', out, '--draws', '10', '--vpc-replicates', '20', '--parallel', '1'], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /preselect \(transformer, .*selector\.json\): 1cmt-oral [0-9.]+, 2cmt-oral [0-9.]+, 3cmt-oral [0-9.]+; shortlist /);
    assert.match(r.stdout, /## Preselection \(learned selector\)/);
    const fit = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as FitJson;
    const pre = fit.preselect;
    assert.ok(pre !== undefined, 'fit.json has preselect');
    assert.ok(pre.shortlist.length >= 2 && pre.shortlist.length <= 3);
    assert.deepEqual([...pre.fitted].sort(), [...pre.shortlist].sort(), 'exactly the shortlist is fitted');
    assert.deepEqual(fit.selection?.map((c) => c.structure).sort(), [...pre.shortlist].sort(), 'the selection ranks the shortlist only');
    const chosen = fit.selection?.find((c) => c.chosen)?.structure;
    assert.ok(chosen !== undefined && pre.shortlist.includes(chosen), `chosen ${chosen} in ${pre.shortlist.join(', ')}`);
    assert.equal(pre.likelihood_chose, chosen);
    assert.equal(fit.fit.structure ?? '2cmt-oral-idr', chosen);
    assert.match(r.stdout, new RegExp(`The likelihood \\(BIC\\) then chose: ${chosen}, among the shortlist`));
    // SAEM started from the selector's regressed typical values of the chosen structure
    for (const [k, v] of Object.entries(pre.typical_values[chosen] ?? {})) assert.ok(Math.abs(fit.fit.start.fixed[k]! / v - 1) < 1e-9, `start ${k}: ${fit.fit.start.fixed[k]} vs ${v}`);
    for (const id of pre.shortlist) assert.ok(Object.values(pre.typical_values[id] ?? {}).every((v) => v > 0 && Number.isFinite(v)), `${id}: typical values`);
    const card = ModelCardSchema.parse(JSON.parse(await readFile(join(out, 'qd.model.json'), 'utf8')));
    assert.deepEqual((card.provenance['selector'] as { shortlist: string[] }).shortlist, pre.shortlist);
    const c = { cardPath: join(out, 'qd.model.json'), card };
    const note = modelNote({ label: 'fit', family: card.family, testModel: false, cards: { qd: c, qw: c } }, { file: 'pk.csv', sha256: '', subjects: 0, armsMg: [1] });
    assert.match(note.structure, new RegExp(`^${chosen}: the transformer selector \\(weights sha256 [0-9a-f]{12}\\) shortlisted ${pre.shortlist.join(', ')}; then chosen by the likelihood`));
  });
});
