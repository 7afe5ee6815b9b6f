/**
 * `population.covariates` of a scenario (issue 16 §2): the prior of each covariate a model takes beyond
 * dose, BW and COMED (a fitted model's declared covariate effects, listed on its card after the first
 * three inputs). A covariate the scenario does not name is resampled from the trial
 * (`subjects_source`), jointly with the others (worker/population/covariate-draw.ts); naming one
 * overrides it: fixed, uniform, normal, lognormal, bernoulli, categorical, or resample with a log-normal
 * jitter sigma and a scale (a shifted population), each with an optional clip.
 */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import type { CovariatePrior, NamedCovariatePrior } from '../../worker/population/prior.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const range = z.tuple([finite, finite]).refine(([a, b]) => a <= b, 'expected [LO, HI] with LO <= HI');
const KINDS = ['fixed', 'uniform', 'normal', 'lognormal', 'bernoulli', 'categorical', 'resample'] as const;

export const CovariatePriorSchema = z.strictObject({
  fixed: finite.optional(),
  uniform: range.optional(),
  normal: z.strictObject({ mean: finite, sd: finite.min(0) }).optional(),
  lognormal: z.strictObject({ median: finite.positive(), sigma: finite.min(0) }).optional(),
  bernoulli: finite.min(0).max(1).optional(),
  categorical: z.strictObject({ levels: z.array(finite).min(1), p: z.array(finite.min(0)).min(1) })
    .refine((c) => c.levels.length === c.p.length && Math.abs(c.p.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'expected one probability per level, summing to 1')
    .optional(),
  /** the trial subject's own value (the subject drawn for this virtual subject) x scale x exp(N(0, sigma^2)) */
  resample: z.strictObject({ sigma: finite.min(0).default(0), scale: finite.positive().default(1) }).optional(),
  /** continuous draws are clipped to [LO, HI] (the tails pile up on the bounds) */
  clip: range.optional(),
  /** normal / lognormal only: the distribution restricted to [LO, HI] (no mass on the bounds) */
  truncate: range.optional(),
}).refine((c) => KINDS.filter((k) => c[k] !== undefined).length === 1, `give exactly one of ${KINDS.join(', ')}`)
  .refine((c) => c.truncate === undefined || ((c.normal !== undefined || c.lognormal !== undefined) && c.clip === undefined), 'truncate goes with normal or lognormal, and not with clip');

export type CovariatePriorInput = z.infer<typeof CovariatePriorSchema>;

const fmt = (x: number): string => String(Number(x.toPrecision(6)));

function prior(c: CovariatePriorInput, values: readonly number[] | undefined, at: string): { prior: CovariatePrior; label: string } {
  const clip = c.clip === undefined ? {} : { clip: c.clip };
  const clipText = c.clip === undefined ? '' : `, clipped to [${c.clip[0]}, ${c.clip[1]}]`;
  if (c.fixed !== undefined) return { prior: { kind: 'fixed', value: c.fixed }, label: `= ${fmt(c.fixed)}` };
  if (c.uniform !== undefined) return { prior: { kind: 'uniform', min: c.uniform[0], max: c.uniform[1] }, label: `~ Uniform(${c.uniform[0]}, ${c.uniform[1]})` };
  const truncate = c.truncate === undefined ? {} : { truncate: c.truncate };
  const truncText = c.truncate === undefined ? '' : `, truncated to [${c.truncate[0]}, ${c.truncate[1]}]`;
  if (c.normal !== undefined) return { prior: { kind: 'normal', ...c.normal, ...clip, ...truncate }, label: `~ Normal(${c.normal.mean}, ${c.normal.sd}^2)${clipText}${truncText}` };
  if (c.lognormal !== undefined) return { prior: { kind: 'lognormal', ...c.lognormal, ...clip, ...truncate }, label: `~ ${c.lognormal.median} x exp(N(0, ${c.lognormal.sigma}^2))${clipText}${truncText}` };
  if (c.bernoulli !== undefined) return { prior: { kind: 'bernoulli', p: c.bernoulli }, label: `~ Bernoulli(${c.bernoulli})` };
  if (c.categorical !== undefined) return { prior: { kind: 'categorical', levels: c.categorical.levels, p: c.categorical.p }, label: `~ Categorical(${c.categorical.levels.map((l, i) => `${l}: ${c.categorical!.p[i]}`).join(', ')})` };
  const r = c.resample ?? { sigma: 0, scale: 1 };
  if (values === undefined) throw new InputError(`${at}: resample needs the trial (population.subjects_source) to have this covariate`, { details: { field: at } });
  return {
    prior: { kind: 'resampled', values, sigma: r.sigma, scale: r.scale, ...clip },
    label: `resampled from the trial${r.scale === 1 ? '' : ` x ${r.scale}`}${r.sigma === 0 ? '' : ` x exp(N(0, ${r.sigma}^2))`}${clipText}`,
  };
}

/**
 * The priors of the covariates `taken` (the scenario's models' inputs after the first three, in card
 * order), from the scenario's `population.covariates` or else resampled from the trial's `values`.
 * `at` locates messages (`FILE: scenarios[i].population.covariates`).
 */
export function compileCovariatePriors(
  given: Readonly<Record<string, CovariatePriorInput>> | undefined,
  taken: readonly string[],
  values: Readonly<Record<string, readonly number[]>> | undefined,
  at: string,
): { priors: NamedCovariatePrior[]; label: string } {
  for (const name of Object.keys(given ?? {})) {
    if (!taken.includes(name)) {
      throw new InputError(`${at}.${name}: no model of this scenario takes covariate ${name} (its models take ${taken.length === 0 ? 'dose, BW and COMED only' : taken.join(', ')})`, { details: { field: `${at}.${name}` } });
    }
  }
  const priors: NamedCovariatePrior[] = [];
  const labels: string[] = [];
  for (const name of taken) {
    const c = given?.[name];
    if (c === undefined && values?.[name] === undefined) {
      throw new InputError(`${at}.${name}: the model takes covariate ${name}: give its prior (${KINDS.join(', ')}), or a population.subjects_source whose subjects have it`, { details: { field: `${at}.${name}` } });
    }
    const p = prior(c ?? { resample: { sigma: 0, scale: 1 } }, values?.[name], `${at}.${name}`);
    priors.push({ name, prior: p.prior });
    labels.push(`${name} ${p.label}`);
  }
  return { priors, label: labels.join('; ') };
}
