/**
 * Indirect responses acting on the loss (types II and IV, turnover.ts), in double precision:
 *   dR/dt = KIN - k(t) R,  k(t) = KOUT (1 + h(C(t))),  h = -I (II) or +S (IV).
 * Still linear in R, now with a time-varying rate, so over a piece [0, L] with no dose inside
 *   R(L) = R(0) e^{-phi} + forced,  phi = int_0^L k,  forced = KIN int_0^L e^{-(Phi(L) - Phi(u))} du,
 * Phi(u) = int_0^u k. The quadrature of pd.ts, nested: each adaptive subinterval [a, b] gets phi by
 * GK15 and its forcing by GK15 over u on the same nodes, Phi(b) - Phi(u) at each node being the integral
 * of the degree-14 interpolant of k through those 15 values (gauss-kronrod.ts: no further evaluation of
 * C; spectrally accurate where k is resolved); both |K15 - G7| are held to tolPerH (b - a) (scaled by
 * KOUT for phi). Subintervals run left to right, so the forcing accumulates as
 * forced(b) = forced(a) e^{-(Phi(b) - Phi(a))} + KIN int_a^b .... Cost per subinterval: the production
 * types' 15 evaluations of C plus a 15 x 15 product.
 *
 * A fast loss (KOUT large against the piece, as when an indirect response stands in for a direct effect)
 * forgets: the forcing accrued before the last w hours of a piece is damped by e^{-(Phi(L) - Phi(L - w))},
 * and k >= kLower (KOUT (1 - IMAX) for type II, KOUT for type IV) makes that at most e^{-FORGET} when
 * w = FORGET / kLower. Only that window then needs the nested quadrature (whose subintervals must resolve
 * e^{-k (b - u)}, about one per 5 / k hours); the rest of the piece needs phi alone, which resolves C.
 * kLower is taken per piece where the piece's doses allow a better one (`pieceLowerBound`).
 * The forcing dropped is at most e^{-40} (k_max / kLower) of R: far below any tolerance. Whatever the
 * window, a nested subinterval spans at most PHI_MAX of phi: over a longer one the forcing's integrand
 * e^{-(Phi(b) - Phi(u))} vanishes at all but the last nodes, and the Kronrod and Gauss estimates agreed on
 * a wrong ~0 (KOUT 500 /h over a 24 h piece read R 1e8 times too small before this rule).
 */
import { ADAPTIVE_MAX_DEPTH, adaptiveGaussKronrod15, gaussKronrod15OfValues, gaussKronrod15WithTails } from './gauss-kronrod.js';
import type { IndividualParameters } from './parameters.js';
import { advancePk, centralAfter } from './pk.js';
import type { PkRates, PkState } from './pk.js';
import { inhibitionFunction, stimulationFunction } from './turnover.js';

/** phi over the window whose earlier forcing is dropped: e^{-40} ~ 4e-18 */
export const FORGET = 40;
/** the most phi one subinterval of the nested quadrature may span (e^{-8}: GK15 resolves the forcing's exponential) */
export const PHI_MAX = 8;

/** k(C) = KOUT (1 - I(C)) (type II) or KOUT (1 + S(C)) (type IV). */
export function lossRateFunction(p: IndividualParameters): (concMgL: number) => number {
  const { KOUT } = p;
  if (p.TURNOVER === 'kout-stimulation') {
    const s = stimulationFunction(p);
    return (c) => KOUT * (1 + s(c));
  }
  const i = inhibitionFunction(p);
  return (c) => KOUT * (1 - i(c));
}

/**
 * Tolerance per hour for a relative error of R ~ relTol: R's memory is 1 / min k, at least
 * 1 / (KOUT (1 - IMAX)) for type II, and R >= R0 / (1 + SMAX) for type IV.
 */
export function lossTolerancePerH(p: IndividualParameters, relTol: number): number {
  const fraction = p.TURNOVER === 'kout-stimulation' ? 1 / (1 + (p.SMAX ?? NaN)) : 1 - p.IMAX;
  return relTol * Math.max(fraction, 1e-3);
}

/** The lowest loss rate the individual's k(C) can take (0 when none is known: no window is used). */
export function lossRateLowerBound(p: IndividualParameters): number {
  const low = p.TURNOVER === 'kout-stimulation' ? p.KOUT : p.KOUT * (1 - p.IMAX);
  return low > 0 && Number.isFinite(low) ? low : 0;
}

/**
 * phi and forced over [0, lengthH] from PK state s (no dose inside); R(L) = R(0) e^{-phi} + forced.
 * With kLower > 0 (a lower bound of k), the forcing is integrated over the last FORGET / kLower hours only.
 */
