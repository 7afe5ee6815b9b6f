/**
 * One compartment with saturable (Michaelis-Menten) elimination alongside the linear clearance
 * (structures `1cmt-oral-mm`, `1cmt-iv-mm`), in double precision:
 *   d depot / dt   = -KA depot
 *   d x / dt       = KA depot + infusion rate - CL C - VMAX C / (KM + C),   C = x / V
 * No closed form exists: the history is integrated by Dormand-Prince 5(4) (dormand-prince.ts) at tight
 * tolerances, stopping at every dose, infusion end and sample time (so no dense output is needed).
 * Oral doses go to the depot, IV boluses to the central compartment, IV infusions (durationH > 0) enter
 * at amount / duration. KM -> infinity with VMAX / KM fixed is the linear structure with CL + VMAX / KM;
 * VMAX = 0 is the linear one.
 *
 * The periodic steady state (`mmSteadyStateConcentrations`): the central amount x* right after the dose
 * solves x = Phi(x), Phi one interval of the ODE (the depot's own steady state is analytic,
 * D / (1 - e^{-KA tau}) after the dose). Phi is increasing with 0 < Phi' < 1 (a contraction), so
 * g(x) = Phi(x) - x falls through zero once: Newton on g with dPhi/dx integrated alongside
 * (d s / dt = -(CL / V + VMAX KM / (V (KM + C)^2)) s), safeguarded by a bracket. Without linear
 * clearance (CL = 0) and a dose rate D / tau >= VMAX there is no steady state: the amount grows without
 * bound and the concentrations returned are Infinity.
 */
import { integrate, type Rhs, type Tolerances } from './dormand-prince.js';
import type { IndividualParameters } from './parameters.js';
import type { Dose } from './pk.js';

/** Tight enough that the integrator's error is far below the 1e-4 the graphs are checked to. */
const TOL: Tolerances = { relTol: 1e-11, absTol: 1e-14 };

interface Mm { readonly cl: number; readonly vmax: number; readonly km: number; readonly v: number; readonly ka: number }
const mmOf = (p: IndividualParameters): Mm => ({ cl: p.CL, vmax: p.VMAX ?? 0, km: p.KM ?? 1, v: p.V1, ka: p.KA });

/** The elimination rate (mg/h) of central amount x. */
export const eliminationRate = (m: Mm, x: number): number => (m.cl * x) / m.v + (m.vmax * x) / (m.km * m.v + x);
/** Its derivative in x (1/h). */
const eliminationSlope = (m: Mm, x: number): number => m.cl / m.v + (m.vmax * m.km * m.v) / (m.km * m.v + x) ** 2;

/** [depot, central] with an infusion rate; a third component, when present, is d central / d central(0). */
function rhs(m: Mm, rate: number): Rhs {
  return (_t, y, dy) => {
    const depot = y[0]!;
    const x = Math.max(y[1]!, 0);
    dy[0] = -m.ka * depot;
    dy[1] = m.ka * depot + rate - eliminationRate(m, x);
    if (y.length > 2) dy[2] = -eliminationSlope(m, x) * y[2]!;
  };
}

/** Central-compartment concentration (mg/L) at each time of any dosing history (doses at t count at t). */
export function mmConcentrations(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[]): Float64Array {
  const m = mmOf(p);
  const sorted = [...doses].sort((a, b) => a.timeH - b.timeH);
  const ends = sorted.filter((d) => (d.durationH ?? 0) > 0).map((d) => d.timeH + (d.durationH ?? 0));
  const events = [...new Set([...sorted.map((d) => d.timeH), ...ends, ...timesH])].sort((a, b) => a - b);
  const rateAt = (t: number): number => sorted.reduce((r, d) => ((d.durationH ?? 0) > 0 && d.timeH <= t && t < d.timeH + (d.durationH ?? 0) ? r + d.amountMg / (d.durationH ?? 1) : r), 0);
  const out = new Float64Array(timesH.length);
  let y = new Float64Array([0, 0]);
  let now = events[0] ?? 0;
  for (const [i, t] of events.entries()) {
    if (t > now) { y = integrate(rhs(m, rateAt(now)), now, y, t, TOL); now = t; }
    for (const d of sorted) {
      if (d.timeH !== t || (d.durationH ?? 0) > 0) continue;
      if (d.route === 'central') y[1] = y[1]! + d.amountMg; else y[0] = y[0]! + d.amountMg;
    }
    // a sample at a dose time sees the dose (as the linear structures' superposition does)
    timesH.forEach((s, j) => { if (s === t) out[j] = Math.max(y[1]!, 0) / m.v; });
    void i;
  }
  return out;
}

