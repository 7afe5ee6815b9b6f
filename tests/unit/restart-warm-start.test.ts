// After SAEM restarts (analysis/fit/candidate-fit.ts): a converged restart far above a non-converged
// run (> WARM_START_MARGIN in -2LL) calls for SAEM from that run's estimate, and the warm-started fit
// replaces the converged one only when it converges lower with no parameter-level degeneracy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WARM_START_MARGIN, warmFitWins, warmStartFrom } from '../../analysis/fit/candidate-fit.js';
import type { FitResult } from '../../models/estimate/fit.js';

/** The fields the rule reads: -2LL, convergence, seed and (for the degeneracy screen) a sound 1cmt-oral estimate. */
function fit(minus2LL: number, converged: boolean, seed: number, fixed: Record<string, number> = { CL: 3, V1: 30, KA: 1.5 }): FitResult {
  return {
    structure: '1cmt-oral', seed, converged,
    objective: { minus2LL, mcStandardError: 0.3, method: 'importance-sampling', samples: 500 },
    population: { fixed: { Q: 0, V2: 1, KOUT: 0.1, ...fixed }, omega: [], sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 } },
    convergence: { stationary: converged, informationPositiveDefinite: true, atBound: [], informationMinEigenvalue: 1, objectiveFinite: true, negligibleVariances: [] },
  } as unknown as FitResult;
}

test('a warm start is tried only from a non-converged run more than the margin below the converged fit, the lowest of them', () => {
  const converged = fit(2137.4, true, 2);
  assert.equal(warmStartFrom(converged, [fit(1989.8, false, 1)])?.seed, 1);
  assert.equal(warmStartFrom(converged, [fit(2137.4 - WARM_START_MARGIN + 0.1, false, 1)]), undefined, 'within the margin: no warm start');
  assert.equal(warmStartFrom(converged, [fit(2200, false, 1)]), undefined, 'above: no warm start');
  assert.equal(warmStartFrom(converged, [fit(Number.NaN, false, 1), fit(-Infinity, false, 3)]), undefined, 'non-finite -2LL never counts');
  assert.equal(warmStartFrom(converged, [fit(2100, false, 1), fit(2000, false, 3)])?.seed, 3);
  // the fit-restart e2e's case: the converged restart is the lower one
  assert.equal(warmStartFrom(fit(-3132.6, true, 3), [fit(-3011.7, false, 1)]), undefined);
});

test('the warm-started fit wins only when converged, lower and not degenerate', () => {
  const converged = fit(2137.4, true, 2);
  assert.equal(warmFitWins(fit(1990.1, true, 4), converged), true);
  assert.equal(warmFitWins(fit(1990.1, false, 4), converged), false, 'not converged');
  assert.equal(warmFitWins(fit(2140, true, 4), converged), false, 'not lower');
  assert.equal(warmFitWins(fit(1990.1, true, 4, { CL: 3, V1: 30, KA: 5000 }), converged), false, 'KA 5000 /h: an implausible rate');
});
