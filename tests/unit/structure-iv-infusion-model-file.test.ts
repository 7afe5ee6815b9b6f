// The model file of an infused IV fit (issue 18 §1, "IV bolus and IV infusion"; models/import/README.md):
// `dosing: { DUR: hours }` says every IV dose of the fitted trial was a zero-order infusion of DUR hours, and
// `qusop model import` writes cards that sweep that infusion (regimen.infusion_h), the very cards the fit
// writes. A bolus (or oral) fit's file has no `dosing` and keeps its bytes; a bad DUR is refused with the
// file, line and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { modelFileText } from '../../models/import/write-model-file.js';
import { parseModelFile } from '../../models/import/model-file.js';
import { importModel } from '../../models/import/import-model.js';
import { exportPopulationModel } from '../../models/export/population-model.js';
import { uncertaintyDraws, type EstimateWithCovariance } from '../../models/estimate/uncertainty.js';
import { toTransformed, type PopulationParameters } from '../../models/structures/parameters.js';
import { structureById } from '../../models/structures/structure.js';
import { sweepsInfusion } from '../../models/export/infusion-regimen.js';
import { ROOT, runCli } from '../kit/cli.js';

const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.6, V2: 30, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.15, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3, KE0: 0.3, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0.3, V3: 20, MTT: 0, VMAX: 2, KM: 1 };
// (a structure without a parameter holds its neutral value: fitOf)

/** A fit of the structure as the estimator returns it: estimates, a diagonal Omega, and a (diagonal) covariance of every estimate. */
function fitOf(id: string): EstimateWithCovariance {
  const s = structureById(id);
  const fixed = Object.fromEntries(Object.entries(FIXED).map(([k, v]) => [k, s.absent[k as keyof typeof FIXED] ?? v])) as PopulationParameters['fixed'];
  const omega = s.etaNames.map((_, i) => s.etaNames.map((__, j) => (i === j ? 0.04 + 0.01 * i : 0)));
  const parameters = [
    ...s.fixedEffects.map((f, i) => ({ name: f.name, group: 'theta' as const, index: [i], value: toTransformed(f.name, fixed[f.name]) })),
    ...s.etaNames.map((e, i) => ({ name: `omega2_${e}`, group: 'omega' as const, index: [i, i], value: omega[i]?.[i] ?? NaN })),
    { name: 'sigma_pk_proportional', group: 'sigma' as const, index: [1], value: 0.1 },
  ];
  const matrix = parameters.map((_, i) => parameters.map((__, j) => (i === j ? 0.002 * (1 + i / 10) : 0)));
  return { structure: id, population: { fixed, omega, sigma: { pkAdditive: 0.01, pkProportional: 0.1, pdAdditive: s.pd ? 0.5 : 0 } }, covariance: { parameters, matrix }, omegaStructure: 'diagonal' };
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const OPTIONS = { draws: 12, seed: 99, source: { tool: 'qusop fit' } };

async function inTemp<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-infusion-model-'));
  try { return await body(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

type Card = { regimen: { infusion_h?: number }; time_grid_h: number[]; sha256: string; inputs: { theta: { draws: number[][] } } };
const cardsIn = async (dir: string): Promise<Card[]> => Promise.all(['qd', 'qw'].map(async (t) => JSON.parse(await readFile(join(dir, `${t}.model.json`), 'utf8')) as Card));

for (const id of ['2cmt-iv-idr', '1cmt-iv', '1cmt-iv-ke0-imax', '3cmt-iv', '1cmt-iv-mm']) {
  test(`${id}: an infused fit's model file says DUR, and importing it writes the fit's own infusion cards (same graph bytes, draws, grid)`, async () => {
    const est = fitOf(id);
    const text = modelFileText(est, { ...OPTIONS, infusionH: 4 }) ?? '';
    assert.deepEqual((parse(text) as { dosing?: unknown }).dosing, { DUR: 4 });
    await inTemp(async (dir) => {
      const path = join(dir, 'model.yaml');
      await writeFile(path, text);
      const imported = await importModel(path, join(dir, 'imported'));
      assert.equal(imported.model.infusionH, 4);
      // the cards a fit of this trial writes: the same draws, the trial's infusion (export/population-model.ts)
      await exportPopulationModel(est.population, uncertaintyDraws(est, OPTIONS.draws, OPTIONS.seed), join(dir, 'fitted'), {}, {}, structureById(id), 4);
      const [got, want] = [await cardsIn(join(dir, 'imported')), await cardsIn(join(dir, 'fitted'))];
      got.forEach((card, i) => {
        const fitted = want[i]!;
        assert.equal(card.regimen.infusion_h, fitted.regimen.infusion_h, `${id}: infusion_h`);
        assert.deepEqual(card.time_grid_h, fitted.time_grid_h);
        assert.equal(card.sha256, fitted.sha256, `${id}: the same graph`);
        assert.deepEqual(card.inputs.theta.draws, fitted.inputs.theta.draws);
      });
      // every IV structure sweeps infusions (infusion-regimen.ts): the cards carry it, and the import says so
      assert.equal(sweepsInfusion(structureById(id)), true);
      for (const card of got) assert.equal(card.regimen.infusion_h, 4, `${id}: the regimen swept`);
      assert.equal(imported.regimenNote, 'regimens swept: 4 h IV infusions (dosing.DUR)');
    });
  });
}

test('the same fit without an infusion: no dosing field, the cards sweep boluses', async () => {
  const est = fitOf('2cmt-iv-idr');
  const text = modelFileText(est, OPTIONS) ?? '';
  assert.equal('dosing' in (parse(text) as object), false);
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'model.yaml'), text);
    const imported = await importModel(join(dir, 'model.yaml'), join(dir, 'cards'));
    assert.equal(imported.regimenNote, undefined);
    for (const card of await cardsIn(join(dir, 'cards'))) assert.equal(card.regimen.infusion_h, undefined);
  });
});

