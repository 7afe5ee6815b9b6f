/**
 * Quasi-Monte Carlo populations: the subjects of replicate r are one randomised Sobol' point set
 * (worker/rng/sobol.ts). Point index = subject index i within the replicate (gray-code order, so
 * subject i's point is computed alone: a tile holding subjects [first, first + count) draws exactly
 * the rows drawPopulation would); dimension = draw stream (prior.ts `Stream`: bw 0, comed 1,
 * resampleIndex 2, eta column c at 3 + c). Each (replicate, dimension) has its own random linear
 * scrambling and digital shift, from the Philox words at counter [dimension, replicate,
 * Stream.sobolScramble, block] under key [seed, scenario]: replicates are independent
 * randomisations, so the replicate band stays an honest estimate of the spread. Each uniform is
 * exactly uniform on the 2^-32 grid, so p-hat stays unbiased per replicate.
 *
 * Normals are the inverse normal CDF of the uniform (not Box–Muller, which would mix two
 * dimensions into one normal and spoil the per-dimension stratification). @stdlib's quantile is
 * plain JavaScript (rational approximations, its own port of FreeBSD's log, IEEE sqrt), so the same
 * uniform gives the same double on every machine, as DESIGN.md "Determinism" requires.
 *
 * With M = 2^m subjects a replicate is a whole (t, m, s)-net: each dimension's M points hit each of
 * the M equal bins once. Other M take a prefix of the sequence: still unbiased, but only the leading
 * 2^k <= M points are a net, the rest an incomplete one, so the variance gain is about that of the
 * largest power of two below M (bench/qmc: M = 500 gains like M = 256, M = 512 more).
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { InputError } from '../common/errors.js';
import { philox4x32_10Into } from '../rng/philox.js';
import { SOBOL_BITS, scrambleDirections, sobolDimensions, sobolDirections, sobolInteger, uniformFromSobol } from '../rng/sobol.js';
import { Stream } from './prior.js';
import type { Population, PopulationKey, PopulationSpec } from './prior.js';

/** Dimensions a population with `etaDim` eta columns uses. */
export function sobolDimensionsNeeded(etaDim: number): number {
  return Stream.eta + etaDim;
}

/** A dimension's scrambled direction numbers and digital shift for one replicate. */
interface ScrambledDimension {
  readonly v: Uint32Array;
  readonly shift: number;
}

function scrambledDimension(key: PopulationKey, replicate: number, dimension: number): ScrambledDimension {
  const words = new Uint32Array(36);
  const block = new Uint32Array(4);
  for (let b = 0; b < 9; b++) {
    philox4x32_10Into(dimension, replicate, Stream.sobolScramble, b, key.seed, key.scenario, block);
    words.set(block, 4 * b);
  }
  const v = new Uint32Array(SOBOL_BITS);
  scrambleDirections(sobolDirections(dimension), words, v);
  return { v, shift: words[SOBOL_BITS]! };
}

/** Uniforms in (0, 1) of subjects [first, first + count) in one dimension. */
function fillUniforms(d: ScrambledDimension, first: number, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) out[j] = uniformFromSobol((sobolInteger(d.v, first + j) ^ d.shift) >>> 0);
}

/** Subjects [first, first + count) of replicate `replicate` (drawSubjects has checked the arguments). */
export function drawSobolSubjects(
  key: PopulationKey,
  replicate: number,
  spec: PopulationSpec,
  etaDim: number,
  first: number,
  count: number,
): Population {
  const needed = sobolDimensionsNeeded(etaDim);
  if (needed > sobolDimensions()) {
    throw new InputError(
      `population.sampler: sobol needs ${needed} dimensions (${Stream.eta} + ${etaDim} eta columns) but the shipped direction numbers define ${sobolDimensions()}`,
      { details: { field: 'population.sampler', value: etaDim } },
    );
  }
  const u = new Float64Array(count);
  const uniforms = (stream: number): Float64Array => {
    fillUniforms(scrambledDimension(key, replicate, stream), first, u);
    return u;
  };
  const { bw, comed: comedPrior } = spec;
  const bwKg = new Float32Array(count);
  const comed = new Float32Array(count);
  const eta = new Float32Array(count * etaDim);

  if (bw.kind === 'resample') {
    const n = bw.subjectBwKg.length;
    const trialIndex = Uint32Array.from(uniforms(Stream.resampleIndex), (x) => Math.floor(x * n)); // x < 1, so < n
    const [clipLoKg, clipHiKg] = bw.clipKg;
    uniforms(Stream.bw).forEach((x, j) => {
      const kg = bw.subjectBwKg[trialIndex[j]!]! * Math.exp(bw.sigma * normalQuantile(x, 0, 1));
      bwKg[j] = kg < clipLoKg ? clipLoKg : kg > clipHiKg ? clipHiKg : kg;
    });
    if (comedPrior.kind === 'resampled') for (let j = 0; j < count; j++) comed[j] = bw.subjectComed[trialIndex[j]!]!;
  } else if (bw.kind === 'uniform') {
    const widthKg = bw.maxKg - bw.minKg;
    uniforms(Stream.bw).forEach((x, j) => { bwKg[j] = bw.minKg + widthKg * x; });
  } else {
    bwKg.fill(bw.valueKg);
  }

  if (comedPrior.kind === 'bernoulli') {
    uniforms(Stream.comed).forEach((x, j) => { comed[j] = x < comedPrior.p ? 1 : 0; });
  } else if (comedPrior.kind === 'fixed') {
    comed.fill(comedPrior.value);
  }

  for (let c = 0; c < etaDim; c++) {
    uniforms(Stream.eta + c).forEach((x, j) => { eta[j * etaDim + c] = normalQuantile(x, 0, 1); });
  }
  return { bwKg, comed, eta, etaDim };
}
