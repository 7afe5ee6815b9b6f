/**
 * Fits the population PK/PD model (parameters.ts) to a trial by SAEM and post-processes the estimate
 * the way Monolix does: conditional modes (EBEs) per subject, -2LL by importance sampling, standard
 * errors from the linearised Fisher information, eta-shrinkage. Start values come from the data
 * (start-values.ts) unless given. The result is plain data (JSON-serialisable), including the
 * covariance of the estimates that uncertainty.ts draws parameter sets from.
 */
import { InputError } from '../../worker/common/errors.js';
import type { Trial } from '../ingest/trial.js';
import { fromTransformed, toTransformed, type EtaName, type FixedEffectName, type PopulationParameters } from '../structures/parameters.js';
import { popmodelProblem, THETA_BOUNDS, toPopulationParameters } from './popmodel-problem.js';
import type { PopulationEstimate } from './likelihood.js';
import { VANISHING_SD, type IterationInfo } from './saem.js';
import type { EstimatedParameter } from './fim.js';
import { estimatePopulation, type RefinementReport } from './pipeline.js';
import type { OmegaStructure } from './mstep-random-effects.js';
import { parameterTable, type ParameterRow } from './summary.js';
import { startValues } from './start-values.js';
import { TWO_COMPARTMENT, type Structure, type StructureId } from '../structures/structure.js';
import type { CovariateEffect } from '../structures/covariate-effects.js';
import { splitAtBound, type HeldAtLimit } from './nested-limits.js';

export interface FitOptions {
  readonly seed: number;
  /** SAEM lengths; exploration stops early once stationary (autoStop) but never before exploreMin */
  readonly iterations?: { readonly burnIn?: number; readonly exploreMin?: number; readonly exploreMax?: number; readonly smooth?: number };
  readonly autoStop?: boolean;
  readonly omegaStructure?: OmegaStructure;
  /** importance samples per subject for -2LL (default 500) */
  readonly importanceSamples?: number;
  /** importance samples per subject for the final random-effect refinement (default 300; 0 = none) */
  readonly refinementSamples?: number;
  /** start from these instead of the data-derived values */
  readonly start?: PopulationParameters;
  /** the structure to fit (default the 2-compartment one) */
  readonly structure?: Structure;
  readonly progress?: (p: FitProgress) => void;
}

export interface FitProgress {
  readonly stage: 'start-values' | 'saem' | 'refinement' | 'modes' | 'objective' | 'information' | 'done';
  readonly message: string;
  readonly saem?: IterationInfo;
}

