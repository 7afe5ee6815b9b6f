/**
 * Simulated IQAE (analysis/amplitude/iqae.ts): its interval holds the true a with probability >= 1 - alpha.
 *
 * 400 independent seeds at a fixed a give X covering intervals, X ~ Binomial(400, c). The claim c >= 1 - alpha
 * is refused when the exact one-sided 99.9 % Clopper–Pearson upper bound on c, Beta^-1(0.999; X + 1, 400 - X),
 * falls below 1 - alpha: a test that fails with probability <= 0.1 % when c is exactly 1 - alpha (and less
 * when IQAE is conservative, as its union bound over T rounds makes it). For alpha = 0.05 that needs X >= 365.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { iterativeQae } from '../../analysis/amplitude/iqae.js';
import { philoxShots } from '../../analysis/amplitude/shots.js';
import { exactAttainment } from '../../models/testmodel/exact.js';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';

const SEEDS = 400;
const ALPHA = 0.05;
/** one-sided level of the check on the coverage fraction */
const CHECK = 0.999;

function covered(a: number, epsilon: number, key: number): { covered: number; widest: number } {
  let n = 0;
  let widest = 0;
  for (let seed = 0; seed < SEEDS; seed += 1) {
    const r = iterativeQae(a, { epsilon, alpha: ALPHA, shots: 100 }, philoxShots(seed, key));
    if (r.lo <= a && a <= r.hi) n += 1;
    widest = Math.max(widest, (r.hi - r.lo) / 2);
  }
  return { covered: n, widest };
}

/** Upper CHECK bound on the coverage c from X covering intervals of SEEDS. */
const upperBound = (x: number): number => (x === SEEDS ? 1 : betaQuantile(CHECK, x + 1, SEEDS - x));

// the known-answer TEST model's exact attainment at QD 9 mg (BW U(51, 100) kg, COMED Bernoulli(0.5), 3.3 ng/mL): 0.77154
const population = { bw: { kind: 'uniform', minKg: 51, maxKg: 100 }, comed: { kind: 'bernoulli', p: 0.5 } } as const;
const KNOWN = exactAttainment(KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS.qd, 9, population, 3.3);

for (const [label, a, epsilon] of [['known-answer p(9 mg QD)', KNOWN, 0.01], ['a = 0.3', 0.3, 0.02], ['a = 0.9', 0.9, 0.005]] as const) {
  test(`IQAE coverage >= 1 - alpha over ${SEEDS} seeds, ${label}, half-width ${epsilon}`, () => {
    const r = covered(a, epsilon, 0x9e3779b9);
    assert.ok(upperBound(r.covered) >= 1 - ALPHA, `${r.covered}/${SEEDS} intervals hold a = ${a}: coverage ${1 - ALPHA} refused at ${CHECK}`);
    // the stopping rule: every final interval is at most epsilon on either side of its midpoint
    assert.ok(r.widest <= epsilon * (1 + 1e-12), `widest half-width ${r.widest} > ${epsilon}`);
  });
}

test('the coverage check can refuse: intervals of nominal 1 - alpha shrunk by half cover less than 1 - alpha allows', () => {
  // same runs, each interval shrunk to half its length around its midpoint: a method that overstates its precision
  let n = 0;
  for (let seed = 0; seed < SEEDS; seed += 1) {
    const r = iterativeQae(KNOWN, { epsilon: 0.01, alpha: ALPHA, shots: 100 }, philoxShots(seed, 0x9e3779b9));
    const q = (r.hi - r.lo) / 4;
    if (r.estimate - q <= KNOWN && KNOWN <= r.estimate + q) n += 1;
  }
  assert.ok(upperBound(n) < 1 - ALPHA, `shrunk intervals: ${n}/${SEEDS} would pass`);
});
