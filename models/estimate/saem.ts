/**
 * SAEM (Kuhn & Lavielle 2005; Monolix's variant): burn-in of the chains, an exploratory phase with
 * gain 1 (and Omega/residual annealing at its start) that ends once the parameter traces stop
 * drifting, then a smoothing phase with gain 1/k that averages the stochastic approximation to the
 * maximum-likelihood estimate. Each iteration: re-centre chains, MCMC E-step, M-step (psi by SA of
 * local quadratics, typical values/covariates/Omega from sufficient statistics, residual sds).
 * During smoothing the chains' conditional moments of phi are averaged as well (importance-sampling
 * proposals and starting points of the conditional modes).
 */
import { phiMean as phiMeanOf, psiIndices, residualLayout, residualPairs, type EstimationProblem } from './problem.js';
import { conditionalLogLik, type CountingModel, type PopulationEstimate } from './likelihood.js';
import { informedMasks } from './informed.js';
import { splitPrior, type SplitPrior } from './eta-prior.js';
import { MetropolisSampler, type Chain, type KernelPlan } from './mcmc.js';
import { RandomEffectStatistics, type OmegaStructure } from './mstep-random-effects.js';
import { residualFloors, updateResiduals } from './mstep-residual.js';
import { PsiUpdater } from './mstep-psi.js';
import { RandomStream, Purpose } from './rng.js';
import { driftingParameters } from './stationarity.js';

/** sd of a random effect below which its variance counts as ~0 for the stationarity test */
export const VANISHING_SD = 0.05;

export interface SaemOptions {
  readonly seed: number;
  readonly burnIn: number;
  readonly exploreMin: number;
  readonly exploreMax: number;
  readonly smooth: number;
  /** end exploration once traces are stationary (else run exploreMax) */
  readonly autoStop: boolean;
  readonly annealIterations: number;
  readonly kernels: KernelPlan;
  readonly omegaStructure: OmegaStructure;
  readonly onIteration?: (info: IterationInfo) => void;
}

export interface IterationInfo {
  readonly phase: 'burn-in' | 'explore' | 'smooth';
  readonly iteration: number;
  readonly explored: number;
  readonly estimate: PopulationEstimate;
  readonly acceptance: { block: number; component: number };
  /** sum of the chains' conditional log-likelihoods (a rough progress signal, not -2LL) */
  readonly chainLogLik: number;
}

export interface SaemResult {
  readonly estimate: PopulationEstimate;
  readonly masks: readonly boolean[][];
  /** per subject: averaged conditional mean of eta (at the final theta) and its covariance (K x K) */
  readonly etaMean: readonly Float64Array[];
  readonly etaCov: readonly Float64Array[];
  readonly exploreIterations: number;
  readonly smoothIterations: number;
  /** the traces were stationary when exploration ended (the auto-stop test, also applied at exploreMax) */
  readonly stationary: boolean;
  /** random effects whose variance was negligible (sd < VANISHING_SD) when exploration ended */
  readonly vanishing: readonly string[];
  /** monitored values per iteration (monitorVector) */
  readonly trace: readonly Float64Array[];
}

/**
 * What the stationarity test watches: theta, log residual sds and (full Omega only) Omega's sds. With
 * a diagonal Omega the variances are left out: a weakly informed one drifts for hundreds of
 * iterations without mattering to the rest, and the importance-sampling refinement (refine.ts)
 * re-estimates all of them to convergence afterwards.
 */
export function monitorVector(e: PopulationEstimate, k: number, withOmega: boolean): Float64Array {
  const out = Array.from(e.theta);
  for (const s of e.sigma) out.push(Math.log(s));
  // sd, not log sd: a variance heading to 0 would otherwise drift for ever on the log scale
  if (withOmega) for (let i = 0; i < k; i += 1) out.push(Math.sqrt(e.omega[i * k + i] ?? NaN));
  return Float64Array.from(out);
}

