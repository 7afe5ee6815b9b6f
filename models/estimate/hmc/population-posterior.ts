/**
 * The population posterior of an EstimationProblem as an HMC target on R^d: coordinates
 * u = [free fixed effects theta (estimation scale: log / logit as the structure transforms them; a
 * bounded one through a logistic map onto its bounds), log omega_k (Omega diagonal: the sd of each
 * random effect), log of each residual sd, then per subject i and random effect k one coordinate]:
 * - non-centred k: z_ik, subject i's standardised random effect, eta_ik = omega_k z_ik, z_ik ~ N(0, 1);
 * - centred k: phi_ik itself (the individual parameter on the estimation scale), phi_ik ~ N(m_ik, omega_k^2),
 *   m_ik = theta_mu_k + sum_c theta_c x_ic, eta_ik = phi_ik - m_ik.
 * The two are one posterior (phi = m + omega z: the centred density is the non-centred one less
 * sum log omega_k per subject, the Jacobian) with different geometry. When a subject's data pin phi_ik
 * (low shrinkage), non-centred coordinates put theta_mu_k and omega_k on a narrow ridge with every z_ik
 * (theta_mu + omega z_i fixed) that a diagonal metric follows only in tiny steps; centred ones leave
 * theta_mu_k tied to the phi_ik through the prior alone. Weakly informed effects (high shrinkage) are the
 * reverse: the funnel of phi_ik against log omega_k is the centred form's problem (Betancourt & Girolami
 * 2015, "Hamiltonian Monte Carlo for hierarchical models"). centredEffects() picks per effect.
 * Held fixed effects (fixedTheta) stay at the estimate.
 *
 * Priors (weakly informative; the posterior is the data's wherever they inform): theta ~ N(SAEM
 * estimate, 2^2) on the estimation scale (a factor e^2 = 7.4 either way for a log parameter);
 * omega_k ~ half-normal(1) (an IIV sd of 1 on the log scale is a CV ~130 %); each residual sd ~
 * half-normal(5 x its SAEM estimate); z_ik ~ N(0, 1) (centred: phi_ik ~ N(m_ik, omega_k^2)). Every bijection adds its log Jacobian: log omega_k,
 * log sigma_j, and log((U - L) s (1 - s)) for a bounded theta = L + (U - L) s(u).
 *
 * Gradient (what it costs is what the sampler costs): subject i's likelihood depends on theta and
 * omega only through phi_i = theta_mu + sum_c theta_c x_ic + omega ⊙ z_i (problem.ts's contract), so
 * central differences of l_i in eta_ik alone (2K evaluations of subject i's predictions) give every
 * derivative by the chain rule: non-centred, dl/dz_ik = omega_k g_ik, dl/dlog omega_k = sum_i z_ik omega_k g_ik,
 * dl/dtheta_mu_k = sum_i g_ik, dl/dtheta_c = sum_i x_ic g_ik; centred, dl/dphi_ik = g_ik and theta_mu_k,
 * theta_c and omega_k see the likelihood only through phi's prior. The residual sds need no predictions
 * (differences of l_i on the cached f), and only the fixed effects outside phi ("psi": IMAX, GAMMA, ...)
 * cost two evaluations of every subject. One gradient: N (1 + 2K) + 2 N P_psi evaluations.
 */
import { conditionalLogLik, type PopulationEstimate } from '../likelihood.js';
import { psiIndices, residualLayout, residualPairs, type EstimationProblem } from '../problem.js';
import type { HmcTarget } from './nuts.js';

export const THETA_PRIOR_SD = 2;
export const OMEGA_PRIOR_SCALE = 1;
export const SIGMA_PRIOR_FACTOR = 5;
/** central-difference steps: in eta and theta (estimation scale) and in log sigma */
const STEP = 1e-4;
/** `auto` centres a random effect whose SAEM eta-shrinkage is below this (see centredEffects) */
export const CENTRE_BELOW_SHRINKAGE = 0.3;

export type Parametrisation = 'auto' | 'centred' | 'non-centred';
export const PARAMETRISATIONS: readonly Parametrisation[] = ['auto', 'centred', 'non-centred'];