/** The periodic steady state's central amount right after the dose (IV: the bolus included); Infinity without one. */
export function mmSteadyStateAmount(p: IndividualParameters, doseMg: number, tauH: number, iv: boolean): { depot: number; central: number } {
  const m = mmOf(p);
  const depot = iv ? 0 : doseMg / -Math.expm1(-m.ka * tauH);
  const bolus = iv ? doseMg : 0;
  // Phi on the pre-dose amount u: x(0) = u + bolus, the interval integrated with its sensitivity
  const phi = (u: number): { value: number; slope: number } => {
    const y = integrate(rhs(m, 0), 0, [depot, u + bolus, 1], tauH, TOL);
    return { value: y[1]!, slope: y[2]! };
  };
  if (m.cl === 0 && doseMg / tauH >= m.vmax) return { depot, central: Infinity };
  // g(u) = Phi(u) - u > 0 at u = 0; an upper bracket where g < 0: the linearised steady state at the
  // slowest clearance (CL, or CL + VMAX / (KM + C) at C -> infinity when CL = 0) is above it, doubled until
  let lo = 0;
  let hi = Math.max(doseMg, 1e-300);
  for (let i = 0; i < 2000 && phi(hi).value - hi >= 0; i += 1) { lo = hi; hi *= 2; }
  // start from the linearised steady state: CL_eff = CL + VMAX / (KM + C), C the average dose rate's
  let u = Math.min(Math.max(linearisedPreDose(m, doseMg, tauH, iv), lo), hi);
  for (let it = 0; it < 100; it += 1) {
    const { value, slope } = phi(u);
    const g = value - u;
    if (g > 0) lo = u; else hi = u;
    let nextU = u - g / (slope - 1);
    if (!(nextU > lo && nextU < hi)) nextU = (lo + hi) / 2;
    if (Math.abs(nextU - u) <= 1e-14 * Math.max(u, 1e-300) || hi - lo <= 1e-15 * hi) { u = nextU; break; }
    u = nextU;
  }
  return { depot, central: u + bolus };
}

/**
 * The linear 1-compartment pre-dose amount with the clearance linearised at the average concentration
 * (CL_eff = CL + VMAX / (KM + C_avg), C_avg solving dose / tau = CL_eff C_avg): Newton's start.
 */
export function linearisedPreDose(m: Mm, doseMg: number, tauH: number, iv: boolean): number {
  const r = doseMg / tauH;
  // dose rate = CL C + VMAX C / (KM + C): CL C^2 + (CL KM + VMAX - r) C - r KM = 0 (positive root; CL = 0: C = r KM / (VMAX - r))
  const b = m.cl * m.km + m.vmax - r;
  const cAvg = m.cl > 0 ? (-b + Math.sqrt(b * b + 4 * m.cl * r * m.km)) / (2 * m.cl) : r < m.vmax ? (r * m.km) / (m.vmax - r) : Infinity;
  const k = (m.cl + m.vmax / (m.km + cAvg)) / m.v;
  const ek = Math.exp(-k * tauH);
  if (!Number.isFinite(k) || k === 0) return 0;
  const central = iv ? (doseMg * ek) / -Math.expm1(-k * tauH) : m.ka === k ? 0 : (doseMg * m.ka * (ek / -Math.expm1(-k * tauH) - Math.exp(-m.ka * tauH) / -Math.expm1(-m.ka * tauH))) / (m.ka - k);
  return Math.max(central, 0);
}

/** Steady-state concentrations at times in [0, tau] after the dose (oral, or IV bolus with `iv`). */
export function mmSteadyStateConcentrations(p: IndividualParameters, doseMg: number, tauH: number, timesH: readonly number[], iv = false): Float64Array {
  const s = mmSteadyStateAmount(p, doseMg, tauH, iv);
  if (!Number.isFinite(s.central)) return new Float64Array(timesH.length).fill(Infinity);
  return windowFrom(p, s, timesH);
}

