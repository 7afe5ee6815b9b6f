/**
 * Parameter-uncertainty draws for the sweep (ONNX input `theta [B, P]`): rows of packTheta drawn from
 * the asymptotic normal distribution of the estimates, N(estimate, inverse Fisher information), in
 * the scale the information was computed on (fit.covariance: transformed fixed effects, Omega as
 * variances, residual sds). Each draw's Omega is made positive definite (variances below 1e-8, or
 * negative eigenvalues of a full Omega, are lifted to 1e-8: a variance estimated near 0 then keeps
 * its point mass near 0), then packed with its Cholesky factor. Row 0 is the point estimate itself.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { InputError } from '../../worker/common/errors.js';
import { fromTransformed, packTheta, type FixedEffects, type PopulationParameters } from '../structures/parameters.js';
import { structureOfFit } from '../structures/structure.js';
import type { FitResult } from './fit.js';

/**
 * What the draws need from a fit: its estimates and their covariance (also built from an imported model
 * file), and its structure (absent: the 2-compartment one), whose theta layout the indices refer to.
 */
export type EstimateWithCovariance = Pick<FitResult, 'population' | 'covariance' | 'omegaStructure'> & { readonly structure?: string };
import { cholesky } from './linalg.js';
import { Purpose, RandomStream } from './rng.js';

const MIN_VARIANCE = 1e-8;
/** |logit| beyond which a drawn probability-like fixed effect is held (expit(30) = 1 - 9.4e-14) */
export const LOGIT_LIMIT = 30;

/** A square root S of a symmetric PSD covariance (C = S S'): Cholesky, or eigenvectors where singular. */
function covarianceRoot(c: readonly (readonly number[])[]): Float64Array {
  const n = c.length;
  const flat = Float64Array.from({ length: n * n }, (_, i) => c[Math.floor(i / n)]?.[i % n] ?? NaN);
  const l = cholesky(flat, n);
  if (l !== null) return l;
  const e = new EigenvalueDecomposition(new Matrix(c.map((r) => [...r])), { assumeSymmetric: true });
  const root = new Float64Array(n * n);
  e.realEigenvalues.forEach((lambda, k) => {
    const s = Math.sqrt(Math.max(lambda, 0));
    for (let i = 0; i < n; i += 1) root[i * n + k] = e.eigenvectorMatrix.get(i, k) * s;
  });
  return root;
}

function positiveDefinite(omega: number[][]): number[][] {
  const e = new EigenvalueDecomposition(new Matrix(omega), { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const lambda = e.realEigenvalues.map((x) => Math.max(x, MIN_VARIANCE));
  return omega.map((row, i) => row.map((_, j) => lambda.reduce((s, l, k) => s + v.get(i, k) * l * v.get(j, k), 0)));
}

/** One population parameter set from a vector in fit.covariance's parameterisation. */
export function populationFromVector(fit: EstimateWithCovariance, x: readonly number[]): PopulationParameters {
  const layout = structureOfFit(fit).fixedEffects;
  const fixed: Record<string, number> = { ...fit.population.fixed };
  const omega = fit.population.omega.map((r) => [...r]);
  const sigma = { ...fit.population.sigma };
  const sigmaKeys = ['pkAdditive', 'pkProportional', 'pdAdditive'] as const;
  fit.covariance.parameters.forEach((p, i) => {
    const v = x[i] ?? NaN;
    if (p.group === 'theta') {
      const f = layout[p.index[0] ?? 0]!;
      // a logit draw past +-LOGIT_LIMIT (IMAX within 1e-13 of 0 or 1) is held there: expit rounds it to
      // exactly 0 or 1 in double, and the card's packed logit would be infinite
      fixed[f.name] = fromTransformed(f.name, f.transform === 'logit' ? Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, v)) : v);
    } else if (p.group === 'omega') {
      const [a = 0, b = 0] = p.index;
      omega[a]![b] = v;
      omega[b]![a] = v;
    } else {
      const key = sigmaKeys[p.index[0] ?? 0];
      if (key !== undefined) sigma[key] = Math.abs(v);
    }
  });
  const diagonal = fit.omegaStructure === 'diagonal';
  const pdOmega = diagonal ? omega.map((r, i) => r.map((v, j) => (i === j ? Math.max(v, MIN_VARIANCE) : 0))) : positiveDefinite(omega);
  return { fixed: fixed as FixedEffects, omega: pdOmega, sigma };
}

/** R rows of packed theta (P_THETA each): row 0 the point estimate, rows 1.. draws; seeded. */
export function uncertaintyDraws(fit: EstimateWithCovariance, R: number, seed: number): number[][] {
  if (!(Number.isInteger(R) && R >= 1)) throw new InputError(`uncertaintyDraws: R (${R}) must be an integer >= 1`, { details: { field: 'R', value: R } });
  const params = fit.covariance.parameters;
  const n = params.length;
  const root = covarianceRoot(fit.covariance.matrix);
  const centre = params.map((p) => p.value);
  const structure = structureOfFit(fit);
  const rows: number[][] = [packTheta(fit.population, structure)];
  for (let r = 1; r < R; r += 1) {
    const z = new RandomStream(seed, Purpose.uncertainty, r).normals(n);
    const x = centre.map((c, i) => {
      let s = c;
      for (let j = 0; j < n; j += 1) s += (root[i * n + j] ?? 0) * (z[j] ?? 0);
      return s;
    });
    rows.push(packTheta(populationFromVector(fit, x), structure));
  }
  return rows;
}
