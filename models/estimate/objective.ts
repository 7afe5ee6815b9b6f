/**
 * -2 log-likelihood of the population estimate by importance sampling (Monolix's method): for each
 * subject, p(y_i) = E_q[p(y_i | eta) p(eta) / q(eta)] with q a multivariate t (5 df) centred on the
 * subject's conditional mean with its conditional covariance (both averaged during SAEM smoothing;
 * the inverse information at the mode when the chain's covariance is degenerate). Only informed
 * components are sampled: the likelihood does not depend on the others, which integrate out
 * exactly. Also returns a Monte-Carlo standard error of -2LL from the weights' spread.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { conditionalLogLik, type CountingModel, type PopulationEstimate } from './likelihood.js';
import { cholesky, inverse, logDetFromCholesky, submatrix } from './linalg.js';
import type { SplitPrior } from './eta-prior.js';
import { residualLayout, residualPairs } from './problem.js';
import { Purpose, RandomStream } from './rng.js';

const DF = 5;
const LOG_2PI = Math.log(2 * Math.PI);

export interface ObjectiveResult {
  /** -2 log L */
  readonly value: number;
  /** Monte-Carlo standard error of value */
  readonly mcStandardError: number;
  readonly perSubject: Float64Array;
}

export interface Proposal {
  readonly mean: Float64Array;
  /** K x K; only the informed block is used */
  readonly cov: Float64Array;
}

export function importanceSamplingObjective(
  model: CountingModel, est: PopulationEstimate, priors: readonly SplitPrior[], proposals: readonly Proposal[], samples: number, seed: number,
): ObjectiveResult {
  const { problem } = model;
  const k = problem.randomEffects.length;
  const ab = residualPairs(residualLayout(problem.outputs), est.sigma, problem.outputs.length);
  const perSubject = new Float64Array(problem.subjects.length);
  let mcVariance = 0;
  problem.subjects.forEach((subject, s) => {
    const prior = priors[s]!;
    const proposal = proposals[s]!;
    const { informed } = prior;
    const d = informed.length;
    const f = new Float64Array(subject.y.length);
    const eta = new Float64Array(k);
    if (d === 0) {
      model.predict(s, est.theta, eta, f);
      perSubject[s] = -2 * conditionalLogLik(subject, f, ab);
      return;
    }
    const cov = submatrix(proposal.cov, k, informed);
    const l = cholesky(cov, d) ?? cholesky(inverse(prior.precisionII, d), d);
    if (l === null) throw new RangeError(`subject ${subject.id}: no usable importance-sampling proposal`);
    const logDetCov = logDetFromCholesky(l, d);
    const rng = new RandomStream(seed, Purpose.importance, s);
    const logNormT = gammaln((DF + d) / 2) - gammaln(DF / 2) - (d / 2) * Math.log(DF * Math.PI) - 0.5 * logDetCov;
    const logNormPrior = -0.5 * (d * LOG_2PI + prior.logDetII);
    const logW = new Float64Array(samples);
    const z = new Float64Array(d);
    const x = new Float64Array(d);
    for (let m = 0; m < samples; m += 1) {
      for (let i = 0; i < d; i += 1) z[i] = rng.normal();
      let chi2 = 0;
      for (let i = 0; i < DF; i += 1) chi2 += rng.normal() ** 2;
      const scale = Math.sqrt(DF / chi2);
      let q2 = 0;
      for (let i = 0; i < d; i += 1) {
        let v = 0;
        for (let j = 0; j <= i; j += 1) v += (l[i * d + j] ?? 0) * (z[j] ?? 0);
        x[i] = (proposal.mean[informed[i] ?? 0] ?? 0) + scale * v;
        q2 += (z[i] ?? 0) ** 2 * scale * scale;
      }
      eta.fill(0);
      informed.forEach((idx, i) => { eta[idx] = x[i] ?? 0; });
      model.predict(s, est.theta, eta, f);
      let prior2 = 0;
      for (let i = 0; i < d; i += 1) {
        let r = 0;
        for (let j = 0; j < d; j += 1) r += (prior.precisionII[i * d + j] ?? 0) * (x[j] ?? 0);
        prior2 += (x[i] ?? 0) * r;
      }
      const logQ = logNormT - ((DF + d) / 2) * Math.log(1 + q2 / DF);
      logW[m] = conditionalLogLik(subject, f, ab) + logNormPrior - 0.5 * prior2 - logQ;
    }
    const max = logW.reduce((a, v) => Math.max(a, v), -Infinity);
    let sum = 0;
    let sum2 = 0;
    for (const v of logW) {
      const w = Math.exp(v - max);
      sum += w;
      sum2 += w * w;
    }
    const meanW = sum / samples;
    perSubject[s] = -2 * (max + Math.log(meanW));
    // delta method: var(log mean w) ~ var(w) / (M mean(w)^2)
    const varW = Math.max(sum2 / samples - meanW * meanW, 0);
    mcVariance += (4 * varW) / (samples * meanW * meanW);
  });
  return { value: perSubject.reduce((a, v) => a + v, 0), mcStandardError: Math.sqrt(mcVariance), perSubject };
}
