/**
 * Closed-form 2-compartment PK with first-order absorption (dose into a depot), for any dosing history.
 * Compartments: depot A0, central A1 (V1), peripheral A2 (V2); k10 = CL/V1, k12 = Q/V1, k21 = Q/V2,
 * disposition macro-constants alpha > beta (roots of s^2 - (k10 + k12 + k21) s + k10 k21).
 *
 * Every response is a divided difference of exp(-lambda t) over {alpha, beta, ka} (see
 * divided-differences.ts), so ka equal or close to alpha or beta needs no special case and loses no
 * accuracy. `concentrations` superposes dose responses; `PkState` / `advancePk` step the compartment
 * amounts exactly across an interval (what the PD integrator uses between breakpoints).
 */
import type { IndividualParameters } from './parameters.js';
import { expDivided1At, expDivided2At, linearExpDivided2At, sortRates } from './divided-differences.js';
import type { SortedRates } from './divided-differences.js';
import { centralAfterIvDose, infusionResponse, infusionToCentral } from './iv.js';
import { zeroOrderDoses } from './zero-order.js';
import { concentrations3 } from './pk3.js';
import { transitAbsorptionConcentrations } from './transit-absorption.js';
import { mmConcentrations } from './michaelis-menten.js';

export interface Dose {
  readonly timeH: number;
  readonly amountMg: number;
  /** where the dose goes: absent = the depot (oral, first-order absorption); 'central' = IV (iv.ts) */
  readonly route?: 'central';
  /** an IV dose's zero-order input duration (hours); absent or 0 = bolus */
  readonly durationH?: number;
}

export interface PkRates {
  readonly k10: number;
  readonly k12: number;
  readonly k21: number;
  readonly ka: number;
  readonly alpha: number;
  readonly beta: number;
  readonly V1: number;
  /** {alpha, beta, ka} ascending */
  readonly nodes: SortedRates;
}

export function pkRates(p: IndividualParameters): PkRates {
  const k10 = p.CL / p.V1;
  const k12 = p.Q / p.V1;
  const k21 = p.Q / p.V2;
  const sum = k10 + k12 + k21;
  // alpha - beta = sqrt((k10 - k21)^2 + k12^2 + 2 k12 (k10 + k21)) >= k12: no cancellation in the root.
  const disc = Math.sqrt((k10 - k21) ** 2 + k12 * k12 + 2 * k12 * (k10 + k21));
  const alpha = (sum + disc) / 2;
  const beta = (k10 * k21) / alpha; // product of the roots; avoids (sum - disc) / 2 cancelling
  return { k10, k12, k21, ka: p.KA, alpha, beta, V1: p.V1, nodes: sortRates(alpha, beta, p.KA) };
}

/** Amount in the central compartment t hours after a unit dose into the depot. */
export function depotToCentral(r: PkRates, tH: number): number {
  return r.ka * linearExpDivided2At(r.k21, r.nodes, tH);
}

/** Central-compartment concentration (mg/L) at each time; doses at or before t contribute. */
export function concentrations(p: IndividualParameters, given: readonly Dose[], timesH: readonly number[]): Float64Array {
  // saturable elimination (Michaelis-Menten structures): integrated, michaelis-menten.ts
  if (p.VMAX !== undefined) return mmConcentrations(p, given, timesH);
  // a second peripheral compartment (3-compartment structures): pk3.ts
  if (p.Q3 !== undefined) return concentrations3(p, p.D1 === undefined ? given : zeroOrderDoses(given, p.D1), timesH);
  // transit-compartment absorption: the exact propagator of the whole chain (transit-absorption.ts)
  if (p.MTT !== undefined) return transitAbsorptionConcentrations(p, given, timesH);
  const r = pkRates(p);
  // zero-order structures: every dose enters the central compartment over D1 (zero-order.ts)
  const doses = p.D1 === undefined ? given : zeroOrderDoses(given, p.D1);
  const lag = p.ALAG ?? 0;
  const out = new Float64Array(timesH.length);
  for (let i = 0; i < timesH.length; i += 1) {
    const t = timesH[i] ?? NaN;
    let amount = 0;
    for (const d of doses) {
      // an oral dose reaches the depot ALAG hours after it is given (lag-time structures)
      const at = d.route === 'central' ? d.timeH : d.timeH + lag;
      if (at <= t && d.amountMg !== 0) amount += d.route === 'central' ? centralAfterIvDose(r, d, t - d.timeH) : d.amountMg * depotToCentral(r, t - at);
    }
    out[i] = amount / r.V1;
  }
  return out;
}

/** Compartment amounts (mg), and the rate (mg/h) of the IV infusions running into the central compartment. */
export interface PkState {
  depot: number;
  central: number;
  peripheral: number;
  /** zero-order input into the central compartment, constant over the piece (absent = none) */
  infusion?: number;
}

/** The exact propagator of the linear system over u hours, as the responses each compartment feeds. */
export interface PkPropagator {
  readonly depotDepot: number;
  readonly depotCentral: number;
  readonly depotPeripheral: number;
  readonly centralCentral: number;
  readonly centralPeripheral: number;
  readonly peripheralCentral: number;
  readonly peripheralPeripheral: number;
}

export function pkPropagator(r: PkRates, uH: number): PkPropagator {
  const ea = Math.exp(-r.alpha * uH);
  // (e^{-beta u} - e^{-alpha u}) / (alpha - beta), robust for any alpha - beta >= 0
  const mix = -expDivided1At(r.beta, r.alpha, uH);
  return {
    depotDepot: Math.exp(-r.ka * uH),
    depotCentral: depotToCentral(r, uH),
    depotPeripheral: r.ka * r.k12 * expDivided2At(r.nodes, uH),
    centralCentral: ea + (r.k21 - r.beta) * mix,
    centralPeripheral: r.k12 * mix,
    peripheralCentral: r.k21 * mix,
    peripheralPeripheral: ea + (r.k10 + r.k12 - r.beta) * mix,
  };
}

/** Central amount u hours after a state (no dose starting or infusion ending in between). */
export function centralAfter(r: PkRates, s: PkState, uH: number): number {
  const ea = Math.exp(-r.alpha * uH);
  const mix = -expDivided1At(r.beta, r.alpha, uH);
  const amounts = s.depot * depotToCentral(r, uH) + s.central * (ea + (r.k21 - r.beta) * mix) + s.peripheral * r.k21 * mix;
  // a running infusion adds its rate times the unit-rate response (iv.ts, exact)
  return s.infusion ? amounts + s.infusion * infusionToCentral(r, uH) : amounts;
}

/** The state u hours later (no dose starting or infusion ending in between); a running infusion keeps running. */
export function advancePk(r: PkRates, s: PkState, uH: number): PkState {
  const m = pkPropagator(r, uH);
  const next = {
    depot: s.depot * m.depotDepot,
    central: s.depot * m.depotCentral + s.central * m.centralCentral + s.peripheral * m.peripheralCentral,
    peripheral: s.depot * m.depotPeripheral + s.central * m.centralPeripheral + s.peripheral * m.peripheralPeripheral,
  };
  if (!s.infusion) return next;
  const added = infusionResponse(r, uH);
  return { depot: next.depot, central: next.central + s.infusion * added.central, peripheral: next.peripheral + s.infusion * added.peripheral, infusion: s.infusion };
}
