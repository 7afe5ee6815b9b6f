/**
 * The compiled population prior a worker draws virtual subjects from. Scenario files are validated
 * and compiled into this form by the coordinator (trial data already read, observed rates computed),
 * so a worker needs no files to draw a population.
 */

export type BwPrior =
  | { readonly kind: 'uniform'; readonly minKg: number; readonly maxKg: number }
  | { readonly kind: 'fixed'; readonly valueKg: number }
  /** resample trial subjects with replacement, multiply BW by exp(sigma z), clip to clipKg */
  | {
      readonly kind: 'resample';
      readonly subjectBwKg: readonly number[];
      readonly subjectComed: readonly number[];
      readonly sigma: number;
      readonly clipKg: readonly [number, number];
    };

export type ComedPrior =
  | { readonly kind: 'bernoulli'; readonly p: number }
  | { readonly kind: 'fixed'; readonly value: 0 | 1 }
  /** the resampled trial subject's own COMED (only with bw.kind === 'resample') */
  | { readonly kind: 'resampled' };

/**
 * Where the subjects' uniforms come from: Philox (independent draws, the default) or one scrambled
 * Sobol' point set per replicate (draw-sobol.ts). `philox` is written as absence, so a spec without
 * the option serialises, and hashes into the run id, as before it existed.
 */
export type Sampler = 'philox' | 'sobol';

/**
 * The prior of one more covariate a model takes (a fitted model's declared covariate effects, drawn by
 * covariate-draw.ts). `clip` bounds continuous draws; `resampled` takes the value of the trial subject
 * drawn for the subject (the same resample index as a resampled BW, so covariates keep their joint
 * distribution), times `scale`, times exp(sigma z).
 */
export type CovariatePrior =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** truncate: the distribution restricted to [LO, HI] (inverse CDF), where clip piles the tails on the bounds */
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly clip?: readonly [number, number]; readonly truncate?: readonly [number, number] }
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number; readonly clip?: readonly [number, number]; readonly truncate?: readonly [number, number] }
  | { readonly kind: 'bernoulli'; readonly p: number }
  | { readonly kind: 'categorical'; readonly levels: readonly number[]; readonly p: readonly number[] }
  | { readonly kind: 'resampled'; readonly values: readonly number[]; readonly sigma: number; readonly scale: number; readonly clip?: readonly [number, number] };

export interface NamedCovariatePrior {
  /** the model card's input name */
  readonly name: string;
  readonly prior: CovariatePrior;
}

export interface PopulationSpec {
  readonly bw: BwPrior;
  readonly comed: ComedPrior;
  /** covariates after dose, bw and comed, in stream order (absent: none; written only when present) */
  readonly covariates?: readonly NamedCovariatePrior[];
  /** M, subjects per replicate */
  readonly subjects: number;
  /** absent: philox */
  readonly sampler?: Sampler;
}

/** Random-number key of a scenario: (seed, scenario). Replicate, subject and stream are counters. */
export interface PopulationKey {
  /** run seed, an unsigned 32-bit integer */
  readonly seed: number;
  /** unsigned 32-bit key derived from the scenario name (see scenarioKey) */
  readonly scenario: number;
}

/**
 * Counter streams: each kind of draw has its own, so adding a draw never shifts another. With the
 * Sobol' sampler the stream is the point set's dimension (eta column c is dimension eta + c) and
 * sobolScramble keys the random scrambling words of (replicate, dimension).
 */
export const Stream = {
  bw: 0,
  comed: 1,
  resampleIndex: 2,
  eta: 3,
  sobolScramble: 4,
  /** covariate i of PopulationSpec.covariates draws from stream covariateBase + i */
  covariateBase: 16,
} as const;

/** One replicate's virtual population, struct-of-arrays, ready to become ONNX inputs. */
export interface Population {
  readonly bwKg: Float32Array;
  readonly comed: Float32Array;
  /** [M, K] row-major; standard-normal draws (the caller applies Omega if the card asks) */
  readonly eta: Float32Array;
  readonly etaDim: number;
  /** PopulationSpec.covariates' values by name (absent when it names none) */
  readonly covariates?: Readonly<Record<string, Float32Array>>;
}
