/**
 * In-graph periodic steady state of the turnover model dR/dt = KIN (1 - I(C)) - KOUT R:
 *   R(t) = R0 (1 - KOUT D(t)),  D(t) = D(0) e^{-KOUT t} + J(t),  J(t) = int_0^t I(C(s)) e^{-KOUT (t - s)} ds,
 *   D(0) = J(tau) / (1 - e^{-KOUT tau})            (periodicity R(0) = R(tau)).
 * J runs over the panels of the time grid: J_{n+1} = e^{-x_n} J_n + H_n (W0 I_n + W1 I_{n+1/2} + W2 I_{n+1}),
 * x_n = KOUT H_n, where W_q(x) = int_0^1 L_q(v) e^{-x (1 - v)} dv integrate the quadratic interpolant of I
 * against the exponential exactly (product integration): accurate for any KOUT H, Simpson's weights
 * at x = 0. Below x = 0.5 the W_q come from their Taylor series (the closed forms cancel in float32).
 * Nothing grows: every exponential has a non-positive argument, so no overflow for any KOUT tau.
 */
import { attr } from '../../worker/onnx/graph-builder.js';
import type { IndividualTensors } from './individual.js';
import { oneMinusExp } from './pk-steady-state.js';
import type { GraphWriter } from './graph-writer.js';
import { distinctWidths, panelWidthsH } from './time-grid.js';
import type { RegimenGrid } from './time-grid.js';

const SERIES_BELOW = 0.5;
const SERIES_DEGREE = 8; // 0.5^9 / 10! < 1e-9

/** Quadratic Lagrange basis on nodes v = 0, 1/2, 1 as coefficients of 1, v, v^2. */
const LAGRANGE = [
  [1, -3, 2],
  [0, 4, -4],
  [0, -1, 2],
];

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** Taylor coefficients c[n][q] of W_q(x) = sum_n c[n][q] x^n: (-1)^n sum_j l_qj j! / (n + j + 1)!. */
export function weightSeries(degree = SERIES_DEGREE): number[][] {
  return Array.from({ length: degree + 1 }, (_, n) =>
    LAGRANGE.map((l) => (n % 2 === 0 ? 1 : -1) * l.reduce((s, lj, j) => s + (lj * factorial(j)) / factorial(n + j + 1), 0)),
  );
}

/** Hill inhibition I = IMAX / (1 + (IC50 / C)^g) = IMAX sigmoid(g (ln C - ln IC50)); C <= 1e-30 counts as 1e-30. */
export function inhibitionAt(w: GraphWriter, p: IndividualTensors, conc: string): string {
  return hillAt(w, p, conc, p.IMAX, 'inhibition');
}

/** Hill stimulation S = SMAX sigmoid(g (ln C - ln IC50)) (IC50 the potency of every Hill term). */
export function stimulationAt(w: GraphWriter, p: IndividualTensors, conc: string): string {
  return hillAt(w, p, conc, p.SMAX, 'stimulation');
}

/** max [1, B] times the Hill occupancy of conc [N, B], output named after `name`. */
function hillAt(w: GraphWriter, p: IndividualTensors, conc: string, max: string, name: string): string {
  return w.scoped('pd', () => {
    const logC = w.op('Log', [w.op('Max', [conc, w.scalar('tiny_conc', 1e-30)], 'conc_floor')], 'log_conc');
    const z = w.mul(w.sub(logC, p.logIC50, 'log_ratio'), p.GAMMA, 'hill_arg');
    return w.mul(w.op('Sigmoid', [z], 'occupancy'), max, name);
  });
}

/** [W0; W1; W2] as [3, nW, B] for x [nW, B] (x >= 0). */
function productWeights(w: GraphWriter, x: string): string {
  const x3 = w.unsqueeze(x, [0], 'x_3d'); // [1, nW, B]
  const coeffs = weightSeries();
  const coefficient = (n: number): string => w.floats(`w_series_${n}`, [3, 1, 1], coeffs[n] ?? []);
  let series = w.op('Expand', [coefficient(SERIES_DEGREE), w.op('Shape', [x3], 'x_shape')], 'series_start');
  for (let n = SERIES_DEGREE - 1; n >= 0; n -= 1) series = w.add(w.mul(series, x3, `horner_${n}`), coefficient(n), `series_${n}`);
  // closed forms (x >= 0.5; clamped so the unused branch stays finite):
  // m0 = (1 - e^-x) / x, m1 = (1 - m0) / x, m2 = (1 - 2 m1) / x, W_q = sum_j l_qj m_j
  const xc = w.op('Max', [x3, w.scalar('x_floor', SERIES_BELOW)], 'x_clamped');
  const one = w.scalar('one', 1);
  const m0 = w.div(w.sub(one, w.exp(w.neg(xc, 'neg_x'), 'exp_neg_x'), 'one_minus_exp'), xc, 'm0');
  const m1 = w.div(w.sub(one, m0, 'one_minus_m0'), xc, 'm1');
  const m2 = w.div(w.sub(one, w.mul(m1, w.scalar('two', 2), 'two_m1'), 'one_minus_2m1'), xc, 'm2');
  const moment = (m: string, j: number): string => w.mul(w.floats(`lagrange_${j}`, [3, 1, 1], LAGRANGE.map((l) => l[j] ?? 0)), m, `lm_${j}`);
  const closed = w.add(w.add(moment(m0, 0), moment(m1, 1), 'lm_01'), moment(m2, 2), 'w_closed');
  return w.where(w.less(x3, w.scalar('series_below', SERIES_BELOW), 'use_series'), series, closed, 'w_by_kind');
}

