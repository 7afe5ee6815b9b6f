/**
 * Parameter-uncertainty draws for a baseline's card (ONNX input `theta [B, P]`): rows from the
 * asymptotic normal distribution of the estimates, N(estimate, covariance); row 0 is the estimate
 * itself (as the population fits' cards), rows 1.. are Philox draws of (seed, row), so the same
 * seed gives the same card bytes. Replicate r of a sweep uses row r mod R, so bands include the
 * uncertainty of the fit.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Purpose, RandomStream } from '../estimate/rng.js';

/** S with S S' = C: Cholesky, or eigenvectors scaled by the non-negative eigenvalues where singular. */
function covarianceRoot(c: readonly (readonly number[])[]): Matrix {
  // an inverse is symmetric only up to rounding; Cholesky wants it exactly
  const m = new Matrix(c.map((r, i) => r.map((v, j) => (v + (c[j]?.[i] ?? NaN)) / 2)));
  const chol = new CholeskyDecomposition(m);
  if (chol.isPositiveDefinite()) return chol.lowerTriangularMatrix;
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const s = e.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  return e.eigenvectorMatrix.mmul(Matrix.diag(s));
}

export function gaussianDraws(centre: readonly number[], covariance: readonly (readonly number[])[], rows: number, seed: number): number[][] {
  const root = covarianceRoot(covariance);
  const n = centre.length;
  const out: number[][] = [[...centre]];
  for (let r = 1; r < rows; r += 1) {
    const z = new RandomStream(seed, Purpose.uncertainty, r).normals(n);
    out.push(centre.map((c, i) => {
      let s = c;
      for (let j = 0; j < n; j += 1) s += root.get(i, j) * (z[j] ?? 0);
      return s;
    }));
  }
  return out;
}
