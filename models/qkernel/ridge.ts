/**
 * Kernel ridge regression without intercept, per target (one eta of the structure): alpha =
 * (K + lambda I)^{-1} y on the subjects whose estimate the target has, prediction k(x, S) alpha. No
 * intercept because an eta's population mean is 0: a large lambda shrinks every prediction to 0, the
 * plain covariate model, so cross-validation can fall back to it. The kernel's width (quantum
 * encoding scale or RBF gamma) is shared by all targets (one feature map in the graph); lambda is chosen
 * per target, both by k-fold cross-validation on a seeded split.
 */
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { permutation } from '../sequence/seeded.js';
import type { Inputs, KernelChoice } from './kernel.js';

export const LAMBDAS = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000] as const;
export const QUANTUM_SCALES = [0.25, 0.5, 1, 1.5, 2, 3] as const;
export const RBF_GAMMAS = [0.03, 0.1, 0.3, 1, 3] as const;
export const FOLDS = 5;
/** seeded stream of the fold split (models/sequence/seeded.ts uses 1-5) */
export const FOLD_STREAM = 6;

/** One regression problem: inputs of every subject, and per target the subjects' values (null: not estimated for that subject). */
export interface RidgeData {
  readonly x: Inputs;
  /** [subject][target] */
  readonly y: readonly (readonly (number | null)[])[];
}

export interface RidgeModel {
  readonly kernel: KernelChoice;
  readonly lambdas: readonly number[];
  /** the support inputs (every subject of the data) */
  readonly support: Inputs;
  /** [subject][target]: 0 for a subject the target was not fitted on */
  readonly alpha: number[][];
}

const targets = (d: RidgeData): number => d.y[0]?.length ?? 0;

/** Fits every target on one Gram matrix of the data's inputs. */
export function fitRidge(d: RidgeData, kernel: KernelChoice, lambdas: readonly number[], gram = kernel.gram(d.x, d.x)): RidgeModel {
  const n = d.x.length;
  const alpha = Array.from({ length: n }, () => new Array<number>(targets(d)).fill(0));
  for (let t = 0; t < targets(d); t++) {
    const rows = d.y.flatMap((v, i) => (v[t] === null ? [] : [i]));
    if (rows.length === 0) continue;
    const k = new Matrix(rows.map((i) => rows.map((j) => gram[i]![j]!)));
    for (let a = 0; a < rows.length; a++) k.set(a, a, k.get(a, a) + lambdas[t]!);
    const sol = solve(k, Matrix.columnVector(rows.map((i) => d.y[i]![t]!)), true);
    rows.forEach((i, a) => (alpha[i]![t] = sol.get(a, 0)));
  }
  return { kernel, lambdas: [...lambdas], support: d.x, alpha };
}

/** Predictions [subject][target] at new inputs. */
export function predict(m: RidgeModel, x: Inputs): number[][] {
  const rows = m.kernel.gram(x, m.support);
  return rows.map((k) => m.alpha[0]!.map((_, t) => k.reduce((s, v, j) => s + v * m.alpha[j]![t]!, 0)));
}

/**
 * Per lambda and target, the cross-validated sum of squared errors of one kernel. Each fold's Gram
 * matrix is diagonalised once per set of subjects a target is fitted on (K = V E V^T), so every lambda
 * costs a product: alpha = V (E + lambda)^{-1} V^T y.
 */
function foldErrors(d: RidgeData, kernel: KernelChoice, seed: number): number[][] {
  const n = d.x.length;
  const order = permutation(seed, FOLD_STREAM, 0, n);
  const fold = new Array<number>(n);
  order.forEach((i, r) => (fold[i] = r % FOLDS));
  const gram = kernel.gram(d.x, d.x);
  const sse = LAMBDAS.map(() => new Array<number>(targets(d)).fill(0));
  for (let f = 0; f < Math.min(FOLDS, n); f++) {
    const test = [...Array(n).keys()].filter((i) => fold[i] === f);
    // targets fitted on the same training subjects share one decomposition
    const groups = new Map<string, { rows: number[]; targets: number[] }>();
    for (let t = 0; t < targets(d); t++) {
      const rows = [...Array(n).keys()].filter((i) => fold[i] !== f && d.y[i]![t] !== null);
      if (rows.length === 0) continue;
      const key = rows.join(',');
      const g = groups.get(key) ?? { rows, targets: [] };
      g.targets.push(t);
      groups.set(key, g);
    }
    for (const { rows, targets: ts } of groups.values()) {
      const eig = new EigenvalueDecomposition(new Matrix(rows.map((i) => rows.map((j) => gram[i]![j]!))), { assumeSymmetric: true });
      const v = eig.eigenvectorMatrix;
      const e = eig.realEigenvalues;
      const cross = new Matrix(test.map((i) => rows.map((j) => gram[i]![j]!))).mmul(v); // [test, r] in the eigenbasis
      for (const t of ts) {
        const proj = v.transpose().mmul(Matrix.columnVector(rows.map((i) => d.y[i]![t]!))); // V^T y
        LAMBDAS.forEach((lambda, l) => {
          const scaled = Matrix.columnVector(e.map((ev, k) => proj.get(k, 0) / (ev + lambda)));
          const yhat = cross.mmul(scaled);
          test.forEach((i, a) => {
            const y = d.y[i]![t];
            if (y !== null && y !== undefined) sse[l]![t]! += (y - yhat.get(a, 0)) ** 2;
          });
        });
      }
    }
  }
  return sse;
}

export interface Tuned {
  readonly model: RidgeModel;
  /** cross-validated squared error per target at the chosen width and lambdas, over the target's variance x count */
  readonly cvRelativeError: number[];
}

/** Chooses the width (shared) and each target's lambda by k-fold CV, then fits on all the data. */
export function tuneRidge(d: RidgeData, kernels: readonly KernelChoice[], seed: number): Tuned {
  const ss = d.y[0]!.map((_, t) => {
    const v = d.y.flatMap((r) => (r[t] === null ? [] : [r[t]!]));
    const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return Math.max(1e-300, v.reduce((a, b) => a + (b - mean) ** 2, 0));
  });
  let best: { kernel: KernelChoice; lambdas: number[]; rel: number[]; score: number } | undefined;
  for (const kernel of kernels) {
    const sse = foldErrors(d, kernel, seed);
    const pick = ss.map((_, t) => LAMBDAS.reduce((b, _l, l) => (sse[l]![t]! < sse[b]![t]! ? l : b), 0));
    const rel = pick.map((l, t) => sse[l]![t]! / ss[t]!);
    const score = rel.reduce((a, b) => a + b, 0);
    if (best === undefined || score < best.score) best = { kernel, lambdas: pick.map((l) => LAMBDAS[l]!), rel, score };
  }
  if (best === undefined) throw new RangeError('tuneRidge: no kernel to choose from');
  return { model: fitRidge(d, best.kernel, best.lambdas), cvRelativeError: best.rel };
}
