/**
 * In-graph steady-state concentration of the 3-compartment structures (structures/pk3.ts):
 *   IV bolus:  C(t) = (dose / V1) sum_i c_i e^{-l_i t} / (1 - e^{-l_i tau}),
 *   oral:      the same periodic C passed through the first-order absorption, i.e. the periodic solution
 *              of dx/dt = ka (C - x) (a depot in series commutes with the disposition), which is
 *              pd-direct.ts's effect-compartment formula with KE0 = ka: positive factors only, so ka
 *              meeting a disposition rate costs no accuracy and needs no interpolation.
 * c_i is the squared central component of the i-th eigenvector of the symmetrized system,
 *   c_i = d2^2 d3^2 / (d2^2 d3^2 + b2 d3^2 + b3 d2^2),  d2 = k21 - l_i, d3 = k31 - l_i, b2 = k12 k21, b3 = k13 k31,
 * in [0, 1] by construction (no difference of roots in a denominator, no sign to lose).
 *
 * The rates are per-subject work ([1, B]), done in double: the trigonometric form of the cubic (its
 * arccos in float32, onnxruntime having no double Acos, then cos in double), four Newton steps on the
 * cubic in its product form (pk3.ts), each root clamped into its interlacing bracket [0, min(k21, k31)],
 * [min, max], [max, sum]: Q3 -> 0 gives the root 0 with c = 0 (the 2-compartment modes), V3 -> 0 or
 * Q3 -> large a large fast root with a tiny c. Amplitudes are cast back to float32 capped at 1e30, rates
 * as they are; only the exponentials over the time grid run in float32 ([N, B]).
 */
import { attr, DataType, doubleTensor } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';
import type { SteadyStateModes } from './pk-steady-state.js';
import { phi } from './pk-zero-order-steady-state.js';

const NEWTON_STEPS = 4;
const AMPLITUDE_CAP = 1e30;

/** The IV-bolus steady-state modes (three rates, amplitudes in mg/L, each [1, B] float32). */
export function threeCompartmentBolusModes(w: GraphWriter, p: IndividualTensors, doseRow: string, tauH: number): SteadyStateModes {
  return w.scoped('pk3', () => {
    const { l, c, fill, scale, dbl, toFloat } = threeCompartmentRates(w, p, doseRow, tauH);
    const amplitude = w.div(w.mul(c, scale, 'c_scale'), w.op('Max', [fill, dbl('tiny_fill', 1e-300)], 'fill_safe'), 'amplitude_d');
    const capped = w.op('Min', [amplitude, dbl('cap', AMPLITUDE_CAP)], 'amplitude_capped');
    const names = ['l1', 'l2', 'l3'];
    return {
      rates: w.split(toFloat(l, 'rates'), 0, names.map((n) => `rate_${n}`)),
      amplitudes: w.split(toFloat(capped, 'amplitudes'), 0, names.map((n) => `amplitude_${n}`)),
    };
  });
}

/**
 * C [N, B] (mg/L) at the given times of an IV infusion regimen (every tau hours a dose at dose / D for D
 * hours; export/infusion-regimen.ts): the zero-order input's periodic response per mode (pk-zero-order-steady-state.ts),
 *   C(t) = sum_i (dose / V1) c_i [ phi(l_i D) e^{-l_i s} / (1 - e^{-l_i tau})  +  [t < D] (t / D) phi(l_i t) ],
 * s = t - D after the input, tau - D + t during it: non-negative terms only (c_i in [0, 1]). The
 * per-subject factors run in double (a root 0 with c = 0 gives 0, as in the bolus modes); the terms over
 * the times in float32. D -> 0 is the bolus graph, D = tau the constant rate dose / (tau CL).
 */
export function threeCompartmentInfusionConcentrationAt(w: GraphWriter, p: IndividualTensors, doseRow: string, timesH: readonly number[], tauH: number, infusionH: number): string {
  return w.scoped('pk3_infusion', () => {
    const { l, c, fill, scale, dbl, toFloat } = threeCompartmentRates(w, p, doseRow, tauH);
    const D = Math.min(Math.max(infusionH, INFUSION_MIN_H), tauH);
    const rising = w.mul(c, scale, 'c_scale'); // [3, B]: the running input's coefficient
    const x = w.mul(l, dbl('duration', D), 'l_d');
    const amplitude = w.div(w.mul(rising, seriesPhi(w, x, dbl), 'c_scale_phi'), w.op('Max', [fill, dbl('tiny_fill', 1e-300)], 'fill_safe'), 'amplitude_d');
    const after = toFloat(w.op('Min', [amplitude, dbl('cap', AMPLITUDE_CAP)], 'amplitude_capped'), 'amplitudes'); // [3, B]
    const rates = toFloat(l, 'rates');
    const coefficients = toFloat(w.op('Min', [rising, dbl('cap_rising', AMPLITUDE_CAP)], 'rising_capped'), 'rising');
    const during = timesH.map((t) => t < D);
    const column = (hint: string, values: readonly number[]): string => w.floats(hint, [timesH.length, 1, 1], values); // [N, 1, 1] against [3, B]
    const negSinceEnd = column('neg_since_end', timesH.map((t, n) => -(during[n] ? tauH - D + t : t - D)));
    const timesDuring = column('times_during', timesH.map((t, n) => (during[n] ? t : 0)));
    const fraction = column('fraction_during', timesH.map((t, n) => (during[n] ? t / D : 0)));
    const ended = w.mul(w.exp(w.mul(negSinceEnd, rates, 'l_s'), 'decay'), after, 'ended'); // [N, 3, B]
    const running = w.mul(w.mul(fraction, phi(w, w.mul(timesDuring, rates, 'l_t'), 'phi_l_t'), 'rise'), coefficients, 'running');
    return w.reduceSum(w.add(ended, running, 'terms'), [1], false, 'conc'); // [N, B]
  });
}

