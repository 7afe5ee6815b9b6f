/**
 * Structural model selection (issue 18 §2): each candidate structure is fitted to the same trial and
 * ranked by BIC = -2LL + k ln(n), k the estimated parameters (fixed effects the structure has and the
 * trial can inform, Omega's free entries, residual sds), n the observations fitted. AIC = -2LL + 2k is
 * shown beside it. Only a converged, non-degenerate fit can be chosen; with none, there is no choice
 * and the caller says why. BIC weights exp(-dBIC / 2) normalised are reported; `qusop answer --average`
 * averages over the candidates whose weight passes a threshold (analysis/fit/credible-export.ts).
 *
 * Parsimony: a fit whose structural fixed effect has a relative standard error above
 * POORLY_IDENTIFIED_RSE_PERCENT (e.g. a third compartment's V3 at 110 % on theophylline's multiple-dose
 * data: its 95 % interval spans a factor of ~9 either way) is "poorly identified": the data do not
 * determine the structure it adds. It is passed over (no choice, no BIC weight) when a well-identified
 * eligible candidate with fewer estimated parameters exists: the remedy for a structure richer than the
 * data is a simpler one. A poorly identified fit with no simpler well-identified rival stays eligible and
 * is ranked by BIC as usual (e.g. an IV drug read as oral, its KA running to infinity, RSE 800 %: the
 * one-compartment fit still beats a two-compartment one that mimics the instant input with a slow KA), so
 * a trial is never left without an answer by this rule. Covariate effects (BETA_*) are not structural and
 * do not count.
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
  /** BIC weight among the eligible candidates of the chosen one's tier (0 for the others) */
  readonly weight: number;
  readonly chosen: boolean;
  /** structural fixed effects with RSE above POORLY_IDENTIFIED_RSE_PERCENT, in words (absent: none) */
  readonly poorlyIdentified?: readonly string[];
}

/** A structural fixed effect's RSE (%) above which the data do not determine it. */
export const POORLY_IDENTIFIED_RSE_PERCENT = 100;

/** The fit's structural fixed effects whose RSE exceeds the limit, as "V3 RSE 110 %". */
export function poorlyIdentified(fit: FitResult): string[] {
  return fit.table
    .filter((r) => r.group === 'theta' && !r.key.startsWith('BETA_') && r.rsePercent > POORLY_IDENTIFIED_RSE_PERCENT)
    .map((r) => `${r.key} RSE ${r.rsePercent.toFixed(0)} %`);
}

/** k and n of a fit of `structure` to `trial`, as the estimator saw them. */
export function parameterCount(trial: Trial, fit: FitResult, structure: Structure): { parameters: number; observations: number } {
  const problem = popmodelProblem(trial, undefined, structure);
  // held: covariate effects the trial cannot show, and fixed effects held at a nested limit (nested-limits.ts)
  const held = new Set([...(problem.fixedTheta ?? []), ...(fit.heldAtLimit ?? []).map((h) => problem.thetaNames.indexOf(h.name))]);
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

/**
 * Scores in the candidates' order; `chosen` marks the lowest BIC among converged, non-degenerate fits,
 * less the poorly identified ones a simpler well-identified fit rules out (see above).
 */
export function rankCandidates(trial: Trial, candidates: readonly Candidate[]): CandidateScore[] {
  const raw = candidates.map((c) => {
    const { parameters, observations } = parameterCount(trial, c.fit, c.structure);
    const m2ll = c.fit.objective.minus2LL;
    const poorly = poorlyIdentified(c.fit);
    const sound = c.fit.converged && c.degenerate.length === 0 && Number.isFinite(m2ll);
    return { c, parameters, observations, m2ll, sound, poorly, bic: m2ll + parameters * Math.log(observations), aic: m2ll + 2 * parameters };
  });
  // a poorly identified fit gives way only to a well-identified one with fewer parameters: poor
  // identification says the structure is richer than the data, so the remedy is a simpler one, never a richer
  const simplerIdentified = (r: (typeof raw)[number]): boolean => raw.some((o) => o.sound && o.poorly.length === 0 && o.parameters < r.parameters);
  const eligible = raw.filter((r) => r.sound && (r.poorly.length === 0 || !simplerIdentified(r)));
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
    weight: eligible.includes(r) && best !== undefined ? Math.exp(-(r.bic - best.bic) / 2) / total : 0,
    chosen: r === best,
    ...(r.poorly.length === 0 ? {} : { poorlyIdentified: r.poorly }),
  }));
}
