/**
 * The exact periodic steady state of one compartment with linear + saturable elimination after IV
 * boluses (pk-mm-steady-state.ts's bolus path), vectorised over the batch, in concentration units
 * (kl = CL / V, vm = VMAX / V, d = D / V the bolus). Between doses dC/dt = -C (kl C + alpha) / (KM + C),
 * alpha = kl KM + vm, is separable: by partial fractions of (KM + C) / (C (kl C + alpha)) the time to fall
 * from C0 to C is
 *   t(C; C0) = (KM / alpha) ln(C0 / C) + (vm / (alpha kl)) ln((kl C0 + alpha) / (kl C + alpha))
 *            = (KM / alpha) ln(C0 / C) + (vm / alpha) q g(kl q),   q = (C0 - C) / (kl C + alpha),
 * g(x) = ln(1 + x) / x, the second form exact as kl -> 0 (pure Michaelis-Menten: vm (C0 - C) / alpha^2).
 * Two implicit equations remain, each solved in double by a fixed number of steps in v = ln C (so a
 * trough that falls 1e12-fold, or underflows, is as easy as any other):
 * - the pre-dose trough u: t(u; u + d) = tau (troughLog below);
 * - the window: C(s) for each output time s in (0, tau]: t(C; u + d) = s (windowLog below).
 * The concentrations are cast to float32 as the shooting path's are.
 */
import { attr, DataType, doubleTensor } from '../../worker/onnx/graph-builder.js';
import type { GraphWriter } from './graph-writer.js';

/**
 * Safeguarded Newton steps on the trough. Chosen by a random sweep while writing this (kl 1e-8..10 /h,
 * vm 1e-6..1e4 mg/L/h, KM 1e-5..1e5 mg/L, d 1e-5..1e5 mg/L, QD and QW, against bisection to the root):
 * 10 steps reach 6e-9 in ln u wherever (kl + vm / KM) tau >= 1e-6 (8 steps 2e-8, 6 steps 6e-4).
 */
export const TROUGH_STEPS = 10;
/** Halley steps on the window from its lower bound: over the same sweep 5 reach 4e-13 relative (4 only 5e-5 at a zero-order knee). */
export const WINDOW_STEPS = 5;
/** ln of the smallest concentration carried (1e-304 mg/L, zero in float32): v never reaches -Infinity. */
const V_MIN = -700;

/** Per-subject rows [1, B], float64. */
export interface BolusRates { readonly kl: string; readonly vm: string; readonly km: string; readonly d: string }
/** The rates with the time function's coefficients. */
interface Coefficients extends BolusRates { readonly alpha: string; readonly kmOverAlpha: string; readonly vmOverAlpha: string }

/** A float64 constant (scalar, or [n, 1] for per-time values). */
function dconst(w: GraphWriter, hint: string, values: readonly number[]): string {
  const name = w.fresh(hint);
  w.initializers.push(doubleTensor(name, values.length === 1 ? [] : [values.length, 1], values));
  return name;
}

/**
 * The steady-state concentration [n, B] (float32) at `timesH` in (0, tau] (the trough asked for as tau)
 * after bolus d every tau hours; cMax where kl = 0 and d >= vm tau (no steady state: the amount grows
 * by at least D - VMAX tau per interval), and at most cMax anywhere.
 */
export function bolusConcentrationAt(w: GraphWriter, rates: BolusRates, timesH: readonly number[], tauH: number, cMax: number): string {
  return w.scoped('bolus', () => {
    const alpha = w.add(w.mul(rates.kl, rates.km, 'kl_km'), rates.vm, 'alpha');
    const r: Coefficients = { ...rates, alpha, kmOverAlpha: w.div(rates.km, alpha, 'km_over_alpha'), vmOverAlpha: w.div(rates.vm, alpha, 'vm_over_alpha') };
    const vu = troughLog(w, r, tauH, Math.log(cMax));
    const v = windowLog(w, r, vu, timesH, tauH);
    const c = w.op('Clip', [w.exp(v, 'c_raw'), dconst(w, 'zero', [0]), dconst(w, 'c_max', [cMax])], 'c');
    const noSteady = w.op('And', [
      w.op('Equal', [rates.kl, dconst(w, 'no_kl', [0])], 'kl_zero'),
      w.op('Not', [w.less(rates.d, w.mul(rates.vm, dconst(w, 'tau', [tauH]), 'vm_tau'), 'eliminated')], 'dose_above_vmax'),
    ], 'no_steady_state');
    const steady = w.where(noSteady, dconst(w, 'unbounded', [cMax]), c, 'c_steady');
    return w.op('Cast', [steady], 'c_nodes', { to: attr.int(DataType.FLOAT) });
  });
}

