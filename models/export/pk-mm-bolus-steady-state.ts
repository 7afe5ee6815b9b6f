/**
 * The exact periodic steady state of one compartment with linear + saturable elimination after IV
 * boluses (pk-mm-steady-state.ts's bolus path), vectorised over the batch, in concentration units
 * (kl = CL / V, vm = VMAX / V, d = D / V the bolus). Between doses dC/dt = -C (kl C + alpha) / (KM + C),
 * alpha = kl KM + vm, is separable: by partial fractions of (KM + C) / (C (kl C + alpha)) the time to fall
 * from C0 to C is
 *   t(C; C0) = (KM / alpha) ln(C0 / C) + (vm / (alpha kl)) ln((kl C0 + alpha) / (kl C + alpha))
 *            = (KM / alpha) ln(C0 / C) + (vm / alpha) q g(kl q),   q = (C0 - C) / (kl C + alpha),
 * g(x) = ln(1 + x) / x, the second form exact as kl -> 0 (pure Michaelis-Menten: vm (C0 - C) / alpha^2).
 * Two implicit equations remain, each solved by a fixed number of steps in v = ln C (so a trough that falls
 * 1e12-fold, or underflows, is as easy as any other):
 * - the pre-dose trough u: t(u; u + d) = tau (troughLog below, float64), which is also the output at tau;
 * - the window: C(s) for each other output time s in (0, tau): t(C; u + d) = s (windowLog below: a start from exact
 *   points of the curve, then one Halley step in float32 and one in float64).
 * The concentrations are cast to float32 as the shooting path's are.
 */
import { attr, DataType, doubleTensor, floatTensor } from '../../worker/onnx/graph-builder.js';
import type { GraphWriter } from './graph-writer.js';

/**
 * Safeguarded Newton steps on the trough. Chosen by a random sweep while writing this (kl 1e-8..10 /h,
 * vm 1e-6..1e4 mg/L/h, KM 1e-5..1e5 mg/L, d 1e-5..1e5 mg/L, QD and QW, against bisection to the root):
 * 10 steps reach 6e-9 in ln u wherever (kl + vm / KM) tau >= 1e-6 (8 steps 2e-8, 6 steps 6e-4).
 */
export const TROUGH_STEPS = 10;
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
    const trough = troughLog(w, r, tauH, Math.log(cMax));
    // the output at tau is the trough itself
    const inside = timesH.filter((t) => t !== tauH);
    const window = inside.length === 0 ? '' : windowLog(w, r, trough, inside, tauH);
    const v = byTime(w, timesH, tauH, trough.v, window);
    const c = w.op('Clip', [w.exp(v, 'c_raw'), dconst(w, 'zero', [0]), dconst(w, 'c_max', [cMax])], 'c');
    const noSteady = w.op('And', [
      w.op('Equal', [rates.kl, dconst(w, 'no_kl', [0])], 'kl_zero'),
      w.op('Not', [w.less(rates.d, w.mul(rates.vm, dconst(w, 'tau', [tauH]), 'vm_tau'), 'eliminated')], 'dose_above_vmax'),
    ], 'no_steady_state');
    const steady = w.where(noSteady, dconst(w, 'unbounded', [cMax]), c, 'c_steady');
    return w.op('Cast', [steady], 'c_nodes', { to: attr.int(DataType.FLOAT) });
  });
}

/** ln C [n, B] in the order of `timesH`: the trough's row where t = tau, the window's rows (in order) elsewhere. */
function byTime(w: GraphWriter, timesH: readonly number[], tauH: number, trough: string, window: string): string {
  const total = timesH.filter((t) => t !== tauH).length;
  const parts: string[] = [];
  let row = 0;
  let runStart = 0;
  const flush = (): void => {
    if (row > runStart) parts.push(row - runStart === total ? window : w.slice(window, 0, runStart, row, 'window_rows'));
    runStart = row;
  };
  for (const t of timesH) {
    if (t === tauH) {
      flush();
      parts.push(trough);
    } else row += 1;
  }
  flush();
  return parts.length === 1 ? parts[0] ?? '' : w.concat(parts, 0, 'v_by_time');
}

/**
 * g(x) = ln(1 + x) / x for x >= 0 by Goldberg's ln(y) / (y - 1), y = 1 + x, exact to rounding wherever y > 1: x is
 * floored at 1e-12 in float64 (1e-6 in float32), which moves g by at most half the floor (g(x) = 1 - x / 2 + ...).
 */
