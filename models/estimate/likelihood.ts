/**
 * A subject's conditional likelihood p(y_i | eta_i; theta, sigma) and its derivative pieces. Every
 * observation is Gaussian with mean f and variance v = a^2 + b^2 f^2 (per output), so the score and
 * the expected information with respect to anything that moves f or v follow from dF/dx alone:
 *   d log p / dx   = sum_j r_j/v_j df_j/dx + 1/2 (r_j^2/v_j - 1) dv_j/dx / v_j
 *   I(x, x')       = sum_j df_j/dx df_j/dx' / v_j + 1/2 dv_j/dx dv_j/dx' / v_j^2
 * The outer M-step, the inner mode search and the Fisher information all use these two formulas.
 * A censored row (M3) contributes log Phi((LLOQ - f) / sqrt(v)) instead, with its own score and
 * information in f (censored-likelihood.ts); a subject without censored rows takes the Gaussian path only.
 */
import { isCensored, residualVariance, type EstimationProblem, type SubjectData } from './problem.js';
import { censoredScoreInfo, logNormalCdf } from './censored-likelihood.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface PopulationEstimate {
  /** fixed effects, transformed scale, problem.thetaNames order */
  readonly theta: Float64Array;
  /** K x K covariance of eta, row-major */
  readonly omega: Float64Array;
  /** residual sds in residualLayout order */
  readonly sigma: Float64Array;
}

/** log p(y | f) for one subject; ab = per-output [a, b]. */
export function conditionalLogLik(subject: SubjectData, f: Float64Array, ab: Float64Array): number {
  let s = 0;
  const { y, output } = subject;
  for (let j = 0; j < y.length; j += 1) {
    const fj = f[j] ?? NaN;
    const v = residualVariance(ab, output[j] ?? 0, fj);
    const r = (y[j] ?? 0) - fj;
    if (isCensored(subject, j)) {
      s -= 2 * logNormalCdf(r / Math.sqrt(v));
      continue;
    }
    s += (r * r) / v + Math.log(v) + LOG_2PI;
  }
  // NaN / Inf predictions (a failed simulation) make the point impossible, never silently likely
  return Number.isFinite(s) ? -0.5 * s : -Infinity;
}

/** dv/df of one observation (proportional part only). */
export function dVarianceDf(ab: Float64Array, output: number, f: number): number {
  const b = ab[2 * output + 1] ?? 0;
  return 2 * b * b * f;
}

/**
 * Adds the score g and the expected information h (p x p, row-major) of log p(y | f(x)) at x, given
 * the predictions f and their Jacobian jac (n x p, row-major, df_j/dx_q).
 */
export function accumulateScoreInfo(
  subject: SubjectData, f: Float64Array, jac: Float64Array, p: number, ab: Float64Array, g: Float64Array, h: Float64Array,
): void {
  const { y, output } = subject;
  for (let j = 0; j < y.length; j += 1) {
    const o = output[j] ?? 0;
    const fj = f[j] ?? 0;
    const v = residualVariance(ab, o, fj);
    const r = (y[j] ?? 0) - fj;
    const dvdf = dVarianceDf(ab, o, fj);
    // d log p / df and the expected information weight in f
    let score = r / v + (0.5 * (r * r / v - 1) * dvdf) / v;
    let weight = 1 / v + (0.5 * dvdf * dvdf) / (v * v);
    if (isCensored(subject, j)) ({ score, weight } = censoredScoreInfo(r, v, dvdf));
    for (let a = 0; a < p; a += 1) {
      const ja = jac[j * p + a] ?? 0;
      if (ja === 0) continue;
      g[a] = (g[a] ?? 0) + score * ja;
      for (let b = 0; b < p; b += 1) h[a * p + b] = (h[a * p + b] ?? 0) + weight * ja * (jac[j * p + b] ?? 0);
    }
  }
}

/**
 * Forward-difference Jacobian of a subject's predictions with respect to `count` directions;
 * `evaluate(q, h, out)` writes the predictions at the q-th direction moved by h.
 */
export function forwardJacobian(
  f0: Float64Array, count: number, step: number, evaluate: (q: number, h: number, out: Float64Array) => void,
): Float64Array {
  const n = f0.length;
  const jac = new Float64Array(n * count);
  const fq = new Float64Array(n);
  for (let q = 0; q < count; q += 1) {
    evaluate(q, step, fq);
    for (let j = 0; j < n; j += 1) jac[j * count + q] = ((fq[j] ?? 0) - (f0[j] ?? 0)) / step;
  }
  return jac;
}

/** Central-difference Jacobian (used where accuracy matters more than cost: standard errors). */
export function centralJacobian(n: number, count: number, step: number, evaluate: (q: number, h: number, out: Float64Array) => void): Float64Array {
  const jac = new Float64Array(n * count);
  const fp = new Float64Array(n);
  const fm = new Float64Array(n);
  for (let q = 0; q < count; q += 1) {
    evaluate(q, step, fp);
    evaluate(q, -step, fm);
    for (let j = 0; j < n; j += 1) jac[j * count + q] = ((fp[j] ?? 0) - (fm[j] ?? 0)) / (2 * step);
  }
  return jac;
}

/** Counts model evaluations (the unit of cost of every stage). */
export class CountingModel {
  evaluations = 0;
  constructor(readonly problem: EstimationProblem) {}

  predict(s: number, theta: Float64Array, eta: Float64Array, out: Float64Array): void {
    this.evaluations += 1;
    this.problem.predict(s, theta, eta, out);
  }
}
