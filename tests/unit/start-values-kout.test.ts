/**
 * Start values of the indirect-response structures on sparse trials (start-values-kout.ts): the design of
 * tests/kit/sparse-pkpd-design.ts (2 PK and 2 PD samples per subject over three weeks of daily doses, plus a
 * pre-dose PD sample), where no subject shows both the onset and the last interval's steady state, so the
 * onset's KOUT start falls back to the PK's terminal rate.
 *
 * Noise-free data of the typical subject (no IIV: the naive-pooled model is the truth, its least squares
 * 0 at the truth): the start must recover KOUT, IC50, the maximal effect and GAMMA within 5 %, which only
 * the right basin gives. With IIV and residual noise (the simulator, fixed seed): the refinement is a
 * least-squares fit, so its minimum can be no worse than the truth's typical values, one point of its
 * space; the start's naive-pooled sum of squares must be at most the truth's (1 % slack for the
 * refinement's iteration limit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startValues } from '../../models/estimate/start-values.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import type { FixedEffectName, FixedEffects } from '../../models/structures/parameters.js';
import { structureById, type StructureId } from '../../models/structures/structure.js';
import { pooledPdSse, ratio, sparseDesign, truthOf } from '../kit/sparse-pkpd-design.js';

const PK_ORAL = { CL: 0.08, V1: 12, KA: 0.7 };
const PK_IV = { CL: 0.1, V1: 15 };
const PD = { R0: 10, BETA_COMED_R0: -0.2, IC50: 1.2, GAMMA: 1.5 };
const CASES: readonly { id: StructureId; iv: boolean; values: Partial<FixedEffects>; max: FixedEffectName }[] = [
  { id: '1cmt-oral-idr', iv: false, values: { ...PK_ORAL, ...PD, KOUT: 0.03, IMAX: 0.8 }, max: 'IMAX' },
  { id: '1cmt-iv-idr3', iv: true, values: { ...PK_IV, ...PD, KOUT: 0.05, SMAX: 1.5 }, max: 'SMAX' },
  { id: '1cmt-oral-idr4', iv: false, values: { ...PK_ORAL, ...PD, KOUT: 0.03, SMAX: 1.5 }, max: 'SMAX' },
];

for (const c of CASES) {
  test(`${c.id}, KOUT ${c.values.KOUT} /h, sparse, noise-free typical subjects: start KOUT, IC50, ${c.max}, GAMMA within 5 %`, (t) => {
    const s = structureById(c.id);
    const truth = truthOf(s, c.values, 1e-12, { pkProportional: 0, pkAdditive: 0, pdAdditive: 0 });
    const trial = simulateTrial(sparseDesign(c.iv, 3), truth, 1, 0, s).trial;
    const { fixed } = startValues(trial, s).population;
    const what = (['KOUT', 'IC50', c.max, 'GAMMA'] as const).map((k) => `${k} ${fixed[k].toPrecision(3)} (true ${truth.fixed[k]})`).join(', ');
    t.diagnostic(what);
    for (const k of ['KOUT', 'IC50', c.max, 'GAMMA'] as const) assert.ok(ratio(fixed[k], truth.fixed[k]) <= 1.05, what);
  });
  test(`${c.id}, KOUT ${c.values.KOUT} /h, sparse, IIV and noise: the start's pooled PD sum of squares at most the truth's`, (t) => {
    const s = structureById(c.id);
    const truth = truthOf(s, c.values, 0.04, { pkProportional: 0.12, pkAdditive: 0.002, pdAdditive: 0.3 });
    const trial = simulateTrial(sparseDesign(c.iv, 5), truth, 2, 0, s).trial;
    const { fixed } = startValues(trial, s).population;
    const [start, atTruth] = [pooledPdSse(trial, s, fixed), pooledPdSse(trial, s, truth.fixed)];
    t.diagnostic(`SSE start ${start.toFixed(1)}, at the truth's typical values ${atTruth.toFixed(1)}; KOUT ${fixed.KOUT.toPrecision(3)} (true ${truth.fixed.KOUT})`);
    assert.ok(start <= 1.01 * atTruth, `start SSE ${start} vs truth ${atTruth}`);
  });
}

test('with no treated subject sampled over a dosing interval the PD note names the IC50 start it used, never NaN', () => {
  const trial = sparseDesign(false, 1);
  const { notes } = startValues(trial, structureById('1cmt-oral-idr4'));
  const pd = notes.find((n) => n.startsWith('PD: baseline')) ?? '';
  assert.doesNotMatch(pd, /NaN/);
  assert.match(pd, /IC50 1\.00 \(none read from the data\)/);
});
