/**
 * In-graph periodic steady state of the indirect responses II-IV (structures/turnover.ts).
 *
 * III (stimulated production) is type I with the inhibition I replaced by -S: pd-periodic.ts as it is.
 *
 * II and IV act on the loss: with u = R / R0, du/dt = KOUT (1 - (1 + h(C)) u), h = -I or +S, a rate that
 * varies with C. pd-periodic.ts's product integration, generalised: on each panel [t_n, t_n + H] the
 * rate is split into its Simpson mean KOUT kappa (kappa = 1 + (h_0 + 4 h_m + h_1) / 6) and the rest,
 *   du/dt = KOUT (1 - kappa u) - KOUT delta(t) u,   delta = h - (kappa - 1),
 * and the rest, quadratic on the panel's nodes, is integrated against e^{-y (1 - v)} exactly (y = KOUT
 * H kappa) with the weights W_q(y) = int_0^1 L_q(v) e^{-y (1 - v)} dv (to the end) and V_q (to the
 * midpoint). delta u at the midpoint and the end are unknown: a 2 x 2 linear solve per panel (collocation
 * at 0, 1/2, 1). It is exact when h is constant on a panel, so a stiff rate (KOUT H kappa large: the weights
 * concentrate at the end and u -> 1 / (1 + h)) costs no accuracy; only h's variation within a panel does.
 * Each panel is affine, u_{n+1} = (1 - a_n) u_n + b_n, and the periodic u_0 = u_T is
 *   u_0 = B_T / C_T,  C_{n+1} = C_n + a_n (1 - C_n) (= 1 - prod (1 - a)),  B_{n+1} = (1 - a_n) B_n + b_n,
 * with a_n written without cancellation, so slow turnover (a_n ~ KOUT H) keeps its digits in float32.
 * KOUT is floored at KOUT_FLOOR (B_T and C_T both ~ KOUT tau: their ratio is finite above it).
 */
import { attr } from '../../worker/onnx/graph-builder.js';
import type { Turnover } from '../structures/turnover.js';
import type { IndividualTensors } from './individual.js';
import { inhibitionAt, panelStart, periodicBiomarker, stimulationAt } from './pd-periodic.js';
import { oneMinusExp } from './pk-steady-state.js';
import type { GraphWriter } from './graph-writer.js';
import { panelWidthsH } from './time-grid.js';
import type { RegimenGrid } from './time-grid.js';

/** KOUT below this (1/h) is this: a turnover of ~1e-7 over a QW interval, R = its baseline to ~1e-7. */
export const KOUT_FLOOR = 1e-9;
const SERIES_BELOW = 0.5;
const SERIES_DEGREE = 8; // 0.5^9 / 10! < 1e-9

/**
 * pd [B, T] of an indirect response II-IV from C at the 2T grid nodes [2T, B] (outputs, then midpoints);
 * `afterDose` [1, B]: C(0+) after an IV bolus, the first panel's start (pd-periodic.ts periodicBiomarker).
 */
export function turnoverBiomarker(w: GraphWriter, p: IndividualTensors, concNodes: string, grid: RegimenGrid, turnover: Turnover, outputName: string, afterDose?: string): string {
  if (turnover === 'kin-stimulation') {
    const minusS = (c: string, hint: string): string => w.neg(stimulationAt(w, p, c), hint);
    return periodicBiomarker(w, p, minusS(concNodes, 'minus_stimulation'), grid, outputName, afterDose === undefined ? undefined : minusS(afterDose, 'minus_stimulation_after_dose'));
  }
  const hOf = (c: string, hint: string): string => (turnover === 'kout-stimulation' ? stimulationAt(w, p, c) : w.neg(inhibitionAt(w, p, c), hint));
  return lossBiomarker(w, p, hOf(concNodes, 'minus_inhibition'), grid, outputName, afterDose === undefined ? undefined : hOf(afterDose, 'minus_inhibition_after_dose'));
}

