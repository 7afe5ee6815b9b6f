/**
 * One transition of the No-U-Turn Sampler with multinomial sampling of the trajectory (Hoffman & Gelman
 * 2014; Betancourt 2017, "A conceptual introduction to HMC", appendix A: Stan's base_nuts): a leapfrog
 * trajectory doubled forwards or backwards at random until its ends turn back towards each other
 * (the generalised criterion p#·rho > 0 at both ends, p# = M^-1 p, checked on every subtree and across
 * the two halves of each merge, as Stan >= 2.26) or the tree reaches maxDepth; the next state is drawn
 * from the trajectory with weights exp(-H), biased towards the newest subtree at the top level. An
 * energy error above 1000 ends the trajectory as a divergence. Diagonal metric: M^-1 = invMetric.
 */
import type { RandomStream } from '../rng.js';

/** A log density on R^dim with its gradient (writes grad, returns log p; -Infinity outside its support). */
export interface HmcTarget {
  readonly dim: number;
  logDensityGradient(q: Float64Array, grad: Float64Array): number;
}

export interface NutsState {
  readonly q: Float64Array;
  readonly grad: Float64Array;
  readonly logp: number;
}

export interface TransitionInfo {
  readonly state: NutsState;
  /** mean Metropolis acceptance over the trajectory's leaves (what dual averaging targets) */
  readonly acceptStat: number;
  readonly divergent: boolean;
  readonly depth: number;
  readonly leapfrogs: number;
  /** the tree stopped at maxDepth without turning (depth saturation) */
  readonly saturated: boolean;
  readonly energy: number;
}

const MAX_ENERGY_ERROR = 1000;

interface Point { q: Float64Array; p: Float64Array; grad: Float64Array; logp: number }

const copyPoint = (z: Point): Point => ({ q: z.q.slice(), p: z.p.slice(), grad: z.grad.slice(), logp: z.logp });
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const logAddExp = (a: number, b: number): number => (a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));

export class Nuts {
  private leapfrogs = 0;
  private sumAccept = 0;
  private divergent = false;
  private h0 = 0;

  constructor(private readonly target: HmcTarget, private readonly rng: RandomStream, readonly maxDepth: number) {}

  private kinetic(p: Float64Array, invMetric: Float64Array): number {
    let s = 0;
    for (let i = 0; i < p.length; i += 1) s += (p[i] ?? 0) * (p[i] ?? 0) * (invMetric[i] ?? 1);
    return 0.5 * s;
  }

  private sharp(p: Float64Array, invMetric: Float64Array): Float64Array {
    return p.map((x, i) => x * (invMetric[i] ?? 1));
  }

  /** One leapfrog step of size eps (negative: backwards) on z, in place. */
  leapfrog(z: Point, eps: number, invMetric: Float64Array): void {
    const n = z.q.length;
    for (let i = 0; i < n; i += 1) z.p[i] = (z.p[i] ?? 0) + 0.5 * eps * (z.grad[i] ?? 0);
    for (let i = 0; i < n; i += 1) z.q[i] = (z.q[i] ?? 0) + eps * (invMetric[i] ?? 1) * (z.p[i] ?? 0);
    z.logp = this.target.logDensityGradient(z.q, z.grad);
    for (let i = 0; i < n; i += 1) z.p[i] = (z.p[i] ?? 0) + 0.5 * eps * (z.grad[i] ?? 0);
  }

  /** Momentum drawn from N(0, M), M = diag(1 / invMetric). */
  drawMomentum(n: number, invMetric: Float64Array): Float64Array {
    return Float64Array.from({ length: n }, (_, i) => this.rng.normal() / Math.sqrt(invMetric[i] ?? 1));
  }

