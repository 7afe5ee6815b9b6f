/**
 * In-graph periodic steady state of the transit-absorption structures (structures/transit-absorption.ts):
 * each dose passes N = 3 transit compartments (ktr = 4 / MTT), the depot (KA), then disposition. The
 * central bolus response is sum_i c_i e^{-l_i t} (1 compartment: c = 1, l = k; 2: the modes alpha, beta
 * with c_alpha = (alpha - k21) / (alpha - beta), c_beta = (k21 - beta) / (alpha - beta), both in [0, 1]),
 * so C(t) = (dose / V1) sum_i c_i y_i(t), y_i the last amount of the chain transit x3 -> depot -> "mode"
 * compartment (outflow l_i) after a unit dose every tau into the first compartment:
 *   y_i(t) = [exp(A_i t) (I - exp(A_i tau))^{-1} e_1]_last,  A_i lower bidiagonal (-r_j on the diagonal,
 *   r_j below it), r = (ktr, ktr, ktr, KA, l_i).
 * A_i is compartmental: exp(A_i u) = e^{-c u} exp((A_i + c I) u) with A_i + c I >= 0 (c the largest rate),
 * so its Taylor series and the squarings multiply non-negative matrices, and (I - E)^{-1} e_1 is a
 * forward substitution over non-negative terms: nothing cancels, whatever the rates (ktr = KA, ktr = a
 * disposition rate, ktr -> 0 or -> infinity). No division by a difference of rates, so no guard band.
 * Done in double ([5, 5, modes, B] matrices, subjects last; products as broadcast sums), then cast to float32. The grid times are
 * multiples of DELTA_H: exp(A delta) is built once (scaling and squaring), its powers exp(A 2^k delta)
 * by squaring, and the state is stepped from one output time to the next by those powers.
 * Limits: rates above RATE_CAP (MTT -> 0, KA or alpha -> infinity, Q -> infinity, V2 -> 0) are capped
 * there: the chain passes the dose on within ~1e-4 h (C shifts by less than KA 4e-4 h relative, and is
 * finite); the periodic sum runs 2^PERIOD_DOUBLINGS intervals, exact for every rate above ~1e-8 / tau
 * (MTT up to the fit's bound of a week is far inside), finite below.
 */
import { attr, DataType, doubleTensor } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import type { GraphWriter } from './graph-writer.js';
import { TRANSIT_ABSORPTION_N } from '../structures/transit-absorption.js';

export const RATE_CAP = 1e6;
export const DELTA_H = 0.05;
const TAYLOR_TERMS = 12;

