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
 * The propagators are built in double, each matrix entry a tensor with subjects last: the first N + 1
 * rows (transit, depot) are the same for every mode ([1, B]), only the last row is the mode's
 * ([modes, B]), and the transit block, lower-triangular Toeplitz in every function of A (equal rates), is
 * held by its first column. The grid times are multiples of DELTA_H: exp(A h) by Taylor, h = DELTA_H 2^-s
 * with s the fewest squarings the subject's largest rate c needs (c h <= 1/4; at most MAX_SQUARINGS,
 * every rate at RATE_CAP), then s squarings in an ONNX Loop give exp(A DELTA_H) (the Loop runs the
 * batch's largest s; a subject squares only its own s times, so its result is the same in any batch: the
 * determinism contract across tile sizes), its
 * powers exp(A 2^k DELTA_H) by squaring. The state is stepped from one output time to the next by those
 * powers in float32 (non-negative sums of exact propagators: each step adds at most m + 1 roundings of
 * relative error, nothing is amplified); C(tau) is v's last entries (exp(A tau) v = v - e_1).
 * Limits: rates above RATE_CAP (MTT -> 0, KA or alpha -> infinity, Q -> infinity, V2 -> 0) are capped
 * there: the chain passes the dose on within ~3e-6 h (finite; C at the first output 0.05 h shifts by
 * <= 6e-5 relative). A batch holding such a subject runs all MAX_SQUARINGS Loop iterations (the cost of
 * every batch before the squarings followed the rates); the others' results are unchanged by it.
 */
import { attr, DataType, doubleTensor, graph, valueInfo } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import { GraphWriter } from './graph-writer.js';
import { TRANSIT_ABSORPTION_N } from '../structures/transit-absorption.js';

export const RATE_CAP = 1e6;
export const DELTA_H = 0.05;
const TAYLOR_TERMS = 12;
/** the Taylor step's bound: c h <= SCALED_NORM (c the largest rate of the batch, h = DELTA_H 2^-s) */
const SCALED_NORM = 0.25;
/** the most squarings any batch needs (every rate at RATE_CAP) */
export const MAX_SQUARINGS = Math.max(0, Math.ceil(Math.log2((RATE_CAP * DELTA_H) / SCALED_NORM)));

/** A lower-triangular matrix by entries, row i holding j <= i; '' is an exact zero. */
type Tri = string[][];

/**
 * Entries of the product a b of lower-triangular functions of the chain's matrix (exact zeros skipped).
 * The first `toeplitz` rows (the equal-rate transit compartments) form a lower-triangular Toeplitz block
 * in every function of A, so there entry (i, j) is entry (i - j, 0), computed once.
 */
function product(w: GraphWriter, a: Tri, b: Tri, hint: string, toeplitz: number): Tri {
  const c: Tri = a.map((row) => row.map(() => ''));
  a.forEach((row, i) => row.forEach((_, j) => {
    if (i < toeplitz && j > 0) { c[i]![j] = c[i - j]![0]!; return; }
    let sum = '';
    for (let k = j; k <= i; k += 1) {
      const x = a[i]![k]!, y = b[k]![j]!;
      if (x === '' || y === '') continue;
      const term = w.mul(x, y, `${hint}_${i}${j}${k}`);
      sum = sum === '' ? term : w.add(sum, term, `${hint}_s${i}${j}${k}`);
    }
    c[i]![j] = sum;
  }));
  return c;
}

/** The distinct entries of such a matrix (the Toeplitz block by its first column), and back. */
function distinctEntries(e: Tri, toeplitz: number): string[] {
  return e.flatMap((row, i) => row.filter((_, j) => !(i < toeplitz && j > 0)));
}
function fromDistinct(entries: readonly string[], m: number, toeplitz: number): Tri {
  let q = 0;
  const e: Tri = Array.from({ length: m }, (_, i) => Array.from({ length: i + 1 }, () => ''));
  e.forEach((row, i) => row.forEach((_, j) => { row[j] = i < toeplitz && j > 0 ? e[i - j]![0]! : entries[q++]!; }));
  return e;
}

