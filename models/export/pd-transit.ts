/**
 * In-graph periodic steady state of the transit-delay biomarker (structures/transit-chain.ts): with
 * y_i = A_i / R0 - 1 and h = S(C) the stimulation,
 *   dy1/dt = k (h - y1),  dy2/dt = k (y1 - y2),  dy3/dt = k (y2 - y3),  R = R0 (1 + y3),  k = KTR.
 * Across panel n of the regimen grid (width H, x = k H, e = e^{-x}) the chain moves exactly,
 *   y1' = e y1 + F0,  y2' = e (y2 + x y1) + F1,  y3' = e (y3 + x y2 + x^2/2 y1) + F2,
 * and F_j = sum_q W_jq(x) h_q by product integration (h quadratic through the panel's start, midpoint
 * and end, as pd-periodic.ts does for the turnover):
 *   W_jq(x) = x^{j+1} / j! int_0^1 L_q(1 - u) u^j e^{-x u} du
 *           = sum_m c_qm (m+j)! / j! P(m+j+1, x) / x^m      (L_q(1 - u) = sum_m c_qm u^m),
 * P(n, x) = 1 - e^{-x} sum_{i<n} x^i / i! the regularised incomplete gamma function, in [0, 1]: no
 * power of x grows. Below x = 2 each P is the positive tail e^{-x} sum_{i>=n} x^i / i! (the closed form
 * cancels there in float32), above it the closed form with x clamped to 1e6, where W has reached its
 * limit (each F_j -> the panel's end value: the chain follows the drive). The W's sum over m cancels at
 * most ~4x (x -> 0: W_j0 : W_j1 : W_j2 -> 1 : 4 : 1 times x^{j+1} / (j+1)!, from terms of either sign). The periodic start y(0) solves
 * (I - M(tau)) y(0) = F(tau), M lower triangular with e^{-k tau} on its diagonal: closed form, with
 * 1 - e^{-k tau} by its series when small. KTR is held to [KTR_FLOOR, KTR_CAP] so every term stays a
 * finite float: at the floor the response is the interval's mean drive to ~1e-6, at the cap the drive.
 */
import { attr } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import { stimulationAt } from './pd-periodic.js';
import { oneMinusExp } from './pk-steady-state.js';
import type { GraphWriter } from './graph-writer.js';
import { distinctWidths } from './time-grid.js';
import type { RegimenGrid } from './time-grid.js';

/** KTR (1/h) is clamped to this range in the graph. */
export const KTR_FLOOR = 1e-6;
export const KTR_CAP = 1e6;
const SERIES_BELOW = 2;
const SERIES_TERMS = 20; // the tail of e^x beyond x^20 / 20! at x = 2: < 1e-12 of P(5, 2)
const X_CLAMP = 1e6;

/** Quadratic Lagrange basis on v = 0, 1/2, 1 (coefficients of 1, v, v^2), rewritten in u = 1 - v. */
const LAGRANGE_V = [[1, -3, 2], [0, 4, -4], [0, -1, 2]];
const LAGRANGE_U = LAGRANGE_V.map(([l0 = 0, l1 = 0, l2 = 0]) => [l0 + l1 + l2, -l1 - 2 * l2, l2]);
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
/** COMBINE[j][m][q] = c_qm (m+j)! / j!: W_jq = sum_m COMBINE[j][m][q] P(m+j+1, x) / x^m. */
const COMBINE = [0, 1, 2].map((j) => [0, 1, 2].map((m) => LAGRANGE_U.map((c) => ((c[m] ?? 0) * factorial(m + j)) / factorial(j))));

/**
 * P(n, x) for n = 1..5 in double, as the graph computes them: below x = 2 from the positive tail
 * e^{-x} sum_{i>=n} x^i / i! (no cancellation), else 1 - e^{-x} sum_{i<n} x^i / i!.
 */
export function incompleteGammas(x: number): number[] {
  const terms = Array.from({ length: SERIES_TERMS + 1 }, (_, i) => x ** i / factorial(i));
  return [1, 2, 3, 4, 5].map((n) => (x < SERIES_BELOW
    ? Math.exp(-x) * terms.slice(n).reduceRight((a, b) => a + b, 0)
    : 1 - Math.exp(-Math.min(x, X_CLAMP)) * terms.slice(0, n).reduce((a, b) => a + b, 0)));
}