/**
 * Which random effects get centred coordinates: all, none, or (auto) those whose eta-shrinkage
 * 1 - sd(conditional modes) / omega is below CENTRE_BELOW_SHRINKAGE. At shrinkage s the subjects'
 * conditional variance is roughly (1 - (1 - s)^2) omega^2 of the prior's: below s = 0.3 the data hold
 * each phi_ik to about half omega^2 or less, the regime where centring samples better; an effect with
 * unknown shrinkage (NaN) stays non-centred.
 */
export function centredEffects(parametrisation: Parametrisation, shrinkage: readonly number[]): boolean[] {
  return shrinkage.map((s) => parametrisation === 'centred' || (parametrisation === 'auto' && s < CENTRE_BELOW_SHRINKAGE));
}

export interface PosteriorLayout {
  /** coordinate names, population ones first (then z) */
  readonly names: readonly string[];
  /** population coordinates (theta, omega, sigma): the draws' first `population` entries */
  readonly population: number;
  readonly thetaFree: readonly number[];
  readonly sigmaFree: readonly number[];
}

const sigmoid = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (p: number): number => Math.log(p / (1 - p));

export class PopulationPosterior implements HmcTarget {
  readonly dim: number;
  readonly layout: PosteriorLayout;
  evaluations = 0;
  private readonly k: number;
  private readonly n: number;
  private readonly bounds: Map<number, { lower: number; upper: number }>;
  private readonly psi: readonly number[];
  private readonly nSigma: number;
  /** per random effect: centred coordinates (phi_ik) rather than non-centred (z_ik) */
  readonly centred: readonly boolean[];

  constructor(private readonly problem: EstimationProblem, private readonly estimate: PopulationEstimate, centred: readonly boolean[] = []) {
    this.k = problem.randomEffects.length;
    this.n = problem.subjects.length;
    this.centred = problem.randomEffects.map((_, q) => centred[q] ?? false);
    const held = new Set(problem.fixedTheta ?? []);
    const thetaFree = problem.thetaNames.map((_, i) => i).filter((i) => !held.has(i));
    this.nSigma = residualLayout(problem.outputs).length;
    const sigmaFree = Array.from({ length: this.nSigma }, (_, j) => j).filter((j) => (estimate.sigma[j] ?? 0) > 0);
    this.bounds = new Map((problem.thetaBounds ?? []).map((b) => [b.index, { lower: b.lower, upper: b.upper }]));
    this.psi = psiIndices(problem);
    const layout = residualLayout(problem.outputs);
    const names = [
      ...thetaFree.map((i) => problem.thetaNames[i]!),
      ...problem.randomEffects.map((r) => `omega_${r.name}`),
      ...sigmaFree.map((j) => `sigma_${problem.outputs[layout[j]!.output]!.name}_${layout[j]!.kind}`),
    ];
    this.layout = { names: [...names, ...problem.subjects.flatMap((s) => problem.randomEffects.map((r, q) => `${this.centred[q] ? 'phi' : 'z'}_${s.id}_${r.name}`))], population: names.length, thetaFree, sigmaFree };
    this.dim = names.length + this.n * this.k;
  }

  /** Theta (estimation scale), omega sds and residual sds of coordinates u. */
  decode(u: Float64Array): { theta: Float64Array; sd: Float64Array; sigma: Float64Array } {
    const theta = this.estimate.theta.slice();
    let at = 0;
    for (const i of this.layout.thetaFree) {
      const b = this.bounds.get(i);
      const v = u[at++] ?? 0;
      theta[i] = b === undefined ? v : b.lower + (b.upper - b.lower) * sigmoid(v);
    }
    const sd = Float64Array.from({ length: this.k }, () => Math.exp(u[at++] ?? 0));
    const sigma = this.estimate.sigma.slice();
    for (const j of this.layout.sigmaFree) sigma[j] = Math.exp(u[at++] ?? 0);
    return { theta, sd, sigma };
  }