  transition(from: NutsState, eps: number, invMetric: Float64Array): TransitionInfo {
    const n = from.q.length;
    const start: Point = { q: from.q.slice(), p: this.drawMomentum(n, invMetric), grad: from.grad.slice(), logp: from.logp };
    this.h0 = -start.logp + this.kinetic(start.p, invMetric);
    this.leapfrogs = 0;
    this.sumAccept = 0;
    this.divergent = false;
    let fwd = copyPoint(start);
    let bwd = copyPoint(start);
    let sample: Point = start;
    let logW = 0;
    const rho = start.p.slice();
    // each end of the trajectory: its momentum and M^-1 times it
    let endFwd: End = { p: start.p.slice(), sharp: this.sharp(start.p, invMetric) };
    let endBwd: End = { p: endFwd.p.slice(), sharp: endFwd.sharp.slice() };
    let depth = 0;
    let turned = false;
    while (depth < this.maxDepth) {
      const forward = this.rng.uniform() > 0.5;
      const tree = this.buildTree(forward ? fwd : bwd, depth, forward ? eps : -eps, invMetric);
      if (forward) fwd = tree.end; else bwd = tree.end;
      if (!tree.valid) { turned = true; break; }
      depth += 1;
      // biased progressive sampling: the new subtree's draw replaces the current with prob min(1, W_new / W_old)
      if (Math.log(this.rng.uniform()) < tree.logW - logW) sample = tree.sample;
      logW = logAddExp(logW, tree.logW);
      const [near, far] = forward ? [endFwd, endBwd] : [endBwd, endFwd];
      const rhoOld = rho.slice();
      for (let i = 0; i < n; i += 1) rho[i] = (rho[i] ?? 0) + (tree.rho[i] ?? 0);
      // the whole trajectory, and across the merge (old tree + the subtree's first point; subtree + the old near end)
      const rhoA = rhoOld.map((x, i) => x + (tree.first.p[i] ?? 0));
      const rhoB = tree.rho.map((x, i) => x + (near.p[i] ?? 0));
      const ok = dot(far.sharp, rho) > 0 && dot(tree.last.sharp, rho) > 0
        && dot(far.sharp, rhoA) > 0 && dot(tree.first.sharp, rhoA) > 0
        && dot(near.sharp, rhoB) > 0 && dot(tree.last.sharp, rhoB) > 0;
      if (forward) endFwd = tree.last; else endBwd = tree.last;
      if (!ok) { turned = true; break; }
    }
    const energy = -sample.logp + this.kinetic(sample.p, invMetric);
    return {
      state: { q: sample.q, grad: sample.grad, logp: sample.logp },
      acceptStat: this.leapfrogs === 0 ? 0 : this.sumAccept / this.leapfrogs,
      divergent: this.divergent,
      depth,
      leapfrogs: this.leapfrogs,
      saturated: !turned && depth >= this.maxDepth,
      energy,
    };
  }

  /**
   * A subtree of 2^depth leapfrog steps from z (its end is the far point). Returns its log weight, its
   * multinomial draw, rho (sum of momenta), its first and last points' momenta (integration order),
   * and whether it is valid (no divergence, no U-turn inside: Stan's build_tree criteria).
   */
  private buildTree(z: Point, depth: number, eps: number, invMetric: Float64Array): Subtree {
    if (depth === 0) {
      const next = copyPoint(z);
      this.leapfrog(next, eps, invMetric);
      let h = -next.logp + this.kinetic(next.p, invMetric);
      if (!Number.isFinite(h)) h = Infinity;
      this.leapfrogs += 1;
      this.sumAccept += h === Infinity ? 0 : Math.min(1, Math.exp(this.h0 - h));
      const end = { p: next.p.slice(), sharp: this.sharp(next.p, invMetric) };
      const diverged = h - this.h0 > MAX_ENERGY_ERROR;
      if (diverged) this.divergent = true;
      return { valid: !diverged, end: next, logW: diverged ? -Infinity : this.h0 - h, sample: next, rho: next.p.slice(), first: end, last: end };
    }
    const left = this.buildTree(z, depth - 1, eps, invMetric);
    if (!left.valid) return left;
    const right = this.buildTree(left.end, depth - 1, eps, invMetric);
    if (!right.valid) return right;
    const logW = logAddExp(left.logW, right.logW);
    // uniform multinomial draw within the subtree
    const sample = Math.log(this.rng.uniform()) < right.logW - logW ? right.sample : left.sample;
    const rho = left.rho.map((x, i) => x + (right.rho[i] ?? 0));
    const rhoA = left.rho.map((x, i) => x + (right.first.p[i] ?? 0));
    const rhoB = right.rho.map((x, i) => x + (left.last.p[i] ?? 0));
    const valid = dot(left.first.sharp, rho) > 0 && dot(right.last.sharp, rho) > 0
      && dot(left.first.sharp, rhoA) > 0 && dot(right.first.sharp, rhoA) > 0
      && dot(left.last.sharp, rhoB) > 0 && dot(right.last.sharp, rhoB) > 0;
    return { valid, end: right.end, logW, sample, rho, first: left.first, last: right.last };
  }
}

interface End { readonly p: Float64Array; readonly sharp: Float64Array }

interface Subtree {
  readonly valid: boolean;
  readonly end: Point;
  readonly logW: number;
  readonly sample: Point;
  readonly rho: Float64Array;
  readonly first: End;
  readonly last: End;
}
