/**
 * Steady state of a regimen (dose every tau hours, forever), in double precision, two ways:
 *
 * - `steadyState*`: directly. PK from the periodic state right after a dose, s = P(tau) s + dose * e_depot
 *   (P the exact propagator, pk.ts); PD from periodicity of D(t) = (R0 - R(t)) / KIN:
 *   D(0) = J(tau) / (1 - e^{-KOUT tau}), D(t) = D(0) e^{-KOUT t} + J(t), J(t) = int_0^t I(C) e^{-KOUT (t - s)} ds,
 *   J by the same adaptive quadrature as pd.ts. This is what the ONNX graphs approximate.
 * - `repeatedDosingWindow`: the multiple-dose history (pd.ts) run until steady state, then the last
 *   window sampled. Independent of the periodic algebra, so it checks both this file and the graphs.
 */
import { steadyStateDirectBiomarker } from './direct-effect.js';
import type { IndividualParameters } from './parameters.js';
import { biomarker, integrateInhibition, productionEffect, tolerancePerH } from './pd.js';
import { steadyStateLossBiomarker } from './turnover-loss.js';
import { steadyStateTransitBiomarker } from './transit-chain.js';
import { actsOnLoss } from './turnover.js';
import type { BiomarkerOptions } from './pd.js';
import { advancePk, centralAfter, concentrations, pkPropagator, pkRates } from './pk.js';
import type { PkState } from './pk.js';
import { pk3Rates } from './pk3.js';
import { transitRate } from './transit-absorption.js';
import { mmRepeatedDosingWindow, mmRepeatedInfusionWindow } from './michaelis-menten.js';
import { ivSteadyStatePreDose, type IvDosing } from './iv-steady-state.js';

/** Compartment amounts right after a dose at steady state. */
export function steadyStatePkState(p: IndividualParameters, doseMg: number, tauH: number): PkState {
  const r = pkRates(p);
  const m = pkPropagator(r, tauH);
  const depot = doseMg / -Math.expm1(-r.ka * tauH);
  // [central, peripheral] = M [central, peripheral] + depot(tau-) feeds; solve (I - M) x = b (2 x 2).
  const b0 = depot * m.depotCentral;
  const b1 = depot * m.depotPeripheral;
  const a00 = 1 - m.centralCentral, a01 = -m.peripheralCentral;
  const a10 = -m.centralPeripheral, a11 = 1 - m.peripheralPeripheral;
  // one compartment (Q = 0): the peripheral is never filled and its row of I - M is singular
  if (r.k12 === 0) return { depot, central: b0 / a00, peripheral: 0 };
  const det = a00 * a11 - a01 * a10;
  return { depot, central: (b0 * a11 - a01 * b1) / det, peripheral: (a00 * b1 - a10 * b0) / det };
}

/** Concentration (mg/L) at times in [0, tau] after a steady-state dose. */
export function steadyStateConcentrations(p: IndividualParameters, doseMg: number, tauH: number, timesH: readonly number[]): Float64Array {
  const r = pkRates(p);
  const s = steadyStatePkState(p, doseMg, tauH);
  return Float64Array.from(timesH, (t) => centralAfter(r, s, t) / r.V1);
}

/** Compartment amounts right after an IV bolus at steady state (the pre-dose state of iv-steady-state.ts plus the bolus). */
export function ivBolusSteadyStatePkState(p: IndividualParameters, doseMg: number, tauH: number): PkState {
  const before = ivSteadyStatePreDose(p, doseMg, tauH, { durationH: 0 });
  return { ...before, central: before.central + doseMg };
}

