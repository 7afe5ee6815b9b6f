/**
 * Deterministic virtual populations (DESIGN.md "Determinism"). Every number subject i of replicate r
 * gets is Philox4x32-10 of counter [i, r, stream, block] under key [seed, scenario], so it depends on
 * nothing else: not on M, other subjects, tiling, worker or the doses evaluated (common random
 * numbers across doses). Each kind of draw has its own stream (prior.ts `Stream`):
 *   bw            block 0: uniform -> min + (max - min) u;  resample -> jitter z (first normal)
 *   resampleIndex block 0: floor(u * nTrialSubjects)
 *   comed         block 0: bernoulli -> u < p
 *   eta           block j: normals 2j and 2j + 1 of the subject
 * Kinds that need no randomness (fixed BW/COMED, resampled COMED) consume none.
 * With `sampler: sobol` the same streams are dimensions of a scrambled Sobol' set (draw-sobol.ts).
 *
 * The loops are split per stream and branch on the prior's kind outside them, so the inner loops are
 * monomorphic and allocation-free (100 k subjects take a few tens of ms on one core).
 */
import { InputError } from '../common/errors.js';
import { philox4x32_10Into } from '../rng/philox.js';
import { isUint32 } from '../rng/scenario-key.js';
import { firstNormal, normalPairInto, uniformFromWords } from '../rng/uniform.js';
import { drawSobolSubjects } from './draw-sobol.js';
import { assertCovariatePriors, drawCovariates } from './covariate-draw.js';
import { Stream } from './prior.js';
import type { BwPrior, ComedPrior, Population, PopulationKey, PopulationSpec } from './prior.js';

/** Subject indices are one counter word, so a replicate holds at most 2^32 subjects. */
const MAX_SUBJECTS = 2 ** 32;

function invalid(field: string, message: string, value: unknown): never {
  throw new InputError(message, { details: { field, value } });
}

function positiveKg(field: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) invalid(field, `${field} (${value}) must be a finite number > 0`, value);
}

function zeroOrOne(field: string, value: number): void {
  if (value !== 0 && value !== 1) invalid(field, `${field} (${value}) must be 0 or 1`, value);
}

function assertBw(bw: BwPrior): void {
  switch (bw.kind) {
    case 'uniform':
      positiveKg('population.bw.minKg', bw.minKg);
      positiveKg('population.bw.maxKg', bw.maxKg);
      if (bw.minKg > bw.maxKg) {
        invalid('population.bw.minKg', `population.bw.minKg (${bw.minKg}) must be <= population.bw.maxKg (${bw.maxKg})`, bw.minKg);
      }
      return;
    case 'fixed':
      positiveKg('population.bw.valueKg', bw.valueKg);
      return;
    case 'resample': {
      const n = bw.subjectBwKg.length;
      if (n === 0) invalid('population.bw.subjectBwKg', 'population.bw.subjectBwKg must list at least one trial subject (got 0)', n);
      bw.subjectBwKg.forEach((v, i) => positiveKg(`population.bw.subjectBwKg[${i}]`, v));
      if (bw.subjectComed.length !== n) {
        invalid(
          'population.bw.subjectComed',
          `population.bw.subjectComed has ${bw.subjectComed.length} entries, expected ${n} (one per population.bw.subjectBwKg entry)`,
          bw.subjectComed.length,
        );
      }
      bw.subjectComed.forEach((v, i) => zeroOrOne(`population.bw.subjectComed[${i}]`, v));
      if (!(Number.isFinite(bw.sigma) && bw.sigma >= 0)) {
        invalid('population.bw.sigma', `population.bw.sigma (${bw.sigma}) must be a finite number >= 0`, bw.sigma);
      }
      const [lo, hi] = bw.clipKg;
      positiveKg('population.bw.clipKg[0]', lo);
      positiveKg('population.bw.clipKg[1]', hi);
      if (lo > hi) invalid('population.bw.clipKg', `population.bw.clipKg[0] (${lo}) must be <= population.bw.clipKg[1] (${hi})`, [lo, hi]);
      return;
    }
    default: {
      const kind = (bw as { kind: unknown }).kind;
      invalid('population.bw.kind', `population.bw.kind (${String(kind)}) must be one of uniform, fixed, resample`, kind);
    }
  }
}