/** g(x) = ln(1 + x) / x for x >= 0, to full precision down to x -> 0 (Goldberg: ln(1 + x) / ((1 + x) - 1), 1 where 1 + x rounds to 1). */
function lnOnePlusOver(w: GraphWriter, x: string, hint: string): string {
  return w.scoped(hint, () => {
    const one = dconst(w, 'one', [1]);
    const y = w.add(one, x, 'one_plus_x');
    return w.where(w.op('Equal', [y, one], 'tiny'), one, w.div(w.op('Log', [y], 'ln_y'), w.sub(y, one, 'y_minus_one'), 'ratio'), 'g');
  });
}

/** 1 - e^{-x} for x >= 0 without cancellation (the series below 1e-3: its error x^5 / 720 < 2e-18), and e^{-x}. */
function oneMinusExpD(w: GraphWriter, x: string, hint: string): { oneMinus: string; e: string } {
  return w.scoped(hint, () => {
    const e = w.exp(w.neg(x, 'minus_x'), 'e');
    let acc = dconst(w, 'one', [1]);
    for (const k of [5, 4, 3, 2]) acc = w.sub(dconst(w, `one_${k}`, [1]), w.mul(w.mul(x, dconst(w, `inv_${k}`, [1 / k]), `x_over_${k}`), acc, `t_${k}`), `s_${k}`);
    const oneMinus = w.where(w.less(x, dconst(w, 'cut', [1e-3]), 'small'), w.mul(x, acc, 'series'), w.sub(dconst(w, 'one_direct', [1]), e, 'direct'), 'one_minus_e');
    return { oneMinus, e };
  });
}

/** ln of a linear model's trough d e^{-k tau} / (1 - e^{-k tau}) (+Infinity when k = 0; d floored so that d = 0 is finite). */
function linearTroughLog(w: GraphWriter, d: string, k: string, tauH: number, hint: string): string {
  return w.scoped(hint, () => {
    const { oneMinus } = oneMinusExpD(w, w.mul(k, dconst(w, 'tau', [tauH]), 'k_tau'), 'decay');
    return w.sub(w.sub(w.op('Log', [w.op('Max', [d, dconst(w, 'tiny', [1e-300])], 'd_floor')], 'ln_d'), w.mul(k, dconst(w, 'tau_2', [tauH]), 'k_tau_2'), 'ln_d_decayed'), w.op('Log', [oneMinus], 'ln_one_minus'), 'v');
  });
}

/**
 * ln u, the trough: F(v) = t(u; u + d) - tau = 0, u = e^v, falls through zero once. Bracketed: MM elimination
 * is never faster than the linear rate kl + vm / KM nor slower than kl, so the linear troughs at those rates
 * bound u (the upper one capped at cMax, beyond which the trough is reported as cMax); also
 * u >= d e/(1 - e) - vm / kl, e = e^{-kl tau}, the trough when vm C / (KM + C) is replaced by vm, its bound:
 * the start, the better of the two lower bounds (it is near the root when the dose rate exceeds VMAX). Newton
 * steps in v; one that would leave the bracket (the root's side is known from F's sign) bisects it instead.
 */