export function runSaem(model: CountingModel, start: PopulationEstimate, opts: SaemOptions): SaemResult {
  const problem: EstimationProblem = model.problem;
  const k = problem.randomEffects.length;
  const layout = residualLayout(problem.outputs);
  const floors = residualFloors(problem, layout);
  let theta: Float64Array = Float64Array.from(start.theta);
  let omega: Float64Array = Float64Array.from(start.omega);
  let sigma: Float64Array = Float64Array.from(start.sigma, (s, i) => Math.max(s, floors[i] ?? 0));
  const masks = informedMasks(model, theta);
  const chains: Chain[] = problem.subjects.map((subj, s) => ({
    phi: new Float64Array(k), eta: new Float64Array(k), f: new Float64Array(subj.y.length), logLik: -Infinity,
    rng: new RandomStream(opts.seed, Purpose.mcmc, s),
  }));
  const sampler = new MetropolisSampler(model, opts.kernels);
  // chains start at eta = 0: phi = mean(theta)
  chains.forEach((c, s) => phiMeanOf(problem, theta, s, c.phi));
  sampler.recentre(chains, theta, residualPairs(layout, sigma, problem.outputs.length));
  const stats = new RandomEffectStatistics(problem);
  const psi = new PsiUpdater(model, psiIndices(problem));
  const phiMean = problem.subjects.map(() => new Float64Array(k));
  const phiSecond = problem.subjects.map(() => new Float64Array(k * k));
  const trace: Float64Array[] = [];
  let explored = 0;
  let smoothed = 0;
  let stationary = false;
  let vanishing: string[] = [];
  // position of Omega's sds in monitorVector (when watched)
  const withOmega = opts.omegaStructure === 'full';
  const omegaMonitor = problem.thetaNames.length + sigma.length;
  let phase: IterationInfo['phase'] = opts.burnIn > 0 ? 'burn-in' : 'explore';
  const maxIterations = opts.burnIn + opts.exploreMax + opts.smooth;
  for (let it = 0; it < maxIterations && !(phase === 'smooth' && smoothed >= opts.smooth); it += 1) {
    if (phase === 'burn-in' && it >= opts.burnIn) phase = 'explore';
    const ab = residualPairs(layout, sigma, problem.outputs.length);
    const priorByMask = new Map<string, SplitPrior>();
    const priors = masks.map((m) => {
      const key = m.map((b) => (b ? '1' : '0')).join('');
      let p = priorByMask.get(key);
      if (p === undefined) { p = splitPrior(omega, k, m); priorByMask.set(key, p); }
      return p;
    });
    // theta and sigma moved in the last M-step: re-centre eta and refresh predictions (iteration 0 already is)
    if (it > 0) sampler.recentre(chains, theta, ab);
    const acceptance = sampler.sweep(chains, theta, ab, priors);
    if (phase !== 'burn-in') {
      const gamma = phase === 'explore' ? 1 : 1 / (smoothed + 1);
      const anneal = phase === 'explore' && explored < opts.annealIterations;
      const next = Float64Array.from(theta);
      psi.step(chains, next, ab, gamma);
      stats.update(chains, gamma);
      omega = stats.solve(next, opts.omegaStructure, omega, anneal);
      sigma = updateResiduals(problem, layout, chains, sigma, floors, gamma, anneal);
      theta = next;
      if (phase === 'smooth') {
        chains.forEach((c, s) => {
          const m = phiMean[s]!;
          const q = phiSecond[s]!;
          for (let i = 0; i < k; i += 1) {
            m[i] = (m[i] ?? 0) + gamma * ((c.phi[i] ?? 0) - (m[i] ?? 0));
            for (let j = 0; j < k; j += 1) q[i * k + j] = (q[i * k + j] ?? 0) + gamma * ((c.phi[i] ?? 0) * (c.phi[j] ?? 0) - (q[i * k + j] ?? 0));
          }
        });
        smoothed += 1;
      } else {
        explored += 1;
      }
      trace.push(monitorVector({ theta, omega, sigma }, k, withOmega));
      if (phase === 'explore') {
        const done = explored >= opts.exploreMax;
        const ready = explored >= opts.exploreMin && explored > opts.annealIterations;
        if ((ready && opts.autoStop) || done) {
          const drifting = driftingParameters(trace);
          // a variance sliding towards 0 converges geometrically slowly in SAEM and never looks
          // stationary; once it is negligible (sd < VANISHING_SD) it does not hold up the others
          vanishing = problem.randomEffects.map((r) => r.name).filter((_, e) => Math.sqrt(omega[e * k + e] ?? 0) < VANISHING_SD);
          stationary = drifting.every((q) => q >= omegaMonitor && q < omegaMonitor + k && Math.sqrt(omega[(q - omegaMonitor) * (k + 1)] ?? 0) < VANISHING_SD);
          if (stationary || done) phase = 'smooth';
        }
      }
    }
    if (opts.onIteration !== undefined) {
      const chainLogLik = chains.reduce((s, c, i) => s + conditionalLogLik(problem.subjects[i]!, c.f, ab), 0);
      opts.onIteration({ phase, iteration: it, explored, estimate: { theta, omega, sigma }, acceptance, chainLogLik });
    }
  }
  // conditional moments of eta at the final theta
  const etaMean: Float64Array[] = [];
  const etaCov: Float64Array[] = [];
  const centre = new Float64Array(k);
  problem.subjects.forEach((_, s) => {
    phiMeanOf(problem, theta, s, centre);
    const m = phiMean[s]!;
    const q = phiSecond[s]!;
    etaMean.push(Float64Array.from(m, (v, i) => v - (centre[i] ?? 0)));
    etaCov.push(Float64Array.from(q, (v, idx) => v - (m[Math.floor(idx / k)] ?? 0) * (m[idx % k] ?? 0)));
  });
  return { estimate: { theta, omega, sigma }, masks, etaMean, etaCov, exploreIterations: explored, smoothIterations: smoothed, stationary, vanishing, trace };
}