export interface FitResult {
  /** absent in fits written before the structure library: the 2-compartment structure */
  readonly structure?: StructureId;
  /** declared covariate effects (covariate-effects.ts) the structure was fitted with; absent: none */
  readonly covariateEffects?: readonly CovariateEffect[];
  /** true: the declarations left out COMED on the baseline (held at 0) */
  readonly holdComed?: boolean;
  readonly population: PopulationParameters;
  /** the biomarker's unit, the trial's (pd-unit.ts); absent: ng/mL */
  readonly pdUnit?: string;
  readonly start: PopulationParameters;
  /** standard errors on the natural scale: fixed effects, Omega's variances, residual sds */
  readonly se: {
    readonly fixed: Readonly<Record<FixedEffectName, number>>;
    readonly omega: Readonly<Record<EtaName, number>>;
    readonly sigma: { readonly pkProportional: number; readonly pkAdditive: number; readonly pdAdditive: number };
  };
  /** estimate, SE and RSE % of every estimated parameter */
  readonly table: readonly ParameterRow[];
  /**
   * Covariance of the estimates in the scale the information was computed on: theta transformed
   * (FIXED_EFFECTS transforms), Omega as variances (and covariances for a full Omega), residual sds.
   */
  readonly covariance: { readonly parameters: readonly EstimatedParameter[]; readonly matrix: readonly (readonly number[])[] };
  readonly objective: { readonly minus2LL: number; readonly mcStandardError: number; readonly method: 'importance-sampling'; readonly samples: number };
  readonly shrinkage: Readonly<Record<EtaName, number>>;
  /** conditional modes of eta (ETA_NAMES order) per subject, in trial order */
  readonly individual: readonly { readonly id: number; readonly eta: readonly number[] }[];
  /**
   * fixed effects at a bound that is a model of its own (nested-limits.ts: IMAX -> 1, complete
   * inhibition): held there, not estimated (no SE, not counted in BIC); absent: none
   */
  readonly heldAtLimit?: readonly HeldAtLimit[];
  /** the importance-sampling refinement of the random-effect distribution (null: not run) */
  readonly refinement: RefinementReport | null;
  readonly converged: boolean;
  readonly convergence: {
    readonly stationary: boolean;
    readonly informationPositiveDefinite: boolean;
    /** fixed effects estimated at a bound of their range (left out of the information), other than those held at a nested limit */
    readonly atBound: readonly FixedEffectName[];
    readonly informationMinEigenvalue: number;
    readonly objectiveFinite: boolean;
    /** random effects whose variance went to ~0 (sd < 0.05): not held against stationarity */
    readonly negligibleVariances: readonly string[];
  };
  readonly iterations: { readonly burnIn: number; readonly explore: number; readonly smooth: number };
  readonly omegaStructure: OmegaStructure;
  readonly modelEvaluations: number;
  readonly timingsMs: { readonly startValues: number; readonly saem: number; readonly refinement: number; readonly modes: number; readonly objective: number; readonly information: number; readonly total: number };
  readonly seed: number;
  readonly notes: readonly string[];
}

const STAGE_MESSAGES = { refinement: 'importance-sampling refinement of Omega', modes: 'conditional modes (EBEs)', objective: '-2LL by importance sampling', information: 'linearised Fisher information' } as const;

const DEFAULTS = { burnIn: 5, exploreMin: 100, exploreMax: 400, smooth: 100, importanceSamples: 500, refinementSamples: 300 } as const;

function flatOmega(p: PopulationParameters, k: number): Float64Array {
  return Float64Array.from({ length: k * k }, (_, i) => p.omega[Math.floor(i / k)]?.[i % k] ?? 0);
}

function checkTrial(trial: Trial, structure: Structure): void {
  const pk = trial.subjects.reduce((n, s) => n + s.pk.length, 0);
  const pd = trial.subjects.reduce((n, s) => n + s.pd.length, 0);
  if (pk === 0 || (structure.pd && pd === 0)) {
    const needs = structure.pd ? 'both concentration (DVID 1) and biomarker (DVID 2) observations' : 'concentration observations';
    throw new InputError(`${trial.file}: structure ${structure.id} needs ${needs}; found ${pk} concentration and ${pd} biomarker${structure.pd ? '' : ' (a PK-only trial is fitted with a PK structure: 1cmt-oral, 2cmt-oral, or 1cmt-iv, 2cmt-iv for IV doses)'}`, {
      details: { file: trial.file, pk, pd, structure: structure.id },
    });
  }
}

function checkOptions(opts: FitOptions, it: Readonly<Record<'burnIn' | 'exploreMin' | 'exploreMax' | 'smooth', number>>, samples: number): void {
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new InputError(`fitPopulationModel: options.${field} is ${String(value)}, expected ${expected}`, { details: { field, value } });
  };
  if (!(Number.isInteger(opts.seed) && opts.seed >= 0 && opts.seed < 2 ** 32)) bad('seed', opts.seed, 'an integer in [0, 2^32)');
  for (const key of ['burnIn', 'exploreMin', 'exploreMax'] as const) if (!(Number.isInteger(it[key]) && it[key] >= 0)) bad(`iterations.${key}`, it[key], 'an integer >= 0');
  if (!(Number.isInteger(it.smooth) && it.smooth >= 1)) bad('iterations.smooth', it.smooth, 'an integer >= 1');
  if (it.exploreMax < it.exploreMin) bad('iterations.exploreMax', it.exploreMax, `>= iterations.exploreMin (${it.exploreMin})`);
  if (!(Number.isInteger(samples) && samples >= 1)) bad('importanceSamples', samples, 'an integer >= 1');
  const refine = opts.refinementSamples ?? 0;
  if (!(Number.isInteger(refine) && refine >= 0)) bad('refinementSamples', refine, 'an integer >= 0');
}