function assertComed(comed: ComedPrior, bw: BwPrior): void {
  switch (comed.kind) {
    case 'bernoulli':
      if (!(comed.p >= 0 && comed.p <= 1)) invalid('population.comed.p', `population.comed.p (${comed.p}) must be in [0, 1]`, comed.p);
      return;
    case 'fixed':
      zeroOrOne('population.comed.value', comed.value);
      return;
    case 'resampled':
      if (bw.kind !== 'resample') {
        invalid(
          'population.comed.kind',
          `population.comed.kind 'resampled' requires population.bw.kind 'resample' (got '${bw.kind}')`,
          comed.kind,
        );
      }
      return;
    default: {
      const kind = (comed as { kind: unknown }).kind;
      invalid('population.comed.kind', `population.comed.kind (${String(kind)}) must be one of bernoulli, fixed, resampled`, kind);
    }
  }
}

/** Throws InputError, naming the field, when the spec describes an impossible population. */
export function assertPopulationSpec(spec: PopulationSpec): void {
  const m = spec.subjects;
  if (!(Number.isInteger(m) && m > 0 && m <= MAX_SUBJECTS)) {
    invalid('population.subjects', `population.subjects (${m}) must be a positive integer (at most 2^32)`, m);
  }
  assertBw(spec.bw);
  assertComed(spec.comed, spec.bw);
  const sampler: unknown = spec.sampler;
  if (sampler !== undefined && sampler !== 'philox' && sampler !== 'sobol') {
    invalid('population.sampler', `population.sampler (${String(sampler)}) must be one of philox, sobol`, sampler);
  }
  if (spec.covariates !== undefined) {
    if (sampler === 'sobol') invalid('population.sampler', 'population.sampler sobol draws dose, BW, COMED and eta only: use philox with population.covariates', sampler);
    assertCovariatePriors(spec.covariates, spec.bw.kind === 'resample' ? spec.bw.subjectBwKg.length : undefined);
  }
}

function assertDrawArgs(key: PopulationKey, replicate: number, etaDim: number, first: number, count: number, m: number): void {
  const u32 = 'must be an integer in [0, 4294967295]';
  if (!isUint32(key.seed)) invalid('key.seed', `key.seed (${key.seed}) ${u32}`, key.seed);
  if (!isUint32(key.scenario)) invalid('key.scenario', `key.scenario (${key.scenario}) ${u32}`, key.scenario);
  if (!isUint32(replicate)) invalid('replicate', `replicate (${replicate}) ${u32}`, replicate);
  if (!(Number.isInteger(etaDim) && etaDim >= 0)) invalid('etaDim', `etaDim (${etaDim}) must be a non-negative integer`, etaDim);
  if (!(Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0 && first + count <= m)) {
    invalid('subjects', `subjects [${first}, ${first} + ${count}) must lie within [0, population.subjects = ${m})`, [first, count]);
  }
}

/*
 * One small function per stream: each is optimised on its own and never deoptimised by a branch of
 * another prior kind (one large function was, costing ~2x). Arguments are numbers and typed arrays.
 */

function fillTrialIndex(seed: number, scenario: number, replicate: number, first: number, nTrial: number, out: Uint32Array): void {
  const words = new Uint32Array(4);
  for (let j = 0; j < out.length; j++) {
    philox4x32_10Into(first + j, replicate, Stream.resampleIndex, 0, seed, scenario, words);
    out[j] = Math.floor(uniformFromWords(words[0]!, words[1]!) * nTrial); // u < 1, so < nTrial
  }
}

function fillUniformBw(seed: number, scenario: number, replicate: number, first: number, minKg: number, maxKg: number, out: Float32Array): void {
  const words = new Uint32Array(4);
  const widthKg = maxKg - minKg;
  for (let j = 0; j < out.length; j++) {
    philox4x32_10Into(first + j, replicate, Stream.bw, 0, seed, scenario, words);
    out[j] = minKg + widthKg * uniformFromWords(words[0]!, words[1]!);
  }
}

function fillResampledBw(
  seed: number, scenario: number, replicate: number, first: number,
  trialBwKg: Float64Array, trialIndex: Uint32Array, sigma: number, clipLoKg: number, clipHiKg: number, out: Float32Array,
): void {
  const words = new Uint32Array(4);
  for (let j = 0; j < out.length; j++) {
    philox4x32_10Into(first + j, replicate, Stream.bw, 0, seed, scenario, words);
    // Math.exp is, like log/sin/cos, an fdlibm port in V8: the same on every machine
    const x = trialBwKg[trialIndex[j]!]! * Math.exp(sigma * firstNormal(words));
    out[j] = x < clipLoKg ? clipLoKg : x > clipHiKg ? clipHiKg : x;
  }
}