/** Biomarker (ng/mL) at times in [0, tau] of the periodic steady state (oral doses, or IV boluses with `ivBolus`). */
export function steadyStateBiomarker(
  p: IndividualParameters,
  doseMg: number,
  tauH: number,
  timesH: readonly number[],
  opts: BiomarkerOptions & { readonly ivBolus?: boolean } = {},
): Float64Array {
  const r = pkRates(p);
  const s0 = opts.ivBolus === true ? ivBolusSteadyStatePkState(p, doseMg, tauH) : steadyStatePkState(p, doseMg, tauH);
  if (p.DIRECT !== undefined) return steadyStateDirectBiomarker(p, s0, tauH, timesH);
  if (p.TRANSIT !== undefined) return steadyStateTransitBiomarker(p, s0, tauH, timesH, opts.relTol ?? 1e-6);
  if (actsOnLoss(p)) return steadyStateLossBiomarker(p, r, s0, tauH, timesH, opts.relTol ?? 1e-6);
  // type I: the inhibition of production; type III: minus the stimulation (pd.ts)
  const inhibition = productionEffect(p);
  const tol = tolerancePerH(p, opts.relTol ?? 1e-6);
  const order = [...timesH.keys()].sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
  const j = new Float64Array(timesH.length);
  let jNow = 0;
  let now = 0;
  let s = s0;
  const step = (to: number): void => {
    if (to <= now) return;
    jNow = jNow * Math.exp(-p.KOUT * (to - now)) + integrateInhibition(r, s, inhibition, p.KOUT, to - now, tol);
    s = advancePk(r, s, to - now);
    now = to;
  };
  for (const i of order) {
    step(timesH[i] ?? NaN);
    j[i] = jNow;
  }
  step(tauH);
  const d0 = jNow / -Math.expm1(-p.KOUT * tauH);
  return Float64Array.from(timesH, (t, i) => p.R0 - p.KIN * (d0 * Math.exp(-p.KOUT * t) + (j[i] ?? NaN)));
}

/** Doses needed so the history reaches steady state within ~e^{-halfLives ln 2} of both PK and PD. */
export function dosesToSteadyState(p: IndividualParameters, tauH: number, halfLives = 45): number {
  const r = pkRates(p);
  // beta = 0 for one compartment (no peripheral mode): alpha = k10 is the PK's slowest rate
  // a direct effect has no turnover: its delay is the effect compartment's (KE0; Infinity without one)
  // an inhibited loss (IDR II) turns over as slowly as KOUT (1 - IMAX)
  const turnoverRate = p.TURNOVER === 'kout-inhibition' ? p.KOUT * (1 - p.IMAX) : p.KOUT;
  // a transit chain forgets as e^{-KTR t} times a quadratic in t: 45 half-lives of KTR leave ~1e-11
  const pdRate = p.DIRECT !== undefined ? p.DIRECT.KE0 : p.TRANSIT !== undefined ? p.TRANSIT.KTR : turnoverRate;
  // three compartments: the slowest disposition rate (Q3 = 0 leaves a zero root that nothing feeds: the 2-compartment beta)
  const pkSlowest = p.Q3 !== undefined && p.Q3 > 0 ? pk3Rates(p).roots[0] : r.k12 === 0 ? r.alpha : r.beta;
  // transit absorption: the chain's rate 4 / MTT (transit-absorption.ts)
  const slowestRate = Math.min(pkSlowest, p.KA, pdRate, p.MTT === undefined ? Infinity : transitRate(p.MTT));
  return Math.ceil((halfLives * Math.LN2) / slowestRate / tauH) + 1;
}

/**
 * C and R at times in [0, tau] after the last of n doses given every tau hours (n from
 * dosesToSteadyState unless given): C by superposition (pk.ts), R by integrating the whole history (pd.ts).
 */
export function repeatedDosingWindow(
  p: IndividualParameters,
  doseMg: number,
  tauH: number,
  timesH: readonly number[],
  opts: BiomarkerOptions & { doses?: number; iv?: IvDosing } = {},
): { conc: Float64Array; pd: Float64Array } {
  const iv = opts.iv;
  // saturable elimination: dose after dose (bolus, oral or infusion) until the amount stops changing (michaelis-menten.ts; PK only)
  if (p.VMAX !== undefined) {
    const conc = (iv?.durationH ?? 0) > 0 ? mmRepeatedInfusionWindow(p, doseMg, tauH, iv?.durationH ?? NaN, timesH) : mmRepeatedDosingWindow(p, doseMg, tauH, timesH, iv !== undefined);
    return { conc, pd: new Float64Array(timesH.length).fill(NaN) };
  }
  const n = opts.doses ?? dosesToSteadyState(p, tauH);
  const doses = Array.from({ length: n }, (_, i) => (iv === undefined
    ? { timeH: i * tauH, amountMg: doseMg }
    : { timeH: i * tauH, amountMg: doseMg, route: 'central' as const, durationH: iv.durationH }));
  const last = (n - 1) * tauH;
  const absolute = timesH.map((t) => last + t);
  return {
    conc: concentrations(p, doses, absolute),
    // IV boluses and infusions feed the PD simulators' central compartment (dose-walk.ts); the 3-compartment structures are PK only
    pd: p.Q3 !== undefined ? new Float64Array(timesH.length).fill(NaN) : biomarker(p, doses, absolute, opts.relTol === undefined ? {} : { relTol: opts.relTol }),
  };
}
