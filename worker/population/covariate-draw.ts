/**
 * Draws of the covariates a model takes beyond dose, BW and COMED (PopulationSpec.covariates; a fitted
 * model's declared covariate effects). Covariate i of subject s, replicate r is Philox of counter
 * [s, r, Stream.covariateBase + i, 0] under the scenario's key: its own stream, so adding a covariate
 * never moves another draw, and BW, COMED and eta draw exactly as without covariates. `resampled`
 * covariates use the subject's resample index (Stream.resampleIndex, the one a resampled BW uses), so
 * a subject's covariates come from one trial subject together.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { InputError } from '../common/errors.js';
import { philox4x32_10Into } from '../rng/philox.js';
import { firstNormal, uniformFromWords } from '../rng/uniform.js';
import { Stream, type CovariatePrior, type NamedCovariatePrior } from './prior.js';

function invalid(field: string, message: string, value: unknown): never {
  throw new InputError(`${field}: ${message}`, { details: { field, value } });
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** Throws InputError naming the field when a prior is impossible. */
export function assertCovariatePriors(priors: readonly NamedCovariatePrior[], nTrial: number | undefined): void {
  priors.forEach(({ name, prior: c }, i) => {
    const at = `population.covariates[${i}] (${name})`;
    if (priors.findIndex((p) => p.name === name) !== i) invalid(at, 'named twice', name);
    const clip = 'clip' in c ? c.clip : undefined;
    if (clip !== undefined && !(finite(clip[0]) && finite(clip[1]) && clip[0] <= clip[1])) invalid(`${at}.clip`, 'expected [LO, HI] with LO <= HI', clip);
    const truncate = 'truncate' in c ? c.truncate : undefined;
    if (truncate !== undefined) {
      if (clip !== undefined) invalid(`${at}.truncate`, 'give clip or truncate, not both', truncate);
      if (!(finite(truncate[0]) && finite(truncate[1]) && truncate[0] <= truncate[1]) || (c.kind === 'lognormal' && !(truncate[0] > 0))) invalid(`${at}.truncate`, `expected [LO, HI] with ${c.kind === 'lognormal' ? '0 < ' : ''}LO <= HI`, truncate);
      if (c.kind === 'normal' && !(c.sd > 0)) invalid(`${at}.sd`, 'a truncated normal needs sd > 0', c.sd);
      if (c.kind === 'lognormal' && !(c.sigma > 0)) invalid(`${at}.sigma`, 'a truncated log-normal needs sigma > 0', c.sigma);
    }
    switch (c.kind) {
      case 'fixed': if (!finite(c.value)) invalid(`${at}.value`, 'expected a finite number', c.value); return;
      case 'uniform': if (!(finite(c.min) && finite(c.max) && c.min <= c.max)) invalid(`${at}.min`, 'expected finite MIN <= MAX', [c.min, c.max]); return;
      case 'normal': if (!(finite(c.mean) && finite(c.sd) && c.sd >= 0)) invalid(`${at}.sd`, 'expected a finite mean and sd >= 0', [c.mean, c.sd]); return;
      case 'lognormal': if (!(finite(c.median) && c.median > 0 && finite(c.sigma) && c.sigma >= 0)) invalid(`${at}.median`, 'expected median > 0 and sigma >= 0', [c.median, c.sigma]); return;
      case 'bernoulli': if (!(c.p >= 0 && c.p <= 1)) invalid(`${at}.p`, 'expected a probability in [0, 1]', c.p); return;
      case 'categorical': {
        const sum = c.p.reduce((a, b) => a + b, 0);
        if (c.levels.length === 0 || c.levels.length !== c.p.length || !c.levels.every(finite) || !c.p.every((p) => p >= 0) || Math.abs(sum - 1) > 1e-9) {
          invalid(`${at}.p`, 'expected as many probabilities (>= 0, summing to 1) as levels', c.p);
        }
        return;
      }
      case 'resampled':
        if (c.values.length === 0 || !c.values.every(finite)) invalid(`${at}.values`, 'expected one finite value per trial subject', c.values.length);
        if (nTrial !== undefined && c.values.length !== nTrial) invalid(`${at}.values`, `expected ${nTrial} values (one per trial subject of population.bw)`, c.values.length);
        if (!(finite(c.sigma) && c.sigma >= 0 && finite(c.scale) && c.scale > 0)) invalid(`${at}.sigma`, 'expected sigma >= 0 and scale > 0', [c.sigma, c.scale]);
        return;
      default: invalid(`${at}.kind`, 'expected fixed, uniform, normal, lognormal, bernoulli, categorical or resampled', (c as { kind: unknown }).kind);
    }
  });
}

