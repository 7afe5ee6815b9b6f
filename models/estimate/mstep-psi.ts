/**
 * M-step for fixed effects without random effects (psi: e.g. Q, V2, IMAX, GAMMA). The complete-data
 * log-likelihood has no finite sufficient statistic in psi, so each iteration takes its local
 * quadratic model at the current samples (score g_k and expected information H_k from a forward-
 * difference Jacobian) and the quadratics are stochastically approximated in canonical form:
 *   A <- A + gamma (H_k - A),   b <- b + gamma (H_k psi_k + g_k - b),   psi <- A^-1 b.
 * With gamma = 1 this is one Fisher-scoring step per iteration (exploration); with gamma_k -> 0 the
 * averaged quadratic's maximiser converges to the root of the expected score (smoothing). A step is
 * bounded so that a noisy early sample cannot throw psi far away.
 */
import { accumulateScoreInfo, forwardJacobian, type CountingModel } from './likelihood.js';
import { cholesky, choleskySolve, symmetricInverse } from './linalg.js';
import { thetaMasks } from './informed.js';
import type { Chain } from './mcmc.js';

const FD_STEP = 1e-4;
const MAX_STEP = 0.5;

export class PsiUpdater {
  private readonly p: number;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private initialised = false;
  /** per subject, which psi entries move its predictions (set on the first step) */
  private relevant: boolean[][] | null = null;

  constructor(private readonly model: CountingModel, readonly indices: readonly number[]) {
    this.p = indices.length;
    this.a = new Float64Array(this.p * this.p);
    this.b = new Float64Array(this.p);
  }

  /** Score and information of sum_i log p(y_i | phi_i; psi) at theta (chains' eta held). */
  scoreInfo(chains: readonly Chain[], theta: Float64Array, ab: Float64Array): { g: Float64Array; h: Float64Array } {
    const { p } = this;
    const g = new Float64Array(p);
    const h = new Float64Array(p * p);
    const shifted = Float64Array.from(theta);
    this.relevant ??= thetaMasks(this.model, theta, this.indices);
    chains.forEach((c, s) => {
      const subject = this.model.problem.subjects[s]!;
      const relevant = this.relevant?.[s];
      if (subject.y.length === 0 || relevant?.some((r) => r) !== true) return;
      const jac = forwardJacobian(c.f, p, FD_STEP, (q, step, out) => {
        if (relevant[q] !== true) { out.set(c.f); return; }
        shifted.set(theta);
        const at = this.indices[q] ?? 0;
        shifted[at] = (shifted[at] ?? 0) + step;
        this.model.predict(s, shifted, c.eta, out);
      });
      accumulateScoreInfo(subject, c.f, jac, p, ab, g, h);
    });
    return { g, h };
  }

  /** One SA step; writes the new psi into theta (whose psi entries are the current psi_k). */
  step(chains: readonly Chain[], theta: Float64Array, ab: Float64Array, gamma: number): void {
    const { p } = this;
    if (p === 0) return;
    const { g, h } = this.scoreInfo(chains, theta, ab);
    const gain = this.initialised ? gamma : 1;
    this.initialised = true;
    for (let i = 0; i < p; i += 1) {
      let hpsi = 0;
      for (let j = 0; j < p; j += 1) hpsi += (h[i * p + j] ?? 0) * (theta[this.indices[j] ?? 0] ?? 0);
      this.b[i] = (this.b[i] ?? 0) + gain * (hpsi + (g[i] ?? 0) - (this.b[i] ?? 0));
      for (let j = 0; j < p; j += 1) this.a[i * p + j] = (this.a[i * p + j] ?? 0) + gain * ((h[i * p + j] ?? 0) - (this.a[i * p + j] ?? 0));
    }
    // delta = A^-1 (b - A psi): equal to A^-1 b - psi, and zero along directions A does not inform
    const rhs = Float64Array.from(this.b, (bi, i) => {
      let s = bi;
      for (let j = 0; j < p; j += 1) s -= (this.a[i * p + j] ?? 0) * (theta[this.indices[j] ?? 0] ?? 0);
      return s;
    });
    const delta = solveSymmetric(this.a, p, rhs);
    const biggest = delta.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const scale = biggest > MAX_STEP ? MAX_STEP / biggest : 1;
    this.indices.forEach((idx, i) => {
      if (!Number.isFinite(delta[i])) return;
      const bound = this.model.problem.thetaBounds?.find((b) => b.index === idx);
      const next = (theta[idx] ?? 0) + scale * (delta[i] ?? 0);
      theta[idx] = bound === undefined ? next : Math.min(bound.upper, Math.max(bound.lower, next));
    });
  }
}

function solveSymmetric(a: Float64Array, p: number, b: Float64Array): Float64Array {
  const l = cholesky(a, p);
  if (l !== null) return choleskySolve(l, p, b);
  const { inv } = symmetricInverse(a, p);
  return Float64Array.from({ length: p }, (_, i) => {
    let s = 0;
    for (let j = 0; j < p; j += 1) s += (inv[i * p + j] ?? 0) * (b[j] ?? 0);
    return s;
  });
}