/**
 * pd [B, T] (ng/mL, graph output `outputName`) from the inhibition [2T, B] at the grid nodes
 * (outputs first, then midpoints); the node at tau is the node at 0 (periodicity of C). An IV bolus
 * makes C jump at the dose: the node at 0 is then C(tau-) (time-grid.ts), which ends the last panel,
 * and `afterDose` [1, B], the inhibition at C(0+), starts the first.
 */
export function periodicBiomarker(w: GraphWriter, p: IndividualTensors, inhibition: string, grid: RegimenGrid, outputName: string, afterDose?: string): string {
  const T = grid.timesH.length;
  const { widthsH, panelWidthIndex } = distinctWidths(grid);
  return w.scoped('pd', () => {
    const x = w.mul(w.floats('widths', [widthsH.length, 1], widthsH), p.KOUT, 'kout_width'); // [nW, B]
    const panelWeights = w.gather(productWeights(w, x), 1, panelWidthIndex, 'panel_weights'); // [3, T, B]
    const panelDecay = w.gather(w.exp(w.neg(x, 'neg_kout_width'), 'width_decay'), 0, panelWidthIndex, 'panel_decay'); // [T, B]

    const start = w.slice(inhibition, 0, 0, T, 'i_start');
    const mid = w.slice(inhibition, 0, T, 2 * T, 'i_mid');
    const end = T > 1 ? w.concat([w.slice(start, 0, 1, T, 'i_next'), w.slice(start, 0, 0, 1, 'i_wrap')], 0, 'i_end') : start;
    const nodes = w.concat([panelStart(w, start, afterDose, T, 'i'), mid, end].map((v, q) => w.unsqueeze(v, [0], `i_kind_${q}`)), 0, 'i_panel'); // [3, T, B]
    const weighted = w.reduceSum(w.mul(panelWeights, nodes, 'weighted_nodes'), [0], false, 'panel_sum'); // [T, B]
    const gain = w.mul(weighted, w.floats('panel_widths', [T, 1], panelWidthsH(grid)), 'panel_gain');

    // J_0 = 0, J_{n+1} = decay_n J_n + gain_n: T steps on [1, B] rows
    const decays = w.split(panelDecay, 0, Array.from({ length: T }, (_, n) => `decay_${n}`));
    const gains = w.split(gain, 0, Array.from({ length: T }, (_, n) => `gain_${n}`));
    const js: string[] = [w.mul(gains[0] ?? '', w.scalar('zero', 0), 'j_0'), gains[0] ?? ''];
    for (let n = 1; n < T; n += 1) js.push(w.add(w.mul(js[n] ?? '', decays[n] ?? '', `j_decayed_${n}`), gains[n] ?? '', `j_${n + 1}`));
    const jOut = w.concat(js.slice(0, T), 0, 'j'); // [T, B]
    const jTau = js[T] ?? '';

    const d0 = w.div(jTau, oneMinusExp(w, w.mul(p.KOUT, w.scalar('tau', grid.tauH), 'kout_tau'), 'one_minus_exp_kout_tau'), 'd0');
    const sinceDose = w.exp(w.mul(w.floats('neg_times', [T, 1], grid.timesH.map((t) => -t)), p.KOUT, 'neg_kout_t'), 'decay_since_dose');
    const d = w.add(jOut, w.mul(d0, sinceDose, 'd0_decayed'), 'd');
    const fraction = w.sub(w.scalar('one', 1), w.mul(p.KOUT, d, 'kout_d'), 'fraction_of_baseline');
    const pdTB = w.mul(p.R0, fraction, 'pd_by_time');
    return w.op('Transpose', [pdTB], outputName, { perm: attr.ints([1, 0]) }, true);
  });
}

/** The panels' start values [T, B]: the output nodes, the first replaced by `afterDose` (an IV bolus's C(0+)) when given. */
export function panelStart(w: GraphWriter, start: string, afterDose: string | undefined, T: number, hint: string): string {
  if (afterDose === undefined) return start;
  return T > 1 ? w.concat([afterDose, w.slice(start, 0, 1, T, `${hint}_after_first`)], 0, `${hint}_panel_start`) : afterDose;
}
