/**
 * Small dense linear algebra on row-major Float64Arrays, delegating factorisations to ml-matrix.
 * The engine keeps its matrices flat (K x K covariance, n x n marginal covariance) because its hot
 * loops index them directly; these helpers convert at the factorisation boundary only.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix, inverse as mlInverse } from 'ml-matrix';

export function toMatrix(a: Float64Array | readonly number[], n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) m.set(i, j, a[i * n + j] ?? 0);
  return m;
}

export function fromMatrix(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.columns);
  for (let i = 0; i < m.rows; i += 1) for (let j = 0; j < m.columns; j += 1) out[i * m.columns + j] = m.get(i, j);
  return out;
}

/** Lower Cholesky factor of a symmetric positive-definite n x n matrix, or null if it is not PD. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  if (n === 0) return new Float64Array(0);
  const m = toMatrix(a, n);
  // ml-matrix checks exact symmetry; symmetrise away rounding first
  for (let i = 0; i < n; i += 1) for (let j = 0; j < i; j += 1) {
    const v = 0.5 * (m.get(i, j) + m.get(j, i));
    m.set(i, j, v);
    m.set(j, i, v);
  }
  const c = new CholeskyDecomposition(m);
  if (!c.isPositiveDefinite()) return null;
  return fromMatrix(c.lowerTriangularMatrix);
}

/** log det of A from its lower Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i += 1) s += 2 * Math.log(l[i * n + i] ?? NaN);
  return s;
}

export function inverse(a: Float64Array, n: number): Float64Array {
  if (n === 0) return new Float64Array(0);
  return fromMatrix(mlInverse(toMatrix(a, n)));
}

/** Solves A x = b for symmetric positive-definite A (via its Cholesky factor L). */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i += 1) {
    let s = x[i] ?? 0;
    for (let k = 0; k < i; k += 1) s -= (l[i * n + k] ?? 0) * (x[k] ?? 0);
    x[i] = s / (l[i * n + i] ?? 1);
  }
  for (let i = n - 1; i >= 0; i -= 1) {
    let s = x[i] ?? 0;
    for (let k = i + 1; k < n; k += 1) s -= (l[k * n + i] ?? 0) * (x[k] ?? 0);
    x[i] = s / (l[i * n + i] ?? 1);
  }
  return x;
}

/** y = L z for a lower-triangular row-major L. */
export function lowerTimes(l: Float64Array, n: number, z: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i += 1) {
    let s = 0;
    for (let k = 0; k <= i; k += 1) s += (l[i * n + k] ?? 0) * (z[k] ?? 0);
    out[i] = s;
  }
}

/** x' A x for a symmetric row-major A. */
export function quadraticForm(a: Float64Array, n: number, x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i += 1) {
    let r = 0;
    for (let j = 0; j < n; j += 1) r += (a[i * n + j] ?? 0) * (x[j] ?? 0);
    s += (x[i] ?? 0) * r;
  }
  return s;
}

/**
 * Inverse of a symmetric matrix that may be singular or indefinite (an information matrix with an
 * unidentified direction): eigenvalues below `relFloor` x the largest are treated as zero
 * (pseudo-inverse). Reports whether the matrix was positive definite.
 */
export function symmetricInverse(a: Float64Array, n: number, relFloor = 1e-12): { inv: Float64Array; positiveDefinite: boolean; minEig: number } {
  const m = toMatrix(a, n);
  for (let i = 0; i < n; i += 1) for (let j = 0; j < i; j += 1) {
    const v = 0.5 * (m.get(i, j) + m.get(j, i));
    m.set(i, j, v);
    m.set(j, i, v);
  }
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = e.realEigenvalues;
  const vectors = e.eigenvectorMatrix;
  const maxEig = Math.max(...values.map(Math.abs));
  const minEig = Math.min(...values);
  const inv = new Float64Array(n * n);
  values.forEach((lambda, k) => {
    if (!(lambda > relFloor * maxEig)) return;
    for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) inv[i * n + j] = (inv[i * n + j] ?? 0) + (vectors.get(i, k) * vectors.get(j, k)) / lambda;
  });
  return { inv, positiveDefinite: minEig > relFloor * maxEig, minEig };
}

/** Principal submatrix of a row-major n x n matrix on the given indices. */
export function submatrix(a: Float64Array, n: number, rows: readonly number[], cols: readonly number[] = rows): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => {
    out[i * cols.length + j] = a[r * n + c] ?? 0;
  }));
  return out;
}