/**
 * The Loop body squaring the m x m lower-triangular matrix carried as its distinct entries (double; the
 * last row [modes, B], the others [1, B]), each subject only while the iteration is below its own count
 * (carried as s [1, B]): a subject's exp(A DELTA_H) is its own s squarings whatever the batch's trip count.
 */
function squaringBody(m: number, modes: number, toeplitz: number): ReturnType<typeof graph> {
  const b = new GraphWriter();
  return b.scoped('tabs_square', () => {
    const iter = b.fresh('iter');
    const condIn = b.fresh('cond_in');
    const sIn = b.fresh('s_in');
    const rows = Array.from({ length: m }, (_, i) => Array.from({ length: i + 1 }, () => i)).flatMap((row, i) => row.filter((_, j) => !(i < toeplitz && j > 0)));
    const inputs = rows.map((i, q) => b.fresh(`e_in_${i}_${q}`));
    const e = fromDistinct(inputs, m, toeplitz);
    const squaring = b.less(b.op('Cast', [iter], 'iter_d', { to: attr.int(DataType.DOUBLE) }), sIn, 'squaring'); // [1, B]
    const sq = distinctEntries(product(b, e, e, 'sq', toeplitz), toeplitz).map((x, q) => b.where(squaring, x, inputs[q]!, `kept_${q}`));
    const condOut = b.op('Identity', [condIn], 'cond_out');
    const sOut = b.op('Identity', [sIn], 's_out');
    const info = (n: string, q: number): ReturnType<typeof valueInfo> => valueInfo(n, DataType.DOUBLE, [rows[q] === m - 1 ? modes : 1, 'B']);
    return graph({
      name: 'tabs_square',
      nodes: b.nodes,
      inputs: [valueInfo(iter, DataType.INT64, []), valueInfo(condIn, DataType.BOOL, []), valueInfo(sIn, DataType.DOUBLE, [1, 'B']), ...inputs.map(info)],
      outputs: [valueInfo(condOut, DataType.BOOL, []), valueInfo(sOut, DataType.DOUBLE, [1, 'B']), ...sq.map(info)],
      initializers: b.initializers,
    });
  });
}

