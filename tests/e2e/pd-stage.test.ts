/**
 * Staged selection's middle step (issue 18 §2, analysis/fit/pd-stage.ts): the PD candidates fitted to the
 * biomarker alone with every subject's PK held at its individual estimates from the PK fit (IPP), ranked
 * by biomarker BIC; only the best (within 10 BIC units, at most 2) get the simultaneous PK/PD fit.
 *
 * The trial: the test kit's effect-compartment truth (tests/kit/direct-effect-trial.ts, seed 2: one
 * compartment, inhibitory sigmoid Imax through KE0 = 0.05 /h), every third of EstData's 48 subjects (16:
 * placebo and every dose group) so the fits take seconds of CPU. On it (measured, dev VM) the plasma-driven
 * Imax misses the delay: biomarker BIC ~1020 against ~725 for the truth and ~729 for the IDR, ~300 units
 * worse, far beyond any Monte-Carlo error of -2LL (s.e. ~1); the truth and the IDR are 4 units apart, so
 * both go on, and the simultaneous fits choose the truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { writeDirectEffectTrial } from '../kit/direct-effect-trial.js';
import { readTrialForFit } from '../../analysis/fit/fit-trial.js';
import { fitCandidates } from '../../analysis/fit/candidate-pool.js';
import { keptByBic, PD_STAGE_KEEP, PD_STAGE_MARGIN, pdStage } from '../../analysis/fit/pd-stage.js';
import { pkStageStructures } from '../../analysis/fit/pk-stage.js';
import { structureById } from '../../models/structures/structure.js';

const TRUTH = '1cmt-oral-ke0-imax';

/** The kit's trial cut to every third subject (file order), rows unchanged. */
async function smallTrial(dir: string): Promise<string> {
  const full = await writeDirectEffectTrial(join(dir, 'full.csv'), 2);
  const [header, ...rows] = (await readFile(full, 'utf8')).trimEnd().split('\n');
  const ids = [...new Set(rows.map((r) => r.split(',')[0]))];
  const keep = new Set(ids.filter((_, i) => i % 3 === 0));
  const path = join(dir, 'trial.csv');
  await writeFile(path, [header, ...rows.filter((r) => keep.has(r.split(',')[0]))].join('\n') + '\n');
  return path;
}

test('the rule: within the margin of the best finite biomarker BIC, at most PD_STAGE_KEEP, lowest first', () => {
  const row = (structure: string, bic: number, converged = true) => ({ structure, bic, converged }) as Parameters<typeof keptByBic>[0][number];
  assert.deepEqual([...keptByBic([row('a', 100), row('b', 100 + PD_STAGE_MARGIN + 0.1), row('c', 95)])].sort(), ['a', 'c']);
  assert.equal(keptByBic([row('a', 1), row('b', 2), row('c', 3)]).size, PD_STAGE_KEEP);
  assert.deepEqual([...keptByBic([row('a', NaN), row('b', 50, false)])], ['b']);
  assert.deepEqual([...keptByBic([row('a', NaN), row('b', Infinity)])].sort(), ['a', 'b']);
});

test('the PK stage runs for one compartment count too when the PD stage has candidates to choose between', async () => {
  await withTempDir(async (dir) => {
    const { trial } = await readTrialForFit(await smallTrial(dir), undefined);
    const twoCmt = ['2cmt-oral-idr', '2cmt-oral-imax', '2cmt-oral-ke0-imax'].map((id) => structureById(id));
    assert.deepEqual(pkStageStructures(trial, twoCmt)?.map((s) => s.id), ['2cmt-oral']);
    // two candidates of one PK: both are fitted simultaneously, neither stage runs
    assert.equal(pkStageStructures(trial, twoCmt.slice(0, PD_STAGE_KEEP)), undefined);
  });
});

test('PD stage on a small PK/PD trial: a table per candidate, the truth best, the far worse plasma Imax not kept', { timeout: 900_000 }, async () => {
  await withTempDir(async (dir) => {
    const { trial } = await readTrialForFit(await smallTrial(dir), undefined);
    const settings = { seed: 20251121, draws: 10, vpcReplicates: 20 };
    const pk = await fitCandidates(trial, [structureById('1cmt-oral')], settings, 1, () => undefined);
    const candidates = [TRUTH, '1cmt-oral-idr', '1cmt-oral-imax'].map((id) => structureById(id));
    const lines: string[] = [];
    const stage = await pdStage(trial, candidates, pk, settings.seed, 2, (l) => lines.push(l));
    assert.ok(stage !== undefined);
    assert.deepEqual(stage.rows.map((r) => r.structure), candidates.map((s) => s.id));
    for (const r of stage.rows) {
      assert.equal(r.pk, '1cmt-oral');
      assert.ok(Number.isFinite(r.bic), `${r.structure}: finite biomarker BIC`);
      // only the biomarker rows count: 16 subjects' DVID 2 samples, no concentration
      assert.equal(r.observations, trial.subjects.reduce((n, s) => n + s.pd.length, 0));
    }
    const bic = Object.fromEntries(stage.rows.map((r) => [r.structure, r.bic]));
    assert.ok(bic[TRUTH]! < bic['1cmt-oral-imax']! - 10 * PD_STAGE_MARGIN, `plasma Imax far worse on the biomarker: ${JSON.stringify(bic)}`);
    assert.equal(Math.min(...Object.values(bic)), bic[TRUTH], `the truth has the lowest biomarker BIC: ${JSON.stringify(bic)}`);
    assert.deepEqual(stage.kept, [TRUTH, '1cmt-oral-idr']);
    assert.match(stage.summary, /not refitted .*: 1cmt-oral-imax$/);
  });
});

test('qusop fit with the default candidates: PK stage, PD stage, simultaneous refit of the kept ones only; the truth chosen', { timeout: 1_800_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await smallTrial(dir);
    const out = join(dir, 'fit');
    const r = await runCli(['fit', trial, '--out', out, '--draws', '20', '--vpc-replicates', '20', '--parallel', '2'], { timeoutMs: 1_700_000 });
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as { pd_stage: { structure: string; kept: boolean; bic: number }[]; selection: { structure: string; chosen: boolean }[] };
    const kept = record.pd_stage.filter((c) => c.kept).map((c) => c.structure);
    const dropped = record.pd_stage.filter((c) => !c.kept).map((c) => c.structure);
    assert.ok(kept.length >= 1 && kept.length <= PD_STAGE_KEEP, `kept ${kept.join(', ')}`);
    assert.ok(dropped.includes('1cmt-oral-imax'), `plasma Imax not refitted: ${dropped.join(', ')}`);
    // the simultaneous fits are exactly the kept candidates
    assert.deepEqual(record.selection.map((c) => c.structure).sort(), [...kept].sort());
    assert.equal(record.selection.find((c) => c.chosen)?.structure, TRUTH);
    for (const id of dropped) assert.doesNotMatch(r.stderr, new RegExp(`fitting ${id}:`), `${id} was fitted simultaneously`);
    assert.match(r.stderr, /PD stage \(biomarker given the individual PK\): .*not refitted/);
    assert.match(await readFile(join(out, 'fit-report.md'), 'utf8'), /## PD stage \(biomarker given the individual PK\)/);
  });
});