/** Concentrations at times in [0, tau] from the state right after a dose. */
function windowFrom(p: IndividualParameters, s: { depot: number; central: number }, timesH: readonly number[]): Float64Array {
  const m = mmOf(p);
  const order = [...timesH.keys()].sort((a, b) => timesH[a]! - timesH[b]!);
  const out = new Float64Array(timesH.length);
  let y = new Float64Array([s.depot, s.central]);
  let now = 0;
  for (const i of order) {
    const t = timesH[i]!;
    if (t > now) { y = integrate(rhs(m, 0), now, y, t, TOL); now = t; }
    out[i] = Math.max(y[1]!, 0) / m.v;
  }
  return out;
}

/**
 * The independent reference: dose after dose (oral or IV bolus) until the amount right after a dose
 * stops changing (relative 1e-13, or `maxDoses`), then the window after that dose. Infinity when the
 * amounts still grow after `maxDoses` (no steady state).
 */
export function mmRepeatedDosingWindow(p: IndividualParameters, doseMg: number, tauH: number, timesH: readonly number[], iv = false, maxDoses = 200000): Float64Array {
  const m = mmOf(p);
  let y = new Float64Array([0, 0]);
  let previous = -1;
  for (let n = 0; n < maxDoses; n += 1) {
    if (iv) y[1] = y[1]! + doseMg; else y[0] = y[0]! + doseMg;
    // the whole post-dose amount (an oral dose's central amount may be ~0 when the previous one is washed out)
    const total = y[0]! + y[1]!;
    if (Math.abs(total - previous) <= 1e-13 * total && n > 2) return windowFrom(p, { depot: y[0]!, central: y[1]! }, timesH);
    previous = total;
    y = integrate(rhs(m, 0), 0, y, tauH, TOL);
  }
  return new Float64Array(timesH.length).fill(Infinity);
}

/**
 * The repeated-infusion reference (an IV infusion of `durationH` <= tau hours every tau hours): interval
 * after interval, the infusion's on phase (rate dose / duration) and off phase integrated separately, until
 * the pre-dose amount stops changing (1e-13 of the amount at the infusion's end, or `maxDoses`), then the window from that pre-dose
 * state (C is continuous: the trough is C(0) = C(tau)). Infinity when the amounts still grow (no steady state).
 */
export function mmRepeatedInfusionWindow(p: IndividualParameters, doseMg: number, tauH: number, durationH: number, timesH: readonly number[], maxDoses = 200000): Float64Array {
  if (!(durationH > 0 && durationH <= tauH)) throw new RangeError(`mmRepeatedInfusionWindow: infusion duration ${durationH} h: expected in (0, tau = ${tauH}] h`);
  const m = mmOf(p);
  const rate = doseMg / durationH;
  /** The central amount at the infusion's end and the interval's, and at each requested time in [0, tau] (sorted) the concentration, from pre-dose amount x0. */
  const interval = (x0: number, times: readonly number[] = []): { atEnd: number; end: number; conc: number[] } => {
    const stops = [...new Set([...times, durationH, tauH])].filter((t) => t > 0).sort((a, b) => a - b);
    const conc: number[] = times.map((t) => (t === 0 ? Math.max(x0, 0) / m.v : NaN));
    let y = new Float64Array([0, x0]);
    let now = 0;
    let atEnd = NaN;
    for (const t of stops) {
      y = integrate(rhs(m, now < durationH ? rate : 0), now, y, t, TOL);
      now = t;
      if (t === durationH) atEnd = y[1]!;
      times.forEach((s, j) => { if (s === t) conc[j] = Math.max(y[1]!, 0) / m.v; });
    }
    return { atEnd, end: y[1]!, conc };
  };
  let x = 0;
  for (let n = 0; n < maxDoses; n += 1) {
    const { atEnd, end: next } = interval(x);
    // settled relative to the interval's largest amount (at the infusion's end): a trough far below KM can sit
    // at ~1e-10 of it, where the integrator's absolute tolerance (1e-14 mg) is all the precision there is
    const settled = Math.abs(next - x) <= 1e-13 * Math.max(next, atEnd) && n > 2;
    x = next;
    if (settled) {
      const order = [...timesH.keys()].sort((a, b) => timesH[a]! - timesH[b]!);
      const { conc } = interval(x, order.map((i) => timesH[i]!));
      const out = new Float64Array(timesH.length);
      order.forEach((i, k) => { out[i] = conc[k]!; });
      return out;
    }
  }
  return new Float64Array(timesH.length).fill(Infinity);
}
