/**
 * The direct-effect biomarker (direct-effect-structures.ts) for any dosing history, in double precision:
 *   E(t) = R0 (1 - I(Ce(t))),  I(c) = IMAX c^g / (IC50^g + c^g),  dCe/dt = KE0 (C - Ce),  Ce(0) = 0,
 * or the stimulatory Emax E = R0 (1 + S(Ce)) (emax-structures.ts),
 * Ce = C when KE0 is Infinity (plasma-driven). Ce is linear in the doses: the effect compartment is one
 * more exponential mode behind the central one, so each response is a divided difference over one more
 * node (divided-differences.ts), exact when KE0 meets alpha, beta or ka:
 *   depot -> Ce:       -(KE0 / V1) ka F[alpha, beta, ka, KE0],   F(lambda) = (k21 - lambda) e^{-lambda t}
 *   central -> Ce:      (KE0 / V1)    F[alpha, beta, KE0]
 *   peripheral -> Ce:   (KE0 / V1) k21 h[alpha, beta, KE0],       h(lambda) = e^{-lambda t}
 *   Ce -> Ce:           e^{-KE0 t}
 * (each a convolution of the central response with KE0 e^{-KE0 t}, which adds the node KE0 and a sign).
 * An IV bolus (`route: 'central'`) enters as a central amount (the central -> Ce response); an IV
 * infusion as a constant input, the depot's response with ka -> 0 and ka A -> the rate (as iv.ts does
 * for C):   infusion -> Ce:  -(KE0 / V1) rate F[alpha, beta, 0, KE0];  after it ends, the PK state and Ce
 * at its end are propagated (no difference of two large responses).
 * The periodic steady state solves Ce(0) = Ce(tau) from the steady-state PK state (steady-state.ts).
 */
import { expDivided2At, linearExpDivided2At, linearExpDivided3At, sortRates } from './divided-differences.js';
import type { SortedRates4 } from './divided-differences.js';
import type { IndividualParameters } from './parameters.js';
import { inhibitionFunction, stimulationFunction } from './turnover.js';
import { advancePk, centralAfter, concentrations, pkRates } from './pk.js';
import type { Dose, PkRates, PkState } from './pk.js';

const sort4 = (a: number, b: number, c: number, d: number): SortedRates4 => {
  const s = [a, b, c, d].sort((x, y) => x - y);
  return [s[0] ?? a, s[1] ?? b, s[2] ?? c, s[3] ?? d];
};

/** Effect-site amount responses (in concentration units) u hours after a state, plus its own decay. */
function effectAfter(r: PkRates, ke0: number, s: PkState, ce: number, uH: number): number {
  if (ke0 === Infinity) return centralAfter(r, s, uH) / r.V1;
  const three = sortRates(r.alpha, r.beta, ke0);
  const depot = -r.ka * linearExpDivided3At(r.k21, sort4(r.alpha, r.beta, r.ka, ke0), uH);
  const central = linearExpDivided2At(r.k21, three, uH);
  const peripheral = r.k21 * expDivided2At(three, uH);
  const infused = s.infusion ? -s.infusion * linearExpDivided3At(r.k21, sort4(r.alpha, r.beta, 0, ke0), uH) : 0;
  return ce * Math.exp(-ke0 * uH) + (ke0 / r.V1) * (s.depot * depot + s.central * central + s.peripheral * peripheral + infused);
}

/** Effect-site concentration Ce (mg/L) at each time; doses at or before t contribute (superposition). */
export function effectConcentrations(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[]): Float64Array {
  const ke0 = p.DIRECT?.KE0 ?? Infinity;
  if (ke0 === Infinity) return concentrations(p, doses, timesH);
  const r = pkRates(p);
  return Float64Array.from(timesH, (t) => {
    let ce = 0;
    for (const d of doses) if (d.timeH <= t && d.amountMg !== 0) ce += (d.durationH ?? 0) > 0 && d.route === 'central' ? infusionEffect(r, ke0, d, t - d.timeH) : effectAfter(r, ke0, doseState(d), 0, t - d.timeH);
    return ce;
  });
}

/** Ce u >= 0 hours after an IV infusion started: the running input, or its end state propagated. */
function infusionEffect(r: PkRates, ke0: number, d: Dose, uH: number): number {
  const T = d.durationH ?? 0;
  const running: PkState = { depot: 0, central: 0, peripheral: 0, infusion: d.amountMg / T };
  if (uH <= T) return effectAfter(r, ke0, running, 0, uH);
  const { depot, central, peripheral } = advancePk(r, running, T);
  return effectAfter(r, ke0, { depot, central, peripheral }, effectAfter(r, ke0, running, 0, T), uH - T);
}

/** The compartment amounts a dose adds: an oral dose to the depot, an IV bolus to the central compartment. */
const doseState = (d: Dose): PkState => (d.route === 'central'
  ? { depot: 0, central: d.amountMg, peripheral: 0 }
  : { depot: d.amountMg, central: 0, peripheral: 0 });

/** E(Ce): R0 (1 - I(Ce)), R0 (1 + S(Ce)) for a stimulatory Emax (SMAX present: emax-structures.ts), max(0, R0 + SLOPE C) when linear. */
function directResponse(p: IndividualParameters): (ce: number) => number {
  // direct linear (linear-effect-structures.ts): clipped at 0; NaN stays NaN
  if (p.SLOPE !== undefined) {
    const slope = p.SLOPE;
    return (ce) => { const r = p.R0 + slope * ce; return r < 0 ? 0 : r; };
  }
  if (p.SMAX !== undefined) {
    const stimulation = stimulationFunction(p);
    return (ce) => p.R0 * (1 + stimulation(ce));
  }
  const inhibition = inhibitionFunction(p);
  return (ce) => p.R0 * (1 - inhibition(ce));
}

/** E (ng/mL) at each time: exact, no quadrature. */
export function directBiomarker(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[]): Float64Array {
  return effectConcentrations(p, doses, timesH).map(directResponse(p));
}

/** The periodic steady state: Ce at times in [0, tau] after a dose, from the PK state right after it. */
export function steadyStateEffectConcentrations(p: IndividualParameters, pkState: PkState, tauH: number, timesH: readonly number[]): Float64Array {
  const r = pkRates(p);
  const ke0 = p.DIRECT?.KE0 ?? Infinity;
  // Ce(tau) = Ce(0) e^{-KE0 tau} + (response of the state over tau) = Ce(0)
  const ce0 = ke0 === Infinity ? 0 : effectAfter(r, ke0, pkState, 0, tauH) / -Math.expm1(-ke0 * tauH);
  return Float64Array.from(timesH, (t) => effectAfter(r, ke0, pkState, ce0, t));
}

/** E at times in [0, tau] of the periodic steady state, from the PK state right after a dose. */
export function steadyStateDirectBiomarker(p: IndividualParameters, pkState: PkState, tauH: number, timesH: readonly number[]): Float64Array {
  return steadyStateEffectConcentrations(p, pkState, tauH, timesH).map(directResponse(p));
}
