/**
 * Convergence diagnostics of models/estimate/hmc/convergence.ts on fixed chains:
 * - the Gelman–Rubin R-hat of two short chains against its value computed by hand;
 * - split, rank-normalised R-hat: ~1 for chains of one distribution, > 1.05 for chains of different means;
 * - ESS (Geyer's initial monotone sequence) on fixed chains against a separate NumPy implementation of
 *   the `posterior` package's ess_basic (the script's numbers are quoted below), and on AR(1) chains
 *   against the closed form N (1 - phi) / (1 + phi).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicEss, basicRhat, bulkEss, rhat, splitChains, tailEss } from '../../models/estimate/hmc/convergence.js';
import { RandomStream } from '../../models/estimate/rng.js';

test('basic R-hat of [1, 2, 3, 4] and [3, 4, 5, 6] is sqrt(3.25 / (5/3)) by hand', () => {
  // means 2.5 and 4.5, variances 5/3 each: W = 5/3, B = n var(means) = 4 x 2 = 8,
  // var+ = (3/4) W + B / 4 = 1.25 + 2 = 3.25, R-hat = sqrt(var+ / W)
  assert.ok(Math.abs(basicRhat([[1, 2, 3, 4], [3, 4, 5, 6]]) - Math.sqrt(3.25 / (5 / 3))) < 1e-12);
});

test('split chains: halves, the middle draw of an odd chain dropped', () => {
  assert.deepEqual(splitChains([[1, 2, 3, 4, 5]]), [[1, 2], [4, 5]]);
});

test('ESS of fixed chains matches the NumPy implementation of posterior::ess_basic', () => {
  // bench/hmc/ess_reference.py (NumPy, written from posterior's R source): 16.984511878898314 and 7.032786885245904
  const a = [[0.1, 0.5, 0.3, 0.9, 1.2, 0.8, 0.4, 0.6, 1.0, 0.7, 0.2, 0.5], [0.3, 0.2, 0.6, 0.4, 0.9, 1.1, 0.8, 0.5, 0.3, 0.6, 0.7, 0.4]];
  const b = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]];
  assert.ok(Math.abs(basicEss(a) - 16.984511878898314) < 1e-9, String(basicEss(a)));
  assert.ok(Math.abs(basicEss(b) - 7.032786885245904) < 1e-9, String(basicEss(b)));
});

function ar1(seed: number, chains: number, n: number, phi: number, shift: (c: number) => number = () => 0): number[][] {
  return Array.from({ length: chains }, (_, c) => {
    const r = new RandomStream(seed, 99, c);
    let x = r.normal() / Math.sqrt(1 - phi * phi);
    return Array.from({ length: n }, () => { x = phi * x + r.normal(); return x + shift(c); });
  });
}

test('AR(1) chains: bulk ESS near N (1 - phi) / (1 + phi), R-hat ~ 1; shifted chains: R-hat > 1.05', () => {
  const phi = 0.5;
  const chains = ar1(7, 4, 2000, phi);
  const expected = (4 * 2000 * (1 - phi)) / (1 + phi);
  // the ESS estimate of 8000 draws has a relative sd of a few % (Geyer's truncation); 15 % is > 4 of them
  for (const ess of [bulkEss(chains), basicEss(chains)]) assert.ok(Math.abs(ess / expected - 1) < 0.15, `ESS ${ess} vs ${expected}`);
  // tail ESS: the 5 % / 95 % indicators of a Gaussian AR(1) are less autocorrelated than x itself
  // (their lag-k correlation is below phi^k), so their ESS lies between x's and the number of draws
  const tail = tailEss(chains);
  assert.ok(tail > 0.85 * expected && tail < 8000, `tail ESS ${tail}`);
  // R-hat - 1 of mixed chains is O(1/ESS per chain) ~ 1e-3
  assert.ok(rhat(chains) < 1.01, `R-hat ${rhat(chains)}`);
  // chains shifted by 0, 0.5, 1, 1.5: R-hat ~ sqrt(1 + var(shifts) / var(x)) = sqrt(1 + 0.417 / 1.333) ~ 1.15
  const apart = ar1(7, 4, 2000, phi, (c) => 0.5 * c);
  assert.ok(rhat(apart) > 1.05, `R-hat ${rhat(apart)}`);
});
