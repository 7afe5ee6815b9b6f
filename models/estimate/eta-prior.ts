/**
 * The random-effect prior N(0, Omega) split into the components a subject's data inform (I) and
 * those they cannot (U: e.g. PK random effects of a placebo subject). The chains move I by
 * Metropolis–Hastings and draw U exactly from its conditional given I, so no simulation is spent on
 * directions the likelihood ignores; importance sampling integrates U out analytically.
 */
import { cholesky, inverse, logDetFromCholesky, submatrix } from './linalg.js';

export interface SplitPrior {
  readonly informed: readonly number[];
  readonly uninformed: readonly number[];
  /** precision of the full prior (K x K), for -1/2 eta' Omega^-1 eta */
  readonly precision: Float64Array;
  /** eta_I | eta_U ~ N(aIU eta_U, lI lI'): proposals of the independent-sampler kernel */
  readonly aIU: Float64Array;
  readonly lI: Float64Array;
  /** eta_U | eta_I ~ N(aUI eta_I, lU lU') */
  readonly aUI: Float64Array;
  readonly lU: Float64Array;
  /** marginal prior of eta_I: precision and log det (importance sampling, modes) */
  readonly precisionII: Float64Array;
  readonly logDetII: number;
  /** sqrt of the diagonal of Omega (random-walk scales) */
  readonly sd: Float64Array;
}

function conditional(omega: Float64Array, k: number, target: readonly number[], given: readonly number[]): { a: Float64Array; l: Float64Array } {
  if (target.length === 0) return { a: new Float64Array(0), l: new Float64Array(0) };
  const stt = submatrix(omega, k, target);
  if (given.length === 0) return { a: new Float64Array(0), l: requireChol(stt, target.length) };
  const sgg = submatrix(omega, k, given);
  const stg = submatrix(omega, k, target, given);
  const sggInv = inverse(sgg, given.length);
  const nt = target.length;
  const ng = given.length;
  const a = new Float64Array(nt * ng);
  for (let i = 0; i < nt; i += 1) for (let j = 0; j < ng; j += 1) {
    let s = 0;
    for (let m = 0; m < ng; m += 1) s += (stg[i * ng + m] ?? 0) * (sggInv[m * ng + j] ?? 0);
    a[i * ng + j] = s;
  }
  const cond = Float64Array.from(stt);
  for (let i = 0; i < nt; i += 1) for (let j = 0; j < nt; j += 1) {
    let s = 0;
    for (let m = 0; m < ng; m += 1) s += (a[i * ng + m] ?? 0) * (stg[j * ng + m] ?? 0);
    cond[i * nt + j] = (cond[i * nt + j] ?? 0) - s;
  }
  return { a, l: requireChol(cond, nt) };
}

function requireChol(a: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  if (l === null) throw new RangeError('random-effect covariance is not positive definite');
  return l;
}

export function splitPrior(omega: Float64Array, k: number, informedMask: readonly boolean[]): SplitPrior {
  const informed: number[] = [];
  const uninformed: number[] = [];
  informedMask.forEach((m, i) => (m ? informed : uninformed).push(i));
  const ci = conditional(omega, k, informed, uninformed);
  const cu = conditional(omega, k, uninformed, informed);
  const sII = submatrix(omega, k, informed);
  const lII = requireChol(sII, informed.length);
  const sd = new Float64Array(k);
  for (let i = 0; i < k; i += 1) sd[i] = Math.sqrt(omega[i * k + i] ?? 0);
  return {
    informed, uninformed,
    precision: inverse(omega, k),
    aIU: ci.a, lI: ci.l, aUI: cu.a, lU: cu.l,
    precisionII: inverse(sII, informed.length),
    logDetII: logDetFromCholesky(lII, informed.length),
    sd,
  };
}

/** Fills the components `target` of eta with a draw from N(a eta_given, l l'). */
export function drawConditional(eta: Float64Array, target: readonly number[], given: readonly number[], a: Float64Array, l: Float64Array, z: Float64Array): void {
  const nt = target.length;
  const ng = given.length;
  for (let i = 0; i < nt; i += 1) {
    let m = 0;
    for (let j = 0; j < ng; j += 1) m += (a[i * ng + j] ?? 0) * (eta[given[j] ?? 0] ?? 0);
    let e = 0;
    for (let j = 0; j <= i; j += 1) e += (l[i * nt + j] ?? 0) * (z[j] ?? 0);
    eta[target[i] ?? 0] = m + e;
  }
}

/** -1/2 eta' P eta for the full precision P (K x K). */
export function logPriorKernel(precision: Float64Array, k: number, eta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < k; i += 1) {
    let r = 0;
    for (let j = 0; j < k; j += 1) r += (precision[i * k + j] ?? 0) * (eta[j] ?? 0);
    s += (eta[i] ?? 0) * r;
  }
  return -0.5 * s;
}
