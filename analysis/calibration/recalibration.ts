/**
 * Logistic recalibration (pure): fit logit P(y = 1) = a + b logit(p) by maximum likelihood with IRLS
 * (Newton's method for the logistic log-likelihood), Wald 95 % intervals from the inverse Fisher
 * information at the estimate. A calibrated model has b = 1 (slope: < 1 means predictions too extreme,
 * > 1 too timid) and a = 0. Calibration-in-the-large is the intercept of the same model with the slope
 * held at 1 (logit P(y = 1) = a + logit(p), p's logit an offset): a > 0 means more successes than predicted.
 *
 * Predictions of exactly 0 or 1 have no logit; they are clipped to [clip, 1 - clip]. The caller picks
 * clip from how the predictions were made (a Monte Carlo fraction out of M draws: 0.5 / M, the usual
 * continuity correction), so a deterministic 0/1 model (M = 1) becomes a constant 0.5 and its slope is
 * "not estimable" rather than an artefact of an arbitrary clip.
 *
 * The MLE does not exist when the outcomes are separated by the predictions (every success above every
 * failure, or one class only): the iterations then run off to infinity. That, a singular information
 * matrix and non-convergence are reported as `estimable: false` with the reason, never as numbers.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { LuDecomposition, Matrix } from 'ml-matrix';
import { InputError } from '../../worker/common/errors.js';

export const RECALIBRATION_LEVEL = 0.95;
const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-10;
/** |estimate| beyond this in the iterations: separation (the likelihood keeps rising towards infinity) */
const DIVERGED = 1e3;

export interface WaldEstimate {
  readonly estimate: number;
  readonly se: number;
  readonly lo: number;
  readonly hi: number;
}

export type Recalibration =
  | { readonly estimable: true; readonly intercept: WaldEstimate; readonly slope: WaldEstimate; readonly iterations: number }
  | { readonly estimable: false; readonly reason: string };

export type CalibrationInTheLarge =
  | { readonly estimable: true; readonly intercept: WaldEstimate }
  | { readonly estimable: false; readonly reason: string };

const expit = (x: number): number => 1 / (1 + Math.exp(-x));
const zLevel = (): number => normalQuantile(1 - (1 - RECALIBRATION_LEVEL) / 2, 0, 1);
const wald = (estimate: number, variance: number): WaldEstimate => {
  const se = Math.sqrt(variance);
  return { estimate, se, lo: estimate - zLevel() * se, hi: estimate + zLevel() * se };
};

/** logit of each prediction clipped to [clip, 1 - clip]. */
export function clippedLogits(predicted: readonly number[], clip: number): number[] {
  if (!(clip > 0 && clip < 0.5 + 1e-12)) throw new InputError(`calibration: clip ${clip}, expected 0 < clip <= 0.5`);
  return predicted.map((p) => {
    const q = Math.min(1 - clip, Math.max(clip, p));
    return Math.log(q / (1 - q));
  });
}

function oneClass(observed: readonly (0 | 1)[]): string | undefined {
  const k = observed.reduce<number>((s, o) => s + o, 0);
  if (observed.length === 0) return 'no subjects';
  if (k === 0 || k === observed.length) return `every subject ${k === 0 ? 'failed' : 'succeeded'}: nothing to regress on`;
  return undefined;
}

/** Score vector and Fisher information of the logistic log-likelihood at (a, b). */
function scoreAndInformation(x: readonly number[], observed: readonly (0 | 1)[], a: number, b: number): { score: Matrix; info: Matrix } {
  const info = new Matrix(2, 2);
  const score = new Matrix(2, 1);
  x.forEach((xi, i) => {
    const mu = expit(a + b * xi);
    const w = mu * (1 - mu);
    const r = (observed[i] ?? 0) - mu;
    info.set(0, 0, info.get(0, 0) + w);
    info.set(0, 1, info.get(0, 1) + w * xi);
    info.set(1, 1, info.get(1, 1) + w * xi * xi);
    score.set(0, 0, score.get(0, 0) + r);
    score.set(1, 0, score.get(1, 0) + r * xi);
  });
  info.set(1, 0, info.get(0, 1));
  return { score, info };
}

/** IRLS fit of logit P(y = 1) = a + b x, x = the predictions' clipped logits. */
export function logisticRecalibration(predicted: readonly number[], observed: readonly (0 | 1)[], clip: number): Recalibration {
  if (predicted.length !== observed.length) throw new InputError(`calibration: ${predicted.length} predictions but ${observed.length} outcomes`);
  const degenerate = oneClass(observed);
  if (degenerate !== undefined) return { estimable: false, reason: degenerate };
  const x = clippedLogits(predicted, clip);
  if (x.every((v) => v === x[0])) return { estimable: false, reason: 'every prediction is the same after clipping: no slope to estimate' };
  let a = 0;
  let b = 0;
  for (let it = 1; it <= MAX_ITERATIONS; it += 1) {
    const { score, info } = scoreAndInformation(x, observed, a, b);
    const lu = new LuDecomposition(info);
    if (lu.isSingular()) return { estimable: false, reason: 'the information matrix is singular (predictions separate the outcomes)' };
    const step = lu.solve(score);
    a += step.get(0, 0);
    b += step.get(1, 0);
    if (!Number.isFinite(a) || !Number.isFinite(b) || Math.abs(a) > DIVERGED || Math.abs(b) > DIVERGED) {
      return { estimable: false, reason: 'the likelihood has no maximum: the predictions separate successes from failures' };
    }
    if (Math.max(Math.abs(step.get(0, 0)), Math.abs(step.get(1, 0))) < TOLERANCE) {
      const final = new LuDecomposition(scoreAndInformation(x, observed, a, b).info);
      if (final.isSingular()) return { estimable: false, reason: 'the information matrix is singular at the estimate' };
      const cov = final.solve(Matrix.eye(2));
      return { estimable: true, intercept: wald(a, cov.get(0, 0)), slope: wald(b, cov.get(1, 1)), iterations: it };
    }
  }
  return { estimable: false, reason: `no convergence in ${MAX_ITERATIONS} iterations (near-separation)` };
}

/** Newton fit of logit P(y = 1) = a + logit(p) (slope fixed at 1). */
export function calibrationInTheLarge(predicted: readonly number[], observed: readonly (0 | 1)[], clip: number): CalibrationInTheLarge {
  if (predicted.length !== observed.length) throw new InputError(`calibration: ${predicted.length} predictions but ${observed.length} outcomes`);
  const degenerate = oneClass(observed);
  if (degenerate !== undefined) return { estimable: false, reason: degenerate };
  const x = clippedLogits(predicted, clip);
  let a = 0;
  for (let it = 1; it <= MAX_ITERATIONS; it += 1) {
    let score = 0;
    let info = 0;
    x.forEach((xi, i) => {
      const mu = expit(a + xi);
      score += (observed[i] ?? 0) - mu;
      info += mu * (1 - mu);
    });
    const step = score / info;
    a += step;
    if (!Number.isFinite(a) || Math.abs(a) > DIVERGED) return { estimable: false, reason: 'the likelihood has no maximum' };
    if (Math.abs(step) < TOLERANCE) {
      const w = x.reduce((s, xi) => s + expit(a + xi) * (1 - expit(a + xi)), 0);
      return { estimable: true, intercept: wald(a, 1 / w) };
    }
  }
  return { estimable: false, reason: `no convergence in ${MAX_ITERATIONS} iterations` };
}
