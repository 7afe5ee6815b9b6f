/**
 * The estimation engine's view of a population model, independent of PK/PD: subjects' observations
 * (several outputs, each with its own residual error model), fixed effects on a transformed scale,
 * and log-normal-style random effects entering linearly: phi_ik = theta[mu_k] + sum_c theta[c] x_ic
 * + eta_ik (any fixed offset such as allometry lives inside `predict`). Fixed effects that are no
 * typical value or covariate coefficient of a random effect ("psi") are estimated numerically.
 * fit.ts builds one of these from a Trial; the unit tests build toy ones.
 */

export type ErrorModel = 'combined' | 'additive' | 'proportional';

export interface OutputSpec {
  readonly name: string;
  /** combined: var = a^2 + b^2 f^2 (NONMEM Y = F + F eps1 + eps2) */
  readonly error: ErrorModel;
}

export interface SubjectData {
  readonly id: number;
  /** observations, fitted in this order */
  readonly y: Float64Array;
  /** output index (into EstimationProblem.outputs) of each observation */
  readonly output: Uint8Array;
  /**
   * M3 censoring: censored[j] = 1 marks a row known only to lie below its limit of quantification,
   * which y[j] then holds (censored-likelihood.ts). Absent: no censored row (the Gaussian code path).
   */
  readonly censored?: Uint8Array;
}

/** Whether row j of a subject is censored (M3). */
export const isCensored = (subject: SubjectData, j: number): boolean => subject.censored !== undefined && subject.censored[j] === 1;

export interface CovariateEffect {
  /** index into theta of the (untransformed, additive on phi) coefficient */
  readonly thetaIndex: number;
  /** covariate value per subject */
  readonly values: Float64Array;
}

export interface RandomEffect {
  readonly name: string;
  /** index into theta of the typical value (transformed scale) */
  readonly muIndex: number;
  readonly covariates: readonly CovariateEffect[];
}

export interface EstimationProblem {
  readonly thetaNames: readonly string[];
  readonly subjects: readonly SubjectData[];
  readonly outputs: readonly OutputSpec[];
  readonly randomEffects: readonly RandomEffect[];
  /** theta entries held at their start values (not estimated; e.g. a covariate effect the design cannot show) */
  readonly fixedTheta?: readonly number[];
  /**
   * Bounds (transformed scale) on numerically estimated theta entries: where the likelihood keeps
   * improving towards a limit (IMAX -> 1), the estimate stops at the bound instead of running to a
   * point where the parameter no longer moves anything and its information vanishes.
   */
  readonly thetaBounds?: readonly { readonly index: number; readonly lower: number; readonly upper: number }[];
  /** predictions of subject s's observations at transformed fixed effects theta and random effects eta */
  predict(s: number, theta: Float64Array, eta: Float64Array, out: Float64Array): void;
}

/** One residual-error parameter: the additive sd a or the proportional coefficient b of an output. */
export interface ResidualParam {
  readonly output: number;
  readonly kind: 'additive' | 'proportional';
}

export function residualLayout(outputs: readonly OutputSpec[]): ResidualParam[] {
  const out: ResidualParam[] = [];
  outputs.forEach((o, i) => {
    if (o.error !== 'proportional') out.push({ output: i, kind: 'additive' });
    if (o.error !== 'additive') out.push({ output: i, kind: 'proportional' });
  });
  return out;
}

/** Per output: [a, b] residual sds (0 where the model has none), from the packed residual vector. */
export function residualPairs(layout: readonly ResidualParam[], sigma: Float64Array, nOutputs: number): Float64Array {
  const ab = new Float64Array(2 * nOutputs);
  layout.forEach((r, j) => {
    ab[2 * r.output + (r.kind === 'additive' ? 0 : 1)] = sigma[j] ?? 0;
  });
  return ab;
}

/** Keeps a purely proportional model's variance positive where a prediction is ~0. */
export const VARIANCE_FLOOR = 1e-12;

/** Residual variance of one observation: a^2 + b^2 f^2. */
export function residualVariance(ab: Float64Array, output: number, f: number): number {
  const a = ab[2 * output] ?? 0;
  const b = ab[2 * output + 1] ?? 0;
  return Math.max(a * a + b * b * f * f, VARIANCE_FLOOR);
}

/** Indices of theta estimated numerically (neither a random effect's mu nor a covariate coefficient). */
export function psiIndices(problem: EstimationProblem): number[] {
  const used = new Set<number>();
  for (const r of problem.randomEffects) {
    used.add(r.muIndex);
    for (const c of r.covariates) used.add(c.thetaIndex);
  }
  for (const i of problem.fixedTheta ?? []) used.add(i);
  return problem.thetaNames.map((_, i) => i).filter((i) => !used.has(i));
}

/** Mean of phi_i (without eta) for every random effect: theta[mu] + sum_c theta[c] x_ic. */
export function phiMean(problem: EstimationProblem, theta: Float64Array, s: number, out: Float64Array): void {
  problem.randomEffects.forEach((r, k) => {
    let m = theta[r.muIndex] ?? 0;
    for (const c of r.covariates) m += (theta[c.thetaIndex] ?? 0) * (c.values[s] ?? 0);
    out[k] = m;
  });
}
