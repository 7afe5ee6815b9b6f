/**
 * Declared covariate effects (issue 16 §2): `covariate_effects:` in a dataset spec puts a coefficient
 * beta on a structure's log-scale parameter P for a subject covariate x, in one of three forms:
 *   power        P_i = P (x / ref)^beta          feature log(x / ref)
 *   exponential  P_i = P exp(beta (x - ref))     feature x - ref
 *   categorical  P_i = P exp(beta [x = level])   feature 1 when x is the level, else 0
 * so log P_i = log P + beta * feature(x) + eta: linear in beta on the transformed scale, which the
 * estimator solves in closed form where P carries a random effect (mu-referencing) and numerically
 * otherwise. Each effect's beta is appended to the structure's theta layout after its fixed effects
 * (named BETA_<COVARIATE>_<PARAMETER>, BETA_<COVARIATE>_<LEVEL>_<PARAMETER> for a level) and before
 * Omega's Cholesky factor, so a structure without declared effects keeps its layout and cards.
 *
 * COMED on the baseline is the built-in effect BETA_COMED_R0 of the PD structures (the default, with
 * no `covariate_effects:`): declaring `{ parameter: R0, covariate: COMED, form: categorical, level: 1 }`
 * keeps it; a declaration list without it holds the coefficient at 0 (the list is the whole model).
 */
import { InputError } from '../../worker/common/errors.js';
import type { CovariateEffectDeclaration } from '../ingest/data-spec.js';
import type { CovariateInfo } from '../ingest/covariates.js';
import type { FixedEffectName, FixedEffectSpec } from './parameters.js';
import type { Structure } from './structure.js';

export type CovariateForm = 'power' | 'exponential' | 'categorical';

/** A covariate effect resolved against a trial: everything needed to apply it (JSON, kept in fit.json). */
export interface CovariateEffect {
  /** the coefficient's name in the theta layout */
  readonly name: string;
  readonly parameter: FixedEffectName;
  readonly covariate: string;
  readonly form: CovariateForm;
  /** continuous forms: the reference value */
  readonly reference?: number;
  /** categorical: the level the coefficient belongs to */
  readonly level?: number;
  /** the covariate's unit, when the dataset spec gives one */
  readonly unit?: string | null;
}

/** What a model takes per subject for its declared effects: the covariate (by name) and how it is read. */
export interface CovariateInput {
  readonly name: string;
  readonly kind: 'continuous' | 'categorical';
  readonly unit: string | null;
}

/** The effect's feature of covariate value x (power needs x > 0: a located error upstream). */
export function covariateFeature(e: CovariateEffect, x: number): number {
  if (e.form === 'power') return Math.log(x / (e.reference ?? NaN));
  if (e.form === 'exponential') return x - (e.reference ?? NaN);
  return x === e.level ? 1 : 0;
}

/** The coefficient's name in the theta layout: BETA_<COVARIATE>_<PARAMETER>, with _<LEVEL> for a level. */
export function effectName(e: { readonly parameter: string; readonly covariate: string; readonly form: CovariateForm; readonly level?: number }): string {
  return e.form === 'categorical' ? `BETA_${e.covariate}_${String(e.level).replace(/[^A-Za-z0-9]/g, '_')}_${e.parameter}` : `BETA_${e.covariate}_${e.parameter}`;
}

/** Parameters an effect may sit on: the structure's log-scale parameters (not a coefficient, not IMAX's logit). */
export function effectTargets(s: Structure): FixedEffectName[] {
  return s.fixedEffects.filter((f) => SHIFTED.includes(f.name as FixedEffectName)).map((f) => f.name as FixedEffectName);
}

/** The log-scale parameters individualParameters (and the graph) shift by declared effects; SMAX not yet (turnover.ts reads it as is). */
const SHIFTED: readonly FixedEffectName[] = ['CL', 'V1', 'Q', 'V2', 'KA', 'R0', 'KOUT', 'IC50', 'GAMMA', 'KE0', 'ALAG', 'D1', 'KTR', 'Q3', 'V3', 'MTT'];

/** Names of the trajectory graph's own inputs and outputs: a covariate input cannot take them. */
const RESERVED_INPUTS = ['dose', 'bw', 'comed', 'eta', 'theta', 'pd', 'conc'];

const isBuiltInComed = (d: CovariateEffectDeclaration): boolean => d.parameter === 'R0' && d.covariate.toUpperCase() === 'COMED' && d.form === 'categorical' && (d.level ?? 1) === 1;

/**
 * The trial's declared effects for structure `s`, checked against the trial's covariates (each a
 * located error naming the declaration): the parameter is one of the structure's log-scale parameters,
 * the covariate exists and is numeric, power covariates are > 0, the categorical level occurs.
 * `comedOnBaseline`: whether the built-in COMED effect stays (declared, or no declarations at all).
 */