function troughLog(w: GraphWriter, r: Coefficients, tauH: number, vMax: number): string {
  return w.scoped('trough', () => {
    const vCap = dconst(w, 'v_cap', [vMax]);
    const fast = linearTroughLog(w, r.d, w.add(r.kl, w.div(r.vm, r.km, 'vm_over_km'), 'k_fast'), tauH, 'fast');
    const vMin = dconst(w, 'v_min', [V_MIN]);
    let hi = w.op('Min', [w.op('Max', [linearTroughLog(w, r.d, r.kl, tauH, 'slow'), vMin], 'slow_floor'), vCap], 'hi_0');
    let lo = w.op('Min', [w.op('Max', [fast, vMin], 'fast_floor'), hi], 'lo_0');
    // d e / (1 - e) - vm / kl = (d e - vm (1 - e) / kl) / (1 - e), (1 - e) / kl = tau (1 - e) / (kl tau) without 0 / 0
    const klTau = w.mul(r.kl, dconst(w, 'tau', [tauH]), 'kl_tau');
    const { oneMinus, e } = oneMinusExpD(w, klTau, 'kl_decay');
    const perKl = w.where(w.op('Equal', [r.kl, dconst(w, 'zero', [0])], 'no_kl'), dconst(w, 'tau_kl0', [tauH]), w.div(oneMinus, r.kl, 'one_minus_over_kl'), 'one_minus_per_kl');
    const excess = w.sub(w.mul(r.d, e, 'd_e'), w.mul(r.vm, perKl, 'vm_per_kl'), 'excess');
    // a void bound (excess <= 0) leaves lo; kl = 0 with excess > 0 (no steady state) gives +Infinity, then hi
    const positive = w.op('Greater', [excess, dconst(w, 'zero_2', [0])], 'bound_holds');
    const zeroOrder = w.sub(w.op('Log', [w.where(positive, excess, dconst(w, 'one', [1]), 'excess_or_one')], 'ln_excess'), w.op('Log', [oneMinus], 'ln_one_minus'), 'v_zero_order');
    let v = w.op('Min', [w.where(positive, w.op('Max', [lo, zeroOrder], 'above_lo'), lo, 'start_raw'), hi], 'v_0');
    for (let k = 0; k < TROUGH_STEPS; k += 1) {
      ({ v, lo, hi } = w.scoped(`newton_${k}`, () => troughStep(w, r, tauH, { v, lo, hi })));
    }
    return v;
  });
}

/** One safeguarded Newton step of troughLog. */
function troughStep(w: GraphWriter, r: Coefficients, tauH: number, x: { readonly v: string; readonly lo: string; readonly hi: string }): { v: string; lo: string; hi: string } {
  const u = w.exp(x.v, 'u');
  const c0 = w.add(u, r.d, 'c0');
  // ln(c0 / u) = ln(1 + y), y = d / u: as y g(y) for y < 1, where ln(c0) - v would lose the digits a trough far
  // above the dose (slow elimination) is made of
  const y = w.div(r.d, u, 'y');
  const one = dconst(w, 'one', [1]);
  const small = w.less(y, one, 'y_small');
  const lnRatio = w.where(small, w.mul(y, lnOnePlusOver(w, w.op('Min', [y, one], 'y_capped'), 'g_y'), 'log1p_y'), w.sub(w.op('Log', [c0], 'ln_c0'), x.v, 'ln_c0_minus_v'), 'ln_ratio');
  const den = w.add(w.mul(r.kl, u, 'kl_u'), r.alpha, 'den');
  const q = w.div(r.d, den, 'q');
  const fall = w.add(w.mul(r.kmOverAlpha, lnRatio, 'linear_part'), w.mul(w.mul(r.vmOverAlpha, q, 'vm_q'), lnOnePlusOver(w, w.mul(r.kl, q, 'x'), 'g_x'), 'saturable_part'), 'fall');
  const f = w.sub(fall, dconst(w, 'tau', [tauH]), 'f');
  // dF/dv = -(d / (c0 den)) (KM + kl u (c0 + KM) / (kl c0 + alpha)): u (f(c0) - f(u)), f(C) = (KM + C) / (C (kl C + alpha)),
  // rearranged into positive terms (the difference cancels when d << u)
  const inner = w.add(r.km, w.div(w.mul(w.mul(r.kl, u, 'kl_u_2'), w.add(c0, r.km, 'c0_km'), 'kl_u_c0_km'), w.add(w.mul(r.kl, c0, 'kl_c0'), r.alpha, 'den0'), 'saturable_slope'), 'inner');
  const slope = w.div(w.mul(r.d, inner, 'd_inner'), w.mul(c0, den, 'c0_den'), 'minus_slope');
  const left = w.op('Greater', [f, dconst(w, 'zero', [0])], 'left_of_root');
  const lo = w.where(left, x.v, x.lo, 'lo');
  const hi = w.where(left, x.hi, x.v, 'hi');
  const newton = w.add(x.v, w.div(f, slope, 'step'), 'newton');
  // (a NaN step fails both tests and bisects)
  const inside = w.op('And', [w.op('GreaterOrEqual', [newton, lo], 'not_below'), w.op('LessOrEqual', [newton, hi], 'not_above')], 'inside');
  const v = w.where(inside, newton, w.mul(w.add(lo, hi, 'lo_hi'), dconst(w, 'half', [0.5]), 'bisect'), 'v');
  return { v, lo, hi };
}

