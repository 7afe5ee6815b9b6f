/**
 * Steady state of an IV regimen (a bolus, or an infusion of durationH <= tau hours, every tau hours),
 * in double precision: the periodic state just before a dose, x0 = P(tau) x0 + y(tau), y(tau) the state
 * tau hours after one dose into an empty system (iv.ts), solved as the 2 x 2 system (I - P(tau)) x0 = y(tau);
 * C(t) = (x0 propagated t hours + the dose's own response at t) / V1. The repeated-dosing reference
 * is `repeatedDosingWindow(..., { iv })` (steady-state.ts), independent of this algebra.
 */
import type { IndividualParameters } from './parameters.js';
import { advancePk, centralAfter, pkPropagator, pkRates } from './pk.js';
import type { PkState } from './pk.js';
import { centralAfterIvDose, ivDoseState } from './iv.js';
import { InputError } from '../../worker/common/errors.js';

/** How a regimen's dose is given IV: a bolus (durationH 0) or an infusion of durationH hours. */
export interface IvDosing {
  readonly durationH: number;
}

/** Compartment amounts just before a dose at steady state. */
export function ivSteadyStatePreDose(p: IndividualParameters, doseMg: number, tauH: number, iv: IvDosing): PkState {
  const r = pkRates(p);
  if (iv.durationH > tauH) throw new InputError(`infusion duration ${iv.durationH} h: expected <= the dosing interval ${tauH} h`, { details: { durationH: iv.durationH, tauH } });
  const y = advancePk(r, ivDoseState(r, doseMg, iv.durationH), tauH - iv.durationH);
  const m = pkPropagator(r, tauH);
  const a00 = 1 - m.centralCentral, a01 = -m.peripheralCentral;
  const a10 = -m.centralPeripheral, a11 = 1 - m.peripheralPeripheral;
  // one compartment (Q = 0): the peripheral row of I - M is singular and never filled
  if (r.k12 === 0) return { depot: 0, central: y.central / a00, peripheral: 0 };
  const det = a00 * a11 - a01 * a10;
  return { depot: 0, central: (y.central * a11 - a01 * y.peripheral) / det, peripheral: (a00 * y.peripheral - a10 * y.central) / det };
}

/** Concentration (mg/L) at times in [0, tau] after the start of a steady-state IV dose. */
export function ivSteadyStateConcentrations(p: IndividualParameters, doseMg: number, tauH: number, iv: IvDosing, timesH: readonly number[]): Float64Array {
  const r = pkRates(p);
  const x0 = ivSteadyStatePreDose(p, doseMg, tauH, iv);
  const dose = { timeH: 0, amountMg: doseMg, route: 'central' as const, durationH: iv.durationH };
  return Float64Array.from(timesH, (t) => (centralAfter(r, x0, t) + centralAfterIvDose(r, dose, t)) / r.V1);
}