export async function fitPopulationModel(trial: Trial, opts: FitOptions): Promise<FitResult> {
  checkTrial(trial, opts.structure ?? TWO_COMPARTMENT);
  const it = { ...DEFAULTS, ...opts.iterations };
  const samples = opts.importanceSamples ?? DEFAULTS.importanceSamples;
  checkOptions(opts, it, samples);
  const clock = performance.now();
  const report = (p: FitProgress): void => opts.progress?.(p);
  const notes: string[] = [];

  if (trial.noWeight === true) notes.push('no body-weight covariate in the trial: every subject at the 70 kg reference, so body weight has no estimated effect; populations of other weights are extrapolated by the fixed allometric exponents (0.75, 1)');
  report({ stage: 'start-values', message: 'deriving start values from the data' });
  const model = opts.structure ?? TWO_COMPARTMENT;
  const start = opts.start ?? (() => { const sv = startValues(trial, model); notes.push(...sv.notes); return sv.population; })();
  const startMs = performance.now() - clock;

  const problem = popmodelProblem(trial, undefined, model);
  const censored = problem.subjects.reduce((n, s) => n + (s.censored?.reduce((a, c) => a + c, 0) ?? 0), 0);
  if (censored > 0) notes.push(`${censored} BLQ observations fitted by the M3 likelihood (each contributes P(y < LLOQ))`);
  const K = model.etaNames.length;
  const fixedEffects = model.fixedEffects;
  const structure = opts.omegaStructure ?? 'diagonal';
  const startEstimate: PopulationEstimate = {
    theta: Float64Array.from(model.fixedEffects, (f) => toTransformed(f.name, start.fixed[f.name])),
    omega: flatOmega(start, K),
    sigma: Float64Array.from(model.pd ? [start.sigma.pkAdditive, start.sigma.pkProportional, start.sigma.pdAdditive] : [start.sigma.pkAdditive, start.sigma.pkProportional]),
  };
  const engine = await estimatePopulation(problem, startEstimate, {
    seed: opts.seed, burnIn: it.burnIn, exploreMin: it.exploreMin, exploreMax: it.exploreMax, smooth: it.smooth,
    autoStop: opts.autoStop ?? true, omegaStructure: structure, importanceSamples: samples,
    refinementSamples: opts.refinementSamples ?? DEFAULTS.refinementSamples,
    onIteration: (info) => report({ stage: 'saem', message: `${info.phase} ${info.iteration}`, saem: info }),
    onStage: (stage) => report({ stage, message: STAGE_MESSAGES[stage] }),
  });
  const { estimate: est, saem, modes, objective, information: fim } = engine;

  const naturalValue = (name: FixedEffectName): number => fromTransformed(name, est.theta[fixedEffects.findIndex((f) => f.name === name)] ?? NaN);
  const bounded = splitAtBound(engine.atBound.map((i) => fixedEffects[i]!.name), naturalValue, (name) => THETA_BOUNDS.find((b) => b.name === name));
  for (const name of bounded.degenerate) {
    notes.push(`${name} estimated at a bound of its range (${naturalValue(name)}): the data cannot place it inside; no SE, held at the bound in uncertainty draws`);
  }
  for (const h of bounded.held) notes.push(`${h.name} at its limit ${Number(h.value.toPrecision(6))}: ${h.meaning}`);
  for (const i of problem.fixedTheta ?? []) notes.push(`${fixedEffects[i]?.name} held at ${start.fixed[fixedEffects[i]!.name]}: its covariate does not vary in the trial`);
  const population = toPopulationParameters(est.theta, est.omega, est.sigma, model);
  const table = parameterTable(fim, population, model);
  const seOf = (group: EstimatedParameter['group'], name: string): number => table.find((r) => r.group === group && r.key === name)?.se ?? NaN;
  const shrink = engine.shrinkage;
  const objectiveFinite = Number.isFinite(objective.value);
  if (!fim.positiveDefinite) notes.push(`Fisher information not positive definite (min eigenvalue ${fim.minEigenvalue.toExponential(2)}): some SEs are unreliable`);
  if (!saem.stationary) notes.push(`SAEM traces still drifting after ${saem.exploreIterations} exploratory iterations`);
  const negligible = model.etaNames.filter((_, i) => Math.sqrt(est.omega[i * K + i] ?? 0) < VANISHING_SD);
  if (negligible.length > 0) notes.push(`variance estimated ~0 (sd < ${VANISHING_SD}) for ${negligible.join(', ')}: no between-subject variability detectable with this design`);
  const r = engine.refinement;
  if (r !== null) notes.push(`importance-sampling refinement of the random effects (weakly informed: ${r.weak.join(', ') || 'none'}): -2LL ${r.minus2LLSaem.toFixed(2)} (SAEM) -> ${r.minus2LLRefined.toFixed(2)}, ${r.applied ? 'applied' : 'not applied'}`);
  const result: FitResult = {
    ...(model === TWO_COMPARTMENT ? {} : { structure: model.id }),
    ...(model.covariateEffects === undefined ? {} : { covariateEffects: model.covariateEffects }),
    ...(model.holdComed === true ? { holdComed: true } : {}),
    population,
    start,
    se: {
      fixed: Object.fromEntries(fixedEffects.map((f) => [f.name, seOf('theta', f.name)])) as Record<FixedEffectName, number>,
      omega: Object.fromEntries(model.etaNames.map((n) => [n, seOf('omega', n)])) as Record<EtaName, number>,
      sigma: { pkProportional: seOf('sigma', 'pkProportional'), pkAdditive: seOf('sigma', 'pkAdditive'), pdAdditive: seOf('sigma', 'pdAdditive') },
    },
    table,
    covariance: {
      parameters: fim.parameters,
      matrix: Array.from({ length: fim.parameters.length }, (_, i) => Array.from({ length: fim.parameters.length }, (_, j) => fim.covariance[i * fim.parameters.length + j] ?? NaN)),
    },
    objective: { minus2LL: objective.value, mcStandardError: objective.mcStandardError, method: 'importance-sampling', samples },
    shrinkage: Object.fromEntries(model.etaNames.map((n, i) => [n, shrink[i] ?? NaN])) as Record<EtaName, number>,
    individual: problem.subjects.map((s, i) => ({ id: s.id, eta: Array.from(modes[i]!.eta) })),
    ...(bounded.held.length === 0 ? {} : { heldAtLimit: bounded.held }),
    refinement: engine.refinement,
    converged: engine.converged,
    convergence: { stationary: saem.stationary, informationPositiveDefinite: fim.positiveDefinite, atBound: bounded.degenerate, informationMinEigenvalue: fim.minEigenvalue, objectiveFinite, negligibleVariances: negligible },
    iterations: { burnIn: it.burnIn, explore: saem.exploreIterations, smooth: saem.smoothIterations },
    omegaStructure: structure,
    modelEvaluations: engine.evaluations,
    timingsMs: { startValues: startMs, ...engine.timingsMs, total: performance.now() - clock },
    seed: opts.seed,
    notes,
  };
  report({ stage: 'done', message: `-2LL ${objective.value.toFixed(2)}, converged ${result.converged}` });
  return result;
}
