/**
 * Residual-error M-step of an output with censored rows (M3). A censored row has no squared residual:
 * it says only that y < LLOQ, so the M-step maximises, over the output's residual sds, the observed-
 * data likelihood of the current samples, sum over observed rows of log N(r; 0, v) plus sum over
 * censored rows of log Phi((LLOQ - f) / sqrt(v)), v = a^2 + b^2 f^2 (the chains' predictions held
 * fixed, as for the Gaussian rows). This is the exact conditional M-step with the censored values
 * integrated out analytically rather than imputed (Samson et al. 2006 impute them from the truncated
 * normal, which targets the same maximum with extra sampling noise). Fisher scoring on (log a, log b)
 * with backtracking on the exact objective; saem.ts then averages the result on the variance scale
 * exactly as for the combined Gaussian model.
 */
import { censoredVarianceScoreInfo, logNormalCdf } from './censored-likelihood.js';
import { VARIANCE_FLOOR, type ErrorModel } from './problem.js';

export interface CensoredResiduals {
  /** y - f; for a censored row y is its limit, so r = LLOQ - f */
  readonly r: Float64Array;
  readonly f: Float64Array;
  readonly censored: Uint8Array;
}

/** argmax over the error model's sds (>= floors) of the M3 log-likelihood of fixed predictions. */
export function censoredResidualMle(d: CensoredResiduals, error: ErrorModel, a0: number, b0: number, aFloor: number, bFloor: number): { a: number; b: number } {
  const freeA = error !== 'proportional';
  const freeB = error !== 'additive';
  let la = freeA ? Math.log(Math.max(a0, aFloor)) : -Infinity;
  let lb = freeB ? Math.log(Math.max(b0, bFloor)) : -Infinity;
  const variance = (a2: number, b2: number, j: number): number => Math.max(a2 + b2 * (d.f[j] ?? 0) ** 2, VARIANCE_FLOOR);
  const objective = (x: number, y: number): number => {
    const a2 = Math.exp(2 * x);
    const b2 = Math.exp(2 * y);
    let s = 0;
    for (let j = 0; j < d.r.length; j += 1) {
      const v = variance(a2, b2, j);
      const r = d.r[j] ?? 0;
      s += d.censored[j] === 1 ? logNormalCdf(r / Math.sqrt(v)) : -0.5 * ((r * r) / v + Math.log(v));
    }
    return Number.isFinite(s) ? s : -Infinity;
  };
  let current = objective(la, lb);
  for (let it = 0; it < 100; it += 1) {
    const a2 = Math.exp(2 * la);
    const b2 = Math.exp(2 * lb);
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (let j = 0; j < d.r.length; j += 1) {
      const f2 = (d.f[j] ?? 0) ** 2;
      const v = variance(a2, b2, j);
      const r = d.r[j] ?? 0;
      // d log p / dv and its information in v
      const { score: u, weight: w } = d.censored[j] === 1 ? censoredVarianceScoreInfo(r, v) : { score: 0.5 * ((r * r) / v - 1) / v, weight: 0.5 / (v * v) };
      const dva = 2 * a2;
      const dvb = 2 * b2 * f2;
      ga += u * dva;
      gb += u * dvb;
      haa += w * dva * dva;
      hab += w * dva * dvb;
      hbb += w * dvb * dvb;
    }
    let da = 0;
    let db = 0;
    if (freeA && freeB) {
      const det = haa * hbb - hab * hab;
      da = det > 0 ? (hbb * ga - hab * gb) / det : ga / Math.max(haa, 1e-12);
      db = det > 0 ? (haa * gb - hab * ga) / det : gb / Math.max(hbb, 1e-12);
    } else if (freeA) {
      da = ga / Math.max(haa, 1e-12);
    } else {
      db = gb / Math.max(hbb, 1e-12);
    }
    const big = Math.max(Math.abs(da), Math.abs(db));
    if (big > 1) { da /= big; db /= big; }
    let step = 1;
    let accepted = false;
    for (let h = 0; h < 30; h += 1) {
      const na = freeA ? Math.max(la + step * da, Math.log(aFloor)) : la;
      const nb = freeB ? Math.max(lb + step * db, Math.log(bFloor)) : lb;
      const value = objective(na, nb);
      if (value >= current) {
        const moved = (freeA ? Math.abs(na - la) : 0) + (freeB ? Math.abs(nb - lb) : 0);
        la = na; lb = nb; current = value; accepted = true;
        if (moved < 1e-10) return { a: Math.exp(la), b: Math.exp(lb) };
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return { a: Math.exp(la), b: Math.exp(lb) };
}
