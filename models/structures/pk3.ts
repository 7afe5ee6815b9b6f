/**
 * Closed-form 3-compartment PK (central V1, peripherals V2 via Q and V3 via Q3), oral (depot, first-order
 * absorption) or IV (bolus, zero-order infusion), for any dosing history, in double precision.
 * k10 = CL/V1, k12 = Q/V1, k21 = Q/V2, k13 = Q3/V1, k31 = Q3/V3.
 *
 * Disposition rates: the roots l3 <= l2 <= l1 of the cubic
 *   g(l) = (d0 - l)(k21 - l)(k31 - l) - b2 (k31 - l) - b3 (k21 - l),  d0 = k10 + k12 + k13, b2 = k12 k21, b3 = k13 k31
 * (the characteristic polynomial of the system, which is symmetrizable: real roots interlacing the
 * peripheral rates, l3 <= min(k21, k31) <= l2 <= max(k21, k31) <= l1). They are found by the trigonometric
 * form of the cubic, then polished by Newton steps on g in this product form (accurate near a peripheral
 * rate, where a nearly decoupled compartment puts a root) and clamped into their interlacing brackets.
 * Q3 = 0 gives k31 = 0, so l3 = 0 exactly (bracket [0, 0]) and every response reduces to the
 * 2-compartment one (its divided differences carry the zero node with a zero factor).
 *
 * Responses are divided differences of exp(-l t) over the rates (divided-differences.ts): a transfer
 * N(s) / prod(s + x) over m nodes x is (-1)^(m-1) F[x...], F(l) = N(-l) e^{-l t}, so ka or an infusion's
 * zero node meeting a disposition rate needs no special case:
 *   central after a unit central bolus:  F[l3, l2, l1],  F = (k21 - l)(k31 - l) e^{-l t}
 *   central after a unit depot dose:    -ka F[l3, l2, l1, ka]
 *   central from a unit amount in p2:    k21 G[l3, l2, l1], G = (k31 - l) e^{-l t} (p3: k31, with k21 - l)
 *   unit-rate infusion: one more node at 0 (the integral of the bolus response).
 */
import type { IndividualParameters } from './parameters.js';
import { linearExpDivided2At, linearExpDivided3At, quadraticExpDivided2At, quadraticExpDivided3At, sortRates4, type SortedRates } from './divided-differences.js';
import type { Dose } from './pk.js';

export interface Pk3Rates {
  readonly k10: number; readonly k12: number; readonly k21: number; readonly k13: number; readonly k31: number;
  readonly ka: number;
  readonly V1: number;
  /** the disposition rates ascending [l3, l2, l1] */
  readonly roots: SortedRates;
}

/** The three disposition rates ascending (see the file comment). */
export function dispositionRoots3(k10: number, k12: number, k13: number, k21: number, k31: number): SortedRates {
  const d0 = k10 + k12 + k13;
  const b2 = k12 * k21;
  const b3 = k13 * k31;
  const a2 = d0 + k21 + k31;
  const a1 = k10 * k21 + k10 * k31 + k12 * k31 + k13 * k21 + k21 * k31;
  const a0 = k10 * k21 * k31;
  // depressed cubic t^3 + P t + R = 0, l = t + a2 / 3 (three real roots: P <= 0)
  const P = a1 - (a2 * a2) / 3;
  const R = (-2 * a2 ** 3) / 27 + (a2 * a1) / 3 - a0;
  const m = 2 * Math.sqrt(Math.max(-P / 3, 0));
  const cosArg = m > 0 ? Math.min(1, Math.max(-1, (3 * R) / (P * m))) : 1;
  const theta = Math.acos(cosArg) / 3;
  const trig = [0, 1, 2].map((k) => a2 / 3 + m * Math.cos(theta - (2 * Math.PI * k) / 3)).sort((x, y) => x - y);
  const lo = Math.min(k21, k31);
  const hi = Math.max(k21, k31);
  const brackets: [number, number][] = [[0, lo], [lo, hi], [hi, a2]];
  const g = (l: number): number => (d0 - l) * (k21 - l) * (k31 - l) - b2 * (k31 - l) - b3 * (k21 - l);
  const dg = (l: number): number => b2 + b3 - ((k21 - l) * (k31 - l) + (d0 - l) * (k31 - l) + (d0 - l) * (k21 - l));
  const roots = trig.map((start, i) => {
    const [a, b] = brackets[i] ?? [0, Infinity];
    let l = Math.min(b, Math.max(a, start));
    for (let it = 0; it < 4; it += 1) {
      const d = dg(l);
      if (d === 0) break;
      const next = Math.min(b, Math.max(a, l - g(l) / d));
      if (!Number.isFinite(next)) break;
      l = next;
    }
    return l;
  });
  return [roots[0] ?? NaN, roots[1] ?? NaN, roots[2] ?? NaN];
}

