/**
 * A PK/PD structure's PD fitted to the biomarker alone, given a PK fit to the concentrations: the
 * sequential IPP method (individual PK parameters; Zhang, Beal & Sheiner 2003, J Pharmacokinet
 * Pharmacodyn 30:387). Every subject's PK parameters are held at its individual estimates from the PK
 * fit (the PK fit's typical values with the subject's conditional mode of eta and its covariates), and
 * only the PD fixed effects, the PD random effects' variances and the PD residual sd are estimated, by
 * the same engine (pipeline.ts) on the biomarker rows. The model is the PK/PD structure's own
 * (popmodel-problem.ts predicts); only which parameters move, and which rows count, differ.
 *
 * The PK structure's parameters must be the PK/PD structure's PK ones, by name (pkOfPkpd finds it).
 * Its -2LL is the biomarker's alone, so BIC here ranks PD structures of one PK fit against each other,
 * never against a simultaneous fit.
 */
import type { Trial } from '../ingest/trial.js';
import { fromTransformed, toTransformed, type FixedEffectName } from '../structures/parameters.js';
import type { Structure, StructureId } from '../structures/structure.js';
import type { PopulationEstimate } from './likelihood.js';
import { estimatePopulation } from './pipeline.js';
import type { EstimationProblem, SubjectData } from './problem.js';
import { OUTPUT_PD, popmodelProblem } from './popmodel-problem.js';
import { startValues } from './start-values.js';
import type { FitResult } from './fit.js';

/**
 * A screening fit: half a full fit's SAEM lengths (fit.ts DEFAULTS: 5 + 100..400 + 100), 300 importance
 * samples per subject for -2LL instead of 500, no refinement of Omega. Its -2LL only has to place a
 * candidate against a 10-unit BIC margin: its Monte-Carlo s.e. (recorded: 0.17-0.26 on EstData's
 * five candidates, 0.12-0.15 on the 16-subject test trial) is far inside that, and the simultaneous fit that follows is a full one.
 */
export const PD_STAGE_ENGINE = { burnIn: 5, exploreMin: 50, exploreMax: 200, smooth: 50, importanceSamples: 300, refinementSamples: 0 } as const;

export interface PdGivenPkFit {
  readonly structure: StructureId;
  /** the PK structure whose individual estimates were held */
  readonly pk: StructureId;
  /** -2LL of the biomarker observations given the individual PK (importance sampling) */
  readonly minus2LL: number;
  /** Monte-Carlo standard error of that -2LL */
  readonly mcStandardError: number;
  /** estimated PD parameters: fixed effects (not held), Omega's PD variances, the PD residual sd */
  readonly parameters: number;
  /** biomarker observations */
  readonly observations: number;
  readonly aic: number;
  readonly bic: number;
  /** stationary SAEM, positive-definite information, finite -2LL (pipeline.ts) */
  readonly converged: boolean;
  /** the PD fixed effects on their natural scale (transformed back) */
  readonly pdFixed: Readonly<Record<string, number>>;
  readonly timeMs: number;
}

/** The PK-only structure a PK/PD structure's PK parameters are those of: same route and compartments, every parameter its own. */
export function pkOfPkpd(pkpd: Structure, pkCandidates: readonly Structure[]): Structure | undefined {
  const names = new Set(pkpd.fixedEffects.map((f) => f.name));
  const fits = pkCandidates.filter((pk) => !pk.pd && pk.route === pkpd.route && pk.compartments === pkpd.compartments && pk.fixedEffects.every((f) => names.has(f.name)) && pk.etaNames.every((e) => pkpd.etaNames.includes(e)));
  // the one with most parameters: the lag-free PK of a lag-free PK/PD structure, not a smaller one
  return fits.reduce<Structure | undefined>((b, s) => (b === undefined || s.fixedEffects.length > b.fixedEffects.length ? s : b), undefined);
}