test("bolus and oral fits' model files keep their bytes (sha256 of the files written before dosing.DUR existed)", async () => {
  const shipped = JSON.parse(await readFile(join(ROOT, 'models', 'estdata', 'fit.json'), 'utf8')) as { fit: EstimateWithCovariance };
  const oral: EstimateWithCovariance = { population: shipped.fit.population, covariance: shipped.fit.covariance, omegaStructure: shipped.fit.omegaStructure };
  assert.equal(sha(modelFileText(oral, { draws: 200, seed: 20251121, source: { tool: 'qusop fit' } }) ?? ''), SHIPPED_SHA256);
  assert.equal(sha(modelFileText(fitOf('2cmt-iv-idr'), OPTIONS) ?? ''), IV_BOLUS_SHA256);
});

// written by the code of commit 33dc6fe (before this change) from the same fits
const SHIPPED_SHA256 = 'fe4528b1c8b3ea84800cfbfe460dc00524fc71cc22aa58a999d983115ead470b';
const IV_BOLUS_SHA256 = 'c4bead5624f7bd22c22614808e6bb023db386b7aeb7daa62e0beee73ef542d79';

const withDosing = (dosing: string, id = '2cmt-iv-idr'): string => {
  const text = modelFileText(fitOf(id), OPTIONS) ?? '';
  return text.replace(/^omega:/m, `${dosing}\nomega:`);
};

for (const [name, body, message] of [
  ['a negative duration', withDosing('dosing: { DUR: -2 }'), /^m\.yaml:\d+: dosing\.DUR: expected the infusion duration in hours, a number > 0$/],
  ['a zero duration', withDosing('dosing: { DUR: 0 }'), /^m\.yaml:\d+: dosing\.DUR: expected the infusion duration in hours, a number > 0$/],
  ['a duration that is not a number', withDosing('dosing: { DUR: four }'), /^m\.yaml:\d+: dosing\.DUR: expected the infusion duration in hours, a number > 0$/],
  ['an infinite duration', withDosing('dosing: { DUR: .inf }'), /^m\.yaml:\d+: dosing\.DUR: expected the infusion duration in hours, a number > 0$/],
  ['an unknown dosing field', withDosing('dosing: { DUR: 2, RATE: 5 }'), /^m\.yaml:\d+: dosing: unknown field "RATE"$/],
  ['a duration on an oral structure', withDosing('dosing: { DUR: 2 }', '2cmt-oral-idr'), /^m\.yaml:\d+: dosing\.DUR: structure two-compartment-oral-indirect-response is not IV: expected no infusion duration/],
] as const) {
  test(`refused, located: ${name}`, () => {
    assert.throws(() => parseModelFile(body, 'm.yaml'), (e: Error) => e.name === 'InputError' && message.test(e.message));
  });
}

test('qusop model import: a bad DUR exits non-zero naming the file, line and field; a good one prints the regimen', { timeout: 120_000 }, async () => {
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'bad.yaml'), withDosing('dosing: { DUR: -2 }'));
    const bad = await runCli(['model', 'import', join(dir, 'bad.yaml'), '--out', join(dir, 'bad')]);
    assert.equal(bad.code, 2, 'a bad input exits 2 (as the bad-input corpus)');
    const line = withDosing('dosing: { DUR: -2 }').split('\n').findIndex((l) => l.startsWith('dosing:')) + 1;
    assert.match(bad.stderr, new RegExp(`bad\\.yaml:${line}: dosing\\.DUR: expected the infusion duration in hours, a number > 0`));
    await writeFile(join(dir, 'good.yaml'), modelFileText(fitOf('2cmt-iv-idr'), { ...OPTIONS, infusionH: 2.5 }) ?? '');
    const good = await runCli(['model', 'import', join(dir, 'good.yaml'), '--out', join(dir, 'good')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /regimens swept: 2\.5 h IV infusions \(dosing\.DUR\)/);
    for (const card of await cardsIn(join(dir, 'good'))) assert.equal(card.regimen.infusion_h, 2.5);
  });
});
