/**
 * Final refinement of the variances of weakly informed random effects, by maximising an importance-
 * sampling estimate of the likelihood with the samples held fixed. Why: in SAEM's exploratory phase
 * (gain 1) the variance of a weakly informed random effect moves like a multiplicative random walk
 * with a downward drift (E log chi2_N/N < 0), can collapse towards 0, and EM-type updates (rate ~ the
 * fraction of observed information, small here) cannot bring it back in any affordable number of
 * iterations.
 *
 * p(y_i) is estimated with M draws of eta_i from a t proposal around the subject's conditional
 * distribution, widened on the weakly informed components so that larger variances are covered
 * (and redrawn wider while the estimate outgrows the proposal).
 * Only the prior density of those components depends on their variances, so EM on the fixed samples
 * (self-normalised weights) needs no further simulation; it runs to convergence from variances no
 * smaller than the proposal can check. Typical values and the other variances are left as SAEM
 * estimated them (refining them on a fixed sample would mostly fit its Monte-Carlo noise).
 * Diagonal Omega only.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { conditionalLogLik, type CountingModel, type PopulationEstimate } from './likelihood.js';
import type { SplitPrior } from './eta-prior.js';
import type { Proposal } from './objective.js';
import { cholesky, logDetFromCholesky, submatrix } from './linalg.js';
import { residualLayout, residualPairs } from './problem.js';
import { Purpose, RandomStream } from './rng.js';

const DF = 5;
/** proposal sd floor on weakly informed components, and the smallest start variance of the EM */
const WIDE_SD = 0.3;
/** a component is weakly informed when its conditional variance exceeds this fraction of omega^2 */
const WEAK_FRACTION = 0.5;
const MAX_EM_ITERATIONS = 5000;
/** redraws with a wider proposal while the refined variance outgrows it */
const MAX_ROUNDS = 4;
const TOLERANCE = 1e-10;
const MIN_VARIANCE = 1e-8;

export interface Refinement {
  readonly estimate: PopulationEstimate;
  readonly weak: readonly number[];
  readonly iterations: number;
  /** IS log-likelihood (same samples) at the SAEM estimate and at the refined one */
  readonly logLikBefore: number;
  readonly logLikAfter: number;
}

interface SubjectSamples {
  readonly informed: readonly number[];
  /** M x d random effects (informed components) */
  readonly eta: Float64Array;
  /** log p(y | eta_m) - log q(eta_m) */
  readonly base: Float64Array;
}

/** M draws per subject from the t proposal, widened on the weak components to the given variances. */
function drawSamples(
  model: CountingModel, est: PopulationEstimate, priors: readonly SplitPrior[], proposals: readonly Proposal[],
  wide: ReadonlyMap<number, number>, samples: number, seed: number, round: number,
): SubjectSamples[] {
  const { problem } = model;
  const k = problem.randomEffects.length;
  const ab = residualPairs(residualLayout(problem.outputs), est.sigma, problem.outputs.length);
  return problem.subjects.map((subject, s) => {
    const { informed } = priors[s]!;
    const d = informed.length;
    if (d === 0) return { informed, eta: new Float64Array(0), base: new Float64Array(0) };
    const cov = submatrix(proposals[s]!.cov, k, informed);
    informed.forEach((c, i) => { cov[i * d + i] = Math.max(cov[i * d + i] ?? 0, wide.get(c) ?? 0); });
    const l = cholesky(cov, d);
    if (l === null) throw new RangeError(`subject ${subject.id}: refinement proposal is not positive definite`);
    const logNorm = gammaln((DF + d) / 2) - gammaln(DF / 2) - (d / 2) * Math.log(DF * Math.PI) - 0.5 * logDetFromCholesky(l, d);
    const rng = new RandomStream(seed, Purpose.refinement, round * problem.subjects.length + s);
    const draws = new Float64Array(samples * d);
    const base = new Float64Array(samples);
    const eta = new Float64Array(k);
    const f = new Float64Array(subject.y.length);
    for (let m = 0; m < samples; m += 1) {
      const z = rng.normals(d);
      let chi2 = 0;
      for (let i = 0; i < DF; i += 1) chi2 += rng.normal() ** 2;
      const scale = Math.sqrt(DF / chi2);
      let q2 = 0;
      eta.fill(0);
      for (let i = 0; i < d; i += 1) {
        let v = 0;
        for (let j = 0; j <= i; j += 1) v += (l[i * d + j] ?? 0) * (z[j] ?? 0);
        const c = informed[i] ?? 0;
        eta[c] = (proposals[s]!.mean[c] ?? 0) + scale * v;
        draws[m * d + i] = eta[c] ?? 0;
        q2 += ((z[i] ?? 0) * scale) ** 2;
      }
      model.predict(s, est.theta, eta, f);
      base[m] = conditionalLogLik(subject, f, ab) - (logNorm - ((DF + d) / 2) * Math.log(1 + q2 / DF));
    }
    return { informed, eta: draws, base };
  });
}

