/**
 * Parameter-uncertainty draws of a probability-like fixed effect near its limit (uncertainty.ts): IMAX
 * estimated at 0.9947 with a logit-scale se of ~20 (a sparse trial whose maximal inhibition the data
 * barely place) draws logits beyond 37, where expit rounds to exactly 1 in double and the card's packed
 * logit(1) was infinite: 12 of 200 draws "not finite" made such a fit degenerate. Draws are held at
 * |logit| <= LOGIT_LIMIT, so every packed row is finite and IMAX stays inside (0, 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOGIT_LIMIT, uncertaintyDraws, type EstimateWithCovariance } from '../../models/estimate/uncertainty.js';
import { structureById } from '../../models/structures/structure.js';

test('IMAX draws with a huge logit-scale se stay finite when packed', () => {
  const s = structureById('1cmt-oral-imax');
  const fixed = Object.fromEntries(s.fixedEffects.map((f) => [f.name, f.name === 'IMAX' ? 0.9947 : 1]));
  const K = s.etaNames.length;
  const imaxAt = s.fixedEffects.findIndex((f) => f.name === 'IMAX');
  const logit = Math.log(0.9947 / 0.0053);
  const fit = {
    structure: s.id,
    population: { fixed, omega: Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 0.1 : 0))), sigma: { pkAdditive: 0.1, pkProportional: 0.1, pdAdditive: 0.5 } },
    covariance: { parameters: [{ group: 'theta', index: [imaxAt], value: logit, name: 'IMAX' }], matrix: [[400]] },
    omegaStructure: 'diagonal',
  } as unknown as EstimateWithCovariance;
  const rows = uncertaintyDraws(fit, 200, 7);
  const imax = rows.map((r) => r[imaxAt] ?? NaN);
  assert.ok(rows.every((r) => r.every(Number.isFinite)), 'every packed entry finite');
  // the limit is reached (the se puts ~3 % of draws past 37): the test exercises the hold, not only the bulk
  assert.ok(imax.some((x) => Math.abs(x) >= LOGIT_LIMIT - 0.01), `max |logit| ${Math.max(...imax.map(Math.abs))}`);
  // (the packed logit of expit(30) carries the rounding of 1 - p ~ 9e-14: ~1e-3, hence the 0.01)
  assert.ok(imax.every((x) => Math.abs(x) <= LOGIT_LIMIT + 0.01));
});
