/**
 * Standard errors by linearisation (Monolix's "linearization" Fisher information): around each
 * subject's conditional mode eta_i, y_i ~ N(f_i - J_eta eta_i, J_eta Omega J_eta' + R_i), whose
 * information in every population parameter x is
 *   I(x, x') = sum_i dm' V^-1 dm' + 1/2 tr(V^-1 dV/dx V^-1 dV/dx')
 * with dm/dtheta from central differences at the mode and dV from Omega, the residual sds and (for
 * proportional error) the predictions. Parameters: theta (transformed fixed effects), Omega's free
 * elements as variances/covariances (so a variance estimated at ~0 keeps finite information),
 * residual sds. The covariance of the estimates is the (pseudo-)inverse; a non-positive-definite
 * information matrix is reported, never hidden. A censored row (M3) is linearised as a Gaussian
 * pseudo-observation carrying the M3 term's information about its prediction; the information it holds
 * on the residual sds is left out (standard errors of sigma err on the large side).
 */
import { centralJacobian, dVarianceDf, type CountingModel, type PopulationEstimate } from './likelihood.js';
import { cholesky, choleskySolve, symmetricInverse } from './linalg.js';
import { isCensored, residualLayout, residualPairs, residualVariance } from './problem.js';
import { censoredEffectiveVariance } from './censored-likelihood.js';
import type { OmegaStructure } from './mstep-random-effects.js';

const FD_STEP = 1e-3;

export interface EstimatedParameter {
  readonly name: string;
  readonly group: 'theta' | 'omega' | 'sigma';
  /** theta index; omega (row, col); sigma index */
  readonly index: readonly number[];
  readonly value: number;
}

export interface InformationResult {
  readonly parameters: readonly EstimatedParameter[];
  readonly information: Float64Array;
  readonly covariance: Float64Array;
  readonly positiveDefinite: boolean;
  /** smallest eigenvalue of the information (<= 0: some parameter is not identified) */
  readonly minEigenvalue: number;
}

/** `exclude`: theta entries not estimated here (held fixed, or estimated at a bound of their range). */
export function estimatedParameters(model: CountingModel, est: PopulationEstimate, structure: OmegaStructure, exclude: readonly number[] = []): EstimatedParameter[] {
  const { problem } = model;
  const k = problem.randomEffects.length;
  const held = new Set([...(problem.fixedTheta ?? []), ...exclude]);
  const out: EstimatedParameter[] = problem.thetaNames
    .map((name, i): EstimatedParameter => ({ name, group: 'theta', index: [i], value: est.theta[i] ?? NaN }))
    .filter((p) => !held.has(p.index[0] ?? -1));
  for (let a = 0; a < k; a += 1) {
    for (let b = 0; b <= a; b += 1) {
      if (structure === 'diagonal' && a !== b) continue;
      const na = problem.randomEffects[a]?.name ?? String(a);
      const nb = problem.randomEffects[b]?.name ?? String(b);
      out.push({ name: a === b ? `omega2_${na}` : `omega_${na}_${nb}`, group: 'omega', index: [a, b], value: est.omega[a * k + b] ?? NaN });
    }
  }
  residualLayout(problem.outputs).forEach((r, j) => {
    out.push({ name: `sigma_${problem.outputs[r.output]?.name ?? r.output}_${r.kind}`, group: 'sigma', index: [j], value: est.sigma[j] ?? NaN });
  });
  return out;
}

