/**
 * The population PK/PD model of parameters.ts as an EstimationProblem: theta = FIXED_EFFECTS on their
 * transformed scales, random effects ETA_NAMES (COMED's coefficient on the baseline enters as a
 * covariate of R0's random effect, exactly as individualParameters applies it), PK (DVID 1) with
 * combined proportional + additive error, PD (DVID 2) with additive error. Predictions come from the
 * shared simulator (structures/pk.ts, structures/pd.ts), never from a copy of it. Placebo subjects carry
 * PD observations only: their PK and potency random effects are left to the prior by the engine.
 * BLQ observations are censored rows (M3: y holds the LLOQ, SubjectData.censored marks them).
 */
import { simulatorDoses, type Trial } from '../ingest/trial.js';
import {
  fixedRecord, fromTransformed, individualParameters, toTransformed,
  type EtaName, type FixedEffectName, type FixedEffects, type PopulationParameters,
} from '../structures/parameters.js';
import { concentrations, type Dose } from '../structures/pk.js';
import { MTT_BOUNDS_H } from '../structures/transit-absorption-structures.js';
import { biomarker } from '../structures/pd.js';
import type { EstimationProblem, OutputSpec, RandomEffect, SubjectData } from './problem.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import { covariateFeature, effectsOf } from '../structures/covariate-effects.js';
import { d1Bounds } from './zero-order-fit.js';

export const OUTPUT_PK = 0;
export const OUTPUT_PD = 1;
export const POPMODEL_OUTPUTS: readonly OutputSpec[] = [
  { name: 'PK', error: 'combined' },
  { name: 'PD', error: 'additive' },
];

/** Covariate effects of the model that are linear in a random effect's transformed parameter. */
const COVARIATE_EFFECTS: readonly { eta: EtaName; theta: FixedEffectName; covariate: 'comed' }[] = [
  { eta: 'R0', theta: 'BETA_COMED_R0', covariate: 'comed' },
];

/**
 * Limits of the numerically estimated parameters that can run to a limit of their range: IMAX -> 1
 * (complete inhibition cannot be told from 0.9999 by PD data) and a Hill coefficient -> 0 or infinity.
 */
export const THETA_BOUNDS: readonly { name: FixedEffectName; lower: number; upper: number }[] = [
  { name: 'IMAX', lower: 1e-4, upper: 1 - 1e-4 },
  { name: 'GAMMA', lower: 0.05, upper: 20 },
  // a stimulation far beyond the data's range cannot be told from a larger one (SMAX -> infinity with IC50)
  { name: 'SMAX', lower: 1e-4, upper: 1e4 },
  // a lag the data cannot place: towards 0 (no lag: the lag-free structure is the model) or beyond a day
  { name: 'ALAG', lower: 1e-3, upper: 24 },
  // a second peripheral compartment the data do not need runs Q3 -> 0 or V3 -> 0 (two compartments), or Q3 -> infinity
  { name: 'Q3', lower: 1e-6, upper: 1e5 },
  { name: 'V3', lower: 1e-3, upper: 1e6 },
  // a transit chain the data do not need runs MTT -> 0 (first-order absorption: the first-order structure is the model)
  { name: 'MTT', lower: MTT_BOUNDS_H.lower, upper: MTT_BOUNDS_H.upper },
  // saturable elimination the data cannot see runs KM -> infinity (linear, VMAX / KM the extra clearance) or
  // VMAX -> 0; KM -> 0 is zero-order elimination at VMAX
  { name: 'VMAX', lower: 1e-6, upper: 1e6 },
  { name: 'KM', lower: 1e-4, upper: 1e4 },
];

/** Index of a fixed effect in the structure's theta layout (-1: the structure lacks it). */
export const thetaIndex = (name: FixedEffectName, structure: Structure = TWO_COMPARTMENT): number => structure.fixedEffects.findIndex((f) => f.name === name);

export interface PopmodelProblem extends EstimationProblem {
  readonly trial: Trial;
  readonly structure: Structure;
}

/** The natural-scale record of a theta vector in the structure's layout (absent parameters at their neutral values). */
export function fixedFromTheta(theta: ArrayLike<number>, structure: Structure = TWO_COMPARTMENT): FixedEffects {
  return fixedRecord(structure, (name, i) => fromTransformed(name, theta[i] ?? NaN));
}

/**
 * PD quadrature tolerance for estimation. Measured on EstData-like profiles: 1e-3 keeps the biomarker
 * within ~1e-6 ng/mL of the exact value (the PD noise is ~0.5 ng/mL; finite-difference steps of
 * 1e-4..1e-3 on the log scale still see clean derivatives) at ~40 % of the cost of the default 1e-6.
 */
export const ESTIMATION_PD_REL_TOL = 1e-3;