/** The nine weights W_{3j+q}(x) in double, as the graph combines them (tests check them against the defining integral). */
export function transitWeights(x: number): number[] {
  const P = incompleteGammas(x);
  const xc = Math.min(x, X_CLAMP);
  return [0, 1, 2].flatMap((j) => [0, 1, 2].map((q) => [0, 1, 2].reduce((s, m) => s + ((COMBINE[j]?.[m]?.[q] ?? NaN) * (P[m + j] ?? NaN)) / xc ** m, 0)));
}

/** [9, nW, B] weights W_{3j+q} for x [nW, B] (x > 0: KTR is floored). */
function chainWeights(w: GraphWriter, x: string): string {
  const xc = w.op('Min', [x, w.scalar('x_cap', X_CLAMP)], 'x_capped'); // [nW, B]
  const decay = w.exp(w.neg(xc, 'neg_x'), 'exp_neg_x');
  // x^i / i!, i = 0..SERIES_TERMS (the closed branch reads i < 5, clamped so it stays finite)
  const terms: string[] = [w.scalar('term_0', 1)];
  for (let i = 1; i <= SERIES_TERMS; i += 1) terms.push(w.mul(terms[i - 1] ?? '', w.mul(xc, w.scalar(`inv_${i}`, 1 / i), `x_over_${i}`), `term_${i}`));
  const tails: string[] = [];
  let tail = terms[SERIES_TERMS] ?? '';
  for (let i = SERIES_TERMS - 1; i >= 1; i -= 1) {
    tail = w.add(tail, terms[i] ?? '', `tail_${i}`);
    if (i <= 5) tails[i] = tail; // sum_{k >= i} x^k / k!
  }
  const useSeries = w.less(xc, w.scalar('series_below', SERIES_BELOW), 'use_series');
  const P: string[] = [];
  let head = terms[0] ?? '';
  for (let n = 1; n <= 5; n += 1) {
    const closed = w.sub(w.scalar(`one_${n}`, 1), w.mul(decay, head, `decay_head_${n}`), `p_closed_${n}`);
    const series = w.mul(decay, tails[n] ?? '', `p_series_${n}`);
    P.push(w.where(useSeries, series, closed, `p_${n}`));
    head = w.add(head, terms[n] ?? '', `head_${n}`);
  }
  const invX = w.div(w.scalar('one', 1), xc, 'inv_x');
  const invX2 = w.mul(invX, invX, 'inv_x2');
  const rows = [0, 1, 2].map((j) => {
    const basis = [P[j] ?? '', w.mul(P[j + 1] ?? '', invX, `basis_${j}_1`), w.mul(P[j + 2] ?? '', invX2, `basis_${j}_2`)].map((b, m) => w.unsqueeze(b, [0], `basis_${j}_${m}_row`));
    const term = (m: number): string => w.mul(w.floats(`combine_${j}_${m}`, [3, 1, 1], COMBINE[j]?.[m] ?? []), basis[m] ?? '', `w_${j}_${m}`);
    return w.add(w.add(term(0), term(1), `w_${j}_01`), term(2), `w_${j}`); // [3, nW, B]
  });
  return w.concat(rows, 0, 'weights');
}

/**
 * pd [B, T] (ng/mL, graph output `outputName`) from C [2T, B] at the grid nodes (outputs first, then
 * midpoints; the node at tau is the node at 0).
 */
