/**
 * Beal's M3 likelihood of an observation censored below its limit of quantification (Beal 2001): with
 * prediction f and residual variance v(f), a row known only to lie below LLOQ contributes
 *   P(y < LLOQ) = Phi(z),   z = (LLOQ - f) / sqrt(v)
 * instead of the Gaussian density. The engine stores the limit in the row's y (SubjectData.censored),
 * so z = r / sqrt(v) with r = y - f, exactly the residual of an observed row.
 *
 * log Phi is computed without underflow for any z: from the normal CDF where it is representable
 * (z >= -30, Phi >= 5e-198), log1p(-Phi(-z)) for z > 0 (no cancellation near 1), and the asymptotic
 * series of Mills' ratio below -30 (truncated after 1/z^12: relative error < 1e-14 there).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SERIES_BELOW = -30;

/** log Phi(z), finite for every finite z. */
export function logNormalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z > 0) return Math.log1p(-normalCdf(-z, 0, 1));
  if (z >= SERIES_BELOW) return Math.log(normalCdf(z, 0, 1));
  if (z === -Infinity) return -Infinity;
  // Phi(z) = phi(z)/(-z) (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...), the terms (2k-1)!! / (-z^2)^k
  const x = 1 / (z * z);
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= 6; k += 1) {
    term *= -(2 * k - 1) * x;
    sum += term;
  }
  return -0.5 * z * z - HALF_LOG_2PI - Math.log(-z) + Math.log(sum);
}

/** phi(z) / Phi(z) (the derivative of log Phi), from logs: finite for every finite z (~ -z far left). */
export function normalHazard(z: number): number {
  return Math.exp(-0.5 * z * z - HALF_LOG_2PI - logNormalCdf(z));
}

/**
 * Score and information of one censored row in its prediction f: log Phi(z(f)) with
 * dz/df = -1/sd - z/(2v) dv/df. The information is the Gauss–Newton part of -d^2 log Phi / df^2,
 * lambda (z + lambda) (dz/df)^2 with lambda = phi/Phi, which lies in (0, (dz/df)^2): ~1/v (an observed
 * row's) when the prediction is far above the limit, -> 0 when it is far below (the row then says
 * nothing more). Fisher scoring with it is a descent method; every caller backtracks on log Phi itself.
 */
export function censoredScoreInfo(r: number, v: number, dvdf: number): { score: number; weight: number } {
  const sd = Math.sqrt(v);
  const z = r / sd;
  const dzdf = -1 / sd - (z * dvdf) / (2 * v);
  const lambda = normalHazard(z);
  return { score: lambda * dzdf, weight: lambda * (z + lambda) * dzdf * dzdf };
}

/** The same pieces in the variance v (residual M-step): dz/dv = -z / (2v). */
export function censoredVarianceScoreInfo(r: number, v: number): { score: number; weight: number } {
  const z = r / Math.sqrt(v);
  const dzdv = -z / (2 * v);
  const lambda = normalHazard(z);
  return { score: lambda * dzdv, weight: lambda * (z + lambda) * dzdv * dzdv };
}

/** Largest effective variance relative to v: a row whose M3 information is below 1e-8 of an observed row's. */
const MAX_VARIANCE_RATIO = 1e8;

/**
 * The variance of a Gaussian pseudo-observation with the same information about f as the censored row
 * (1 / weight), for the linearised Fisher information; capped at 1e8 v where the row informs nothing.
 */
export function censoredEffectiveVariance(r: number, v: number, dvdf: number): number {
  const { weight } = censoredScoreInfo(r, v, dvdf);
  return weight > 1 / (MAX_VARIANCE_RATIO * v) ? 1 / weight : MAX_VARIANCE_RATIO * v;
}
