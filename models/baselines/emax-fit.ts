/**
 * Least-squares fit of the inhibitory Emax baseline to PD_LAST_MAX against Cavg (QuSOP paper 5.5):
 * minimise sum (y - E0 - E_COMED c + IMAX C / (EC50 + C))^2 over (E0, E_COMED, IMAX, log EC50) with
 * ml-levenberg-marquardt (analytic Jacobian), started from the best point of a profile over log EC50
 * (for fixed EC50 the model is linear: ordinary least squares by ml-matrix), so the start is near the
 * global minimum. Standard errors: s^2 (J'J)^-1 at the estimate, s^2 = RSS / (n - 4); log sigma gets
 * the chi-square approximation Var(log s) = 1 / (2 (n - 4)), independent of the rest.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { inverse, Matrix, solve } from 'ml-matrix';
import { InputError } from '../../worker/common/errors.js';
import type { EmaxParameters } from './emax-model.js';

export interface EmaxObservation {
  readonly cavgMgL: number;
  readonly comed: number;
  readonly pdNgMl: number;
}

export interface EmaxFit {
  readonly estimate: EmaxParameters;
  /** covariance of (E0, E_COMED, IMAX, log EC50, log SIGMA) */
  readonly covariance: number[][];
  readonly rss: number;
  readonly n: number;
  /** max |d RSS / d p| at the estimate: ~0 at a minimum (the LM here stops on an iteration count) */
  readonly gradientMaxAbs: number;
}

const P = 4;

function design(obs: readonly EmaxObservation[], ec50: number): number[][] {
  return obs.map((o) => [1, o.comed, -o.cavgMgL / (ec50 + o.cavgMgL)]);
}

function jacobianRow(p: readonly number[], o: EmaxObservation): number[] {
  const ec50 = Math.exp(p[3] ?? NaN);
  const c = o.cavgMgL;
  // d/d log EC50 of -IMAX C / (EC50 + C) = IMAX C EC50 / (EC50 + C)^2
  return [1, o.comed, -c / (ec50 + c), ((p[2] ?? NaN) * c * ec50) / (ec50 + c) ** 2];
}

const predict = (p: readonly number[], o: EmaxObservation): number => (p[0] ?? NaN) + (p[1] ?? NaN) * o.comed - ((p[2] ?? NaN) * o.cavgMgL) / (Math.exp(p[3] ?? NaN) + o.cavgMgL);

const rssOf = (p: readonly number[], obs: readonly EmaxObservation[]): number => obs.reduce((s, o) => s + (o.pdNgMl - predict(p, o)) ** 2, 0);

/** Best (E0, E_COMED, IMAX) by OLS on a grid of log EC50 spanning the exposures: the LM start. */
function profileStart(obs: readonly EmaxObservation[]): number[] {
  const positive = obs.map((o) => o.cavgMgL).filter((c) => c > 0);
  const lo = Math.log(Math.min(...positive) / 10);
  const hi = Math.log(Math.max(...positive) * 10);
  const y = Matrix.columnVector(obs.map((o) => o.pdNgMl));
  let best: number[] = [];
  let bestRss = Infinity;
  for (let k = 0; k <= 60; k += 1) {
    const logEc50 = lo + ((hi - lo) * k) / 60;
    const b = solve(new Matrix(design(obs, Math.exp(logEc50))), y).to1DArray();
    const p = [...b, logEc50];
    const rss = rssOf(p, obs);
    if (rss < bestRss) [best, bestRss] = [p, rss];
  }
  return best;
}

export function fitEmax(obs: readonly EmaxObservation[], where: string): EmaxFit {
  const n = obs.length;
  const exposures = new Set(obs.filter((o) => o.cavgMgL > 0).map((o) => o.cavgMgL));
  if (n <= P + 1 || exposures.size < 2 || !obs.some((o) => o.cavgMgL === 0)) {
    throw new InputError(`${where}: the emax baseline needs placebo subjects and at least two distinct non-zero exposures among more than ${P + 1} subjects (got ${n} subjects, ${exposures.size} distinct exposures)`, { details: { file: where } });
  }
  const start = profileStart(obs);
  const lm = levenbergMarquardt({ x: obs.map((_, i) => i), y: obs.map((o) => o.pdNgMl) }, (p) => (i) => predict(p, obs[i]!), {
    initialValues: start,
    jacobianFunction: (p) => (i) => jacobianRow(p, obs[i]!),
    maxIterations: 200,
    errorTolerance: 1e-12,
    improvementThreshold: 1e-6,
    damping: 1e-3,
  });
  // LM never returns worse than its start here in practice; keep the better one regardless
  const p = rssOf(lm.parameterValues, obs) <= rssOf(start, obs) ? lm.parameterValues : start;
  const rss = rssOf(p, obs);
  const s2 = rss / (n - P);
  const j = new Matrix(obs.map((o) => jacobianRow(p, o)));
  const info = j.transpose().mmul(j);
  const residuals = Matrix.columnVector(obs.map((o) => o.pdNgMl - predict(p, o)));
  const gradientMaxAbs = Math.max(...j.transpose().mmul(residuals).mul(2).to1DArray().map(Math.abs));
  let cov: number[][];
  try {
    cov = inverse(info).mul(s2).to2DArray();
  } catch (err) {
    throw new InputError(`${where}: the emax fit's information matrix is singular (EC50 not identifiable from these exposures)`, { cause: err, details: { file: where } });
  }
  if (!cov.every((r, i) => Number.isFinite(r[i]) && (r[i] ?? -1) >= 0)) {
    throw new InputError(`${where}: the emax fit's information matrix is singular (EC50 not identifiable from these exposures)`, { details: { file: where } });
  }
  const full = [...cov.map((r) => [...r, 0]), [0, 0, 0, 0, 1 / (2 * (n - P))]];
  const [e0 = NaN, eComed = NaN, imax = NaN, logEc50 = NaN] = p;
  return { estimate: { e0, eComed, imax, ec50: Math.exp(logEc50), sigma: Math.sqrt(s2) }, covariance: full, rss, n, gradientMaxAbs };
}
