/**
 * The posterior of a fitted population model by NUTS (chains.ts on population-posterior.ts), started at
 * the SAEM estimate and the subjects' conditional modes (population coordinates jittered per chain by
 * U(-0.3, 0.3) on the estimation scale, so that chains that do not mix show in R-hat), summarised with
 * the diagnostics of convergence.ts and the sampler's divergences and tree-depth saturation. A fit is
 * flagged when any population parameter's R-hat exceeds RHAT_LIMIT or more than DIVERGENCE_LIMIT of
 * the transitions diverged: such draws are not a posterior (analysis/fit/ refuses to export them
 * unless forced). Omega must be diagonal (the sampler's log omega_k coordinates).
 */
import { InputError } from '../../../worker/common/errors.js';
import { fromTransformed, toTransformed, type PopulationParameters } from '../../structures/parameters.js';
import type { Structure } from '../../structures/structure.js';
import type { Trial } from '../../ingest/trial.js';
import { popmodelProblem, toPopulationParameters } from '../popmodel-problem.js';
import type { FitResult } from '../fit.js';
import { Purpose, RandomStream } from '../rng.js';
import { HMC_DEFAULTS, runChains, type HmcOptions } from './chains.js';
import { parameterDiagnostics } from './convergence.js';
import { centredEffects, PopulationPosterior, OMEGA_PRIOR_SCALE, SIGMA_PRIOR_FACTOR, THETA_PRIOR_SD } from './population-posterior.js';

export const RHAT_LIMIT = 1.05;
export const DIVERGENCE_LIMIT = 0.01;
const INIT_JITTER = 0.3;

/** The prior, and how the subjects' coordinates are parametrised (names: the random effects; centred: which are). */
export function priorText(names: readonly string[], centred: readonly boolean[]): string {
  const c = names.filter((_, q) => centred[q]);
  const nc = names.filter((_, q) => !centred[q]);
  const coords = [
    ...(nc.length > 0 ? [`non-centred ${nc.join(', ')} (eta_ik = omega_k z_ik, z_ik ~ N(0, 1))`] : []),
    ...(c.length > 0 ? [`centred ${c.join(', ')} (phi_ik ~ N(typical value_ik, omega_k^2))`] : []),
  ];
  return `theta ~ N(SAEM estimate, ${THETA_PRIOR_SD}^2) on the estimation scale (log / logit); omega_k (sd) ~ half-normal(${OMEGA_PRIOR_SCALE}); residual sds ~ half-normal(${SIGMA_PRIOR_FACTOR} x SAEM estimate); subjects' random effects ${coords.join('; ')}`;
}

export interface PosteriorParameter {
  readonly name: string;
  /** natural scale: fixed effects as the structure reports them, omega as an sd, residual sds */
  readonly mean: number;
  readonly sd: number;
  readonly q05: number;
  readonly q50: number;
  readonly q95: number;
  readonly rhat: number;
  readonly essBulk: number;
  readonly essTail: number;
}

export interface PosteriorSummary {
  readonly options: HmcOptions;
  readonly prior: string;
  readonly parameters: readonly PosteriorParameter[];
  readonly maxRhat: number;
  /** max R-hat over the subjects' random-effect coordinates, z_ik or phi_ik (reported, not flagged) */
  readonly maxRhatRandomEffects: number;
  readonly minEssBulk: number;
  readonly minEssTail: number;
  readonly divergences: number;
  readonly transitions: number;
  readonly saturated: number;
  readonly stepSizes: readonly number[];
  readonly leapfrogs: number;
  readonly modelEvaluations: number;
  readonly wallMs: number;
  /** min bulk ESS over the population parameters per second of sampling (warm-up included) */
  readonly essPerSecond: number;
  /** the reasons the draws are not to be used (empty: none) */
  readonly flags: readonly string[];
}

export interface FitPosterior {
  readonly summary: PosteriorSummary;
  /** posterior draws of the population parameters, pooled (iteration-major, chains interleaved) */
  readonly draws: readonly PopulationParameters[];
  /** population coordinates per chain and draw (estimation scale), for trace plots */
  readonly traces: readonly { readonly name: string; readonly chains: readonly (readonly number[])[] }[];
}

function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}

