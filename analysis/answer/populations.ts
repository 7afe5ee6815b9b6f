/**
 * The three populations of the five questions, as scenario-file `population` blocks. `--bw` and
 * `--comed` change the base population; `heavy` keeps the base COMED and `nocomed` the base body weight,
 * so each variant differs from the base in exactly the covariate its question is about.
 */
import { InputError } from '../../worker/common/errors.js';
import type { PopulationName } from './questions.js';

export type BwOption = { readonly uniform: { readonly min_kg: number; readonly max_kg: number } } | { readonly resample: { readonly sigma: number; readonly clip_kg: readonly [number, number]; readonly mean_kg?: number } };
export type ComedOption = { readonly bernoulli: number } | 'observed';

/** SCIENCE.md's population expansion: trial subjects resampled, log-normal BW jitter sigma 0.10, clipped to [35, 120] kg. */
export const DEFAULT_BW: BwOption = { resample: { sigma: 0.1, clip_kg: [35, 120] } };
export const DEFAULT_COMED: ComedOption = 'observed';
export const HEAVY_BW: BwOption = { uniform: { min_kg: 70, max_kg: 140 } };

const number = (s: string | undefined, what: string, flag: string): number => {
  const v = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(v)) throw new InputError(`${flag}: ${what} "${s ?? ''}" is not a number`, { details: { field: flag } });
  return v;
};

/** `uniform:LO:HI` (kg) or `resample[:SIGMA]` (log-normal jitter of resampled trial weights). */
export function parseBwOption(text: string): BwOption {
  const [kind, ...rest] = text.split(':');
  if (kind === 'uniform' && rest.length === 2) {
    const lo = number(rest[0], 'LO', '--bw');
    const hi = number(rest[1], 'HI', '--bw');
    if (!(lo > 0 && hi >= lo)) throw new InputError(`--bw ${text}: expected 0 < LO <= HI (kg)`, { details: { field: '--bw' } });
    return { uniform: { min_kg: lo, max_kg: hi } };
  }
  if (kind === 'resample' && rest.length <= 1) {
    const sigma = rest.length === 0 ? 0.1 : number(rest[0], 'SIGMA', '--bw');
    if (!(sigma >= 0)) throw new InputError(`--bw ${text}: SIGMA must be >= 0`, { details: { field: '--bw' } });
    return { resample: { sigma, clip_kg: [35, 120] } };
  }
  throw new InputError(`--bw ${text}: expected uniform:LO:HI (kg) or resample[:SIGMA] (e.g. uniform:51:100, resample:0.1)`, { details: { field: '--bw' } });
}

/** `bernoulli:P` or `observed` (the trial's COMED rate). */
export function parseComedOption(text: string): ComedOption {
  if (text === 'observed') return 'observed';
  const [kind, p, ...extra] = text.split(':');
  if (kind === 'bernoulli' && extra.length === 0) {
    const v = number(p, 'P', '--comed');
    if (!(v >= 0 && v <= 1)) throw new InputError(`--comed ${text}: P must be in [0, 1]`, { details: { field: '--comed' } });
    return { bernoulli: v };
  }
  throw new InputError(`--comed ${text}: expected bernoulli:P or observed (e.g. bernoulli:0.5)`, { details: { field: '--comed' } });
}

export interface PopulationBlock {
  readonly subjects_source?: string;
  readonly subjects_spec?: string;
  readonly bw: BwOption;
  readonly comed: ComedOption | { readonly fixed: 0 };
}

/** The scenario-file population of each question's population; `trial` (and its dataset `spec`) as the file should name them. */
export function populationBlocks(base: { bw: BwOption; comed: ComedOption }, trial: string, spec?: string): Record<PopulationName, PopulationBlock> {
  type Own = Omit<PopulationBlock, 'subjects_source' | 'subjects_spec'>;
  const needsTrial = (p: Own): boolean => 'resample' in p.bw || p.comed === 'observed';
  const withSource = (p: Own): PopulationBlock => (needsTrial(p) ? { subjects_source: trial, ...(spec === undefined ? {} : { subjects_spec: spec }), ...p } : p);
  return {
    base: withSource({ bw: base.bw, comed: base.comed }),
    heavy: withSource({ bw: HEAVY_BW, comed: base.comed }),
    nocomed: withSource({ bw: base.bw, comed: { fixed: 0 } }),
  };
}

export const POPULATION_DESCRIPTIONS: Readonly<Record<PopulationName, string>> = {
  base: 'Q1/Q2: population like the trial (or as --bw/--comed say)',
  heavy: 'Q3: body weight Uniform(70, 140) kg; COMED as in the base population',
  nocomed: 'Q4: body weight as in the base population; concomitant medication not allowed (COMED = 0)',
};