export function lossTurnoverStep(r: PkRates, s: PkState, rate: (c: number) => number, kout: number, kin: number, lengthH: number, tolPerH: number, kLower = 0): { phi: number; forced: number } {
  const k = (u: number): number => rate(centralAfter(r, s, u) / r.V1);
  const low = kLower > 0 ? pieceLowerBound(r, s, rate, lengthH, kLower) : 0;
  const window = low > 0 ? FORGET / low : Infinity;
  if (!(window < lengthH)) return nestedStep(k, kout, kin, 0, lengthH, tolPerH);
  const start = lengthH - window;
  const tail = nestedStep(k, kout, kin, start, lengthH, tolPerH);
  return { phi: integralOfRate(k, kout, 0, start, tolPerH) + tail.phi, forced: tail.forced };
}

/**
 * k's lower bound over one piece: the central concentration never exceeds the body's amount over V1
 * (drug leaves the body, and only a running infusion adds to it), and k is monotone in C (KOUT (1 - I(C))
 * falls, KOUT (1 + S(C)) rises), so k >= min(k(0), k(Cmax)) on the piece. Where the piece's
 * concentrations stay below I's plateau this is well above the global KOUT (1 - IMAX) (an IMAX near 1 made
 * that bound, and so the forcing window, many times too wide); never below `global`. NaN: `global`.
 */
export function pieceLowerBound(r: PkRates, s: PkState, rate: (c: number) => number, lengthH: number, global: number): number {
  const amount = s.depot + s.central + s.peripheral + (s.infusion ?? 0) * lengthH;
  const piece = Math.min(rate(0), rate(amount / r.V1));
  return piece > global ? piece : global;
}

/** int_a^b k by adaptive GK15, |K15 - G7| <= tolPerH KOUT (b - a) on each subinterval (as the nested step holds phi). */
function integralOfRate(k: (u: number) => number, kout: number, a0: number, b0: number, tolPerH: number): number {
  return adaptiveGaussKronrod15(k, a0, b0, (kronrod, gauss, a, b) => !(Math.abs(kronrod - gauss) > tolPerH * kout * (b - a)));
}

/** phi and forced over [a0, b0] by the nested quadrature (module comment). */
function nestedStep(k: (u: number) => number, kout: number, kin: number, a0: number, b0: number, tolPerH: number): { phi: number; forced: number } {
  let phi = 0;
  let forced = 0;
  // left-most first: push the right half before the left
  const stack: [number, number, number][] = [[a0, b0, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [a, b, depth] = item;
    // phi on [a, b], and Phi(b) - Phi(u) at each node u from the same 15 values of k
    const { kronrod: phiK, gauss: phiG, tails } = gaussKronrod15WithTails(k, a, b);
    const [jK, jG] = gaussKronrod15OfValues(tails.map((t) => Math.exp(-t)), a, b);
    // !(err > tol): NaN parameters end the recursion and show as NaN in R
    // a subinterval over which k decays e^{-u} by more than e^{-PHI_MAX} is split whatever its estimates say:
    // there the forcing's integrand is ~0 at every node but the last, and K15 and G7 agree on a wrong ~0
    const accept = !(phiK > PHI_MAX) && !(Math.abs(phiK - phiG) > tolPerH * kout * (b - a)) && !(Math.abs(jK - jG) > tolPerH * (b - a));
    if (accept || depth >= ADAPTIVE_MAX_DEPTH) {
      forced = forced * Math.exp(-phiK) + kin * jK;
      phi += phiK;
    } else {
      const mid = a + (b - a) / 2;
      stack.push([mid, b, depth + 1], [a, mid, depth + 1]);
    }
  }
  return { phi, forced };
}

/**
 * R at times in [0, tau] of the periodic steady state from the PK state right after a dose:
 * R(t) = R(0) e^{-Phi(t)} + F(t), and R(0) = R(tau) gives R(0) = F(tau) / (1 - e^{-Phi(tau)}).
 */
export function steadyStateLossBiomarker(p: IndividualParameters, r: PkRates, s0: PkState, tauH: number, timesH: readonly number[], relTol: number): Float64Array {
  const rate = lossRateFunction(p);
  const tol = lossTolerancePerH(p, relTol);
  const kLower = lossRateLowerBound(p);
  const order = [...timesH.keys()].sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
  const phiAt = new Float64Array(timesH.length);
  const forcedAt = new Float64Array(timesH.length);
  let phi = 0;
  let forced = 0;
  let now = 0;
  let s = s0;
  const step = (to: number): void => {
    if (to <= now) return;
    const piece = lossTurnoverStep(r, s, rate, p.KOUT, p.KIN, to - now, tol, kLower);
    forced = forced * Math.exp(-piece.phi) + piece.forced;
    phi += piece.phi;
    s = advancePk(r, s, to - now);
    now = to;
  };
  for (const i of order) {
    step(timesH[i] ?? NaN);
    phiAt[i] = phi;
    forcedAt[i] = forced;
  }
  step(tauH);
  const r0 = forced / -Math.expm1(-phi);
  return Float64Array.from(timesH, (_, i) => r0 * Math.exp(-(phiAt[i] ?? NaN)) + (forcedAt[i] ?? NaN));
}
