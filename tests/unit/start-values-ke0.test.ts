/**
 * Start values of the effect-compartment structures on sparse trials (start-values-ke0.ts): 2 PK and 2 PD
 * samples per subject at scattered times over three weeks of daily doses, plus a pre-dose PD sample, so no
 * subject shows both the onset and the last interval's steady state and the onset's KE0 start falls back
 * to the PK's terminal rate.
 *
 * Noise-free data of the typical subject (no IIV: the naive-pooled model is the truth, its least squares
 * 0 at the truth): the start must recover KE0, IC50, the maximal effect and GAMMA within 5 %, which only
 * the right basin gives. With IIV and residual noise (the simulator, fixed seed): the refinement is a
 * least-squares fit, so its minimum can be no worse than the truth's typical values, which are one point
 * of its space; the start's naive-pooled sum of squares must be at most the truth's (1 % slack for the
 * refinement's iteration limit).
 *
 * Before the KE0 grid (measured on these trials): oral Imax, KE0 0.02, noise-free: start KE0 0.421,
 * IC50 54.6, IMAX 0.671, GAMMA 0.0183; with IIV, oral Imax KE0 0.1: sum of squares 433.8 vs 171.2 at the
 * truth; IV Emax KE0 0.05: 409.2 vs 127.4. (IV Emax noise-free was recovered before too.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startValues } from '../../models/estimate/start-values.js';
import { ke0Starts, pdTimeScale } from '../../models/estimate/start-values-ke0.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import type { FixedEffectName, FixedEffects } from '../../models/structures/parameters.js';
import { structureById, type StructureId } from '../../models/structures/structure.js';
import { END_H, pooledPdSse, ratio, sparseDesign, truthOf } from '../kit/sparse-pkpd-design.js';

const PK_ORAL = { CL: 0.08, V1: 12, KA: 0.7 };
const PK_IV = { CL: 0.1, V1: 15 };
const ORAL_IMAX = { ...PK_ORAL, R0: 10, BETA_COMED_R0: -0.2, IMAX: 0.8, IC50: 1.2, GAMMA: 1.5 };
const IV_EMAX = { ...PK_IV, R0: 5, BETA_COMED_R0: 0.1, SMAX: 1.5, IC50: 1, GAMMA: 1.2, KE0: 0.05 };
const NOISE_FREE: readonly { id: StructureId; iv: boolean; values: Partial<FixedEffects>; max: FixedEffectName }[] = [
  { id: '1cmt-oral-ke0-imax', iv: false, values: { ...ORAL_IMAX, KE0: 0.02 }, max: 'IMAX' },
  { id: '1cmt-iv-ke0-emax', iv: true, values: IV_EMAX, max: 'SMAX' },
];
const NOISY: readonly { id: StructureId; iv: boolean; values: Partial<FixedEffects> }[] = [
  { id: '1cmt-oral-ke0-imax', iv: false, values: { ...ORAL_IMAX, KE0: 0.1 } },
  { id: '1cmt-iv-ke0-emax', iv: true, values: IV_EMAX },
];

for (const c of NOISE_FREE) {
  test(`${c.id}, KE0 ${c.values.KE0} /h, sparse, noise-free typical subjects: start KE0, IC50, ${c.max}, GAMMA within 5 %`, (t) => {
    const s = structureById(c.id);
    const truth = truthOf(s, c.values, 1e-12, { pkProportional: 0, pkAdditive: 0, pdAdditive: 0 });
    const trial = simulateTrial(sparseDesign(c.iv, 3), truth, 1, 0, s).trial;
    const { fixed } = startValues(trial, s).population;
    const what = (['KE0', 'IC50', c.max, 'GAMMA'] as const).map((k) => `${k} ${fixed[k].toPrecision(3)} (true ${truth.fixed[k]})`).join(', ');
    t.diagnostic(what);
    for (const k of ['KE0', 'IC50', c.max, 'GAMMA'] as const) assert.ok(ratio(fixed[k], truth.fixed[k]) <= 1.05, what);
  });
}

for (const c of NOISY) {
  test(`${c.id}, KE0 ${c.values.KE0} /h, sparse, IIV and noise: the start's pooled PD sum of squares at most the truth's`, (t) => {
    const s = structureById(c.id);
    const truth = truthOf(s, c.values, 0.04, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.3 });
    const trial = simulateTrial(sparseDesign(c.iv, 5), truth, 2, 0, s).trial;
    const { fixed } = startValues(trial, s).population;
    const [start, atTruth] = [pooledPdSse(trial, s, fixed), pooledPdSse(trial, s, truth.fixed)];
    t.diagnostic(`SSE start ${start.toFixed(1)}, at the truth's typical values ${atTruth.toFixed(1)}; KE0 ${fixed.KE0.toPrecision(3)} (true ${truth.fixed.KE0})`);
    assert.ok(start <= 1.01 * atTruth, `start SSE ${start} vs truth ${atTruth}`);
  });
}

test('ke0Starts: half-lives from the shortest dose-to-PD delay to the longest span after the first dose, at most a factor 2 apart', () => {
  const trial = sparseDesign(false, 3);
  const scale = pdTimeScale(trial);
  assert.ok(scale !== null && scale.shortestH > 0 && scale.shortestH < 24 && scale.longestH <= END_H);
  const halfLives = ke0Starts(trial).map((k) => Math.LN2 / k);
  assert.ok(Math.abs(halfLives[0]! / scale.shortestH - 1) < 1e-9 && Math.abs(halfLives[halfLives.length - 1]! / scale.longestH - 1) < 1e-9);
  for (let i = 1; i < halfLives.length; i += 1) assert.ok(halfLives[i]! / halfLives[i - 1]! <= 2 + 1e-9 || halfLives.length === 12);
  // no PD after a dose: no starts
  assert.deepEqual(ke0Starts({ ...trial, subjects: trial.subjects.map((x) => ({ ...x, pd: x.pd.filter((o) => o.timeH <= 0) })) }), []);
});