export function samplePosterior(trial: Trial, fit: FitResult, structure: Structure, o: HmcOptions): FitPosterior {
  if (fit.omegaStructure !== 'diagonal') throw new InputError(`--uncertainty hmc: samples a diagonal Omega; this fit's Omega is ${fit.omegaStructure}`, { details: { field: '--uncertainty', value: 'hmc' } });
  const clock = performance.now();
  const full = popmodelProblem(structure.pd ? trial : { ...trial, subjects: trial.subjects.map((s) => ({ ...s, pd: [] })) }, undefined, structure);
  // a fixed effect the fit holds at a nested limit (IMAX = 1) is held in the posterior too
  const problem = { ...full, fixedTheta: [...(full.fixedTheta ?? []), ...(fit.heldAtLimit ?? []).map((h) => full.thetaNames.indexOf(h.name))] };
  const k = structure.etaNames.length;
  const p = fit.population;
  const estimate = {
    theta: Float64Array.from(structure.fixedEffects, (f) => toTransformed(f.name, p.fixed[f.name])),
    omega: Float64Array.from({ length: k * k }, (_, i) => p.omega[Math.floor(i / k)]?.[i % k] ?? 0),
    sigma: Float64Array.from(structure.pd ? [p.sigma.pkAdditive, p.sigma.pkProportional, p.sigma.pdAdditive] : [p.sigma.pkAdditive, p.sigma.pkProportional]),
  };
  // centred or non-centred per random effect, by the SAEM fit's eta-shrinkage under `auto`
  const centred = centredEffects(o.parametrisation ?? HMC_DEFAULTS.parametrisation, structure.etaNames.map((n) => fit.shrinkage[n] ?? NaN));
  const target = new PopulationPosterior(problem, estimate, centred);
  const sd = Float64Array.from({ length: k }, (_, i) => Math.sqrt(estimate.omega[i * k + i] ?? 0));
  const start = target.encode(estimate.theta, sd, estimate.sigma, fit.individual.map((s) => s.eta));
  const pop = target.layout.population;
  const init = (c: number): Float64Array => {
    const r = new RandomStream(o.seed, Purpose.hmc, 1_000_000 + c);
    return start.map((v, i) => (i < pop ? v + INIT_JITTER * (2 * r.uniform() - 1) : v));
  };
  const run = runChains(target, init, o);
  const wallMs = performance.now() - clock;

  const coordinate = (i: number): number[][] => run.draws.map((chain) => chain.map((q) => q[i] ?? NaN));
  const decoded = run.draws.map((chain) => chain.map((q) => target.decode(q)));
  const natural = (i: number): number[][] => {
    const nTheta = target.layout.thetaFree.length;
    return decoded.map((chain) => chain.map((d) => {
      if (i < nTheta) { const t = target.layout.thetaFree[i]!; return fromTransformed(structure.fixedEffects[t]!.name, d.theta[t] ?? NaN); }
      if (i < nTheta + k) return d.sd[i - nTheta] ?? NaN;
      return d.sigma[target.layout.sigmaFree[i - nTheta - k]!] ?? NaN;
    }));
  };
  const parameters = target.layout.names.slice(0, pop).map((name, i) => {
    const diag = parameterDiagnostics(coordinate(i));
    const values = natural(i).flat().sort((a, b) => a - b);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sdv = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(values.length - 1, 1));
    return { name, mean, sd: sdv, q05: quantile(values, 0.05), q50: quantile(values, 0.5), q95: quantile(values, 0.95), ...diag };
  });
  let maxRhatRandomEffects = 0;
  for (let i = pop; i < target.dim; i += 1) maxRhatRandomEffects = Math.max(maxRhatRandomEffects, parameterDiagnostics(coordinate(i)).rhat);
  const divergences = run.chains.reduce((s, c) => s + c.divergences, 0);
  const transitions = o.chains * o.samples;
  const maxRhat = Math.max(...parameters.map((x) => (Number.isFinite(x.rhat) ? x.rhat : Infinity)));
  const minEssBulk = Math.min(...parameters.map((x) => x.essBulk));
  const flags: string[] = [];
  if (!(maxRhat <= RHAT_LIMIT)) flags.push(`R-hat ${maxRhat.toFixed(3)} > ${RHAT_LIMIT} (${parameters.filter((x) => !(x.rhat <= RHAT_LIMIT)).map((x) => x.name).join(', ')}): the chains have not mixed`);
  if (divergences > DIVERGENCE_LIMIT * transitions) flags.push(`${divergences} of ${transitions} transitions divergent (${((100 * divergences) / transitions).toFixed(1)} % > ${100 * DIVERGENCE_LIMIT} %): the sampler cannot follow the posterior's geometry`);
  const summary: PosteriorSummary = {
    options: o, prior: priorText(structure.etaNames, centred), parameters, maxRhat, maxRhatRandomEffects, minEssBulk, minEssTail: Math.min(...parameters.map((x) => x.essTail)),
    divergences, transitions, saturated: run.chains.reduce((s, c) => s + c.saturated, 0), stepSizes: run.chains.map((c) => c.stepSize),
    leapfrogs: run.chains.reduce((s, c) => s + c.leapfrogs, 0), modelEvaluations: target.evaluations, wallMs, essPerSecond: minEssBulk / (wallMs / 1000), flags,
  };
  const draws: PopulationParameters[] = [];
  for (let s = 0; s < o.samples; s += 1) {
    for (let c = 0; c < o.chains; c += 1) {
      const d = decoded[c]![s]!;
      const omega = Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? (d.sd[i / (k + 1)] ?? 0) ** 2 : 0));
      draws.push(toPopulationParameters(d.theta, omega, d.sigma, structure));
    }
  }
  const traces = target.layout.names.slice(0, pop).map((name, i) => ({ name, chains: coordinate(i) }));
  return { summary, draws, traces };
}
