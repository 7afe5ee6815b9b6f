// A fixed effect at a bound that is a model of its own (models/estimate/nested-limits.ts): IMAX -> 1,
// complete inhibition, is held there (not degenerate, one parameter fewer in BIC); every other bound
// (IMAX -> 0, a lag -> 0, a bound without a nested model) stays degenerate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { splitAtBound } from '../../models/estimate/nested-limits.js';
import { THETA_BOUNDS } from '../../models/estimate/popmodel-problem.js';
import { parameterCount } from '../../models/estimate/selection.js';
import { fitDegeneracies } from '../../models/estimate/degeneracy.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { VpcResult } from '../../models/estimate/vpc.js';
import { FIXED_EFFECTS, type FixedEffectName } from '../../models/structures/parameters.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import { fitPopulationModel } from '../../models/estimate/fit.js';
import { structureById } from '../../models/structures/structure.js';
import { readTrial } from '../../models/ingest/trial.js';
import { NO_SPEC } from '../../models/ingest/data-spec.js';
import { ROOT } from '../kit/cli.js';

const boundOf = (name: FixedEffectName) => THETA_BOUNDS.find((b) => b.name === name);

test('IMAX at its upper bound is held (complete inhibition); at its lower bound, and ALAG or GAMMA at theirs, it is degenerate', () => {
  const values: Partial<Record<FixedEffectName, number>> = { IMAX: 1 - 1e-4, ALAG: 1e-3, GAMMA: 20 };
  const split = splitAtBound(['IMAX', 'ALAG', 'GAMMA'], (n) => values[n] ?? NaN, boundOf);
  assert.deepEqual(split.held.map((h) => [h.name, h.value]), [['IMAX', 1 - 1e-4]]);
  assert.match(split.held[0]?.meaning ?? '', /complete inhibition/);
  assert.deepEqual(split.degenerate, ['ALAG', 'GAMMA']);
  const low = splitAtBound(['IMAX'], () => 1e-4, boundOf);
  assert.deepEqual([low.held, low.degenerate], [[], ['IMAX']]);
  // a bound the table does not know (D1's depends on the trial): degenerate
  assert.deepEqual(splitAtBound(['D1'], () => 1, () => undefined).degenerate, ['D1']);
});

/** The fields parameterCount and fitDegeneracies read. */
function fitOf(structure: string, held: boolean): FitResult {
  const s = structureById(structure as never);
  const fixed = Object.fromEntries(s.fixedEffects.map((f) => [f.name, f.name === 'IMAX' ? 1 - 1e-4 : 1])) as Record<FixedEffectName, number>;
  return {
    structure, omegaStructure: 'diagonal', table: [],
    population: { fixed: { ...fixed, CL: 0.05, V1: 10, KA: 1, KOUT: 0.05 }, omega: [], sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 } },
    objective: { minus2LL: 100, mcStandardError: 0, method: 'importance-sampling', samples: 0 },
    converged: true,
    convergence: { stationary: true, informationPositiveDefinite: true, atBound: held ? [] : ['IMAX'], informationMinEigenvalue: 1, objectiveFinite: true, negligibleVariances: [] },
    ...(held ? { heldAtLimit: [{ name: 'IMAX', value: 1 - 1e-4, meaning: 'complete inhibition' }] } : {}),
  } as unknown as FitResult;
}

test('a fit holding IMAX at 1 counts one parameter fewer and is not degenerate for it', async () => {
  const trial = await readTrial(join(ROOT, 'data', 'EstData.csv'), NO_SPEC);
  const s = structureById('1cmt-oral-idr');
  const estimated = parameterCount(trial, fitOf('1cmt-oral-idr', false), s);
  const held = parameterCount(trial, fitOf('1cmt-oral-idr', true), s);
  assert.equal(held.parameters, estimated.parameters - 1);
  assert.equal(held.observations, estimated.observations);
  const vpc: VpcResult = { replicates: 0, bins: [], coverage: { pk: 1, pd: 1 } };
  assert.ok(fitDegeneracies(fitOf('1cmt-oral-idr', false), vpc).some((p) => p.kind === 'at-bound' && p.parameter === 'IMAX'));
  assert.ok(!fitDegeneracies(fitOf('1cmt-oral-idr', true), vpc).some((p) => p.kind === 'at-bound'));
});

test('a trial of a drug with complete inhibition (true IMAX = 1): the fit holds IMAX at 1, is not degenerate for it, and recovers IC50', { timeout: 300_000 }, async () => {
  const structure = structureById('1cmt-oral-imax');
  const design = await readTrial(join(ROOT, 'data', 'EstData.csv'), NO_SPEC);
  const fixed = { ...(Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, f.neutral])) as Record<FixedEffectName, number>), CL: 0.05, V1: 9, KA: 1, R0: 10, BETA_COMED_R0: -0.25, IMAX: 1, IC50: 1.5, GAMMA: 1.2 };
  const variances: Partial<Record<string, number>> = { CL: 0.09, V1: 0.04, KA: 0.09, R0: 0.04, IC50: 0.09 };
  const omega = structure.etaNames.map((a, i) => structure.etaNames.map((_, j) => (i === j ? (variances[a] ?? 0.04) : 0)));
  const truth = { fixed, omega, sigma: { pkProportional: 0.1, pkAdditive: 0.002, pdAdditive: 0.5 } };
  const trial = simulateTrial(design, truth, 4242, 0, structure).trial;
  const fit = await fitPopulationModel(trial, { seed: 1, structure });
  assert.equal(fit.converged, true, fit.notes.join('; '));
  assert.deepEqual(fit.heldAtLimit?.map((h) => h.name), ['IMAX']);
  assert.ok(!fit.convergence.atBound.includes('IMAX'));
  assert.ok(!fit.table.some((r) => r.key === 'IMAX'), 'IMAX is not an estimated parameter');
  assert.ok(fit.notes.some((n) => /IMAX at its limit 0\.9999: complete inhibition/.test(n)), fit.notes.join('; '));
  // IC50 (log scale) inside its 95 % Wald interval
  const row = fit.table.find((r) => r.key === 'IC50');
  assert.ok(row !== undefined);
  const seLog = row.se / row.estimate;
  assert.ok(Math.abs(Math.log(row.estimate / 1.5)) < 1.96 * seLog, `IC50 ${row.estimate} (se ${row.se}) vs truth 1.5`);
});