function lnOnePlusOver(w: GraphWriter, x: string, hint: string, precision: 'double' | 'float' = 'double'): string {
  return w.scoped(hint, () => {
    const c = precision === 'double' ? dconst : fconst;
    const one = c(w, 'one', [1]);
    const y = w.add(one, w.op('Max', [x, c(w, 'floor', [precision === 'double' ? 1e-12 : 1e-6])], 'x_floor'), 'one_plus_x');
    return w.div(w.op('Log', [y], 'ln_y'), w.sub(y, one, 'y_minus_one'), 'g');
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
function troughLog(w: GraphWriter, r: Coefficients, tauH: number, vMax: number): TroughLog {
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
    // a trough floored at V_MIN is no point of the curve: the chord ends at the unfloored lower bound instead
    const chordEnd = w.where(w.op('Greater', [v, vMin], 'above_floor'), v, w.op('Min', [fast, v], 'fast_or_floor'), 'chord_end');
    return { v, chordEnd };
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


/** The trough's ln u and a lower bound on it for the window's chord (the trough itself unless floored at V_MIN). */
interface TroughLog { readonly v: string; readonly chordEnd: string }
/** Per-subject window quantities [1, B], float64: c0 = u + d, ln c0, ln u, the chord's end. */
interface WindowAt { readonly c0: string; readonly v0: string; readonly vu: string; readonly chordEnd: string }

/**
 * ln C [n, B] (float64) at each output time s in (0, tau): T(v) = t(e^v; c0) - s = 0, c0 = u + d. T is decreasing
 * and concave in v (dT/dv = -(KM + C) / (kl C + alpha), its magnitude growing with C) and C lies in [u, c0].
 * windowStart gives a start, then one Halley step in float32 (windowStep32: a quarter of a float64 step's cost)
 * and one in float64 (windowStep64: the float32 step's residual carries ~6e-8 s of rounding, far from the root's
 * precision where C collapses within minutes). Chosen by a random sweep while writing this (the trough's ranges,
 * kl = 0 in 15 %, every output time of the QD and QW grids, against bisection to the root): the start alone is
 * within ~1e-1 in ln C, after both steps within 5e-9 (float32 rounding of the output aside), 3e-7 at the worst
 * knee of the zero-order regime (C falling 1e5-fold within the hour); two float64 steps: the same, one: 4e-3;
 * the earlier start (chord and zero-order bound alone) needed five float64 steps.
 */
function windowLog(w: GraphWriter, r: Coefficients, trough: TroughLog, timesH: readonly number[], tauH: number): string {
  return w.scoped('window', () => {
    const c0 = w.add(w.exp(trough.v, 'u'), r.d, 'c0');
    const at: WindowAt = { c0, v0: w.op('Log', [c0], 'v0'), vu: trough.v, chordEnd: trough.chordEnd };
    const scaled = windowStep32(w, r, at, timesH, windowStart(w, r, at, timesH, tauH));
    const v = w.add(at.v0, w.op('Cast', [scaled], 'w_double', { to: attr.int(DataType.DOUBLE) }), 'v_1');
    return windowStep64(w, r, at, dconst(w, 's', timesH), v);
  });
}

/** A float32 constant (scalar, or [n, 1] for per-time values). */
function fconst(w: GraphWriter, hint: string, values: readonly number[]): string {
  const name = w.fresh(hint);
  w.initializers.push(floatTensor(name, values.length === 1 ? [] : [values.length, 1], values));
  return name;
}

/** Cast to float32; `cap` first bounds the float64 value's magnitude so that the cast stays finite. */
function toFloat(w: GraphWriter, x: string, hint: string, cap?: number): string {
  const bounded = cap === undefined ? x : w.op('Min', [x, dconst(w, `${hint}_cap`, [cap])], `${hint}_capped`);
  return w.op('Cast', [bounded], hint, { to: attr.int(DataType.FLOAT) });
}

/** t(e^v; c0) in float64 at v (C = e^v given), with the denominator kl C + alpha. */
function fallAt(w: GraphWriter, r: Coefficients, at: WindowAt, v: string, c: string): { fall: string; den: string } {
  const den = w.add(w.mul(r.kl, c, 'kl_c'), r.alpha, 'den');
  const q = w.div(w.sub(at.c0, c, 'drop'), den, 'q');
  const saturable = w.mul(w.mul(r.vmOverAlpha, q, 'vm_q'), lnOnePlusOver(w, w.mul(r.kl, q, 'x'), 'g_x'), 'saturable_part');
  return { fall: w.add(w.mul(r.kmOverAlpha, w.sub(at.v0, v, 'ln_ratio'), 'linear_part'), saturable, 'fall'), den };
}

/**
 * The start, w = ln(C / c0) [n, B] in float32: the larger of two lower bounds, clipped to [ln u, ln c0].
 * - Piecewise-linear interpolation of v(t) through exact points (v, T(v)): (ln c0, 0), ln KM + (ln 10, 0, -ln 10)
 *   (each clipped into [chord end, ln c0]; the knee of the zero-order regime lies among them) and (chord end, tau).
 *   v(t) is concave (the inverse of a concave decreasing T), so the interpolation lies below it and equals the
 *   smallest of its segments' lines; a segment of no length (a clipped knot) is left out.
 * - ln(c0 e^{-kl s} - vm (1 - e^{-kl s}) / kl): elimination at most kl C + vm; near exact while C >> KM.
 */
function windowStart(w: GraphWriter, r: Coefficients, at: WindowAt, timesH: readonly number[], tauH: number): string {
  return w.scoped('start', () => {
    const s = fconst(w, 's', timesH);
    const lnKm = w.op('Log', [r.km], 'ln_km');
    const knots = [Math.LN10, 0, -Math.LN10].map((shift, j) => w.scoped(`knot_${j}`, () => {
      const v = w.op('Min', [w.op('Max', [w.add(lnKm, dconst(w, 'shift', [shift]), 'v_raw'), at.chordEnd], 'v_above'), at.v0], 'v');
      return { t: fallAt(w, r, at, v, w.exp(v, 'c')).fall, v };
    }));
    const points = [{ t: dconst(w, 'zero', [0]), v: at.v0 }, ...knots, { t: dconst(w, 'tau', [tauH]), v: at.chordEnd }];
    let lines = '';
    for (let j = 0; j + 1 < points.length; j += 1) {
      const a = points[j], b = points[j + 1];
      if (a === undefined || b === undefined) continue;
      const line = w.scoped(`segment_${j}`, () => {
        const dt = w.sub(b.t, a.t, 'dt');
        const dv = w.sub(b.v, a.v, 'dv');
        // dv <= 0 by the points' order: a segment with dv = 0 (clipped knots) or dt <= 0 (a knot clipped to a chord
        // end below the trough, or rounding) is left out: the line +Infinity (slope 0), which Min ignores
        const valid = w.less(w.mul(dv, dt, 'dv_dt'), dconst(w, 'zero', [0]), 'valid');
        const slope = w.where(valid, w.div(dv, dt, 'slope_raw'), dconst(w, 'flat', [0]), 'slope');
        const intercept = w.where(valid, w.sub(w.sub(a.v, at.v0, 'w_a'), w.mul(a.t, slope, 't_slope'), 'intercept_raw'), dconst(w, 'none', [Infinity]), 'intercept');
        return w.add(toFloat(w, intercept, 'intercept_f'), w.mul(s, toFloat(w, slope, 'slope_f'), 's_slope'), 'line');
      });
      lines = lines === '' ? line : w.op('Min', [lines, line], 'lines');
    }
    const zeroOrder = zeroOrderLog(w, r, at, s);
    const wu = toFloat(w, w.sub(at.vu, at.v0, 'wu_double'), 'wu');
    return w.op('Min', [w.op('Max', [w.op('Max', [lines, zeroOrder], 'bound'), wu], 'above_u'), fconst(w, 'top', [0])], 'w_0');
  });
}

/**
 * ln((c0 e^{-kl s} - vm s phi(kl s)) / c0), phi(x) = (1 - e^{-x}) / x, in float32 (-Infinity where the bound is
 * void). phi is taken as 1 below x = 1e-3, where 1 - e^{-x} loses its digits in float32: an overestimate, so the
 * bound only weakens.
 */
function zeroOrderLog(w: GraphWriter, r: Coefficients, at: WindowAt, s: string): string {
  return w.scoped('zero_order', () => {
    const kl = toFloat(w, r.kl, 'kl');
    const x = w.mul(kl, s, 'x');
    const e = w.exp(w.neg(x, 'minus_x'), 'e');
    const one = fconst(w, 'one', [1]);
    const phi = w.where(w.less(x, fconst(w, 'cut', [1e-3]), 'small'), one, w.div(w.sub(one, e, 'one_minus_e'), x, 'phi_raw'), 'phi');
    const rate = toFloat(w, w.div(r.vm, at.c0, 'vm_over_c0_double'), 'vm_over_c0', 1e30);
    const bound = w.sub(e, w.mul(rate, w.mul(s, phi, 's_phi'), 'eliminated'), 'bound');
    return w.op('Log', [w.op('Max', [bound, fconst(w, 'zero', [0])], 'bound_pos')], 'w');
  });
}

/**
 * One Halley step in float32 on w = ln(C / c0), with the per-subject scales in hours (each well within float32 for
 * concentrations anywhere in double's range): P = KM / alpha, Q = vm c0 / alpha^2, R = c0 / alpha, a = kl c0 / alpha;
 * with rho = e^w, z = (1 - rho) / (1 + a rho): T = -P w + Q z g(a z), -dT/dw = (P + R rho) / (1 + a rho).
 */
function windowStep32(w: GraphWriter, r: Coefficients, at: WindowAt, timesH: readonly number[], x0: string): string {
  return w.scoped('halley_32', () => {
    const perAlpha = w.div(at.c0, r.alpha, 'c0_over_alpha');
    const P = toFloat(w, r.kmOverAlpha, 'p', 1e30);
    const Q = toFloat(w, w.mul(r.vmOverAlpha, perAlpha, 'q_double'), 'q', 1e30);
    const R = toFloat(w, perAlpha, 'r', 1e30);
    const a = toFloat(w, w.mul(r.kl, perAlpha, 'a_double'), 'a', 1e30);
    const one = fconst(w, 'one', [1]);
    const rho = w.exp(x0, 'rho');
    const den = w.add(one, w.mul(a, rho, 'a_rho'), 'den');
    const z = w.div(w.sub(one, rho, 'one_minus_rho'), den, 'z');
    const saturable = w.mul(w.mul(Q, z, 'q_z'), lnOnePlusOver(w, w.mul(a, z, 'x'), 'g_x', 'float'), 'saturable_part');
    const f = w.sub(w.sub(saturable, w.mul(P, x0, 'linear_part'), 'fall'), fconst(w, 's', timesH), 'f');
    const pr = w.add(P, w.mul(R, rho, 'r_rho'), 'p_r_rho');
    const d1 = w.div(pr, den, 'd1');
    const half = fconst(w, 'half', [0.5]);
    const e2 = w.div(w.mul(w.mul(Q, half, 'q_half'), rho, 'q_rho'), w.mul(den, pr, 'den_pr'), 'e2');
    const x1 = w.add(x0, halleyStep(w, f, d1, e2, half), 'w_raw');
    return w.op('Min', [w.op('Max', [x1, toFloat(w, w.sub(at.vu, at.v0, 'wu_double'), 'wu')], 'above_u'), fconst(w, 'top', [0])], 'w_1');
  });
}

/** One Halley step in float64 on v = ln C. */
function windowStep64(w: GraphWriter, r: Coefficients, at: WindowAt, s: string, v: string): string {
  return w.scoped('halley_64', () => {
    const c = w.exp(v, 'c');
    const { fall, den } = fallAt(w, r, at, v, c);
    const kmc = w.add(r.km, c, 'km_c');
    const half = dconst(w, 'half', [0.5]);
    const e2 = w.div(w.mul(c, w.mul(r.vm, half, 'vm_half'), 'c_vm_half'), w.mul(den, kmc, 'den_km_c'), 'e2');
    const v1 = w.add(v, halleyStep(w, w.sub(fall, s, 'f'), w.div(kmc, den, 'd1'), e2, half), 'v_raw');
    return w.op('Min', [w.op('Max', [v1, at.vu], 'above_u'), at.v0], 'v');
  });
}

/**
 * Halley's step f / (d1 + f e2) on F = T - s with -dF/dv = d1 > 0, -d2F/dv2 = d2 >= 0, e2 = d2 / (2 d1); the
 * denominator kept >= d1 / 2 so that no step goes the wrong way or exceeds twice Newton's.
 */
function halleyStep(w: GraphWriter, f: string, d1: string, e2: string, half: string): string {
  const denom = w.op('Max', [w.add(d1, w.mul(f, e2, 'f_e2'), 'denom_raw'), w.mul(d1, half, 'half_d1')], 'denom');
  return w.div(f, denom, 'step');
}
