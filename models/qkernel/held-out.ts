/**
 * Held-out comparison (leave-one-subject-out, the tuning repeated inside each fold): per eta, R^2 and
 * RMSE of three predictors of a subject's eta estimate from its covariates: the plain covariate model
 * (the fit's own covariate relations, i.e. eta = 0), kernel ridge with the quantum kernel, and kernel
 * ridge with a classical RBF kernel on the same standardised inputs. R^2 = 1 - SSE / SS about the
 * held-out values' mean, so a predictor worse than that mean scores below 0 (the plain model too,
 * by the estimates' mean squared).
 */
import { quantumKernel, rbfKernel, type KernelChoice } from './kernel.js';
import { FOLDS, predict, QUANTUM_SCALES, RBF_GAMMAS, tuneRidge, type RidgeData } from './ridge.js';

export interface TargetScore {
  readonly eta: string;
  readonly subjects: number;
  readonly r2: number;
  readonly rmse: number;
}

export interface HeldOutComparison {
  readonly method: string;
  readonly plain: TargetScore[];
  readonly quantum: TargetScore[];
  readonly rbf: TargetScore[];
}

export const quantumCandidates = (qubits: number, reps: number): KernelChoice[] => QUANTUM_SCALES.map((s) => quantumKernel(qubits, reps, s));
export const rbfCandidates = (): KernelChoice[] => RBF_GAMMAS.map((g) => rbfKernel(g));

function scores(d: RidgeData, pred: readonly (readonly number[])[], names: readonly string[]): TargetScore[] {
  return names.map((eta, t) => {
    const pairs = d.y.flatMap((r, i) => (r[t] === null ? [] : [[r[t]!, pred[i]![t]!] as const]));
    const mean = pairs.reduce((s, [y]) => s + y, 0) / Math.max(1, pairs.length);
    const sse = pairs.reduce((s, [y, p]) => s + (y - p) ** 2, 0);
    const ss = pairs.reduce((s, [y]) => s + (y - mean) ** 2, 0);
    return { eta, subjects: pairs.length, r2: pairs.length === 0 ? NaN : 1 - sse / ss, rmse: Math.sqrt(sse / Math.max(1, pairs.length)) };
  });
}

export function compareHeldOut(d: RidgeData, names: readonly string[], qubits: number, reps: number, seed: number): HeldOutComparison {
  const n = d.x.length;
  const loo = (kernels: KernelChoice[]): number[][] =>
    Array.from({ length: n }, (_, i) => {
      const keep = [...Array(n).keys()].filter((j) => j !== i);
      const tuned = tuneRidge({ x: keep.map((j) => d.x[j]!), y: keep.map((j) => d.y[j]!) }, kernels, seed);
      return predict(tuned.model, [d.x[i]!])[0]!;
    });
  return {
    method: `leave-one-subject-out over ${n} subjects; inside each fold the width and each eta's lambda chosen by ${FOLDS}-fold CV (seed ${seed})`,
    plain: scores(d, d.y.map((r) => r.map(() => 0)), names),
    quantum: scores(d, loo(quantumCandidates(qubits, reps)), names),
    rbf: scores(d, loo(rbfCandidates()), names),
  };
}