/** [M_0, M_1, M_2](y), M_j(y) = int_0^1 v^j e^{-y (1 - v)} dv, each shaped as y (y >= 0). */
function moments(w: GraphWriter, y: string, hint: string): string[] {
  return w.scoped(hint, () => {
    // series: M_j(y) = sum_n (-y)^n j! / (n + j + 1)!
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
    const series = [0, 1, 2].map((j) => {
      let acc = w.scalar(`s${j}_top`, ((SERIES_DEGREE % 2 === 0 ? 1 : -1) * factorial(j)) / factorial(SERIES_DEGREE + j + 1));
      for (let n = SERIES_DEGREE - 1; n >= 0; n -= 1) {
        acc = w.add(w.mul(acc, y, `s${j}_h${n}`), w.scalar(`s${j}_c${n}`, ((n % 2 === 0 ? 1 : -1) * factorial(j)) / factorial(n + j + 1)), `s${j}_${n}`);
      }
      return acc;
    });
    // closed forms (y >= 0.5; clamped so the unused branch stays finite)
    const yc = w.op('Max', [y, w.scalar('y_floor', SERIES_BELOW)], 'y_clamped');
    const one = w.scalar('one', 1);
    const m0 = w.div(w.sub(one, w.exp(w.neg(yc, 'neg_y'), 'exp_neg_y'), 'one_minus_exp'), yc, 'm0');
    const m1 = w.div(w.sub(one, m0, 'one_minus_m0'), yc, 'm1');
    const m2 = w.div(w.sub(one, w.mul(m1, w.scalar('two', 2), 'two_m1'), 'one_minus_2m1'), yc, 'm2');
    const small = w.less(y, w.scalar('series_below', SERIES_BELOW), 'use_series');
    return [m0, m1, m2].map((m, j) => w.where(small, series[j] ?? '', m, `moment_${j}`));
  });
}

/** Quadratic Lagrange basis on v = 0, 1/2, 1 as coefficients of 1, v, v^2 (as pd-periodic.ts). */
const LAGRANGE = [[1, -3, 2], [0, 4, -4], [0, -1, 2]];

/** sum_j c_j m_j with constant c. */
function combine(w: GraphWriter, m: readonly string[], c: readonly number[], hint: string): string {
  return w.scoped(hint, () => {
    const terms = m.map((mj, j) => w.mul(mj, w.scalar(`c_${j}`, c[j] ?? 0), `t_${j}`));
    return w.add(w.add(terms[0] ?? '', terms[1] ?? '', 't_01'), terms[2] ?? '', 'sum');
  });
}