export function transitBiomarker(w: GraphWriter, p: IndividualTensors, concNodes: string, grid: RegimenGrid, outputName: string): string {
  const T = grid.timesH.length;
  const { widthsH, panelWidthIndex } = distinctWidths(grid);
  return w.scoped('pd_transit', () => {
    const drive = stimulationAt(w, p, concNodes); // [2T, B]
    const k = w.op('Min', [w.op('Max', [p.KTR, w.scalar('ktr_floor', KTR_FLOOR)], 'ktr_low'), w.scalar('ktr_cap', KTR_CAP)], 'ktr'); // [1, B]
    const x = w.mul(w.floats('widths', [widthsH.length, 1], widthsH), k, 'ktr_width'); // [nW, B]
    const weights = w.gather(chainWeights(w, x), 1, panelWidthIndex, 'panel_weights'); // [9, T, B]
    const xPanel = w.gather(x, 0, panelWidthIndex, 'x_panel'); // [T, B]

    const start = w.slice(drive, 0, 0, T, 'h_start');
    const mid = w.slice(drive, 0, T, 2 * T, 'h_mid');
    const end = T > 1 ? w.concat([w.slice(start, 0, 1, T, 'h_next'), w.slice(start, 0, 0, 1, 'h_wrap')], 0, 'h_end') : start;
    const nodes = w.concat([start, mid, end].map((v, q) => w.unsqueeze(v, [0], `h_kind_${q}`)), 0, 'h_panel'); // [3, T, B]
    const forcing = [0, 1, 2].map((j) => w.reduceSum(w.mul(w.slice(weights, 0, 3 * j, 3 * j + 3, `w_${j}`), nodes, `weighted_${j}`), [0], false, `forcing_${j}`)); // [T, B]

    // the chain's propagator over each panel: e, x e, x^2/2 e (x clamped: e = 0 there, no inf * 0)
    const propagator = (xs: string, hint: string): [string, string, string] => {
      const xcl = w.op('Min', [xs, w.scalar(`${hint}_cap`, 1e15)], `${hint}_x`);
      const e = w.exp(w.neg(xcl, `${hint}_neg`), `${hint}_e`);
      const xe = w.mul(xcl, e, `${hint}_xe`);
      return [e, xe, w.mul(w.mul(xcl, w.scalar(`${hint}_half`, 0.5), `${hint}_half_x`), xe, `${hint}_x2e`)];
    };
    const [eP, xeP, x2eP] = propagator(xPanel, 'panel').map((v, i) => w.split(v, 0, Array.from({ length: T }, (_, n) => `prop_${i}_${n}`))) as [string[], string[], string[]];
    const f = forcing.map((v, j) => w.split(v, 0, Array.from({ length: T }, (_, n) => `f_${j}_${n}`)));
    const at = (a: readonly string[] | undefined, n: number): string => a?.[n] ?? '';

    // forced response from y = 0 at t = 0: y after panels 0..n
    let y: [string, string, string] = [at(f[0], 0), at(f[1], 0), at(f[2], 0)];
    const y3: string[] = [w.mul(y[2], w.scalar('zero', 0), 'y3_at_0'), y[2]];
    for (let n = 1; n < T; n += 1) {
      const e = at(eP, n), xe = at(xeP, n), x2e = at(x2eP, n);
      const y1 = w.add(w.mul(e, y[0], `y1_decay_${n}`), at(f[0], n), `y1_${n}`);
      const y2 = w.add(w.add(w.mul(e, y[1], `y2_decay_${n}`), w.mul(xe, y[0], `y2_feed_${n}`), `y2_free_${n}`), at(f[1], n), `y2_${n}`);
      const y3n = w.add(w.add(w.add(w.mul(e, y[2], `y3_decay_${n}`), w.mul(xe, y[1], `y3_feed_${n}`), `y3_fed_${n}`), w.mul(x2e, y[0], `y3_feed2_${n}`), `y3_free_${n}`), at(f[2], n), `y3_${n}`);
      y = [y1, y2, y3n];
      y3.push(y3n);
    }
    const forced3 = w.concat(y3.slice(0, T), 0, 'forced_3'); // [T, B]

    // periodic start: (I - M(tau)) y(0) = y(tau)
    const xTau = w.mul(k, w.scalar('tau', grid.tauH), 'ktr_tau');
    const [, xeT, x2eT] = propagator(xTau, 'tau');
    const d = oneMinusExp(w, w.op('Min', [xTau, w.scalar('tau_cap', 1e15)], 'ktr_tau_capped'), 'one_minus_exp_tau');
    const s1 = w.div(y[0], d, 's1');
    const s2 = w.div(w.add(y[1], w.mul(xeT, s1, 's2_feed'), 's2_num'), d, 's2');
    const s3 = w.div(w.add(w.add(y[2], w.mul(xeT, s2, 's3_feed'), 's3_fed'), w.mul(x2eT, s1, 's3_feed2'), 's3_num'), d, 's3');

    // y3(t) = e s3 + x e s2 + x^2/2 e s1 + forced, x = k t at the outputs
    const xOut = w.mul(w.floats('times', [T, 1], grid.timesH), k, 'ktr_t'); // [T, B]
    const [eO, xeO, x2eO] = propagator(xOut, 'out');
    const free = w.add(w.add(w.mul(eO, s3, 'out_s3'), w.mul(xeO, s2, 'out_s2'), 'out_s23'), w.mul(x2eO, s1, 'out_s1'), 'out_free');
    const y3Out = w.add(free, forced3, 'y3_out');
    const pdTB = w.mul(p.R0, w.add(w.scalar('one', 1), y3Out, 'fraction_of_baseline'), 'pd_by_time');
    return w.op('Transpose', [pdTB], outputName, { perm: attr.ints([1, 0]) }, true);
  });
}