  /** Coordinates of a point estimate with subjects' random effects eta (N x K); sds below minSd start at minSd. */
  encode(theta: Float64Array, sd: Float64Array, sigma: Float64Array, eta: readonly (readonly number[])[], minSd = 0.05): Float64Array {
    const u = new Float64Array(this.dim);
    let at = 0;
    for (const i of this.layout.thetaFree) {
      const b = this.bounds.get(i);
      const v = theta[i] ?? 0;
      u[at++] = b === undefined ? v : logit(Math.min(Math.max((v - b.lower) / (b.upper - b.lower), 1e-6), 1 - 1e-6));
    }
    const s = Array.from(sd, (x) => Math.max(x, minSd));
    for (const x of s) u[at++] = Math.log(x);
    for (const j of this.layout.sigmaFree) u[at++] = Math.log(sigma[j] ?? 1);
    const full = this.decode(u).theta;
    for (let i = 0; i < this.n; i += 1) {
      for (let k = 0; k < this.k; k += 1) {
        const z = Math.min(Math.max((eta[i]?.[k] ?? 0) / (s[k] ?? 1), -4), 4);
        u[at++] = this.centred[k] ? this.typical(i, k, full) + (s[k] ?? 1) * z : z;
      }
    }
    return u;
  }

  /** m_ik: subject i's typical value of random effect k's parameter (estimation scale) */
  private typical(i: number, k: number, theta: Float64Array): number {
    const r = this.problem.randomEffects[k]!;
    let m = theta[r.muIndex] ?? 0;
    for (const c of r.covariates) m += (theta[c.thetaIndex] ?? 0) * (c.values[i] ?? 0);
    return m;
  }

  /** subject i's random effects eta_i (written into eta) from coordinates u */
  private etaOf(u: Float64Array, i: number, theta: Float64Array, sd: Float64Array, eta: Float64Array): void {
    const at = this.layout.population + i * this.k;
    for (let q = 0; q < this.k; q += 1) eta[q] = this.centred[q] ? (u[at + q] ?? 0) - this.typical(i, q, theta) : (sd[q] ?? 0) * (u[at + q] ?? 0);
  }

  private subjectLogLik(s: number, theta: Float64Array, eta: Float64Array, ab: Float64Array, f: Float64Array): number {
    this.evaluations += 1;
    this.problem.predict(s, theta, eta, f);
    return conditionalLogLik(this.problem.subjects[s]!, f, ab);
  }