export function popmodelProblem(trial: Trial, pdRelTol = ESTIMATION_PD_REL_TOL, structure: Structure = TWO_COMPARTMENT): PopmodelProblem {
  // a PK-only structure is fitted to the concentrations alone
  const pdOf = (s: Trial['subjects'][number]) => (structure.pd ? s.pd : []);
  const subjects: SubjectData[] = trial.subjects.map((s) => {
    const rows = [...s.pk, ...pdOf(s)];
    const data = {
      id: s.id,
      y: Float64Array.from(rows.map((o) => o.dv)),
      output: Uint8Array.from([...s.pk.map(() => OUTPUT_PK), ...pdOf(s).map(() => OUTPUT_PD)]),
    };
    // BLQ rows (dv = their LLOQ) enter the M3 likelihood; a subject without any keeps the Gaussian path
    return rows.some((o) => o.blq === true) ? { ...data, censored: Uint8Array.from(rows, (o) => (o.blq === true ? 1 : 0)) } : data;
  });
  const doses: Dose[][] = trial.subjects.map((s) => simulatorDoses(s));
  const pkTimes = trial.subjects.map((s) => s.pk.map((o) => o.timeH));
  const pdTimes = trial.subjects.map((s) => pdOf(s).map((o) => o.timeH));
  // a covariate the trial never varies cannot show its effect: its coefficient stays at its start value
  const varies = (c: (typeof COVARIATE_EFFECTS)[number]): boolean => !structure.holdComed && new Set(trial.subjects.map((s) => s[c.covariate])).size > 1;
  const index = (name: FixedEffectName): number => thetaIndex(name, structure);
  const effects = COVARIATE_EFFECTS.filter((c) => index(c.theta) >= 0);
  // declared effects (covariate-effects.ts): linear in their beta on the transformed scale
  const declared = effectsOf(structure).map((e) => ({ e, at: structure.fixedEffects.findIndex((f) => f.name === e.name), values: Float64Array.from(trial.subjects, (s) => covariateFeature(e, s.covariates?.[e.covariate] ?? NaN)) }));
  const randomEffects: RandomEffect[] = structure.etaNames.map((name) => ({
    name,
    muIndex: index(name),
    covariates: [
      ...effects.filter((c) => c.eta === name && varies(c)).map((c) => ({
        thetaIndex: index(c.theta),
        values: Float64Array.from(trial.subjects, (s) => s[c.covariate]),
      })),
      ...declared.filter((d) => d.e.parameter === name).map((d) => ({ thetaIndex: d.at, values: d.values })),
    ],
  }));
  // held: a covariate effect the trial cannot show (or the declarations leave out)
  const fixedTheta = effects.filter((c) => !varies(c)).map((c) => index(c.theta));
  return {
    trial,
    structure,
    thetaNames: structure.fixedEffects.map((f) => f.name),
    subjects,
    outputs: structure.pd ? POPMODEL_OUTPUTS : POPMODEL_OUTPUTS.slice(0, 1),
    randomEffects,
    fixedTheta,
    // D1 (zero-order structures): below the trial's and the grids' shortest interval (zero-order-fit.ts)
    thetaBounds: [...THETA_BOUNDS, d1Bounds(trial)].filter((b) => index(b.name) >= 0).map((b) => ({ index: index(b.name), lower: toTransformed(b.name, b.lower), upper: toTransformed(b.name, b.upper) })),
    predict(s, theta, eta, out) {
      const subj = trial.subjects[s]!;
      const p = individualParameters(fixedFromTheta(theta, structure), subj.bwKg, subj.comed, Array.from(eta), structure, subj.covariates);
      const nPk = pkTimes[s]!.length;
      if (nPk > 0) out.set(concentrations(p, doses[s]!, pkTimes[s]!), 0);
      if (pdTimes[s]!.length > 0) out.set(biomarker(p, doses[s]!, pdTimes[s]!, { relTol: pdRelTol }), nPk);
    },
  };
}

/** PopulationParameters from the engine's flat estimate. */
export function toPopulationParameters(theta: ArrayLike<number>, omega: ArrayLike<number>, sigma: ArrayLike<number>, structure: Structure = TWO_COMPARTMENT): PopulationParameters {
  const k = structure.etaNames.length;
  return {
    fixed: fixedFromTheta(theta, structure),
    omega: Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => omega[i * k + j] ?? 0)),
    // residualLayout(POPMODEL_OUTPUTS) = [PK additive, PK proportional, PD additive]; PK only: no PD term (0)
    sigma: { pkAdditive: sigma[0] ?? NaN, pkProportional: sigma[1] ?? NaN, pdAdditive: structure.pd ? (sigma[2] ?? NaN) : 0 },
  };
}