/** C [T, B] (mg/L, float32) at `timesH` (each a multiple of DELTA_H in (0, tau]) of the periodic steady state. */
export function transitAbsorptionConcentrationAt(w: GraphWriter, p: IndividualTensors, doseRow: string, timesH: readonly number[], tauH: number, compartments: 1 | 2): string {
  return w.scoped('pk_tabs', () => {
    const dbl = (hint: string, dims: readonly number[], values: readonly number[]): string => {
      const name = w.fresh(hint);
      w.initializers.push(doubleTensor(name, dims, values));
      return name;
    };
    const toDouble = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.DOUBLE) });
    const toFloat = (x: string, hint: string): string => w.op('Cast', [x], hint, { to: attr.int(DataType.FLOAT) });
    const cap = (x: string, hint: string): string => w.op('Min', [x, dbl(`${hint}_cap`, [], [RATE_CAP])], hint);
    const ktr = cap(w.div(dbl('n_plus_1', [], [TRANSIT_ABSORPTION_N + 1]), toDouble(p.MTT, 'mtt_d'), 'ktr_raw'), 'ktr');
    const ka = cap(toDouble(p.KA, 'ka_d'), 'ka');
    const k10 = toDouble(w.div(p.CL, p.V1, 'k10'), 'k10_d');
    // modes [modes, B] and their weights c_i
    let lambdas: string;
    let weights: string;
    if (compartments === 1) {
      lambdas = cap(k10, 'lambda');
      weights = '';
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
      weights = toFloat(w.concat([cAlpha, cBeta], 0, 'c_modes'), 'c_modes_f'); // [2, B]
    }
    const modes = compartments;
    const n = TRANSIT_ABSORPTION_N;
    const m = n + 2;
    // rates by row (ktr x N, KA, l_i): the chain's first N + 1 rows are the same for every mode ([1, B]),
    // only the last row is the mode's ([modes, B]); every matrix below is held so
    const rateOf = (i: number): string => (i < n ? ktr : i === n ? ka : lambdas);

    // exp(A h), h = DELTA_H 2^-s with s the fewest squarings for the subject's largest rate c (c h <= 1/4;
    // s <= MAX_SQUARINGS, the count every rate at RATE_CAP needs); Taylor (Horner) of the
    // non-negative X = (A + c I) h, c per subject the largest of its rates, whose only entries are the
    // diagonal (c - r_i) h and the subdiagonal r_i h; then s squarings in a Loop give exp(A DELTA_H)
    const c = w.op('Max', [ktr, ka, w.op('ReduceMax', [lambdas, w.int64s('modes_axis', [0])], 'lambda_max', { keepdims: attr.int(1) })], 'shift'); // [1, B]
    // s per subject (its own largest rate), so a subject's propagators do not depend on the batch it is in
    const sRaw = w.op('Ceil', [w.div(w.op('Log', [w.mul(c, dbl('step_over_norm', [], [DELTA_H / SCALED_NORM]), 'scaled')], 'log_scaled'), dbl('ln2', [], [Math.LN2]), 'log2_scaled')], 's_raw');
    const sCount = w.op('Clip', [w.where(w.op('IsNaN', [sRaw], 's_nan'), dbl('s_worst', [], [MAX_SQUARINGS]), sRaw, 's_finite'), dbl('s_lo', [], [0]), dbl('s_hi', [], [MAX_SQUARINGS])], 's_count'); // [1, B]
    const h = w.mul(dbl('delta', [], [DELTA_H]), w.op('Pow', [dbl('two_base', [], [2]), w.neg(sCount, 'minus_s')], 'two_pow_minus_s'), 'small_step'); // [1, B]
    const diagByRate = new Map<string, string>();
    const diagOf = (i: number): string => {
      const r = rateOf(i);
      if (!diagByRate.has(r)) diagByRate.set(r, w.mul(w.sub(c, r, `c_minus_r_${i}`), h, `x_diag_${i}`));
      return diagByRate.get(r)!;
    };
    const subByRate = new Map<string, string>();
    const subOf = (i: number): string => { // x[i + 1][i]
      const r = rateOf(i);
      if (!subByRate.has(r)) subByRate.set(r, w.mul(r, h, `x_sub_${i}`));
      return subByRate.get(r)!;
    };
    // Horner: E <- I + (X / k) E, k = TAYLOR_TERMS .. 1, with X / k formed once per k (its distinct
    // entries); the last step multiplies by e^{-c h} as it goes: decay I + (decay X) E
    const toeplitz = n;
    let e: Tri = Array.from({ length: m }, (_, i) => Array.from({ length: i + 1 }, () => ''));
    const one = dbl('one', [], [1]);
    const decay = w.exp(w.neg(w.mul(c, h, 'c_h'), 'minus_c_h'), 'decay'); // [1, B]
    for (let k = TAYLOR_TERMS; k >= 1; k -= 1) {
      const inv = k === 1 ? decay : dbl(`inv_${k}`, [], [1 / k]);
      const identity = k === 1 ? decay : one;
      const dk = new Map<string, string>();
      const sk = new Map<string, string>();
      const diagK = (i: number): string => { const d = diagOf(i); if (!dk.has(d)) dk.set(d, w.mul(d, inv, `x_diag_over_${k}_${i}`)); return dk.get(d)!; };
      const subK = (i: number): string => { const s = subOf(i); if (!sk.has(s)) sk.set(s, w.mul(s, inv, `x_sub_over_${k}_${i}`)); return sk.get(s)!; };
      const prev = e;
      e = prev.map((row, i) => row.map(() => ''));
      e.forEach((row, i) => row.forEach((_, j) => {
        if (i < toeplitz && j > 0) { row[j] = e[i - j]![0]!; return; }
        const own = prev[i]![j]!;
        const below = i > 0 && j <= i - 1 ? prev[i - 1]![j]! : '';
        // E == I before the first step: X / k + I
        const first = k === TAYLOR_TERMS;
        let xe = '';
        if (first) xe = i === j ? diagK(i) : j === i - 1 ? subK(i - 1) : '';
        else {
          if (own !== '') xe = w.mul(diagK(i), own, `xe_${k}_${i}${j}`);
          if (below !== '') { const t = w.mul(subK(i - 1), below, `xes_${k}_${i}${j}`); xe = xe === '' ? t : w.add(xe, t, `xe_sum_${k}_${i}${j}`); }
        }
        row[j] = i === j ? w.add(xe, identity, `taylor_${k}_${i}${j}`) : xe;
      }));
    }
    // the first N + 1 rows' entries are [1, B] and the last row's [modes, B] by broadcasting (every last-row entry holds a mode's rate after 12 Horner steps)
    // the Loop runs the batch's largest count; each subject squares only its own s times (squaringBody)
    const trip = w.op('Cast', [w.op('ReduceMax', [sCount], 's_batch', { keepdims: attr.int(0) })], 'trip', { to: attr.int(DataType.INT64) });
    const cond = w.op('Cast', [w.scalar('true_f', 1)], 'cond', { to: attr.int(DataType.BOOL) });
    const flat = distinctEntries(e, toeplitz);
    if (flat.some((x) => x === '')) throw new Error('graph: transit absorption Taylor step left an exact zero in exp(A h)');
    const [, ...squared] = w.opMulti('Loop', [trip, cond, sCount, ...flat], ['s_final', ...flat.map((_, q) => `e_delta_${q}`)], { body: attr.graph(squaringBody(m, modes, toeplitz)) });
    const eDelta = fromDistinct(squared, m, toeplitz);
    // powers[k] = exp(A 2^k delta)
    const steps = [...timesH.map((t) => Math.round(t / DELTA_H)), Math.round(tauH / DELTA_H)];
    timesH.forEach((t, i) => { if (Math.abs((steps[i] ?? NaN) * DELTA_H - t) > 1e-9 || t <= 0 || t > tauH) throw new RangeError(`graph: transit absorption needs output times that are multiples of ${DELTA_H} h in (0, tau]; got ${t}`); });
    const maxSteps = Math.max(...steps);
    const powers: Tri[] = [eDelta];
    while (2 ** powers.length <= maxSteps) powers.push(product(w, powers[powers.length - 1]!, powers[powers.length - 1]!, `pow${powers.length}`, toeplitz));
    // exp(A tau), then v = (I - exp(A tau))^{-1} e_1 by forward substitution on the lower-triangular
    // I - exp(A tau): its diagonal 1 - e^{-r_i tau} computed directly (a slow rate's 1 - exp(A tau)_ii
    // would cancel), v_i = sum_{j < i} exp(A tau)_ij v_j / (1 - e^{-r_i tau}): non-negative terms only
    const tauSteps = Math.round(tauH / DELTA_H);
    let period: Tri | undefined;
    for (let k = 0; 2 ** k <= tauSteps; k += 1) if ((tauSteps >> k) & 1) period = period === undefined ? powers[k]! : product(w, powers[k]!, period, `tau${k}`, toeplitz);
    const fillByRate = new Map<string, string>();
    const fillOf = (i: number): string => {
      const r = rateOf(i);
      if (fillByRate.has(r)) return fillByRate.get(r)!;
      const rTau = w.mul(r, dbl(`tau_${i}`, [], [tauH]), `r_tau_${i}`);
      let series = dbl(`one_s_${i}`, [], [1]);
      for (const k of [8, 7, 6, 5, 4, 3, 2]) series = w.sub(dbl(`one_${i}_${k}`, [], [1]), w.mul(w.mul(rTau, dbl(`inv_s_${i}_${k}`, [], [1 / k]), `x_over_${i}_${k}`), series, `t_${i}_${k}`), `s_${i}_${k}`);
      const fill = w.where(w.less(rTau, dbl(`cut_${i}`, [], [0.1]), `small_${i}`), w.mul(rTau, series, `series_${i}`), w.sub(dbl(`one_d_${i}`, [], [1]), w.exp(w.neg(rTau, `neg_r_tau_${i}`), `exp_neg_r_tau_${i}`), `direct_${i}`), `fill_${i}`);
      const safe = w.op('Max', [fill, dbl(`tiny_fill_${i}`, [], [1e-300])], `fill_safe_${i}`);
      fillByRate.set(r, safe);
      return safe;
    };
    const v: string[] = [];
    for (let i = 0; i < m; i += 1) {
      let inflow = '';
      for (let j = 0; j < i; j += 1) {
        const term = w.mul(period![i]![j]!, v[j]!, `inflow_${i}_${j}`);
        inflow = inflow === '' ? term : w.add(inflow, term, `inflow_sum_${i}_${j}`);
      }
      v.push(i === 0 ? w.div(one, fillOf(0), 'v_0') : w.div(inflow, fillOf(i), `v_${i}`));
    }
    // step through the output times in increasing order, in float32: the propagators and v are exact
    // to double and non-negative, so each step's sums of non-negative terms add at most (m + 1) float32
    // roundings of relative error to every entry (no cancellation, no amplification)
    const floatOf = new Map<string, string>();
    const powersF: (Tri | undefined)[] = powers.map(() => undefined);
    const powerF = (k: number): Tri => {
      powersF[k] ??= powers[k]!.map((row, i) => row.map((x, j) => { if (!floatOf.has(x)) floatOf.set(x, toFloat(x, `pow_f_${k}_${i}${j}`)); return floatOf.get(x)!; }));
      return powersF[k]!;
    };
    const apply = (a: Tri, y: readonly string[], hint: string): string[] => a.map((row, i) => {
      let sum = '';
      for (let k = 0; k <= i; k += 1) {
        const term = w.mul(row[k]!, y[k]!, `${hint}_${i}${k}`);
        sum = sum === '' ? term : w.add(sum, term, `${hint}_s${i}${k}`);
      }
      return sum;
    });
    const advance = (y0: readonly string[], count: number, hint: string): string[] => {
      let out = [...y0];
      for (let k = 0; 2 ** k <= count; k += 1) if ((count >> k) & 1) out = apply(powerF(k), out, `${hint}_${k}`);
      return out;
    };
    const order = [...timesH.keys()].sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
    const rows: string[] = new Array<string>(timesH.length).fill('');
    let now = 0;
    let y = v.map((x, i) => toFloat(x, `v_f_${i}`));
    const scale = w.div(doseRow, p.V1, 'dose_over_v1'); // [1, B]
    for (const i of order) {
      const count = Math.round((timesH[i] ?? NaN) / DELTA_H);
      // at tau: exp(A tau) v = v - e_1, whose last entry is v's
      if (count === tauSteps) { rows[i] = toFloat(weights === '' ? v[m - 1]! : w.reduceSum(w.mul(v[m - 1]!, toDouble(weights, 'c_modes_d'), 'weighted_tau'), [0], true, 'amount_tau_d'), 'amount_tau'); continue; }
      y = advance(y, count - now, `step_${i}`);
      now = count;
      const amount = weights === '' ? y[m - 1]! : w.reduceSum(w.mul(y[m - 1]!, weights, `weighted_${i}`), [0], true, `amount_${i}`); // [1, B]
      rows[i] = amount;
    }
    return w.mul(w.concat(rows, 0, 'amount'), scale, 'conc'); // [T, B]
  });
}
