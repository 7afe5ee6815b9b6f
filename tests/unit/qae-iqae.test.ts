/**
 * Simulated IQAE's pieces: the query convention, edge probabilities, determinism of the Philox shot
 * stream, the binomial law of the shots, and the Monte Carlo sample count's definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { compareCells } from '../../analysis/amplitude/compare.js';
import { iterativeQae, maxRounds } from '../../analysis/amplitude/iqae.js';
import { cpHalfWidth, monteCarloSamples } from '../../analysis/amplitude/mc-samples.js';
import { cellKey, philoxShots } from '../../analysis/amplitude/shots.js';

const O = { epsilon: 0.01, alpha: 0.05, shots: 100 };

test('queries are the sum over shots of k + 1; every round after the first uses a Grover power at least as large', () => {
  const r = iterativeQae(0.42, O, philoxShots(3, 4));
  assert.equal(r.queries, r.rounds.reduce((s, x) => s + O.shots * (x.k + 1), 0));
  assert.equal(r.rounds[0]?.k, 0, 'the first round measures A|0> itself');
  for (let i = 1; i < r.rounds.length; i += 1) assert.ok((r.rounds[i]?.k ?? 0) >= (r.rounds[i - 1]?.k ?? 0));
  assert.ok(r.rounds.some((x) => x.k > 0), 'Grover iterations were used');
  assert.equal(r.maxRounds, maxRounds(O.epsilon));
  assert.ok(r.hi - r.lo <= 2 * O.epsilon);
});

test('a = 0 and a = 1 (cells that never or always succeed) give intervals at the edge within the half-width', () => {
  for (const a of [0, 1]) {
    const r = iterativeQae(a, O, philoxShots(1, 2));
    assert.ok(r.lo <= a && a <= r.hi && r.hi - r.lo <= 2 * O.epsilon, `a = ${a}: [${r.lo}, ${r.hi}]`);
  }
});

test('the shot stream is a pure function of (seed, key, round): same seed same result, another seed another', () => {
  const a = iterativeQae(0.6, O, philoxShots(7, cellKey('run', 'pop', 'qd', 2.5)));
  const b = iterativeQae(0.6, O, philoxShots(7, cellKey('run', 'pop', 'qd', 2.5)));
  assert.deepEqual(a, b);
  const c = iterativeQae(0.6, O, philoxShots(8, cellKey('run', 'pop', 'qd', 2.5)));
  assert.notDeepEqual(a.rounds, c.rounds);
  assert.notEqual(cellKey('run', 'pop', 'qd', 2.5), cellKey('run', 'pop', 'qd', 3));
  const cells = [{ scenario: 'pop', regimen: 'qd', dose: 2.5, n: 1000, k: 600 }];
  const opts = { halfWidth: 0.01, alpha: 0.05, seed: 7, shots: 100 };
  assert.equal(JSON.stringify(compareCells('run', cells, opts)), JSON.stringify(compareCells('run', cells, opts)));
});

test('good shots are Binomial(shots, p): the pooled rate over 2000 rounds is within its 99.9 % Clopper–Pearson interval of p', () => {
  const sampler = philoxShots(11, 12);
  for (const p of [0.05, 0.5, 0.8]) {
    let good = 0;
    for (let round = 0; round < 2000; round += 1) good += sampler.goodShots(round, 101, p);
    const n = 2000 * 101;
    const lo = betaQuantile(0.0005, good, n - good + 1);
    const hi = betaQuantile(0.9995, good + 1, n - good);
    assert.ok(lo <= p && p <= hi, `p = ${p}: ${good}/${n}, interval [${lo}, ${hi}]`);
  }
});

test('Monte Carlo samples: the half-width is reached at n and not at n - 1, and n is close to the Wald count z^2 p (1 - p) / epsilon^2', () => {
  const z = normalQuantile(0.975, 0, 1);
  for (const [p, e] of [[0.5, 0.01], [0.77, 0.005], [0.9, 0.02]] as const) {
    const n = monteCarloSamples(p, e, 0.05);
    assert.ok(cpHalfWidth(p, n, 0.05) <= e && cpHalfWidth(p, n - 1, 0.05) > e, `p = ${p}, epsilon = ${e}: n = ${n}`);
    // Clopper–Pearson is a little wider than Wald (exact, conservative): a few percent more samples
    const wald = (z * z * p * (1 - p)) / (e * e);
    assert.ok(n >= wald && n <= 1.1 * wald, `p = ${p}, epsilon = ${e}: n = ${n}, Wald ${wald.toFixed(0)}`);
  }
  // at p = 1 Wald would say 0; the exact interval [(alpha/2)^(1/n), 1] needs (1 - (alpha/2)^(1/n)) / 2 <= epsilon
  const n1 = monteCarloSamples(1, 0.01, 0.05);
  assert.equal(n1, Math.ceil(Math.log(0.025) / Math.log(1 - 0.02)));
});
