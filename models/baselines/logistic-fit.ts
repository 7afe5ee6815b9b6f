/**
 * Maximum-likelihood fit of the logistic link (QuSOP paper 5.7): success_i ~ Bernoulli(sigmoid(x_i' b)),
 * x_i = [1, (BW - 70)/10, COMED, dose/BW]. Iteratively reweighted least squares (Newton's method on
 * the log-likelihood) with ml-matrix solves: nothing in package.json fits a GLM (ml-* has no logistic
 * regression with an exact MLE; tfjs would give a gradient-descent approximation), and IRLS is a
 * dozen lines. Covariance: the inverse Fisher information (X' W X)^-1 at the estimate. Separation
 * (a predictor that splits successes from failures perfectly) has no finite MLE: refused by name.
 */
import { inverse, Matrix, solve } from 'ml-matrix';
import { InputError } from '../../worker/common/errors.js';
import { sigmoid } from './logistic-model.js';

export interface LogisticFit {
  readonly beta: number[];
  readonly covariance: number[][];
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly n: number;
  readonly successes: number;
}

const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-10;
/** |x'b| beyond this means fitted probabilities of 0 or 1 to double precision: separation */
const SEPARATION_ETA = 30;

function logLikelihood(x: readonly (readonly number[])[], y: readonly number[], b: readonly number[]): number {
  return x.reduce((s, row, i) => {
    const eta = row.reduce((a, v, k) => a + v * (b[k] ?? NaN), 0);
    // log sigmoid(eta) = -log(1 + e^-eta), stable on both sides
    const logP = -Math.log1p(Math.exp(-Math.abs(eta))) + Math.min(eta, 0);
    const log1mP = logP - eta;
    return s + ((y[i] ?? 0) === 1 ? logP : log1mP);
  }, 0);
}

export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], where: string): LogisticFit {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  const successes = y.filter((v) => v === 1).length;
  if (successes === 0 || successes === n || n <= p) {
    throw new InputError(`${where}: the logistic baseline needs both successes and failures among more than ${p} subjects (got ${successes} successes of ${n})`, { details: { file: where } });
  }
  const X = new Matrix(x.map((r) => [...r]));
  let b = new Array<number>(p).fill(0);
  let iterations = 0;
  let info = new Matrix(p, p);
  for (; iterations < MAX_ITERATIONS; iterations += 1) {
    const mu = x.map((r) => sigmoid(r.reduce((a, v, k) => a + v * (b[k] ?? 0), 0)));
    const w = mu.map((m) => m * (1 - m));
    const grad = X.transpose().mmul(Matrix.columnVector(y.map((v, i) => v - (mu[i] ?? 0))));
    info = X.transpose().mmul(new Matrix(x.map((r, i) => r.map((v) => v * (w[i] ?? 0)))));
    const step = solve(info, grad).to1DArray();
    b = b.map((v, k) => v + (step[k] ?? 0));
    if (Math.max(...step.map(Math.abs)) < TOLERANCE) break;
  }
  const maxEta = Math.max(...x.map((r) => Math.abs(r.reduce((a, v, k) => a + v * (b[k] ?? 0), 0))));
  if (iterations >= MAX_ITERATIONS || !b.every(Number.isFinite) || maxEta > SEPARATION_ETA) {
    throw new InputError(`${where}: the logistic baseline has no finite estimate (successes are perfectly separated by BW, COMED or dose/BW); more subjects or arms are needed`, { details: { file: where } });
  }
  return { beta: b, covariance: inverse(info).to2DArray(), logLikelihood: logLikelihood(x, y, b), iterations: iterations + 1, n, successes };
}