/** Below any duration a trial gives, as the zero-order graph's floor: the bolus to ~1e-6 h. */
const INFUSION_MIN_H = 1e-6;

/** phi(x) = (1 - e^{-x}) / x in double: 8-term series below 0.01 (rel. error < 1e-21), direct above. */
function seriesPhi(w: GraphWriter, x: string, dbl: (hint: string, value: number) => string): string {
  let acc = dbl('phi_one', 1);
  for (const k of [9, 8, 7, 6, 5, 4, 3, 2]) acc = w.sub(dbl(`phi_one_${k}`, 1), w.mul(w.mul(x, dbl(`phi_inv_${k}`, 1 / k), `phi_x_over_${k}`), acc, `phi_t_${k}`), `phi_s_${k}`);
  const cut = dbl('phi_cut', 0.01);
  const xc = w.op('Max', [x, cut], 'phi_x_clamped');
  const direct = w.div(w.sub(dbl('phi_one_d', 1), w.exp(w.neg(xc, 'phi_neg_x'), 'phi_exp_neg_x'), 'phi_one_minus'), xc, 'phi_direct');
  return w.where(w.less(x, cut, 'phi_small'), acc, direct, 'phi');
}

/**
 * The per-subject double work both graphs share, in the caller's scope: the disposition rates l [3, B]
 * (l1 >= l2 >= l3), their squared central eigenvector components c, fill = 1 - e^{-l tau}, and dose / V1.
 */
