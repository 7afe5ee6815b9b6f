/**
 * The indirect-response biomarker for any dosing history (the four types: turnover.ts). Types I and III
 * act on production:
 *   dR/dt = KIN (1 - I(C)) - KOUT R,  I(C) = IMAX C^g / (IC50^g + C^g),  R(0) = R0 = KIN / KOUT,
 * type III with I replaced by -S(C) (stimulation). The equation is linear in R given C(t), so it is
 * solved exactly up to one quadrature:
 *   R(t) = R0 - KIN D(t),  D(t) = int_0^t I(C(s)) exp(-KOUT (t - s)) ds,
 * and D is carried across breakpoints (doses and requested times) as D(b) = D(a) e^{-KOUT (b - a)} +
 * int_a^b ..., the PK state being stepped exactly (pk.ts). Between breakpoints C is analytic, so
 * adaptive Gauss–Kronrod (7/15) converges fast; its pessimistic |K15 - G7| error estimate is held to
 * tol * length, which bounds the error of KIN D by R0 * tol and so the relative error of R by
 * tol / (1 - IMAX) (R >= R0 (1 - IMAX)). tol = relTol * max(1 - IMAX, 1e-3) (type III: R >= R0, relTol).
 * Types II and IV act on the loss rate, which then varies with C: turnover-loss.ts steps R itself.
 */
import { InputError } from '../../worker/common/errors.js';
import { directBiomarker } from './direct-effect.js';
import { transitBiomarker } from './transit-chain.js';
import { adaptiveGaussKronrod15 } from './gauss-kronrod.js';
import { FORGET, PHI_MAX, lossTurnoverStep, lossTolerancePerH, lossRateFunction, lossRateLowerBound } from './turnover-loss.js';
import { actsOnLoss, inhibitionFunction, lowestFractionOfBaseline, stimulationFunction, turnoverOf } from './turnover.js';
import type { IndividualParameters } from './parameters.js';
import { centralAfter, pkRates } from './pk.js';
import { walkDoseHistory } from './dose-walk.js';
import type { Dose, PkRates, PkState } from './pk.js';

export interface BiomarkerOptions {
  /** bound on the relative error of R (default 1e-6) */
  readonly relTol?: number;
}

/** R (ng/mL) at each requested time; times may be unsorted, repeated, or before the first dose. */
export function biomarker(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], opts: BiomarkerOptions = {}): Float64Array {
  const relTol = opts.relTol ?? 1e-6;
  const bad = timesH.findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new InputError(`biomarker: timesH[${bad}] is ${timesH[bad]}, expected a finite time in hours`);
  // a direct-effect structure's biomarker is exact in closed form (direct-effect.ts)
  if (p.DIRECT !== undefined) return directBiomarker(p, doses, timesH);
  // the transit-delay chain steps its own three-compartment state (transit-chain.ts)
  if (p.TRANSIT !== undefined) return transitBiomarker(p, doses, timesH, relTol);
  const out = new Float64Array(timesH.length).fill(p.R0);
  const r = pkRates(p);
  const turnover = turnoverStepper(p, r, relTol);
  return walkDoseHistory(r, mergeDoses(doses), timesH, turnover.start, turnover, out);
}

/** Quadrature tolerance per hour of integration that bounds the relative error of R by relTol (types I, III). */
export function tolerancePerH(p: IndividualParameters, relTol: number): number {
  return relTol * Math.max(lowestFractionOfBaseline(p), 1e-3);
}

/**
 * What the history carries across a breakpoint and how R reads from it. Types I, III: D, with
 * R = R0 - KIN D, D(b) = D(a) e^{-KOUT (b - a)} + int_a^b I(C) e^{-KOUT (b - s)} ds. Types II, IV: R itself.
 */
interface TurnoverStepper {
  readonly start: number;
  advance(carried: number, s: PkState, lengthH: number): number;
  read(carried: number): number;
}

function turnoverStepper(p: IndividualParameters, r: PkRates, relTol: number): TurnoverStepper {
  if (actsOnLoss(p)) {
    const rate = lossRateFunction(p);
    const tol = lossTolerancePerH(p, relTol);
    const kLower = lossRateLowerBound(p);
    return {
      start: p.R0,
      advance: (R, s, lengthH) => {
        const step = lossTurnoverStep(r, s, rate, p.KOUT, p.KIN, lengthH, tol, kLower);
        return R * Math.exp(-step.phi) + step.forced;
      },
      read: (R) => R,
    };
  }
  const effect = productionEffect(p);
  const tolPerH = tolerancePerH(p, relTol);
  return {
    start: 0,
    advance: (d, s, lengthH) => d * Math.exp(-p.KOUT * lengthH) + integrateInhibition(r, s, effect, p.KOUT, lengthH, tolPerH),
    read: (d) => p.R0 - p.KIN * d,
  };
}

/** The fraction of production removed by the drug: I(C) (type I), -S(C) (type III). */
export function productionEffect(p: IndividualParameters): (concMgL: number) => number {
  if (turnoverOf(p) !== 'kin-stimulation') return inhibitionFunction(p);
  const stimulation = stimulationFunction(p);
  return (c) => -stimulation(c);
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

export { inhibitionFunction } from './turnover.js';

/**
 * int_0^L I(C(u)) e^{-kout (L - u)} du from PK state s (no dose inside), adaptive GK15 on a stack of
 * subintervals, each held to |K15 - G7| <= tolPerH * its length.
 */
export function integrateInhibition(r: PkRates, s: PkState, inhibition: (c: number) => number, kout: number, lengthH: number, tolPerH: number): number {
  const f = (u: number): number => inhibition(centralAfter(r, s, u) / r.V1) * Math.exp(-kout * (lengthH - u));
  // what the drug did more than FORGET / KOUT hours before the end is damped by e^{-FORGET}: dropped (turnover-loss.ts)
  const start = kout > 0 ? Math.max(0, lengthH - FORGET / kout) : 0;
  // |K15 - G7| over-estimates the K15 error by orders of magnitude for analytic integrands: safe.
  // Over more than PHI_MAX / KOUT hours the weight e^{-KOUT (L - u)} vanishes at all but the last
  // nodes, and K15 and G7 agree on a wrong ~0 (KOUT 100 /h over 24 h read D 1e4 times too small): split.
  return adaptiveGaussKronrod15(f, start, lengthH, (kronrod, gauss, a, b) => !(kout * (b - a) > PHI_MAX) && !(Math.abs(kronrod - gauss) > tolPerH * (b - a)));
}
