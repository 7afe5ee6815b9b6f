/**
 * The SAEM E-step: per subject, a few Metropolis–Hastings moves of eta targeting
 * p(eta | y_i) ∝ p(y_i | eta) N(eta; 0, Omega), with Monolix's three kernels on the informed
 * components: (1) independent proposals from the prior, (2) a joint random walk shaped like Omega,
 * (3) one-component random walks; then an exact Gibbs draw of the uninformed components. Walk
 * scales adapt towards acceptance rates of 0.3 (joint) and 0.4 (per component), as in Monolix.
 * A chain keeps its individual parameters phi across M-steps (eta is re-centred on the new mean).
 */
import { conditionalLogLik, type CountingModel } from './likelihood.js';
import { drawConditional, logPriorKernel, type SplitPrior } from './eta-prior.js';
import { phiMean } from './problem.js';
import type { RandomStream } from './rng.js';

export interface KernelPlan {
  readonly independent: number;
  readonly block: number;
  readonly componentwise: number;
}

export interface Chain {
  /** individual transformed parameters without fixed offsets: mean(theta) + eta */
  readonly phi: Float64Array;
  readonly eta: Float64Array;
  /** predictions at the current eta and theta */
  readonly f: Float64Array;
  logLik: number;
  readonly rng: RandomStream;
}

const TARGET_BLOCK = 0.3;
const TARGET_COMPONENT = 0.4;

export class MetropolisSampler {
  private blockScale = 1;
  private readonly componentScale: Float64Array;
  private readonly proposal: Float64Array;
  private readonly fNew: Float64Array[];
  private readonly mean: Float64Array;

  constructor(private readonly model: CountingModel, private readonly plan: KernelPlan) {
    const k = model.problem.randomEffects.length;
    this.componentScale = new Float64Array(k).fill(1);
    this.proposal = new Float64Array(k);
    this.mean = new Float64Array(k);
    this.fNew = model.problem.subjects.map((s) => new Float64Array(s.y.length));
  }

  /** Re-centres every chain on theta's means and refreshes its predictions (one evaluation each). */
  recentre(chains: readonly Chain[], theta: Float64Array, ab: Float64Array): void {
    const { problem } = this.model;
    chains.forEach((c, s) => {
      phiMean(problem, theta, s, this.mean);
      for (let i = 0; i < c.eta.length; i += 1) c.eta[i] = (c.phi[i] ?? 0) - (this.mean[i] ?? 0);
      this.model.predict(s, theta, c.eta, c.f);
      c.logLik = conditionalLogLik(problem.subjects[s]!, c.f, ab);
    });
  }

  /** One E-step over all subjects; returns acceptance rates (for the progress line). */
  sweep(chains: readonly Chain[], theta: Float64Array, ab: Float64Array, priors: readonly SplitPrior[]): { block: number; component: number } {
    const k = this.componentScale.length;
    let blockTried = 0;
    let blockAccepted = 0;
    const compTried = new Float64Array(k);
    const compAccepted = new Float64Array(k);
    chains.forEach((c, s) => {
      const prior = priors[s];
      if (prior === undefined) return;
      const { informed, uninformed } = prior;
      const ni = informed.length;
      if (ni > 0) {
        for (let t = 0; t < this.plan.independent; t += 1) {
          this.proposal.set(c.eta);
          drawConditional(this.proposal, informed, uninformed, prior.aIU, prior.lI, c.rng.normals(ni));
          this.tryMove(s, c, theta, ab, prior, false);
        }
        for (let t = 0; t < this.plan.block; t += 1) {
          this.proposal.set(c.eta);
          const z = c.rng.normals(ni);
          for (let i = 0; i < ni; i += 1) {
            let step = 0;
            for (let j = 0; j <= i; j += 1) step += (prior.lI[i * ni + j] ?? 0) * (z[j] ?? 0);
            const idx = informed[i] ?? 0;
            this.proposal[idx] = (this.proposal[idx] ?? 0) + this.blockScale * step;
          }
          blockTried += 1;
          if (this.tryMove(s, c, theta, ab, prior, true)) blockAccepted += 1;
        }
        for (let t = 0; t < this.plan.componentwise; t += 1) {
          for (const idx of informed) {
            this.proposal.set(c.eta);
            this.proposal[idx] = (this.proposal[idx] ?? 0) + (this.componentScale[idx] ?? 1) * (prior.sd[idx] ?? 1) * c.rng.normal();
            compTried[idx] = (compTried[idx] ?? 0) + 1;
            if (this.tryMove(s, c, theta, ab, prior, true)) compAccepted[idx] = (compAccepted[idx] ?? 0) + 1;
          }
        }
      }
      if (uninformed.length > 0) drawConditional(c.eta, uninformed, informed, prior.aUI, prior.lU, c.rng.normals(uninformed.length));
      phiMean(this.model.problem, theta, s, this.mean);
      for (let i = 0; i < k; i += 1) c.phi[i] = (c.eta[i] ?? 0) + (this.mean[i] ?? 0);
    });
    const blockRate = blockTried > 0 ? blockAccepted / blockTried : TARGET_BLOCK;
    this.blockScale = adapt(this.blockScale, blockRate, TARGET_BLOCK);
    let compRate = 0;
    let compCount = 0;
    for (let i = 0; i < k; i += 1) {
      const tried = compTried[i] ?? 0;
      if (tried === 0) continue;
      const rate = (compAccepted[i] ?? 0) / tried;
      this.componentScale[i] = adapt(this.componentScale[i] ?? 1, rate, TARGET_COMPONENT);
      compRate += rate;
      compCount += 1;
    }
    return { block: blockRate, component: compCount > 0 ? compRate / compCount : TARGET_COMPONENT };
  }

  /** Metropolis–Hastings accept/reject of this.proposal for chain c (prior ratio only for walks). */
  private tryMove(s: number, c: Chain, theta: Float64Array, ab: Float64Array, prior: SplitPrior, withPrior: boolean): boolean {
    const { problem } = this.model;
    const fNew = this.fNew[s]!;
    this.model.predict(s, theta, this.proposal, fNew);
    const llNew = conditionalLogLik(problem.subjects[s]!, fNew, ab);
    const k = this.proposal.length;
    let logRatio = llNew - c.logLik;
    if (withPrior) logRatio += logPriorKernel(prior.precision, k, this.proposal) - logPriorKernel(prior.precision, k, c.eta);
    if (!(Math.log(c.rng.uniform()) < logRatio)) return false;
    c.eta.set(this.proposal);
    c.f.set(fNew);
    c.logLik = llNew;
    return true;
  }
}

function adapt(scale: number, rate: number, target: number): number {
  return Math.min(10, Math.max(0.01, scale * (1 + 0.4 * (rate - target))));
}