export function linearisedInformation(
  model: CountingModel, est: PopulationEstimate, modes: readonly Float64Array[], informed: readonly (readonly boolean[])[], structure: OmegaStructure,
  exclude: readonly number[] = [],
): InformationResult {
  const { problem } = model;
  const k = problem.randomEffects.length;
  const nTheta = problem.thetaNames.length;
  const layout = residualLayout(problem.outputs);
  const ab = residualPairs(layout, est.sigma, problem.outputs.length);
  const params = estimatedParameters(model, est, structure, exclude);
  const np = params.length;
  const info = new Float64Array(np * np);
  // A random effect's typical value or covariate coefficient moves phi's prior mean only: linearised in
  // phi (y ~ f(phi_i) + J (phi - phi_i), phi ~ N(mu_i, Omega)), the residual variance at phi_i does not
  // depend on it, so it has no variance term (a shifted prediction at a fixed eta would claim one).
  const muReferenced = new Set(problem.randomEffects.flatMap((r) => [r.muIndex, ...r.covariates.map((c) => c.thetaIndex)]));
  problem.subjects.forEach((subject, s) => {
    const n = subject.y.length;
    if (n === 0) return;
    const eta = modes[s]!;
    const f = new Float64Array(n);
    model.predict(s, est.theta, eta, f);
    const shifted = new Float64Array(nTheta);
    const jTheta = centralJacobian(n, nTheta, FD_STEP, (q, h, out) => {
      shifted.set(est.theta);
      shifted[q] = (shifted[q] ?? 0) + h;
      model.predict(s, shifted, eta, out);
    });
    const moved = new Float64Array(k);
    const mask = informed[s]!;
    const jEta = centralJacobian(n, k, FD_STEP, (q, h, out) => {
      if (mask[q] !== true) { out.fill(0); return; }
      moved.set(eta);
      moved[q] = (moved[q] ?? 0) + h;
      model.predict(s, est.theta, moved, out);
    });
    // a censored row (M3) enters as a Gaussian pseudo-observation whose information about f is the
    // M3 term's at the mode (censoredEffectiveVariance); its variance does not move with theta or sigma
    const censored = (i: number): boolean => isCensored(subject, i);
    const rowVariance = (i: number): number => {
      const rv = residualVariance(ab, subject.output[i] ?? 0, f[i] ?? 0);
      return censored(i) ? censoredEffectiveVariance((subject.y[i] ?? 0) - (f[i] ?? 0), rv, dVarianceDf(ab, subject.output[i] ?? 0, f[i] ?? 0)) : rv;
    };
    // V = J Omega J' + R
    const v = new Float64Array(n * n);
    const jo = new Float64Array(n * k);
    for (let i = 0; i < n; i += 1) for (let b = 0; b < k; b += 1) {
      let acc = 0;
      for (let a = 0; a < k; a += 1) acc += (jEta[i * k + a] ?? 0) * (est.omega[a * k + b] ?? 0);
      jo[i * k + b] = acc;
    }
    for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) {
      let acc = 0;
      for (let b = 0; b < k; b += 1) acc += (jo[i * k + b] ?? 0) * (jEta[j * k + b] ?? 0);
      v[i * n + j] = acc + (i === j ? rowVariance(i) : 0);
    }
    const l = cholesky(v, n);
    if (l === null) return;
    // dm (n) and dV (n x n) per parameter; W = V^-1 dV
    const dms: (Float64Array | null)[] = [];
    const ws: (Float64Array | null)[] = [];
    const solveColumns = (m: Float64Array): Float64Array => {
      const out = new Float64Array(n * n);
      const col = new Float64Array(n);
      for (let c = 0; c < n; c += 1) {
        for (let r = 0; r < n; r += 1) col[r] = m[r * n + c] ?? 0;
        const x = choleskySolve(l, n, col);
        for (let r = 0; r < n; r += 1) out[r * n + c] = x[r] ?? 0;
      }
      return out;
    };
    for (const p of params) {
      const dv = new Float64Array(n * n);
      let dm: Float64Array | null = null;
      let any = false;
      if (p.group === 'theta') {
        const q = p.index[0] ?? 0;
        dm = Float64Array.from({ length: n }, (_, i) => jTheta[i * nTheta + q] ?? 0);
        if (!muReferenced.has(q)) for (let i = 0; i < n; i += 1) {
          if (censored(i)) continue;
          const d = dVarianceDf(ab, subject.output[i] ?? 0, f[i] ?? 0) * (dm[i] ?? 0);
          if (d !== 0) { dv[i * n + i] = d; any = true; }
        }
      } else if (p.group === 'omega') {
        const [a = 0, b = 0] = p.index;
        for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) {
          const ja = jEta[i * k + a] ?? 0;
          const jb = jEta[j * k + b] ?? 0;
          const d = a === b ? ja * jb : ja * jb + (jEta[i * k + b] ?? 0) * (jEta[j * k + a] ?? 0);
          if (d !== 0) { dv[i * n + j] = d; any = true; }
        }
      } else {
        const j = p.index[0] ?? 0;
        const r = layout[j]!;
        for (let i = 0; i < n; i += 1) {
          if (subject.output[i] !== r.output || censored(i)) continue;
          const sd = est.sigma[j] ?? 0;
          dv[i * n + i] = r.kind === 'additive' ? 2 * sd : 2 * sd * (f[i] ?? 0) ** 2;
          any = true;
        }
      }
      dms.push(dm);
      ws.push(any ? solveColumns(dv) : null);
    }
    const vinvDm = dms.map((dm) => (dm === null ? null : choleskySolve(l, n, dm)));
    for (let a = 0; a < np; a += 1) {
      for (let b = 0; b <= a; b += 1) {
        let acc = 0;
        const dmA = dms[a];
        const xB = vinvDm[b];
        if (dmA != null && xB != null) for (let i = 0; i < n; i += 1) acc += (dmA[i] ?? 0) * (xB[i] ?? 0);
        const wa = ws[a];
        const wb = ws[b];
        if (wa != null && wb != null) {
          let tr = 0;
          for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) tr += (wa[i * n + j] ?? 0) * (wb[j * n + i] ?? 0);
          acc += 0.5 * tr;
        }
        info[a * np + b] = (info[a * np + b] ?? 0) + acc;
        if (a !== b) info[b * np + a] = (info[b * np + a] ?? 0) + acc;
      }
    }
  });
  const { inv, positiveDefinite, minEig } = symmetricInverse(info, np);
  return { parameters: params, information: info, covariance: inv, positiveDefinite, minEigenvalue: minEig };
}
