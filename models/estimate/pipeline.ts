/**
 * The whole estimation for any EstimationProblem: SAEM; then (diagonal Omega) an importance-sampling
 * refinement of weakly informed variances, kept only if its -2LL is lower (refine.ts says why);
 * per-subject conditional modes, -2LL by importance sampling, the linearised Fisher information and
 * eta-shrinkage at the retained estimate. fit.ts wraps it for the PK/PD model (names, natural
 * scales, start values); tests run it on toy problems.
 */
import { CountingModel, type PopulationEstimate } from './likelihood.js';
import { runSaem, type SaemOptions, type SaemResult } from './saem.js';
import { splitPrior, type SplitPrior } from './eta-prior.js';
import { conditionalMode, type SubjectMode } from './modes.js';
import { importanceSamplingObjective, type ObjectiveResult, type Proposal } from './objective.js';
import { linearisedInformation, type InformationResult } from './fim.js';
import { etaShrinkage } from './diagnostics.js';
import { inverse } from './linalg.js';
import type { EstimationProblem } from './problem.js';
import { refineRandomEffects } from './refine.js';

/** SAEM's settings (the engine picks the kernels and the annealing) plus the later stages'. */
export interface EngineOptions extends Pick<SaemOptions, 'seed' | 'burnIn' | 'exploreMin' | 'exploreMax' | 'smooth' | 'autoStop' | 'omegaStructure' | 'onIteration'> {
  readonly importanceSamples: number;
  /** importance samples per subject for the refinement (0: no refinement) */
  readonly refinementSamples: number;
  readonly onStage?: (stage: 'refinement' | 'modes' | 'objective' | 'information') => void;
}

export interface RefinementReport {
  readonly applied: boolean;
  /** random effects treated as weakly informed (widened proposals) */
  readonly weak: readonly string[];
  readonly emIterations: number;
  /** -2LL (importance sampling, fresh draws) of the SAEM estimate and of the refined one */
  readonly minus2LLSaem: number;
  readonly minus2LLRefined: number;
}

export interface EngineResult {
  readonly estimate: PopulationEstimate;
  /** the SAEM estimate before refinement */
  readonly saemEstimate: PopulationEstimate;
  readonly saem: SaemResult;
  readonly refinement: RefinementReport | null;
  readonly modes: readonly SubjectMode[];
  readonly objective: ObjectiveResult;
  readonly information: InformationResult;
  readonly shrinkage: Float64Array;
  /** theta entries estimated at a bound (problem.thetaBounds): left out of the information */
  readonly atBound: readonly number[];
  /** stationary SAEM traces, positive-definite information, finite -2LL */
  readonly converged: boolean;
  readonly evaluations: number;
  readonly timingsMs: { readonly saem: number; readonly refinement: number; readonly modes: number; readonly objective: number; readonly information: number };
}

const BOUND_TOLERANCE = 1e-6;

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Importance-sampling proposals at the conditional modes with the inverse information there (a
 * Laplace-type proposal; on EstData it gave the same -2LL as the SAEM chains' moments with half the
 * Monte-Carlo error).
 */
function laplaceProposals(k: number, priors: readonly SplitPrior[], modes: readonly SubjectMode[]): Proposal[] {
  return priors.map(({ informed }, s) => {
    const inv = inverse(modes[s]!.information, informed.length);
    const cov = new Float64Array(k * k);
    informed.forEach((a, i) => informed.forEach((b, j) => { cov[a * k + b] = inv[i * informed.length + j] ?? 0; }));
    return { mean: modes[s]!.eta, cov };
  });
}

export async function estimatePopulation(problem: EstimationProblem, start: PopulationEstimate, opts: EngineOptions): Promise<EngineResult> {
  const model = new CountingModel(problem);
  const k = problem.randomEffects.length;
  let t = performance.now();
  const lap = (): number => { const now = performance.now(); const d = now - t; t = now; return d; };
  const saem = runSaem(model, start, {
    seed: opts.seed, burnIn: opts.burnIn, exploreMin: opts.exploreMin, exploreMax: opts.exploreMax, smooth: opts.smooth,
    autoStop: opts.autoStop, annealIterations: Math.floor(opts.exploreMin / 2),
    kernels: { independent: 2, block: 2, componentwise: 1 }, omegaStructure: opts.omegaStructure,
    ...(opts.onIteration === undefined ? {} : { onIteration: opts.onIteration }),
  });
  const saemMs = lap();
  await yieldLoop();

  const at = (est: PopulationEstimate, startEta: readonly Float64Array[]): { priors: SplitPrior[]; modes: SubjectMode[] } => {
    const priors = saem.masks.map((m) => splitPrior(est.omega, k, m));
    return { priors, modes: problem.subjects.map((_, s) => conditionalMode(model, s, est, priors[s]!, startEta[s]!)) };
  };
  opts.onStage?.('modes');
  let est = saem.estimate;
  let { priors, modes } = at(est, saem.etaMean);
  const modesMs = lap();
  opts.onStage?.('objective');
  let objective = importanceSamplingObjective(model, est, priors, laplaceProposals(k, priors, modes), opts.importanceSamples, opts.seed);
  const objectiveMs = lap();
  await yieldLoop();

  let refinement: RefinementReport | null = null;
  let refinementMs = 0;
  if (opts.omegaStructure === 'diagonal' && opts.refinementSamples > 0) {
    opts.onStage?.('refinement');
    const r = refineRandomEffects(model, est, priors, laplaceProposals(k, priors, modes), opts.refinementSamples, opts.seed);
    const weak = r.weak.map((c) => problem.randomEffects[c]?.name ?? String(c));
    refinement = { applied: false, weak, emIterations: r.iterations, minus2LLSaem: objective.value, minus2LLRefined: objective.value };
    if (weak.length > 0) {
      const refined = at(r.estimate, modes.map((m) => m.eta));
      // same seed: common random numbers make the two -2LL values directly comparable
      const refinedObjective = importanceSamplingObjective(model, r.estimate, refined.priors, laplaceProposals(k, refined.priors, refined.modes), opts.importanceSamples, opts.seed);
      const applied = refinedObjective.value < objective.value;
      refinement = { ...refinement, applied, minus2LLRefined: refinedObjective.value };
      if (applied) {
        est = r.estimate;
        ({ priors, modes } = refined);
        objective = refinedObjective;
      }
    }
    refinementMs = lap();
    await yieldLoop();
  }

  opts.onStage?.('information');
  // a parameter estimated at a bound of its range has no usable curvature there: it is reported, not inverted
  const atBound = (problem.thetaBounds ?? []).filter((b) => {
    const v = est.theta[b.index] ?? NaN;
    return Math.abs(v - b.lower) < BOUND_TOLERANCE || Math.abs(v - b.upper) < BOUND_TOLERANCE;
  }).map((b) => b.index);
  const information = linearisedInformation(model, est, modes.map((m) => m.eta), saem.masks, opts.omegaStructure, atBound);
  const informationMs = lap();
  const shrinkage = etaShrinkage(modes.map((m) => m.eta), saem.masks, est.omega, k);
  return {
    estimate: est, saemEstimate: saem.estimate, saem, refinement, modes, objective, information, shrinkage, atBound,
    converged: saem.stationary && information.positiveDefinite && Number.isFinite(objective.value),
    evaluations: model.evaluations,
    timingsMs: { saem: saemMs, refinement: refinementMs, modes: modesMs, objective: objectiveMs, information: informationMs },
  };
}