/** u in [0, 1) -> a standard normal restricted to [a, b] by the inverse CDF (a < b; a = b gives a). */
function truncatedNormal(a: number, b: number): (u: number) => number {
  const lo = normalCdf(a, 0, 1);
  const width = normalCdf(b, 0, 1) - lo;
  return (u) => (width > 0 ? Math.min(b, Math.max(a, normalQuantile(lo + u * width, 0, 1))) : a);
}

const clipped = (x: number, clip: readonly [number, number] | undefined): number => (clip === undefined ? x : x < clip[0] ? clip[0] : x > clip[1] ? clip[1] : x);

/** Subjects [first, first + count) of replicate r: each covariate's values; `trialIndex(count)` gives the resample indices when a prior needs them. */
export function drawCovariates(
  seed: number, scenario: number, replicate: number, first: number, count: number,
  priors: readonly NamedCovariatePrior[], trialIndex: (nTrial: number) => Uint32Array,
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const words = new Uint32Array(4);
  priors.forEach(({ name, prior }, i) => {
    const x = new Float32Array(count);
    const stream = Stream.covariateBase + i;
    const draw = (j: number): Uint32Array => { philox4x32_10Into(first + j, replicate, stream, 0, seed, scenario, words); return words; };
    const u = (j: number): number => { const w = draw(j); return uniformFromWords(w[0]!, w[1]!); };
    const c: CovariatePrior = prior;
    if (c.kind === 'fixed') x.fill(c.value);
    else if (c.kind === 'uniform') for (let j = 0; j < count; j++) x[j] = c.min + (c.max - c.min) * u(j);
    else if (c.kind === 'normal' && c.truncate !== undefined) {
      const z = truncatedNormal((c.truncate[0] - c.mean) / c.sd, (c.truncate[1] - c.mean) / c.sd);
      for (let j = 0; j < count; j++) x[j] = c.mean + c.sd * z(u(j));
    } else if (c.kind === 'lognormal' && c.truncate !== undefined) {
      const z = truncatedNormal(Math.log(c.truncate[0] / c.median) / c.sigma, Math.log(c.truncate[1] / c.median) / c.sigma);
      for (let j = 0; j < count; j++) x[j] = c.median * Math.exp(c.sigma * z(u(j)));
    } else if (c.kind === 'normal') for (let j = 0; j < count; j++) x[j] = clipped(c.mean + c.sd * firstNormal(draw(j)), c.clip);
    else if (c.kind === 'lognormal') for (let j = 0; j < count; j++) x[j] = clipped(c.median * Math.exp(c.sigma * firstNormal(draw(j))), c.clip);
    else if (c.kind === 'bernoulli') for (let j = 0; j < count; j++) x[j] = u(j) < c.p ? 1 : 0;
    else if (c.kind === 'categorical') {
      for (let j = 0; j < count; j++) {
        const v = u(j);
        let acc = 0;
        let level = c.levels[c.levels.length - 1]!;
        for (let l = 0; l < c.levels.length; l++) { acc += c.p[l]!; if (v < acc) { level = c.levels[l]!; break; } }
        x[j] = level;
      }
    } else {
      const index = trialIndex(c.values.length);
      for (let j = 0; j < count; j++) {
        const base = c.values[index[j]!]! * c.scale;
        x[j] = clipped(c.sigma === 0 ? base : base * Math.exp(c.sigma * firstNormal(draw(j))), c.clip);
      }
    }
    out[name] = x;
  });
  return out;
}
