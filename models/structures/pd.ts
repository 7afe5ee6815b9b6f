/**
 * The indirect-response biomarker (inhibited production) for any dosing history:
 *   dR/dt = KIN (1 - I(C)) - KOUT R,  I(C) = IMAX C^g / (IC50^g + C^g),  R(0) = R0 = KIN / KOUT.
 * The equation is linear in R given C(t), so it is solved exactly up to one quadrature:
 *   R(t) = R0 - KIN D(t),  D(t) = int_0^t I(C(s)) exp(-KOUT (t - s)) ds,
 * and D is carried across breakpoints (doses and requested times) as D(b) = D(a) e^{-KOUT (b - a)} +
 * int_a^b ..., the PK state being stepped exactly (pk.ts). Between breakpoints C is analytic, so
 * adaptive Gauss–Kronrod (7/15) converges fast; its pessimistic |K15 - G7| error estimate is held to
 * tol * length, which bounds the error of KIN D by R0 * tol and so the relative error of R by
 * tol / (1 - IMAX) (R >= R0 (1 - IMAX)). tol = relTol * max(1 - IMAX, 1e-3).
 */
import { InputError } from '../../worker/common/errors.js';
import { directBiomarker } from './direct-effect.js';
import type { IndividualParameters } from './parameters.js';
import { advancePk, centralAfter, pkRates } from './pk.js';
import type { Dose, PkRates, PkState } from './pk.js';

export interface BiomarkerOptions {
  /** bound on the relative error of R (default 1e-6) */
  readonly relTol?: number;
}

// Gauss–Kronrod 7/15 abscissae on [-1, 1] (QUADPACK qk15), outermost first; index 7 is the centre.
const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0,
];
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
// Gauss 7-point weights for the odd Kronrod abscissae 1, 3, 5 and the centre.
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];
const MAX_DEPTH = 60;

/** R (ng/mL) at each requested time; times may be unsorted, repeated, or before the first dose. */
export function biomarker(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], opts: BiomarkerOptions = {}): Float64Array {
  const relTol = opts.relTol ?? 1e-6;
  const bad = timesH.findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new InputError(`biomarker: timesH[${bad}] is ${timesH[bad]}, expected a finite time in hours`);
  // a direct-effect structure's biomarker is exact in closed form (direct-effect.ts)
  if (p.DIRECT !== undefined) return directBiomarker(p, doses, timesH);
  const out = new Float64Array(timesH.length).fill(p.R0);
  const schedule = mergeDoses(doses);
  const first = schedule[0];
  if (first === undefined) return out;
  const order = [...timesH.keys()].filter((i) => (timesH[i] ?? NaN) > first.timeH).sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));

  const r = pkRates(p);
  const inhibition = inhibitionFunction(p);
  const tolPerH = tolerancePerH(p, relTol);
  let state: PkState = { depot: 0, central: 0, peripheral: 0 };
  let d = 0;
  let now = first.timeH;
  let nextDose = 0;
  let nextTime = 0;
  while (nextTime < order.length) {
    const doseAt = schedule[nextDose]?.timeH ?? Infinity;
    const obsAt = timesH[order[nextTime] ?? 0] ?? Infinity;
    const to = Math.min(doseAt, obsAt);
    if (to > now) {
      d = d * Math.exp(-p.KOUT * (to - now)) + integrateInhibition(r, state, inhibition, p.KOUT, to - now, tolPerH);
      state = advancePk(r, state, to - now);
      now = to;
    }
    if (doseAt === now) {
      const dose = schedule[nextDose];
      // an IV bolus lands in the central compartment; an infusion is not a jump (the PD structures are oral)
      if (dose?.route === 'central' && (dose.durationH ?? 0) > 0) throw new RangeError('biomarker: zero-order infusions are not supported by the PD simulator');
      state = dose?.route === 'central' ? { ...state, central: state.central + dose.amountMg } : { ...state, depot: state.depot + (dose?.amountMg ?? 0) };
      nextDose += 1;
    } else {
      out[order[nextTime] ?? 0] = p.R0 - p.KIN * d;
      nextTime += 1;
    }
  }
  return out;
}

/** Quadrature tolerance per hour of integration that bounds the relative error of R by relTol. */
export function tolerancePerH(p: IndividualParameters, relTol: number): number {
  return relTol * Math.max(1 - p.IMAX, 1e-3);
}

/** Doses sorted by time, same-time doses summed. */
function mergeDoses(doses: readonly Dose[]): Dose[] {
  const sorted = [...doses].filter((d) => d.amountMg !== 0).sort((a, b) => a.timeH - b.timeH);
  const out: Dose[] = [];
  for (const d of sorted) {
    const last = out[out.length - 1];
    const bolus = (x: Dose): boolean => !((x.durationH ?? 0) > 0);
    if (last !== undefined && last.timeH === d.timeH && last.route === d.route && bolus(last) && bolus(d)) out[out.length - 1] = { ...last, amountMg: last.amountMg + d.amountMg };
    else out.push(d);
  }
  return out;
}

/** I(C) of the individual, 0 for C <= 0, NaN for NaN. */
export function inhibitionFunction(p: IndividualParameters): (concMgL: number) => number {
  const { IMAX, IC50, GAMMA } = p;
  // c <= 0 (before any drug) inhibits nothing; NaN stays NaN so broken parameters show in R
  return GAMMA === 1 ? (c) => (c > 0 ? (IMAX * c) / (IC50 + c) : c <= 0 ? 0 : NaN) : (c) => (c > 0 ? IMAX / (1 + (IC50 / c) ** GAMMA) : c <= 0 ? 0 : NaN);
}

/**
 * int_0^L I(C(u)) e^{-kout (L - u)} du from PK state s (no dose inside), adaptive GK15 on a stack of
 * subintervals, each held to |K15 - G7| <= tolPerH * its length.
 */
export function integrateInhibition(r: PkRates, s: PkState, inhibition: (c: number) => number, kout: number, lengthH: number, tolPerH: number): number {
  const f = (u: number): number => inhibition(centralAfter(r, s, u) / r.V1) * Math.exp(-kout * (lengthH - u));
  let total = 0;
  const stack: [number, number, number][] = [[0, lengthH, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [a, b, depth] = item;
    const half = (b - a) / 2;
    const mid = a + half;
    const fc = f(mid);
    let kronrod = WGK[7]! * fc;
    let gauss = WG[3]! * fc;
    for (let j = 0; j < 7; j += 1) {
      const dx = half * XGK[j]!;
      const pair = f(mid - dx) + f(mid + dx);
      kronrod += WGK[j]! * pair;
      if (j % 2 === 1) gauss += WG[(j - 1) / 2]! * pair;
    }
    kronrod *= half;
    gauss *= half;
    // |K15 - G7| over-estimates the K15 error by orders of magnitude for analytic integrands: safe.
    // Written as !(err > tol) so that NaN parameters end the recursion (and show as NaN in R).
    if (!(Math.abs(kronrod - gauss) > tolPerH * (b - a)) || depth >= MAX_DEPTH) total += kronrod;
    else stack.push([a, mid, depth + 1], [mid, b, depth + 1]);
  }
  return total;
}
