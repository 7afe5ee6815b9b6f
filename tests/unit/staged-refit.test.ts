/**
 * The simultaneous PK/PD fit checked against the PK and PD stages (analysis/fit/staged-refit.ts): when
 * it is refitted from the stages' estimates, from which start values, and which of the two fits is kept.
 * Hand-built fits (only the fields the rule reads); the whole path on a trial is
 * tests/e2e/real-layout-warfarin.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betterFit, needsStagedRefit, STAGED_REFIT_MARGIN, stagedMinus2LL, stagedStart, type StagedEstimate } from '../../analysis/fit/staged-refit.js';
import type { CandidateFit } from '../../analysis/fit/candidate-fit.js';
import type { PdGivenPkFit } from '../../models/estimate/pd-given-pk.js';
import { structureById } from '../../models/structures/structure.js';

function candidate(id: string, minus2LL: number, converged = true, degenerate = 0, fixed: Record<string, number> = {}): CandidateFit {
  return {
    structure: structureById(id),
    fit: { converged, objective: { minus2LL }, population: { fixed }, notes: [] },
    degenerate: Array.from({ length: degenerate }, () => ({ kind: 'bound' })),
  } as unknown as CandidateFit;
}

const pdRow = (minus2LL: number, pdFixed: Record<string, number>): PdGivenPkFit => ({ structure: '1cmt-oral-idr', pk: '1cmt-oral', minus2LL, pdFixed } as unknown as PdGivenPkFit);

const PK_FIXED = { CL: 0.13, V1: 7.9, KA: 1, Q: 0, V2: 1, R0: 1 };
const PD_FIXED = { R0: 99.9, BETA_COMED_R0: 0, KOUT: 0.047, IMAX: 0.81, IC50: 1.83, GAMMA: 1.13 };
const staged: StagedEstimate = { pk: candidate('1cmt-oral', 685.3, true, 0, PK_FIXED), pd: pdRow(1033.8, PD_FIXED) };

test("the stages' start values: the PK structure's own parameters from its fit, the PD ones from the PD stage", () => {
  // R0 of the PK fit's record is a neutral placeholder (1cmt-oral has no R0): the PD stage's wins
  assert.deepEqual(stagedStart(staged), { CL: 0.13, V1: 7.9, KA: 1, ...PD_FIXED });
  assert.equal(stagedMinus2LL(staged), 685.3 + 1033.8);
});

test('refitted when not converged or more than the margin above the stages; not when at or below', () => {
  const reference = stagedMinus2LL(staged);
  // the warfarin-like trial's data-start fit: -2LL 1993.8 against the stages' 1719.1
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', 1993.8), staged), true);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', reference + STAGED_REFIT_MARGIN + 0.01), staged), true);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', reference + STAGED_REFIT_MARGIN), staged), false);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', reference - 8), staged), false);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', reference - 8, false), staged), true);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', NaN), staged), true, 'a non-finite -2LL is not at the stages');
});

test('no refit without usable stage estimates (a non-finite stage -2LL or start value)', () => {
  const bad = (pd: PdGivenPkFit): StagedEstimate => ({ pk: staged.pk, pd });
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', 5000), bad(pdRow(NaN, PD_FIXED))), false);
  assert.equal(needsStagedRefit(candidate('1cmt-oral-idr', 5000), bad(pdRow(1033.8, { ...PD_FIXED, IC50: NaN }))), false);
});

test('the better fit: eligible (converged, non-degenerate) first, then the lower -2LL; a tie keeps the first', () => {
  const a = candidate('1cmt-oral-idr', 1993.8);
  const b = candidate('1cmt-oral-idr', 1710.9);
  assert.equal(betterFit(a, b), b);
  assert.equal(betterFit(b, a), b);
  assert.equal(betterFit(a, candidate('1cmt-oral-idr', 1700, false)), a, 'a lower -2LL that did not converge loses');
  assert.equal(betterFit(a, candidate('1cmt-oral-idr', 1700, true, 1)), a, 'a lower -2LL that is degenerate loses');
  const c = candidate('1cmt-oral-idr', 1993.8);
  assert.equal(betterFit(a, c), a);
});
