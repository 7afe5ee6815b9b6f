/**
 * Structural model selection (issue 18 §2): each candidate structure is fitted to the same trial and
 * ranked by BIC = -2LL + k ln(n), k the estimated parameters (fixed effects the structure has and the
 * trial can inform, Omega's free entries, residual sds), n the observations fitted. AIC = -2LL + 2k is
 * shown beside it. Only a converged, non-degenerate fit can be chosen; with none, there is no choice
 * and the caller says why. BIC weights exp(-dBIC / 2) normalised are reported; `qusop answer --average`
 * averages over the candidates whose weight passes a threshold (analysis/fit/credible-export.ts).
 */
import type { Trial } from '../ingest/trial.js';
import type { Structure, StructureId } from '../structures/structure.js';
import type { FitResult } from './fit.js';
import { popmodelProblem } from './popmodel-problem.js';
import { residualLayout } from './problem.js';

export interface CandidateScore {
  readonly structure: StructureId;
  readonly minus2LL: number;
  readonly parameters: number;
  readonly observations: number;
  readonly aic: number;
  readonly bic: number;
  readonly converged: boolean;
  /** the degeneracy messages (empty: fit for sweeping) */
  readonly degenerate: readonly string[];
  /** BIC weight among the eligible candidates (0 for an ineligible one) */
  readonly weight: number;
  readonly chosen: boolean;
}

/** k and n of a fit of `structure` to `trial`, as the estimator saw them. */
export function parameterCount(trial: Trial, fit: FitResult, structure: Structure): { parameters: number; observations: number } {
  const problem = popmodelProblem(trial, undefined, structure);
  const held = new Set(problem.fixedTheta ?? []);
  const theta = problem.thetaNames.filter((_, i) => !held.has(i)).length;
  const K = problem.randomEffects.length;
  const omega = fit.omegaStructure === 'diagonal' ? K : (K * (K + 1)) / 2;
  const sigma = residualLayout(problem.outputs).length;
  const observations = problem.subjects.reduce((n, s) => n + s.y.length, 0);
  return { parameters: theta + omega + sigma, observations };
}

export interface Candidate {
  readonly structure: Structure;
  readonly fit: FitResult;
  readonly degenerate: readonly { readonly message: string }[];
}

/** Scores in the candidates' order; `chosen` marks the lowest BIC among converged, non-degenerate fits. */
export function rankCandidates(trial: Trial, candidates: readonly Candidate[]): CandidateScore[] {
  const raw = candidates.map((c) => {
    const { parameters, observations } = parameterCount(trial, c.fit, c.structure);
    const m2ll = c.fit.objective.minus2LL;
    const eligible = c.fit.converged && c.degenerate.length === 0 && Number.isFinite(m2ll);
    return { c, parameters, observations, m2ll, eligible, bic: m2ll + parameters * Math.log(observations), aic: m2ll + 2 * parameters };
  });
  const eligible = raw.filter((r) => r.eligible);
  const best = eligible.reduce<(typeof raw)[number] | undefined>((b, r) => (b === undefined || r.bic < b.bic ? r : b), undefined);
  const total = eligible.reduce((s, r) => s + Math.exp(-(r.bic - (best?.bic ?? 0)) / 2), 0);
  return raw.map((r) => ({
    structure: r.c.structure.id,
    minus2LL: r.m2ll,
    parameters: r.parameters,
    observations: r.observations,
    aic: r.aic,
    bic: r.bic,
    converged: r.c.fit.converged,
    degenerate: r.c.degenerate.map((d) => d.message),
    weight: r.eligible && best !== undefined ? Math.exp(-(r.bic - best.bic) / 2) / total : 0,
    chosen: r === best,
  }));
}