function fillBernoulli(seed: number, scenario: number, replicate: number, first: number, p: number, out: Float32Array): void {
  const words = new Uint32Array(4);
  for (let j = 0; j < out.length; j++) {
    philox4x32_10Into(first + j, replicate, Stream.comed, 0, seed, scenario, words);
    out[j] = uniformFromWords(words[0]!, words[1]!) < p ? 1 : 0;
  }
}

function fillEta(seed: number, scenario: number, replicate: number, first: number, count: number, etaDim: number, out: Float32Array): void {
  const words = new Uint32Array(4);
  const pair = new Float64Array(2);
  const pairs = etaDim >>> 1;
  const odd = (etaDim & 1) === 1;
  for (let j = 0; j < count; j++) {
    const row = j * etaDim;
    for (let b = 0; b < pairs; b++) {
      philox4x32_10Into(first + j, replicate, Stream.eta, b, seed, scenario, words);
      normalPairInto(words, pair);
      out[row + 2 * b] = pair[0]!;
      out[row + 2 * b + 1] = pair[1]!;
    }
    if (odd) {
      // the last block's second normal belongs to no column
      philox4x32_10Into(first + j, replicate, Stream.eta, pairs, seed, scenario, words);
      out[row + etaDim - 1] = firstNormal(words);
    }
  }
}

/** Replicate `replicate`'s M = spec.subjects subjects. */
export function drawPopulation(key: PopulationKey, replicate: number, spec: PopulationSpec, etaDim: number): Population {
  return drawSubjects(key, replicate, spec, etaDim, 0, spec.subjects);
}

/**
 * Subjects [first, first + count) of replicate `replicate`: bit-identical to the same rows of
 * drawPopulation, so a worker may assemble ONNX inputs chunk by chunk.
 */
export function drawSubjects(
  key: PopulationKey,
  replicate: number,
  spec: PopulationSpec,
  etaDim: number,
  first: number,
  count: number,
): Population {
  assertPopulationSpec(spec);
  assertDrawArgs(key, replicate, etaDim, first, count, spec.subjects);
  if (spec.sampler === 'sobol') return drawSobolSubjects(key, replicate, spec, etaDim, first, count);
  const { seed, scenario } = key;
  const { bw, comed: comedPrior } = spec;
  const bwKg = new Float32Array(count);
  const comed = new Float32Array(count);
  const eta = new Float32Array(count * etaDim);

  let trialIndex: Uint32Array | undefined;
  if (bw.kind === 'resample') {
    trialIndex = new Uint32Array(count);
    fillTrialIndex(seed, scenario, replicate, first, bw.subjectBwKg.length, trialIndex);
    const [clipLoKg, clipHiKg] = bw.clipKg;
    fillResampledBw(seed, scenario, replicate, first, Float64Array.from(bw.subjectBwKg), trialIndex, bw.sigma, clipLoKg, clipHiKg, bwKg);
  } else if (bw.kind === 'uniform') {
    fillUniformBw(seed, scenario, replicate, first, bw.minKg, bw.maxKg, bwKg);
  } else {
    bwKg.fill(bw.valueKg);
  }

  if (comedPrior.kind === 'bernoulli') {
    fillBernoulli(seed, scenario, replicate, first, comedPrior.p, comed);
  } else if (comedPrior.kind === 'fixed') {
    comed.fill(comedPrior.value);
  } else if (bw.kind === 'resample' && trialIndex !== undefined) {
    // assertPopulationSpec guarantees 'resampled' COMED comes with resampled BW
    for (let j = 0; j < count; j++) comed[j] = bw.subjectComed[trialIndex[j]!]!;
  }

  fillEta(seed, scenario, replicate, first, count, etaDim, eta);
  if (spec.covariates === undefined) return { bwKg, comed, eta, etaDim };
  const indexOf = (nTrial: number): Uint32Array => {
    if (trialIndex === undefined) {
      trialIndex = new Uint32Array(count);
      fillTrialIndex(seed, scenario, replicate, first, nTrial, trialIndex);
    }
    return trialIndex;
  };
  return { bwKg, comed, eta, etaDim, covariates: drawCovariates(seed, scenario, replicate, first, count, spec.covariates, indexOf) };
}