function threeCompartmentRates(w: GraphWriter, p: IndividualTensors, doseRow: string, tauH: number): {
  l: string; c: string; fill: string; scale: string;
  dbl: (hint: string, value: number) => string; toFloat: (x: string, hint: string) => string;
} {
  const dbl = (hint: string, value: number): string => {
    const name = w.fresh(hint);
    w.initializers.push(doubleTensor(name, [], [value]));
    return name;
  };
  const toDouble = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.DOUBLE) });
  const toFloat = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.FLOAT) });
  const micro = w.concat([w.div(p.CL, p.V1, 'k10'), w.div(p.Q, p.V1, 'k12'), w.div(p.Q, p.V2, 'k21'), w.div(p.Q3, p.V1, 'k13'), w.div(p.Q3, p.V3, 'k31')], 0, 'micro');
  const [k10, k12, k21, k13, k31] = w.split(toDouble(micro, 'micro_d'), 0, ['k10_d', 'k12_d', 'k21_d', 'k13_d', 'k31_d']) as [string, string, string, string, string];
  const d0 = w.add(w.add(k10, k12, 'k10_k12'), k13, 'd0');
  const b2 = w.mul(k12, k21, 'b2');
  const b3 = w.mul(k13, k31, 'b3');
  const a2 = w.add(w.add(d0, k21, 'd0_k21'), k31, 'a2');
  const k21k31 = w.mul(k21, k31, 'k21_k31');
  const a1 = [w.mul(k10, k21, 'k10_k21'), w.mul(k10, k31, 'k10_k31'), w.mul(k12, k31, 'k12_k31'), w.mul(k13, k21, 'k13_k21')].reduce((acc, t, i) => w.add(acc, t, `a1_${i}`), k21k31);
  const a0 = w.mul(k10, k21k31, 'a0');

  // depressed cubic t^3 + P t + R = 0, l = t + a2 / 3; three real roots (P <= 0)
  const third = dbl('third', 1 / 3);
  const a2Third = w.mul(a2, third, 'a2_third');
  const P = w.sub(a1, w.mul(a2, a2Third, 'a2_sq_third'), 'P');
  const R = w.sub(w.sub(w.mul(a2Third, a1, 'a2_a1_third'), w.mul(dbl('two_27', 2 / 27), w.mul(w.mul(a2, a2, 'a2_sq'), a2, 'a2_cu'), 'a2_cu_term'), 'R_0'), a0, 'R');
  const m = w.mul(dbl('two', 2), w.op('Sqrt', [w.op('Max', [w.mul(w.neg(P, 'neg_P'), third, 'neg_P_third'), dbl('zero', 0)], 'neg_P_third_pos')], 'sqrt_neg_P_third'), 'm');
  const spread = w.op('Greater', [m, dbl('zero_m', 0)], 'has_spread');
  const den = w.where(spread, w.mul(P, m, 'P_m'), dbl('minus_one', -1), 'den');
  const cosArg = w.op('Min', [w.op('Max', [w.div(w.mul(dbl('three', 3), R, 'three_R'), den, 'ratio'), dbl('lo_arg', -1)], 'arg_lo'), dbl('hi_arg', 1)], 'arg_raw');
  const arg = w.where(spread, cosArg, dbl('one_arg', 1), 'arg');
  const angle = w.mul(toDouble(w.op('Acos', [toFloat(arg, 'arg_f')], 'acos_f'), 'acos_d'), third, 'angle');
  const shifts = (() => { const name = w.fresh('shifts'); w.initializers.push(doubleTensor(name, [3, 1], [0, (2 * Math.PI) / 3, (4 * Math.PI) / 3])); return name; })();
  const trig = w.add(a2Third, w.mul(m, w.op('Cos', [w.sub(angle, shifts, 'angles')], 'cosines'), 'm_cos'), 'trig'); // [3, B]: l1 >= l2 >= l3

  // Newton on g(l) = (d0 - l)(k21 - l)(k31 - l) - b2 (k31 - l) - b3 (k21 - l), clamped into the brackets
  const lo = w.op('Min', [k21, k31], 'k_lo');
  const hi = w.op('Max', [k21, k31], 'k_hi');
  const zeroRow = w.mul(lo, dbl('zero_row', 0), 'zero_row');
  const lower = w.concat([hi, lo, zeroRow], 0, 'bracket_lower');
  const upper = w.concat([a2, hi, lo], 0, 'bracket_upper');
  const clamp = (x: string, hint: string): string => w.op('Min', [w.op('Max', [x, lower], `${hint}_above`), upper], hint);
  let l = clamp(trig, 'root_0');
  for (let it = 1; it <= NEWTON_STEPS; it += 1) {
    const u0 = w.sub(d0, l, `u0_${it}`), u2 = w.sub(k21, l, `u2_${it}`), u3 = w.sub(k31, l, `u3_${it}`);
    const g = w.sub(w.sub(w.mul(w.mul(u0, u2, `u02_${it}`), u3, `u023_${it}`), w.mul(b2, u3, `b2u3_${it}`), `g0_${it}`), w.mul(b3, u2, `b3u2_${it}`), `g_${it}`);
    const pairs = w.add(w.add(w.mul(u2, u3, `u23_${it}`), w.mul(u0, u3, `u03_${it}`), `p01_${it}`), w.mul(u0, u2, `u02b_${it}`), `pairs_${it}`);
    const dg = w.sub(w.add(b2, b3, `b23_${it}`), pairs, `dg_${it}`);
    const flat = w.op('Equal', [dg, dbl(`zero_dg_${it}`, 0)], `flat_${it}`);
    const step = w.where(flat, dbl(`no_step_${it}`, 0), w.div(g, w.where(flat, dbl(`one_dg_${it}`, 1), dg, `dg_safe_${it}`), `newton_${it}`), `step_${it}`);
    l = clamp(w.sub(l, step, `moved_${it}`), `root_${it}`);
  }

  // c = d2^2 d3^2 / (d2^2 d3^2 + b2 d3^2 + b3 d2^2), 0 where everything vanishes (a decoupled compartment's root)
  const d2 = w.sub(k21, l, 'd2'), d3 = w.sub(k31, l, 'd3');
  const d2s = w.mul(d2, d2, 'd2_sq'), d3s = w.mul(d3, d3, 'd3_sq');
  const num = w.mul(d2s, d3s, 'c_num');
  const cDen = w.add(w.add(num, w.mul(b2, d3s, 'b2_d3s'), 'c_den_0'), w.mul(b3, d2s, 'b3_d2s'), 'c_den');
  const c = w.div(num, w.op('Max', [cDen, dbl('tiny', 1e-300)], 'c_den_safe'), 'c');
  // 1 - e^{-l tau}: series below 0.1 (8 terms, rel. error < 1e-12), else direct
  const x = w.mul(l, dbl('tau', tauH), 'l_tau');
  let series = dbl('one_s', 1);
  for (const k of [8, 7, 6, 5, 4, 3, 2]) series = w.sub(dbl(`one_${k}`, 1), w.mul(w.mul(x, dbl(`inv_${k}`, 1 / k), `x_over_${k}`), series, `t_${k}`), `s_${k}`);
  const fill = w.where(w.less(x, dbl('cut', 0.1), 'small'), w.mul(x, series, 'series'), w.sub(dbl('one_d', 1), w.exp(w.neg(x, 'neg_x'), 'exp_neg_x'), 'direct'), 'fill');
  const scale = toDouble(w.div(doseRow, p.V1, 'dose_over_v1'), 'scale_d');
  return { l, c, fill, scale, dbl, toFloat };
}

