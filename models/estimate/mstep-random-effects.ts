/**
 * The closed-form part of the SAEM M-step: the complete-data model phi_i = X_i b + eta_i is a linear
 * regression per random effect, so its sufficient statistics (sum_i x_ik phi_i' and sum_i phi_i phi_i')
 * are stochastically approximated and the typical values, covariate coefficients and Omega follow
 * by least squares. Early on, Omega's variances may shrink by at most 5 % per iteration (Monolix's
 * simulated annealing), which keeps the chains exploring while the fixed effects are still far off.
 */
import type { Chain } from './mcmc.js';
import type { EstimationProblem } from './problem.js';
import { symmetricInverse } from './linalg.js';

export type OmegaStructure = 'diagonal' | 'full';

const ANNEAL_FACTOR = 0.95;
const MIN_VARIANCE = 1e-8;

export class RandomEffectStatistics {
  private readonly k: number;
  private readonly n: number;
  /** per random effect: regressor rows x_ik (length p_k) for every subject */
  private readonly x: Float64Array[][];
  /** per effect k: sum_i x_ik phi_i' (p_k x K) */
  private readonly t: Float64Array[];
  private readonly szz: Float64Array;
  private initialised = false;

  constructor(private readonly problem: EstimationProblem) {
    this.k = problem.randomEffects.length;
    this.n = problem.subjects.length;
    this.x = problem.randomEffects.map((r) => problem.subjects.map((_, s) => Float64Array.from([1, ...r.covariates.map((c) => c.values[s] ?? 0)])));
    this.t = problem.randomEffects.map((r) => new Float64Array((1 + r.covariates.length) * this.k));
    this.szz = new Float64Array(this.k * this.k);
  }

  /** S <- S + gamma (s(phi) - S); the first call sets S = s(phi). */
  update(chains: readonly Chain[], gamma: number): void {
    const g = this.initialised ? gamma : 1;
    this.initialised = true;
    const { k } = this;
    this.t.forEach((tk, e) => {
      const p = tk.length / k;
      const fresh = new Float64Array(tk.length);
      chains.forEach((c, s) => {
        const xs = this.x[e]![s]!;
        for (let a = 0; a < p; a += 1) for (let j = 0; j < k; j += 1) fresh[a * k + j] = (fresh[a * k + j] ?? 0) + (xs[a] ?? 0) * (c.phi[j] ?? 0);
      });
      for (let i = 0; i < tk.length; i += 1) tk[i] = (tk[i] ?? 0) + g * ((fresh[i] ?? 0) - (tk[i] ?? 0));
    });
    const fresh = new Float64Array(k * k);
    for (const c of chains) for (let i = 0; i < k; i += 1) for (let j = 0; j < k; j += 1) fresh[i * k + j] = (fresh[i * k + j] ?? 0) + (c.phi[i] ?? 0) * (c.phi[j] ?? 0);
    for (let i = 0; i < k * k; i += 1) this.szz[i] = (this.szz[i] ?? 0) + g * ((fresh[i] ?? 0) - (this.szz[i] ?? 0));
  }

  /**
   * Least-squares coefficients per effect (written into theta) and the new Omega. `previousOmega`
   * and `anneal` implement the bounded shrinkage of the exploratory phase.
   */
  solve(theta: Float64Array, structure: OmegaStructure, previousOmega: Float64Array, anneal: boolean): Float64Array {
    const { k, n } = this;
    const coef = this.problem.randomEffects.map((r, e) => {
      const p = 1 + r.covariates.length;
      const gram = new Float64Array(p * p);
      for (const xs of this.x[e]!) for (let a = 0; a < p; a += 1) for (let b = 0; b < p; b += 1) gram[a * p + b] = (gram[a * p + b] ?? 0) + (xs[a] ?? 0) * (xs[b] ?? 0);
      // pseudo-inverse: a covariate constant across subjects leaves its coefficient unidentified (0 update)
      const gi = symmetricInverse(gram, p).inv;
      const rhs = Array.from({ length: p }, (_, a) => this.t[e]![a * k + e] ?? 0);
      const b = Array.from({ length: p }, (_, a) => rhs.reduce((acc, v, c) => acc + (gi[a * p + c] ?? 0) * v, 0));
      theta[r.muIndex] = b[0] ?? 0;
      r.covariates.forEach((c, ci) => {
        theta[c.thetaIndex] = b[1 + ci] ?? 0;
      });
      return b;
    });
    // per subject means m_i = X_i b, then Omega = (1/n) sum (phi - m)(phi - m)' from the statistics
    const omega = new Float64Array(k * k);
    const means = Array.from({ length: n }, (_, s) => coef.map((b, e) => b.reduce((acc, v, a) => acc + v * (this.x[e]![s]![a] ?? 0), 0)));
    for (let i = 0; i < k; i += 1) {
      for (let j = 0; j < k; j += 1) {
        // sum_i phi_ij m_ik = b_k . T_k[:, j]
        const cross = (kk: number, jj: number): number => coef[kk]!.reduce((acc, v, a) => acc + v * (this.t[kk]![a * k + jj] ?? 0), 0);
        let mm = 0;
        for (const m of means) mm += (m[i] ?? 0) * (m[j] ?? 0);
        omega[i * k + j] = ((this.szz[i * k + j] ?? 0) - cross(j, i) - cross(i, j) + mm) / n;
      }
    }
    if (structure === 'diagonal') for (let i = 0; i < k; i += 1) for (let j = 0; j < k; j += 1) if (i !== j) omega[i * k + j] = 0;
    for (let i = 0; i < k; i += 1) {
      const old = previousOmega[i * k + i] ?? 1;
      let v = Math.max(omega[i * k + i] ?? 0, MIN_VARIANCE);
      if (anneal) v = Math.max(v, ANNEAL_FACTOR * old);
      const ratio = Math.sqrt(v / Math.max(omega[i * k + i] ?? 0, MIN_VARIANCE));
      // rescale row and column so correlations are kept while the variance is held up
      for (let j = 0; j < k; j += 1) {
        if (j === i) continue;
        omega[i * k + j] = (omega[i * k + j] ?? 0) * ratio;
        omega[j * k + i] = (omega[j * k + i] ?? 0) * ratio;
      }
      omega[i * k + i] = v;
    }
    return omega;
  }
}