/**
 * ln C [n, B] at each output time s: T(v) = t(e^v; c0) - s = 0, c0 = u + d. T is decreasing and concave in v
 * (dT/dv = -(KM + C) / (kl C + alpha), its magnitude growing with C) and C lies in [u, c0]. The start is the
 * larger of two lower bounds: the log-linear interpolation between ln c0 at s = 0 and ln u at s = tau (a chord
 * of a concave function; exact in the first-order regime) and c0 e^{-kl s} - vm (1 - e^{-kl s}) / kl (elimination
 * at most kl C + vm; near exact in the zero-order regime). Halley steps, clipped to [ln u, ln c0], the cubic
 * term's denominator kept >= Newton's so no step goes the wrong way or exceeds twice Newton's.
 */
function windowLog(w: GraphWriter, r: Coefficients, vu: string, timesH: readonly number[], tauH: number): string {
  return w.scoped('window', () => {
    const s = dconst(w, 's', timesH);
    const c0 = w.add(w.exp(vu, 'u'), r.d, 'c0');
    const v0 = w.op('Log', [c0], 'v0');
    const chord = w.add(v0, w.mul(dconst(w, 's_over_tau', timesH.map((t) => t / tauH)), w.sub(vu, v0, 'vu_minus_v0'), 'fraction'), 'chord');
    const { oneMinus, e } = oneMinusExpD(w, w.mul(r.kl, s, 'kl_s'), 'kl_decay');
    const perKl = w.where(w.op('Equal', [r.kl, dconst(w, 'zero', [0])], 'no_kl'), s, w.div(oneMinus, r.kl, 'one_minus_over_kl'), 'one_minus_per_kl');
    const zeroOrder = w.sub(w.mul(c0, e, 'c0_e'), w.mul(r.vm, perKl, 'vm_per_kl'), 'zero_order');
    // ln(max(., 0)): -Infinity where the bound is void, which Max ignores
    let v = w.op('Max', [chord, w.op('Log', [w.op('Max', [zeroOrder, dconst(w, 'zero_2', [0])], 'zero_order_pos')], 'ln_zero_order')], 'v_0');
    for (let k = 0; k < WINDOW_STEPS; k += 1) v = w.scoped(`halley_${k}`, () => windowStep(w, r, { s, c0, v0, vu }, v));
    return v;
  });
}

/** One Halley step of windowLog. */
function windowStep(w: GraphWriter, r: Coefficients, at: { readonly s: string; readonly c0: string; readonly v0: string; readonly vu: string }, v: string): string {
  const c = w.exp(v, 'c');
  const den = w.add(w.mul(r.kl, c, 'kl_c'), r.alpha, 'den');
  const q = w.div(w.sub(at.c0, c, 'drop'), den, 'q');
  const fall = w.add(w.mul(r.kmOverAlpha, w.sub(at.v0, v, 'ln_ratio'), 'linear_part'), w.mul(w.mul(r.vmOverAlpha, q, 'vm_q'), lnOnePlusOver(w, w.mul(r.kl, q, 'x'), 'g_x'), 'saturable_part'), 'fall');
  const f = w.sub(fall, at.s, 'f');
  // -dT/dv and -d2T/dv2 = C vm / den^2
  const d1 = w.div(w.add(r.km, c, 'km_c'), den, 'd1');
  const d2 = w.div(w.mul(c, r.vm, 'c_vm'), w.mul(den, den, 'den2'), 'd2');
  // Halley: v + 2 f d1 / (2 d1^2 + f d2)
  const d1sq = w.mul(d1, d1, 'd1sq');
  const denom = w.op('Max', [w.add(w.add(d1sq, d1sq, 'two_d1sq'), w.mul(f, d2, 'f_d2'), 'halley_denom_raw'), d1sq], 'halley_denom');
  const step = w.div(w.mul(w.add(f, f, 'two_f'), d1, 'two_f_d1'), denom, 'step');
  return w.op('Min', [w.op('Max', [w.add(v, step, 'v_raw'), at.vu], 'v_above_u'), at.v0], 'v');
}