/** log p(y) on fixed samples at Omega, and per weak component sum_i E[eta_ic^2] under the weights. */
function evaluate(data: readonly SubjectSamples[], omega: Float64Array, k: number, weak: readonly number[]): { value: number; second: Float64Array } {
  const second = new Float64Array(k);
  let total = 0;
  data.forEach((sd) => {
    const d = sd.informed.length;
    // an uninformed component contributes its prior second moment
    for (const c of weak) if (!sd.informed.includes(c)) second[c] = (second[c] ?? 0) + (omega[c * k + c] ?? 0);
    if (d === 0) return;
    const logW = new Float64Array(sd.base.length);
    let max = -Infinity;
    let logPriorNorm = 0;
    for (const c of sd.informed) logPriorNorm -= 0.5 * Math.log(2 * Math.PI * (omega[c * k + c] ?? 1));
    for (let m = 0; m < sd.base.length; m += 1) {
      let lp = logPriorNorm;
      sd.informed.forEach((c, i) => { lp -= (0.5 * (sd.eta[m * d + i] ?? 0) ** 2) / (omega[c * k + c] ?? 1); });
      const v = (sd.base[m] ?? -Infinity) + lp;
      logW[m] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let m = 0; m < logW.length; m += 1) { logW[m] = Math.exp((logW[m] ?? -Infinity) - max); sum += logW[m] ?? 0; }
    total += max + Math.log(sum / logW.length);
    sd.informed.forEach((c, i) => {
      if (!weak.includes(c)) return;
      let acc = 0;
      for (let m = 0; m < logW.length; m += 1) acc += ((logW[m] ?? 0) / sum) * (sd.eta[m * d + i] ?? 0) ** 2;
      second[c] = (second[c] ?? 0) + acc;
    });
  });
  return { value: total, second };
}

export function refineRandomEffects(
  model: CountingModel, est: PopulationEstimate, priors: readonly SplitPrior[], proposals: readonly Proposal[], samples: number, seed: number,
): Refinement {
  const { problem } = model;
  const k = problem.randomEffects.length;
  const n = problem.subjects.length;
  const weakScore = new Float64Array(k);
  const weakCount = new Float64Array(k);
  priors.forEach((p, s) => p.informed.forEach((c) => {
    weakScore[c] = (weakScore[c] ?? 0) + (proposals[s]!.cov[c * k + c] ?? 0) / Math.max(est.omega[c * k + c] ?? 0, MIN_VARIANCE);
    weakCount[c] = (weakCount[c] ?? 0) + 1;
  }));
  const weak = Array.from({ length: k }, (_, c) => c).filter((c) => (weakCount[c] ?? 0) > 0 && (weakScore[c] ?? 0) / (weakCount[c] ?? 1) > WEAK_FRACTION);
  const omega = Float64Array.from(est.omega);
  if (weak.length === 0) return { estimate: est, weak, iterations: 0, logLikBefore: NaN, logLikAfter: NaN };
  // proposal variance of each weak component; widened and redrawn while the estimate outgrows it
  const wide = new Map(weak.map((c) => [c, Math.max(est.omega[c * k + c] ?? 0, WIDE_SD * WIDE_SD)]));
  let iterations = 0;
  let data: SubjectSamples[] = [];
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    data = drawSamples(model, est, priors, proposals, wide, samples, seed, round);
    for (const c of weak) omega[c * k + c] = Math.max(est.omega[c * k + c] ?? 0, 0.5 * (wide.get(c) ?? 0));
    let previous = -Infinity;
    for (let it = 0; it < MAX_EM_ITERATIONS; it += 1, iterations += 1) {
      const { value, second } = evaluate(data, omega, k, weak);
      if (Math.abs(value - previous) < TOLERANCE) break;
      previous = value;
      for (const c of weak) omega[c * k + c] = Math.max((second[c] ?? 0) / n, MIN_VARIANCE);
    }
    const outgrown = weak.filter((c) => (omega[c * k + c] ?? 0) > (wide.get(c) ?? 0));
    if (outgrown.length === 0) break;
    for (const c of outgrown) wide.set(c, 2 * (omega[c * k + c] ?? 0));
  }
  return {
    estimate: { theta: est.theta, omega, sigma: est.sigma }, weak, iterations,
    logLikBefore: evaluate(data, Float64Array.from(est.omega), k, weak).value, logLikAfter: evaluate(data, omega, k, weak).value,
  };
}
