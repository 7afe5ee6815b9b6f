/**
 * The transit-delay biomarker (transit-structures.ts) for any dosing history, in double precision.
 * With y_i = A_i / R0 - 1 the chain is linear and driven by h(C) (S(C), or -I(C) for an inhibitory drive):
 *   dy1/dt = k (h(C) - y1),  dy2/dt = k (y1 - y2),  dy3/dt = k (y2 - y3),  y(0) = 0,  R = R0 (1 + y3),
 * k = KTR. Across a piece of length L with no dose inside (x = k L, e = e^{-x}) the exact propagator is
 * lower triangular,
 *   y1(L) = e y1 + F0,  y2(L) = e (y2 + x y1) + F1,  y3(L) = e (y3 + x y2 + x^2/2 y1) + F2,
 *   F_j = int_0^L h(C(u)) k (k (L - u))^j / j! e^{-k (L - u)} du,
 * the PK state being stepped exactly (pk.ts) and each F_j by the adaptive GK15 of pd.ts (the three kernels
 * on the same 15 evaluations of C). An error eps in F_j reaches y3 through a kernel that integrates to 1 / k
 * over later time, so holding |K15 - G7| <= relTol k / 3 per hour in each bounds the error of R by
 * relTol R0 (R >= R0 for a stimulation; relTol R0 (1 - IMAX) would be the inhibitory bound).
 * The periodic steady state solves y(0) = M(tau) y(0) + F(tau) in closed form (M lower triangular with
 * e^{-k tau} on its diagonal).
 */
import { InputError } from '../../worker/common/errors.js';
import { ADAPTIVE_MAX_DEPTH, gaussKronrod15 } from './gauss-kronrod.js';
import type { IndividualParameters } from './parameters.js';
import { advancePk, centralAfter, pkRates } from './pk.js';
import { walkDoseHistory } from './dose-walk.js';
import type { Dose, PkRates, PkState } from './pk.js';
import { stimulationFunction } from './turnover.js';

type Chain = readonly [number, number, number];

/** The chain state after L hours from `y` with no forcing: the exact lower-triangular propagator. */
export function propagateChain(y: Chain, k: number, lengthH: number): Chain {
  const x = k * lengthH;
  const e = Math.exp(-x);
  return [e * y[0], e * (y[1] + x * y[0]), e * (y[2] + x * y[1] + ((x * x) / 2) * y[0])];
}

/** [F0, F1, F2] over [0, L] from PK state s (no dose inside): adaptive GK15, all three on the same nodes. */
export function chainForcing(r: PkRates, s: PkState, drive: (c: number) => number, k: number, lengthH: number, tolPerH: number): Chain {
  const kernels = [(v: number): number => 1, (v: number): number => v, (v: number): number => (v * v) / 2];
  const total = [0, 0, 0];
  // the kernels (k v)^j / j! e^{-k v} of v = L - u are below e^{-50} 50^2 / 2 ~ 2e-19 beyond v = 50 / k: a
  // fast chain's forcing lives in the piece's last 50 / k hours, which the rule must see (started on the
  // whole piece its 15 nodes could miss that spike and accept 0)
  const stack: [number, number, number][] = [[Math.max(0, lengthH - 50 / k), lengthH, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [a, b, depth] = item;
    const seen = new Map<number, number>();
    const h = (u: number): number => {
      let v = seen.get(u);
      if (v === undefined) seen.set(u, (v = drive(centralAfter(r, s, u) / r.V1)));
      return v;
    };
    const parts = kernels.map((kernel) => gaussKronrod15((u) => {
      const v = k * (lengthH - u);
      return h(u) * k * kernel(v) * Math.exp(-v);
    }, a, b));
    // written as !(err > tol) so that NaN parameters end the recursion (and show as NaN in R)
    if (!parts.some(([kronrod, gauss]) => Math.abs(kronrod - gauss) > tolPerH * (b - a)) || depth >= ADAPTIVE_MAX_DEPTH) parts.forEach(([kronrod], j) => { total[j] = (total[j] ?? 0) + kronrod; });
    else {
      const mid = a + (b - a) / 2;
      stack.push([a, mid, depth + 1], [mid, b, depth + 1]);
    }
  }
  return [total[0] ?? NaN, total[1] ?? NaN, total[2] ?? NaN];
}

interface ChainStepper {
  advance(y: Chain, s: PkState, lengthH: number): Chain;
  read(y: Chain): number;
}

function chainStepper(p: IndividualParameters, relTol: number): ChainStepper {
  const k = p.TRANSIT?.KTR ?? NaN;
  const drive = stimulationFunction(p);
  const r = pkRates(p);
  const tolPerH = (relTol * k) / 3;
  return {
    advance: (y, s, lengthH) => {
      const m = propagateChain(y, k, lengthH);
      const f = chainForcing(r, s, drive, k, lengthH, tolPerH);
      return [m[0] + f[0], m[1] + f[1], m[2] + f[2]];
    },
    read: (y) => p.R0 * (1 + y[2]),
  };
}

/** R (ng/mL) at each requested time; oral (depot), IV bolus or IV infusion doses; times may be unsorted or before the first dose. */
export function transitBiomarker(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], relTol = 1e-6): Float64Array {
  const bad = timesH.findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new InputError(`biomarker: timesH[${bad}] is ${timesH[bad]}, expected a finite time in hours`);
  const out = new Float64Array(timesH.length).fill(p.R0);
  return walkDoseHistory<Chain>(pkRates(p), doses, timesH, [0, 0, 0], chainStepper(p, relTol), out);
}

/** The periodic chain state y(0) from its forced response over one interval: (I - M(tau)) y(0) = F(tau). */
export function periodicChainStart(f: Chain, k: number, tauH: number): Chain {
  const x = k * tauH;
  const e = Math.exp(-x);
  const d = -Math.expm1(-x);
  const y0 = f[0] / d;
  const y1 = (f[1] + e * x * y0) / d;
  const y2 = (f[2] + e * x * y1 + e * ((x * x) / 2) * y0) / d;
  return [y0, y1, y2];
}

/** R at times in [0, tau] of the periodic steady state, from the PK state right after a dose. */
export function steadyStateTransitBiomarker(p: IndividualParameters, pkState: PkState, tauH: number, timesH: readonly number[], relTol = 1e-6): Float64Array {
  const k = p.TRANSIT?.KTR ?? NaN;
  const r = pkRates(p);
  const chain = chainStepper(p, relTol);
  const order = [...timesH.keys()].sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
  const forced: Chain[] = new Array<Chain>(timesH.length);
  let y: Chain = [0, 0, 0];
  let now = 0;
  let s = pkState;
  const step = (to: number): void => {
    if (to <= now) return;
    y = chain.advance(y, s, to - now);
    s = advancePk(r, s, to - now);
    now = to;
  };
  for (const i of order) {
    step(timesH[i] ?? NaN);
    forced[i] = y;
  }
  step(tauH);
  const start = periodicChainStart(y, k, tauH);
  return Float64Array.from(timesH, (t, i) => {
    const m = propagateChain(start, k, t);
    return chain.read([m[0] + (forced[i]?.[0] ?? NaN), m[1] + (forced[i]?.[1] ?? NaN), m[2] + (forced[i]?.[2] ?? NaN)]);
  });
}
