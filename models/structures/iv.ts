/**
 * IV doses into the central compartment (issue 18 §1): a bolus, or a zero-order infusion of
 * `durationH` hours at rate amount / durationH. Exact sums of exponentials, written as divided
 * differences like the oral responses (pk.ts), so no rate coincidence needs a special case:
 *
 * - bolus: the central amount u hours after a unit bolus is g(u) = e^{-alpha u} + (k21 - beta) mix(u),
 *   mix = (e^{-beta u} - e^{-alpha u}) / (alpha - beta); into the peripheral k12 mix(u).
 * - infusion: the integral of the bolus response over the infusion, int_0^u g = F[alpha, beta, 0]
 *   (the depot response's divided difference with ka -> 0, F(lambda) = (k21 - lambda) e^{-lambda u}),
 *   into the peripheral k12 exp[alpha, beta, 0]. After the infusion ends the state at its end is
 *   propagated (no difference of two large integrals, so late concentrations keep their accuracy).
 *
 * For one compartment (Q = 0, beta = 0) both are exact too (zero nodes are allowed).
 */
import { expDivided1At, expDivided2At, linearExpDivided2At, sortRates } from './divided-differences.js';
import type { Dose, PkRates, PkState } from './pk.js';

/** Central and peripheral amounts u hours after a unit bolus into the central compartment. */
export function bolusResponse(r: PkRates, uH: number): { central: number; peripheral: number } {
  const mix = -expDivided1At(r.beta, r.alpha, uH);
  return { central: Math.exp(-r.alpha * uH) + (r.k21 - r.beta) * mix, peripheral: r.k12 * mix };
}

/** Central and peripheral amounts after u hours of a unit-rate (1 mg/h) infusion into an empty system. */
export function infusionResponse(r: PkRates, uH: number): { central: number; peripheral: number } {
  const nodes = sortRates(r.alpha, r.beta, 0);
  return { central: linearExpDivided2At(r.k21, nodes, uH), peripheral: r.k12 * expDivided2At(nodes, uH) };
}

/** The central amount alone of `infusionResponse` (the PD quadratures' integrand reads only C). */
export function infusionToCentral(r: PkRates, uH: number): number {
  return linearExpDivided2At(r.k21, sortRates(r.alpha, r.beta, 0), uH);
}

/** The infusion's duration (hours; 0 = bolus). */
export const durationOf = (d: Dose): number => d.durationH ?? 0;

/** Central amount (mg) u >= 0 hours after the start of an IV dose (bolus or infusion). */
export function centralAfterIvDose(r: PkRates, d: Dose, uH: number): number {
  const T = durationOf(d);
  if (!(T > 0)) return d.amountMg * bolusResponse(r, uH).central;
  const rate = d.amountMg / T;
  if (uH <= T) return rate * infusionResponse(r, uH).central;
  const end = infusionResponse(r, T);
  const after = bolusResponse(r, uH - T);
  const fromPeripheral = r.k21 * -expDivided1At(r.beta, r.alpha, uH - T);
  return rate * (end.central * after.central + end.peripheral * fromPeripheral);
}

/** The compartment amounts a bolus adds, or an infusion of `durationH` hours adds by its end (from empty). */
export function ivDoseState(r: PkRates, doseMg: number, durationH: number): PkState {
  if (!(durationH > 0)) return { depot: 0, central: doseMg, peripheral: 0 };
  const end = infusionResponse(r, durationH);
  const rate = doseMg / durationH;
  return { depot: 0, central: rate * end.central, peripheral: rate * end.peripheral };
}
