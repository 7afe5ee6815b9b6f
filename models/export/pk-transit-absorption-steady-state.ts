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
 * Done in double, each matrix entry a [modes, B] tensor (subjects last; only the lower triangle), then cast to float32. The grid times are
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
    const m = TRANSIT_ABSORPTION_N + 2;
    // the chain's matrices are lower triangular: entry tensors [modes, B] (subjects last), row i holding j <= i
    const zero = w.mul(lambdas, dbl('zero', [], [0]), 'zero_entry'); // [modes, B]
    const one = w.add(zero, dbl('one', [], [1]), 'one_entry');
    const ktrModes = w.add(ktr, zero, 'ktr_modes');
    const rates = [...Array.from({ length: TRANSIT_ABSORPTION_N }, () => ktrModes), w.add(ka, zero, 'ka_modes'), lambdas]; // (ktr x N, KA, l_i)
    type Tri = string[][];
    const product = (a: Tri, b: Tri, hint: string): Tri => a.map((row, i) => row.map((_, j) => {
      let sum = '';
      for (let k = j; k <= i; k += 1) {
        const term = w.mul(a[i]![k]!, b[k]![j]!, `${hint}_${i}${j}${k}`);
        sum = sum === '' ? term : w.add(sum, term, `${hint}_s${i}${j}${k}`);
      }
      return sum;
    }));
    const apply = (a: Tri, y: readonly string[], hint: string): string[] => a.map((row, i) => {
      let sum = '';
      for (let k = 0; k <= i; k += 1) {
        const term = w.mul(row[k]!, y[k]!, `${hint}_${i}${k}`);
        sum = sum === '' ? term : w.add(sum, term, `${hint}_s${i}${k}`);
      }
      return sum;
    });

    // exp(A delta): scaling so that RATE_CAP delta 2^-s <= 1/4; Taylor (Horner) of the non-negative
    // X = (A + c I) delta 2^-s, whose only entries are the diagonal (c - r_i) and the subdiagonal r_i (times the step)
    const s = Math.max(0, Math.ceil(Math.log2((RATE_CAP * DELTA_H) / 0.25)));
    const small = dbl('small_step', [], [DELTA_H / 2 ** s]);
    const c = w.op('Max', rates, 'shift'); // [modes, B]
    const diag = rates.map((r, i) => w.mul(w.sub(c, r, `c_minus_r_${i}`), small, `x_diag_${i}`));
    const sub = rates.slice(0, m - 1).map((r, i) => w.mul(r, small, `x_sub_${i}`)); // x[i + 1][i]
    let e: Tri = Array.from({ length: m }, (_, i) => Array.from({ length: i + 1 }, (_, j) => (i === j ? one : zero)));
    for (let k = TAYLOR_TERMS; k >= 1; k -= 1) {
      const inv = dbl(`inv_${k}`, [], [1 / k]);
      e = e.map((row, i) => row.map((_, j) => {
        let xe = w.mul(diag[i]!, e[i]![j]!, `xe_${k}_${i}${j}`);
        if (i > 0 && j <= i - 1) xe = w.add(xe, w.mul(sub[i - 1]!, e[i - 1]![j]!, `xes_${k}_${i}${j}`), `xe_sum_${k}_${i}${j}`);
        const scaled = w.mul(xe, inv, `xe_over_${k}_${i}${j}`);
        return i === j ? w.add(scaled, dbl(`id_${k}_${i}`, [], [1]), `taylor_${k}_${i}${j}`) : scaled;
      }));
    }
    const decay = w.exp(w.mul(c, w.neg(small, 'neg_small'), 'neg_c_small'), 'decay');
    e = e.map((row, i) => row.map((x, j) => w.mul(x, decay, `e_small_${i}${j}`)));
    for (let k = 0; k < s; k += 1) e = product(e, e, `sq${k}`);
    // powers[k] = exp(A 2^k delta)
    const steps = [...timesH.map((t) => Math.round(t / DELTA_H)), Math.round(tauH / DELTA_H)];
    timesH.forEach((t, i) => { if (Math.abs((steps[i] ?? NaN) * DELTA_H - t) > 1e-9 || t <= 0 || t > tauH) throw new RangeError(`graph: transit absorption needs output times that are multiples of ${DELTA_H} h in (0, tau]; got ${t}`); });
    const maxSteps = Math.max(...steps);
    const powers: Tri[] = [e];
    while (2 ** powers.length <= maxSteps) powers.push(product(powers[powers.length - 1]!, powers[powers.length - 1]!, `pow${powers.length}`));
    const advance = (v: readonly string[], n: number, hint: string): string[] => {
      let out = [...v];
      for (let k = 0; 2 ** k <= n; k += 1) if ((n >> k) & 1) out = apply(powers[k]!, out, `${hint}_${k}`);
      return out;
    };
    // exp(A tau), then v = (I - exp(A tau))^{-1} e_1 by forward substitution on the lower-triangular
    // I - exp(A tau): its diagonal 1 - e^{-r_i tau} computed directly (a slow rate's 1 - exp(A tau)_ii
    // would cancel), v_i = sum_{j < i} exp(A tau)_ij v_j / (1 - e^{-r_i tau}): non-negative terms only
    const tauSteps = Math.round(tauH / DELTA_H);
    let period: Tri | undefined;
    for (let k = 0; 2 ** k <= tauSteps; k += 1) if ((tauSteps >> k) & 1) period = period === undefined ? powers[k]! : product(powers[k]!, period, `tau${k}`);
    const v: string[] = [];
    rates.forEach((r, i) => {
      const rTau = w.mul(r, dbl(`tau_${i}`, [], [tauH]), `r_tau_${i}`);
      let series = dbl(`one_s_${i}`, [], [1]);
      for (const k of [8, 7, 6, 5, 4, 3, 2]) series = w.sub(dbl(`one_${i}_${k}`, [], [1]), w.mul(w.mul(rTau, dbl(`inv_s_${i}_${k}`, [], [1 / k]), `x_over_${i}_${k}`), series, `t_${i}_${k}`), `s_${i}_${k}`);
      const fill = w.where(w.less(rTau, dbl(`cut_${i}`, [], [0.1]), `small_${i}`), w.mul(rTau, series, `series_${i}`), w.sub(dbl(`one_d_${i}`, [], [1]), w.exp(w.neg(rTau, `neg_r_tau_${i}`), `exp_neg_r_tau_${i}`), `direct_${i}`), `fill_${i}`);
      let inflow = i === 0 ? one : '';
      for (let j = 0; j < i; j += 1) {
        const term = w.mul(period![i]![j]!, v[j]!, `inflow_${i}_${j}`);
        inflow = inflow === '' ? term : w.add(inflow, term, `inflow_sum_${i}_${j}`);
      }
      v.push(w.div(inflow, w.op('Max', [fill, dbl(`tiny_fill_${i}`, [], [1e-300])], `fill_safe_${i}`), `v_${i}`));
    });
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
      const amount = w.reduceSum(w.mul(y[m - 1]!, weights, `weighted_${i}`), [0], true, `amount_${i}`); // [1, B]
      rows[i] = w.mul(amount, scale, `conc_d_${i}`);
    }
    return w.op('Cast', [w.concat(rows, 0, 'conc_d')], 'conc', { to: attr.int(DataType.FLOAT) }); // [T, B]
  });
}