  logDensityGradient(u: Float64Array, grad: Float64Array): number {
    const { k, n, problem } = this;
    const { theta, sd, sigma } = this.decode(u);
    const nOut = problem.outputs.length;
    const layout = residualLayout(problem.outputs);
    const ab = residualPairs(layout, sigma, nOut);
    const pop = this.layout.population;
    grad.fill(0);
    const gTheta = new Float64Array(theta.length);
    const gSigma = new Float64Array(this.nSigma);
    const gLogSd = new Float64Array(k);
    let lp = 0;
    const eta = new Float64Array(k);
    const moved = new Float64Array(k);
    for (let i = 0; i < n; i += 1) {
      const subject = problem.subjects[i]!;
      const f = new Float64Array(subject.y.length);
      const fh = new Float64Array(subject.y.length);
      this.etaOf(u, i, theta, sd, eta);
      const li = this.subjectLogLik(i, theta, eta, ab, f);
      if (!Number.isFinite(li)) return -Infinity;
      lp += li;
      for (let q = 0; q < k; q += 1) {
        moved.set(eta);
        moved[q] = (eta[q] ?? 0) + STEP;
        const up = this.subjectLogLik(i, theta, moved, ab, fh);
        moved[q] = (eta[q] ?? 0) - STEP;
        const down = this.subjectLogLik(i, theta, moved, ab, fh);
        const g = (up - down) / (2 * STEP);
        const c = pop + i * k + q;
        const r = problem.randomEffects[q]!;
        const s = sd[q] ?? 0;
        if (this.centred[q]) {
          // the likelihood through phi_ik alone; theta_mu, theta_c and omega through phi's prior N(m_ik, s^2)
          const e = eta[q] ?? 0;
          const w = e / (s * s);
          lp += -0.5 * e * w - Math.log(s);
          grad[c] = g - w;
          gLogSd[q] = (gLogSd[q] ?? 0) + e * w - 1;
          gTheta[r.muIndex] = (gTheta[r.muIndex] ?? 0) + w;
          for (const cov of r.covariates) gTheta[cov.thetaIndex] = (gTheta[cov.thetaIndex] ?? 0) + (cov.values[i] ?? 0) * w;
        } else {
          const z = u[c] ?? 0;
          lp -= 0.5 * z * z;
          grad[c] = s * g - z;
          gLogSd[q] = (gLogSd[q] ?? 0) + z * s * g;
          gTheta[r.muIndex] = (gTheta[r.muIndex] ?? 0) + g;
          for (const cov of r.covariates) gTheta[cov.thetaIndex] = (gTheta[cov.thetaIndex] ?? 0) + (cov.values[i] ?? 0) * g;
        }
      }
      // residual sds: the same predictions under sigma_j e^{+-h}
      for (const j of this.layout.sigmaFree) {
        const at = (h: number): number => {
          const s = sigma.slice();
          s[j] = (sigma[j] ?? 0) * Math.exp(h);
          return conditionalLogLik(subject, f, residualPairs(layout, s, nOut));
        };
        gSigma[j] = (gSigma[j] ?? 0) + (at(STEP) - at(-STEP)) / (2 * STEP);
      }
    }
    // fixed effects outside phi: every subject at theta +- h
    const free = new Set(this.layout.thetaFree);
    for (const p of this.psi) {
      if (!free.has(p)) continue;
      const total = (h: number): number => {
        const t = theta.slice();
        t[p] = (theta[p] ?? 0) + h;
        let s = 0;
        for (let i = 0; i < n; i += 1) {
          const f = new Float64Array(problem.subjects[i]!.y.length);
          this.etaOf(u, i, theta, sd, eta);
          s += this.subjectLogLik(i, t, eta, ab, f);
        }
        return s;
      };
      gTheta[p] = (total(STEP) - total(-STEP)) / (2 * STEP);
    }
    return lp + this.priorAndJacobian(u, theta, sd, sigma, gTheta, gLogSd, gSigma, grad);
  }

  /** Adds the population coordinates' priors and log Jacobians (the subjects' are added per subject); writes the population part of grad. */
  private priorAndJacobian(u: Float64Array, theta: Float64Array, sd: Float64Array, sigma: Float64Array, gTheta: Float64Array, gLogSd: Float64Array, gSigma: Float64Array, grad: Float64Array): number {
    let lp = 0;
    let at = 0;
    for (const i of this.layout.thetaFree) {
      const d = ((theta[i] ?? 0) - (this.estimate.theta[i] ?? 0)) / THETA_PRIOR_SD;
      lp -= 0.5 * d * d;
      const dTheta = (gTheta[i] ?? 0) - d / THETA_PRIOR_SD;
      const b = this.bounds.get(i);
      if (b === undefined) grad[at] = dTheta;
      else {
        const s = sigmoid(u[at] ?? 0);
        lp += Math.log((b.upper - b.lower) * s * (1 - s));
        grad[at] = dTheta * (b.upper - b.lower) * s * (1 - s) + (1 - 2 * s);
      }
      at += 1;
    }
    for (let q = 0; q < this.k; q += 1) {
      const s = sd[q] ?? 0;
      const r = s / OMEGA_PRIOR_SCALE;
      lp += -0.5 * r * r + Math.log(s);
      grad[at++] = (gLogSd[q] ?? 0) - r * r + 1;
    }
    for (const j of this.layout.sigmaFree) {
      const r = (sigma[j] ?? 0) / (SIGMA_PRIOR_FACTOR * (this.estimate.sigma[j] ?? 1));
      lp += -0.5 * r * r + Math.log(sigma[j] ?? 0);
      grad[at++] = (gSigma[j] ?? 0) - r * r + 1;
    }
    return lp;
  }
}