function lossBiomarker(w: GraphWriter, p: IndividualTensors, h: string, grid: RegimenGrid, outputName: string, afterDose?: string): string {
  const T = grid.timesH.length;
  return w.scoped('pd_loss', () => {
    const kout = w.op('Max', [p.KOUT, w.scalar('kout_floor', KOUT_FLOOR)], 'kout_floored');
    const hOut = w.slice(h, 0, 0, T, 'h_start');
    const hm = w.slice(h, 0, T, 2 * T, 'h_mid');
    const h1 = T > 1 ? w.concat([w.slice(hOut, 0, 1, T, 'h_next'), w.slice(hOut, 0, 0, 1, 'h_wrap')], 0, 'h_end') : hOut;
    const h0 = panelStart(w, hOut, afterDose, T, 'h');
    const hbar = w.mul(w.add(w.add(h0, w.mul(hm, w.scalar('four', 4), 'four_hm'), 'h0_4hm'), h1, 'simpson_sum'), w.scalar('sixth', 1 / 6), 'h_mean');
    const kappa = w.add(w.scalar('one', 1), hbar, 'kappa');
    const [d0, dm, d1] = [h0, hm, h1].map((hq, q) => w.sub(hq, hbar, `delta_${q}`)) as [string, string, string];
    const x = w.mul(w.floats('widths', [T, 1], panelWidthsH(grid)), kout, 'kout_width'); // [T, B]
    const y = w.mul(x, kappa, 'y');
    const yHalf = w.mul(y, w.scalar('half', 0.5), 'y_half');
    const mEnd = moments(w, y, 'm_end');
    const mMid = moments(w, yHalf, 'm_mid');
    // W_q = sum_j l_qj M_j(y); V_q = 1/2 sum_j l_qj 2^-j M_j(y / 2) (v = u / 2 on the first half)
    const W = LAGRANGE.map((l, q) => combine(w, mEnd, l, `w_${q}`));
    const V = LAGRANGE.map((l, q) => combine(w, mMid, l.map((c, j) => c / 2 ** (j + 1)), `v_${q}`));
    const xTimes = (a: string, b: string, hint: string): string => w.mul(w.mul(x, a, `${hint}_x`), b, hint);
    const P = xTimes(V[1] ?? '', dm, 'p');
    const Q = xTimes(V[2] ?? '', d1, 'q');
    const R = xTimes(W[1] ?? '', dm, 'r');
    const S = xTimes(W[2] ?? '', d1, 's');
    const one = w.scalar('one_', 1);
    const onePlusP = w.add(one, P, 'one_plus_p');
    const det = w.sub(w.mul(onePlusP, w.add(one, S, 'one_plus_s'), 'diag'), w.mul(Q, R, 'qr'), 'det');
    // a = [(1 + P)(1 - e^-y + S + x W0 d0) + R (e^{-y/2} - x V0 d0 - Q)] / det: the panel's loss fraction
    const endPart = w.add(w.add(oneMinusExp(w, y, 'one_minus_exp_y'), S, 'ome_s'), xTimes(W[0] ?? '', d0, 'xw0d0'), 'end_part');
    const midPart = w.sub(w.sub(w.exp(w.neg(yHalf, 'neg_y_half'), 'exp_neg_y_half'), xTimes(V[0] ?? '', d0, 'xv0d0'), 'mid_a'), Q, 'mid_part');
    const a = w.div(w.add(w.mul(onePlusP, endPart, 'end_term'), w.mul(R, midPart, 'mid_term'), 'a_num'), det, 'a');
    // b = [(1 + P) x M0(y) - R x M0(y/2) / 2] / det: the panel's production (x sum W = x M0)
    const sW = w.mul(x, mEnd[0] ?? '', 'sw');
    const sV = w.mul(w.mul(x, mMid[0] ?? '', 'x_m0_mid'), w.scalar('half_', 0.5), 'sv');
    const b = w.div(w.sub(w.mul(onePlusP, sW, 'b_end'), w.mul(R, sV, 'b_mid'), 'b_num'), det, 'b');

    const as = w.split(a, 0, Array.from({ length: T }, (_, n) => `a_${n}`));
    const bs = w.split(b, 0, Array.from({ length: T }, (_, n) => `b_${n}`));
    const cs: string[] = [];
    const Bs: string[] = [];
    let c = w.mul(as[0] ?? '', w.scalar('zero', 0), 'c_0');
    let B = c;
    for (let n = 0; n < T; n += 1) {
      cs.push(c);
      Bs.push(B);
      const an = as[n] ?? '';
      const bn = bs[n] ?? '';
      B = w.add(w.sub(B, w.mul(an, B, `aB_${n}`), `B_kept_${n}`), bn, `B_${n + 1}`);
      c = w.add(c, w.mul(an, w.sub(one, c, `rest_${n}`), `c_gain_${n}`), `c_${n + 1}`);
    }
    const u0 = w.div(B, c, 'u0'); // B_T / C_T
    const C = w.concat(cs, 0, 'c_by_time');
    const Bt = w.concat(Bs, 0, 'b_by_time');
    const u = w.add(w.mul(w.sub(one, C, 'kept_by_time'), u0, 'u0_kept'), Bt, 'u');
    return w.op('Transpose', [w.mul(p.R0, u, 'pd_by_time')], outputName, { perm: attr.ints([1, 0]) }, true);
  });
}