/** C [T, B] (mg/L, float32) at `timesH` (each a multiple of DELTA_H in (0, tau]) of the periodic steady state. */
export function transitAbsorptionConcentrationAt(w: GraphWriter, p: IndividualTensors, doseRow: string, timesH: readonly number[], tauH: number, compartments: 1 | 2): string {
  return w.scoped('pk_tabs', () => {
    const dbl = (hint: string, dims: readonly number[], values: readonly number[]): string => {
      const name = w.fresh(hint);
      w.initializers.push(doubleTensor(name, dims, values));
      return name;
    };
    const toDouble = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.DOUBLE) });
    const cap = (x: string, hint: string): string => w.op('Min', [x, dbl(`${hint}_cap`, [], [RATE_CAP])], hint);
    const ktr = cap(w.div(dbl('n_plus_1', [], [TRANSIT_ABSORPTION_N + 1]), toDouble(p.MTT, 'mtt_d'), 'ktr_raw'), 'ktr');
    const ka = cap(toDouble(p.KA, 'ka_d'), 'ka');
    const k10 = toDouble(w.div(p.CL, p.V1, 'k10'), 'k10_d');
    // modes [modes, B] and their weights c_i
    let lambdas: string;
    let weights: string;
    if (compartments === 1) {
      lambdas = cap(k10, 'lambda');
      weights = dbl('c_one', [1, 1], [1]);
    } else {
      const k12 = toDouble(w.div(p.Q, p.V1, 'k12'), 'k12_d');
      const k21 = toDouble(w.div(p.Q, p.V2, 'k21'), 'k21_d');
      const d1 = w.sub(k10, k21, 'k10_minus_k21');
      const twoSum = w.mul(w.add(k10, k21, 'k10_plus_k21'), dbl('two', [], [2]), 'two_sum');
      const disc = w.op('Sqrt', [w.add(w.mul(d1, d1, 'd1_sq'), w.mul(k12, w.add(k12, twoSum, 'k12_plus'), 'k12_term'), 'disc_sq')], 'disc');
      const alpha = w.mul(w.add(w.add(w.add(k10, k12, 'k10_k12'), k21, 'sum'), disc, 'sum_disc'), dbl('half', [], [0.5]), 'alpha');
      const beta = w.div(w.mul(k10, k21, 'k10_k21'), alpha, 'beta');
      const discSafe = w.op('Max', [disc, dbl('tiny', [], [1e-300])], 'disc_safe');
      const unit = (x: string, hint: string): string => w.op('Min', [w.op('Max', [x, dbl(`${hint}_lo`, [], [0])], `${hint}_pos`), dbl(`${hint}_hi`, [], [1])], hint);
      const cAlpha = unit(w.div(w.sub(alpha, k21, 'alpha_minus_k21'), discSafe, 'c_alpha_raw'), 'c_alpha');
      const cBeta = unit(w.div(w.sub(k21, beta, 'k21_minus_beta'), discSafe, 'c_beta_raw'), 'c_beta');
      lambdas = w.concat([cap(alpha, 'alpha_capped'), beta], 0, 'lambda');
      weights = w.concat([cAlpha, cBeta], 0, 'c_modes'); // [2, B]
    }
    const modes = compartments;
    const m = TRANSIT_ABSORPTION_N + 2;
    // subjects last throughout (individual.ts): rates [m, modes, B] = (ktr x N, KA, l_i), matrices [m, m, modes, B]
    const perMode = (row: string, hint: string): string => w.unsqueeze(w.add(row, w.mul(lambdas, dbl(`${hint}_zero`, [], [0]), `${hint}_zeros`), `${hint}_modes`), [0], `${hint}_col`);
    const ktrCol = perMode(ktr, 'ktr');
    const rates = w.concat([...Array.from({ length: TRANSIT_ABSORPTION_N }, () => ktrCol), perMode(ka, 'ka'), perMode(lambdas, 'lam')], 0, 'rates');
    const mask = Array.from({ length: m * m }, (_, k) => { const i = Math.floor(k / m), j = k % m; return (i === j + 1 ? 1 : 0) - (i === j ? 1 : 0); });
    const generator = w.mul(w.unsqueeze(rates, [0], 'rates_row'), dbl('chain_mask', [m, m, 1, 1], mask), 'generator'); // [m, m, modes, B]
    const identity = dbl('identity', [m, m, 1, 1], Array.from({ length: m * m }, (_, k) => (Math.floor(k / m) === k % m ? 1 : 0)));
    const shift = w.unsqueeze(w.op('ReduceMax', [rates, w.int64s('max_axes', [0])], 'shift_raw', { keepdims: attr.int(1) }), [0], 'shift'); // [1, 1, modes, B]
    // (a b)[i, j] = sum_k a[i, k] b[k, j] as one broadcast product and a sum over k: batched MatMul over
    // [B, modes] 5 x 5 matrices paid a call per matrix (~15x slower than the first-order graphs)
    const matmul = (a: string, b: string, hint: string): string => w.reduceSum(w.mul(w.unsqueeze(a, [2], `${hint}_a`), w.unsqueeze(b, [0], `${hint}_b`), `${hint}_prod`), [1], false, hint);

    // exp(A delta): scaling so that RATE_CAP delta 2^-s <= 1/4, Taylor of the non-negative A + c I, squarings
    const s = Math.max(0, Math.ceil(Math.log2((RATE_CAP * DELTA_H) / 0.25)));
    const small = DELTA_H / 2 ** s;
    // constant scalars are per-subject tensors: with MatMul products onnxruntime fused a constant scalar Mul
    // into FusedMatMul's float32 alpha, which rounded the step (e^{-r t (1 + 3e-8)}: 3e-3 of C at ktr = 4000 /h)
    const zero = w.mul(shift, dbl('zero_shift', [], [0]), 'zero_like'); // [1, 1, modes, B]
    const runtime = (value: number, hint: string): string => w.add(zero, dbl(hint, [], [value]), `${hint}_rt`);
    const x = w.mul(w.add(generator, w.mul(shift, identity, 'shift_i'), 'nonneg'), runtime(small, 'small_step'), 'x');
    let e = identity;
    for (let k = TAYLOR_TERMS; k >= 1; k -= 1) e = w.add(identity, w.mul(matmul(x, e, `x_e_${k}`), runtime(1 / k, `inv_${k}`), `x_e_over_${k}`), `taylor_${k}`);
    e = w.mul(e, w.exp(w.mul(shift, dbl('neg_small', [], [-small]), 'neg_c_small'), 'decay'), 'e_small');
    for (let k = 0; k < s; k += 1) e = matmul(e, e, `e_sq_${k}`);
    // powers[k] = exp(A 2^k delta)
    const steps = [...timesH.map((t) => Math.round(t / DELTA_H)), Math.round(tauH / DELTA_H)];
    timesH.forEach((t, i) => { if (Math.abs((steps[i] ?? NaN) * DELTA_H - t) > 1e-9 || t <= 0 || t > tauH) throw new RangeError(`graph: transit absorption needs output times that are multiples of ${DELTA_H} h in (0, tau]; got ${t}`); });
    const maxSteps = Math.max(...steps);
    const powers = [e];
    while (2 ** powers.length <= maxSteps) powers.push(matmul(powers[powers.length - 1]!, powers[powers.length - 1]!, `e_pow_${powers.length}`));
    const advance = (v: string, n: number, hint: string): string => {
      let out = v;
      for (let k = 0; 2 ** k <= n; k += 1) if ((n >> k) & 1) out = matmul(powers[k]!, out, `${hint}_${k}`);
      return out;
    };
    // exp(A tau), then v = (I - exp(A tau))^{-1} e_1 by forward substitution on the lower-triangular
    // I - exp(A tau): its diagonal 1 - e^{-r_i tau} computed directly (a slow rate's 1 - exp(A tau)_ii
    // would cancel), v_i = sum_{j < i} exp(A tau)_ij v_j / (1 - e^{-r_i tau}): non-negative terms only
    const tauSteps = Math.round(tauH / DELTA_H);
    let period = '';
    for (let k = 0; 2 ** k <= tauSteps; k += 1) if ((tauSteps >> k) & 1) period = period === '' ? powers[k]! : matmul(powers[k]!, period, `e_tau_${k}`);
    const rTau = w.mul(rates, dbl('tau', [], [tauH]), 'r_tau'); // [m, modes, B]
    let series = dbl('one_s', [], [1]);
    for (const k of [8, 7, 6, 5, 4, 3, 2]) series = w.sub(dbl(`one_${k}`, [], [1]), w.mul(w.mul(rTau, dbl(`inv_s_${k}`, [], [1 / k]), `x_over_${k}`), series, `t_${k}`), `s_${k}`);
    const fill = w.where(w.less(rTau, dbl('cut', [], [0.1]), 'small'), w.mul(rTau, series, 'series'), w.sub(dbl('one_d', [], [1]), w.exp(w.neg(rTau, 'neg_r_tau'), 'exp_neg_r_tau'), 'direct'), 'fill');
    const fillSafe = w.unsqueeze(w.op('Max', [fill, dbl('tiny_fill', [], [1e-300])], 'fill_safe'), [1], 'fill_col'); // [m, 1, modes, B]
    const entry = (i: number, j: number): string => w.slice(w.slice(period, 0, i, i + 1, `e_row_${i}_${j}`), 1, j, j + 1, `e_${i}_${j}`); // [1, 1, modes, B]
    const parts: string[] = [];
    for (let i = 0; i < m; i += 1) {
      let inflow = i === 0 ? dbl('unit_dose', [], [1]) : '';
      for (let j = 0; j < i; j += 1) {
        const term = w.mul(entry(i, j), parts[j]!, `inflow_${i}_${j}`);
        inflow = inflow === '' ? term : w.add(inflow, term, `inflow_sum_${i}_${j}`);
      }
      parts.push(w.div(inflow, w.slice(fillSafe, 0, i, i + 1, `fill_${i}`), `v_part_${i}`));
    }
    const v = w.concat(parts, 0, 'v'); // [m, 1, modes, B]
    // step through the output times in increasing order
    const order = [...timesH.keys()].sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
    const rows: string[] = new Array<string>(timesH.length).fill('');
    let now = 0;
    let y = v;
    const scale = toDouble(w.div(doseRow, p.V1, 'dose_over_v1'), 'scale_d'); // [1, B]
    for (const i of order) {
      const n = Math.round((timesH[i] ?? NaN) / DELTA_H);
      y = advance(y, n - now, `step_${i}`);
      now = n;
      const last = w.op('Reshape', [w.slice(y, 0, m - 1, m, `last_${i}`), w.int64s('flat_shape', [modes, -1])], `last_flat_${i}`); // [modes, B]
      const amount = w.reduceSum(w.mul(last, weights, `weighted_${i}`), [0], true, `amount_${i}`); // [1, B]
      rows[i] = w.mul(amount, scale, `conc_d_${i}`);
    }
    return w.op('Cast', [w.concat(rows, 0, 'conc_d')], 'conc', { to: attr.int(DataType.FLOAT) }); // [T, B]
  });
}