export function resolveCovariateEffects(
  declared: readonly CovariateEffectDeclaration[] | undefined,
  covariates: readonly CovariateInfo[],
  subjects: readonly { readonly covariates?: Readonly<Record<string, number>> }[],
  s: Structure,
): { effects: CovariateEffect[]; comedOnBaseline: boolean } {
  if (declared === undefined) return { effects: [], comedOnBaseline: true };
  const targets = effectTargets(s);
  const effects: CovariateEffect[] = [];
  let comedOnBaseline = false;
  for (const d of declared) {
    const bad = (field: string, expected: string, found: string): never => {
      throw new InputError(`${d.at}.${field}: expected ${expected}; found ${found}`, { details: { field: `${d.at}.${field}`, value: found } });
    };
    if (isBuiltInComed(d) && s.fixedEffects.some((f) => f.name === 'BETA_COMED_R0')) { comedOnBaseline = true; continue; }
    if (!targets.includes(d.parameter as FixedEffectName)) {
      // a parameter of another structure is not an error of the declaration: that structure takes it
      if (SHIFTED.includes(d.parameter as FixedEffectName)) continue;
      bad('parameter', `a log-scale parameter of the library (${SHIFTED.join(', ')})`, `"${d.parameter}"`);
    }
    if (RESERVED_INPUTS.includes(d.covariate)) bad('covariate', `a covariate name other than the graph's own inputs and outputs (${RESERVED_INPUTS.join(', ')})`, `"${d.covariate}"`);
    const info = covariates.find((c) => c.name === d.covariate);
    if (info === undefined) bad('covariate', `a covariate of the trial (${covariates.map((c) => c.name).join(', ') || 'none'})`, `"${d.covariate}"`);
    const values = subjects.map((x) => x.covariates?.[d.covariate]);
    if (values.some((v) => typeof v !== 'number')) bad('covariate', `a covariate with numeric values in every subject (recode text levels as numbers)`, `"${d.covariate}" with non-numeric values`);
    const nums = values as number[];
    const base = { parameter: d.parameter as FixedEffectName, covariate: d.covariate, form: d.form, unit: info!.unit };
    if (d.form === 'categorical') {
      if (d.level === undefined) bad('level', 'the level whose effect is estimated (categorical form)', 'none');
      if (!nums.includes(d.level!)) bad('level', `a level of ${d.covariate} that occurs in the trial (${[...new Set(nums)].sort((a, b) => a - b).join(', ')})`, String(d.level));
      if (d.reference !== undefined) bad('reference', 'no reference for the categorical form (the other levels are the reference)', String(d.reference));
      effects.push({ name: effectName({ ...d, level: d.level! }), ...base, level: d.level! });
    } else {
      if (d.level !== undefined) bad('level', `no level for the ${d.form} form`, String(d.level));
      const reference = d.reference ?? (typeof info!.reference === 'number' ? info!.reference : NaN);
      if (!Number.isFinite(reference) || (d.form === 'power' && !(reference > 0))) bad('reference', `a ${d.form === 'power' ? 'positive ' : ''}number`, String(reference));
      if (d.form === 'power' && nums.some((v) => !(v > 0))) bad('covariate', `values > 0 for the power form (${d.covariate})`, String(nums.find((v) => !(v > 0))));
      effects.push({ name: effectName(d), ...base, reference });
    }
    const dup = effects.findIndex((e, i) => i < effects.length - 1 && e.name === effects.at(-1)!.name);
    if (dup >= 0) bad('covariate', 'each (parameter, covariate, level) once', `a repeat of ${effects.at(-1)!.name}`);
  }
  return { effects, comedOnBaseline };
}

/** The coefficient's place in theta: appended to the structure's fixed effects (identity transform, neutral 0). */
function coefficientSpec(e: CovariateEffect): FixedEffectSpec {
  const what = e.form === 'categorical' ? `[${e.covariate} = ${e.level}]` : e.form === 'power' ? `log(${e.covariate} / ${e.reference})` : `(${e.covariate} - ${e.reference})`;
  return { name: e.name, transform: 'identity', unit: '', doc: `effect of ${e.covariate} on ${e.parameter}: log ${e.parameter} + beta ${what}`, neutral: 0 } as unknown as FixedEffectSpec;
}

/**
 * The structure with declared effects: their coefficients appended to its theta layout, and whether the
 * built-in COMED effect is held at 0. No effects and COMED kept: the structure itself (same layout, id).
 */
export function withCovariateEffects(s: Structure, effects: readonly CovariateEffect[], comedOnBaseline = true): Structure {
  if (effects.length === 0 && comedOnBaseline) return s;
  return {
    ...s,
    fixedEffects: [...s.fixedEffects, ...effects.map(coefficientSpec)],
    covariateEffects: effects,
    ...(comedOnBaseline ? {} : { holdComed: true }),
  };
}

/** The structure's declared effects (none for a library structure). */
export const effectsOf = (s: Structure): readonly CovariateEffect[] => s.covariateEffects ?? [];

/** The covariates a structure's declared effects read, in first-use order (the card's extra inputs). */
export function covariateInputs(s: Structure): CovariateInput[] {
  const out: CovariateInput[] = [];
  for (const e of effectsOf(s)) {
    if (!out.some((c) => c.name === e.covariate)) out.push({ name: e.covariate, kind: e.form === 'categorical' ? 'categorical' : 'continuous', unit: e.unit ?? null });
  }
  return out;
}

/**
 * Per parameter, the sum of beta * feature over the declared effects (added to log P): `coefficient`
 * reads an effect's beta by name, `covariates` the subject's values. Throws when a covariate is missing.
 */
export function covariateShift(s: Structure, coefficient: (name: string) => number, covariates: Readonly<Record<string, number>> | undefined): Partial<Record<FixedEffectName, number>> {
  const shift: Partial<Record<FixedEffectName, number>> = {};
  for (const e of effectsOf(s)) {
    const x = covariates?.[e.covariate];
    if (x === undefined) throw new RangeError(`covariate ${e.covariate} (effect ${e.name}) is missing for a subject`);
    shift[e.parameter] = (shift[e.parameter] ?? 0) + coefficient(e.name) * covariateFeature(e, x);
  }
  return shift;
}
