/**
 * Individual estimates: each subject's conditional mode (EBE, "MAP") of eta given the population
 * estimate, by Fisher scoring on log p(y_i | eta) + log N(eta_I; 0, Omega_II) over the components the
 * subject's data inform, with backtracking on the exact objective. Uninformed components sit at
 * their conditional prior mean (0 for a diagonal Omega). The Jacobian at the mode is returned too:
 * the linearised Fisher information is built from it.
 */
import { accumulateScoreInfo, conditionalLogLik, forwardJacobian, type CountingModel, type PopulationEstimate } from './likelihood.js';
import { cholesky, choleskySolve } from './linalg.js';
import { logPriorKernel, type SplitPrior } from './eta-prior.js';
import { residualLayout, residualPairs } from './problem.js';

const FD_STEP = 1e-4;
const MAX_ITERATIONS = 50;
const STEP_TOLERANCE = 1e-6;

export interface SubjectMode {
  readonly eta: Float64Array;
  /** -2 log p(y, eta) at the mode (up to the prior's normalising constant) */
  readonly objective: number;
  readonly iterations: number;
  /** information at the mode over the informed components (|I| x |I|): conditional precision */
  readonly information: Float64Array;
}

function placeUninformed(eta: Float64Array, prior: SplitPrior): void {
  const ni = prior.informed.length;
  prior.uninformed.forEach((u, r) => {
    let m = 0;
    for (let j = 0; j < ni; j += 1) m += (prior.aUI[r * ni + j] ?? 0) * (eta[prior.informed[j] ?? 0] ?? 0);
    eta[u] = m;
  });
}

export function conditionalMode(model: CountingModel, s: number, est: PopulationEstimate, prior: SplitPrior, start: Float64Array): SubjectMode {
  const { problem } = model;
  const subject = problem.subjects[s]!;
  const ab = residualPairs(residualLayout(problem.outputs), est.sigma, problem.outputs.length);
  const k = problem.randomEffects.length;
  const { informed } = prior;
  const ni = informed.length;
  const eta = Float64Array.from(start);
  placeUninformed(eta, prior);
  const f = new Float64Array(subject.y.length);
  const value = (e: Float64Array, out: Float64Array): number => {
    model.predict(s, est.theta, e, out);
    return conditionalLogLik(subject, out, ab) + logPriorKernel(prior.precision, k, e);
  };
  let current = value(eta, f);
  if (!Number.isFinite(current)) {
    eta.fill(0);
    current = value(eta, f);
  }
  let information = new Float64Array(ni * ni);
  let iterations = 0;
  const trial = new Float64Array(k);
  const fTrial = new Float64Array(subject.y.length);
  for (; iterations < MAX_ITERATIONS && ni > 0; iterations += 1) {
    const jac = forwardJacobian(f, ni, FD_STEP, (q, h, out) => {
      trial.set(eta);
      const idx = informed[q] ?? 0;
      trial[idx] = (trial[idx] ?? 0) + h;
      placeUninformed(trial, prior);
      model.predict(s, est.theta, trial, out);
    });
    const g = new Float64Array(ni);
    const h = new Float64Array(ni * ni);
    accumulateScoreInfo(subject, f, jac, ni, ab, g, h);
    // prior: gradient -P_II eta_I (marginal precision of the informed block), information P_II
    for (let a = 0; a < ni; a += 1) {
      for (let b = 0; b < ni; b += 1) {
        const p = prior.precisionII[a * ni + b] ?? 0;
        g[a] = (g[a] ?? 0) - p * (eta[informed[b] ?? 0] ?? 0);
        h[a * ni + b] = (h[a * ni + b] ?? 0) + p;
      }
    }
    information = h;
    const l = cholesky(h, ni);
    if (l === null) break;
    const delta = choleskySolve(l, ni, g);
    let step = 1;
    let moved = false;
    for (let back = 0; back < 20; back += 1) {
      trial.set(eta);
      informed.forEach((idx, q) => { trial[idx] = (trial[idx] ?? 0) + step * (delta[q] ?? 0); });
      placeUninformed(trial, prior);
      const v = value(trial, fTrial);
      if (v >= current) {
        const size = step * delta.reduce((m, d) => Math.max(m, Math.abs(d)), 0);
        eta.set(trial);
        f.set(fTrial);
        const gain = v - current;
        current = v;
        moved = size > STEP_TOLERANCE && gain > 1e-10;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  // the marginal prior of eta_I is what the mode maximises: report -2 log of that joint
  return { eta, objective: -2 * current, iterations, information };
}
