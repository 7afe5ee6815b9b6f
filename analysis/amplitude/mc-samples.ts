/**
 * Monte Carlo's side of the comparison: how many independent samples a plain binomial estimate of p
 * needs for its exact Clopper–Pearson interval to reach a half-width. The interval is taken at the
 * expected count k = round(n p), the same interval the aggregator uses for curves (bands.ts), at the
 * same level 1 - alpha as the amplitude estimate. The half-width (hi - lo) / 2 falls like
 * sqrt(p (1 - p) / n) (Wald) away from the edges, so samples grow like 1 / epsilon^2.
 */
import { clopperPearson } from '../../coordinator/aggregate/bands.js';

/** Half-width of the Clopper–Pearson interval at level 1 - alpha for n samples of probability p. */
export function cpHalfWidth(p: number, n: number, alpha: number): number {
  const ci = clopperPearson(Math.round(n * p), n, 1 - alpha);
  return (ci.hi - ci.lo) / 2;
}

/**
 * The smallest n with cpHalfWidth(p, n, alpha) <= epsilon, found by doubling then bisection. Rounding
 * k makes the half-width not strictly monotone in n (steps of one count), so "smallest" is the
 * bisection's answer: the half-width is <= epsilon at n and > epsilon at n - 1.
 */
export function monteCarloSamples(p: number, epsilon: number, alpha: number): number {
  let hi = 1;
  while (cpHalfWidth(p, hi, alpha) > epsilon) hi *= 2;
  let lo = Math.floor(hi / 2); // half-width > epsilon at lo (or lo = 0)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (cpHalfWidth(p, mid, alpha) <= epsilon) hi = mid;
    else lo = mid;
  }
  return hi;
}