/** The biomarker-only problem of `pkpd` with every subject's PK held at the PK fit's individual estimates. */
export function pdGivenPkProblem(trial: Trial, pkpd: Structure, pk: Structure, pkFit: FitResult): { problem: EstimationProblem; pdTheta: number[]; pdEtas: number[] } {
  const full = popmodelProblem(trial, undefined, pkpd);
  const pkNames = new Set<FixedEffectName>(pk.fixedEffects.map((f) => f.name));
  const pdTheta = pkpd.fixedEffects.map((_, i) => i).filter((i) => !pkNames.has(pkpd.fixedEffects[i]!.name));
  const reduced = new Map(pdTheta.map((i, r) => [i, r]));
  const at = (i: number): number => {
    const r = reduced.get(i);
    if (r === undefined) throw new Error(`pd-given-pk: ${pkpd.id}'s parameter ${full.thetaNames[i]} enters a PD random effect but is a PK parameter of ${pk.id}`);
    return r;
  };
  const pdEtas = full.randomEffects.map((_, k) => k).filter((k) => !(pk.etaNames as readonly string[]).includes(full.randomEffects[k]!.name));
  const pkEtas = full.randomEffects.map((r, k) => ({ k, at: (pk.etaNames as readonly string[]).indexOf(r.name) })).filter((e) => e.at >= 0);
  // the full theta with the PK fit's typical values (its own layout's names) in the PK slots
  const pkFixed = pkFit.population.fixed as Readonly<Record<string, number>>;
  const baseTheta = Float64Array.from(pkpd.fixedEffects, (f) => (pkNames.has(f.name) ? toTransformed(f.name, pkFixed[f.name] ?? NaN) : 0));
  const baseEta = full.subjects.map((_, s) => {
    const eta = new Float64Array(full.randomEffects.length);
    for (const e of pkEtas) eta[e.k] = pkFit.individual[s]?.eta[e.at] ?? 0;
    return eta;
  });
  const rows = full.subjects.map((s) => Array.from(s.output.keys()).filter((j) => s.output[j] === OUTPUT_PD));
  const subjects: SubjectData[] = full.subjects.map((s, i) => {
    const keep = rows[i]!;
    const data = { id: s.id, y: Float64Array.from(keep, (j) => s.y[j]!), output: new Uint8Array(keep.length) };
    return s.censored === undefined ? data : { ...data, censored: Uint8Array.from(keep, (j) => s.censored![j]!) };
  });
  const scratch = full.subjects.map((s) => new Float64Array(s.y.length));
  const theta = new Float64Array(full.thetaNames.length);
  const problem: EstimationProblem = {
    thetaNames: pdTheta.map((i) => full.thetaNames[i]!),
    subjects,
    outputs: full.outputs.slice(OUTPUT_PD, OUTPUT_PD + 1),
    randomEffects: pdEtas.map((k) => {
      const r = full.randomEffects[k]!;
      return { name: r.name, muIndex: at(r.muIndex), covariates: r.covariates.map((c) => ({ thetaIndex: at(c.thetaIndex), values: c.values })) };
    }),
    fixedTheta: (full.fixedTheta ?? []).filter((i) => reduced.has(i)).map(at),
    thetaBounds: (full.thetaBounds ?? []).filter((b) => reduced.has(b.index)).map((b) => ({ ...b, index: at(b.index) })),
    predict(s, pdValues, eta, out) {
      theta.set(baseTheta);
      pdTheta.forEach((i, r) => { theta[i] = pdValues[r]!; });
      const fullEta = Float64Array.from(baseEta[s]!);
      pdEtas.forEach((k, r) => { fullEta[k] = eta[r]!; });
      const all = scratch[s]!;
      full.predict(s, theta, fullEta, all);
      rows[s]!.forEach((j, r) => { out[r] = all[j]!; });
    },
  };
  return { problem, pdTheta, pdEtas };
}

/** Fits `pkpd`'s PD to the biomarker with the PK held at `pkFit`'s individual estimates (IPP). */
export async function fitPdGivenPk(trial: Trial, pkpd: Structure, pk: Structure, pkFit: FitResult, seed: number): Promise<PdGivenPkFit> {
  const clock = performance.now();
  const { problem, pdTheta, pdEtas } = pdGivenPkProblem(trial, pkpd, pk, pkFit);
  const sv = startValues(trial, pkpd).population;
  const names = pdTheta.map((i) => pkpd.fixedEffects[i]!.name);
  const K = pkpd.etaNames.length;
  const fullOmega = sv.omega;
  if (K !== fullOmega.length) throw new Error(`pd-given-pk: start Omega of ${pkpd.id} is ${fullOmega.length} x ${fullOmega.length}, expected ${K}`);
  const start: PopulationEstimate = {
    theta: Float64Array.from(names, (n) => toTransformed(n, (sv.fixed as Readonly<Record<string, number>>)[n] ?? NaN)),
    omega: Float64Array.from({ length: pdEtas.length ** 2 }, (_, x) => fullOmega[pdEtas[Math.floor(x / pdEtas.length)]!]?.[pdEtas[x % pdEtas.length]!] ?? 0),
    sigma: Float64Array.of(sv.sigma.pdAdditive),
  };
  const engine = await estimatePopulation(problem, start, { seed, ...PD_STAGE_ENGINE, autoStop: true, omegaStructure: 'diagonal' });
  const held = new Set(problem.fixedTheta ?? []);
  const parameters = problem.thetaNames.filter((_, i) => !held.has(i)).length + pdEtas.length + 1;
  const observations = problem.subjects.reduce((n, s) => n + s.y.length, 0);
  const m2ll = engine.objective.value;
  const pdFixed = Object.fromEntries(names.map((n, r) => [n, fromTransformed(n, engine.estimate.theta[r] ?? NaN)]));
  return {
    structure: pkpd.id, pk: pk.id, minus2LL: m2ll, mcStandardError: engine.objective.mcStandardError, parameters, observations,
    aic: m2ll + 2 * parameters, bic: m2ll + parameters * Math.log(observations),
    converged: engine.converged, pdFixed, timeMs: performance.now() - clock,
  };
}