export function pk3Rates(p: IndividualParameters): Pk3Rates {
  const k10 = p.CL / p.V1;
  const k12 = p.Q / p.V1;
  const k21 = p.Q / p.V2;
  const k13 = (p.Q3 ?? 0) / p.V1;
  const k31 = (p.Q3 ?? 0) / (p.V3 ?? 1);
  return { k10, k12, k21, k13, k31, ka: p.KA, V1: p.V1, roots: dispositionRoots3(k10, k12, k13, k21, k31) };
}

/** Central amount u hours after a unit bolus into the central compartment. */
function bolusCentral(r: Pk3Rates, uH: number): number {
  const x0 = r.roots[0];
  return quadraticExpDivided2At((r.k21 - x0) * (r.k31 - x0), r.k21 + r.k31, r.roots, uH);
}

/** Central amount u hours after a unit dose into the depot. */
export function depotToCentral3(r: Pk3Rates, uH: number): number {
  const x = sortRates4(r.roots[0], r.roots[1], r.roots[2], r.ka);
  return -r.ka * quadraticExpDivided3At((r.k21 - x[0]) * (r.k31 - x[0]), r.k21 + r.k31, x, uH);
}

/** Amounts (central, peripheral 2, peripheral 3) after u hours of a unit-rate infusion into an empty system. */
function infusionState(r: Pk3Rates, uH: number): [number, number, number] {
  const x = sortRates4(0, r.roots[0], r.roots[1], r.roots[2]);
  return [
    -quadraticExpDivided3At((r.k21 - x[0]) * (r.k31 - x[0]), r.k21 + r.k31, x, uH),
    -r.k12 * linearExpDivided3At(r.k31, x, uH),
    -r.k13 * linearExpDivided3At(r.k21, x, uH),
  ];
}

/** Central amount u hours after the state (central, p2, p3), no dose in between. */
function centralAfterState3(r: Pk3Rates, s: readonly [number, number, number], uH: number): number {
  return s[0] * bolusCentral(r, uH) + s[1] * r.k21 * linearExpDivided2At(r.k31, r.roots, uH) + s[2] * r.k31 * linearExpDivided2At(r.k21, r.roots, uH);
}

/** Central amount (mg) u >= 0 hours after the start of an IV dose (bolus or infusion). */
function centralAfterIvDose3(r: Pk3Rates, d: Dose, uH: number): number {
  const T = d.durationH ?? 0;
  if (!(T > 0)) return d.amountMg * bolusCentral(r, uH);
  const rate = d.amountMg / T;
  if (uH <= T) return rate * infusionState(r, uH)[0];
  // after the infusion: its end state propagated (no difference of two large integrals)
  const [c, p2, p3] = infusionState(r, T);
  return rate * centralAfterState3(r, [c, p2, p3], uH - T);
}

/** Central-compartment concentration (mg/L) at each time; doses at or before t contribute (pk.ts `concentrations` for Q3 present). */
export function concentrations3(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[]): Float64Array {
  const r = pk3Rates(p);
  const out = new Float64Array(timesH.length);
  for (let i = 0; i < timesH.length; i += 1) {
    const t = timesH[i] ?? NaN;
    let amount = 0;
    for (const d of doses) {
      if (d.timeH <= t && d.amountMg !== 0) amount += d.route === 'central' ? centralAfterIvDose3(r, d, t - d.timeH) : d.amountMg * depotToCentral3(r, t - d.timeH);
    }
    out[i] = amount / r.V1;
  }
  return out;
}
