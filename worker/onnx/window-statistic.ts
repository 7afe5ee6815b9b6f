/**
 * A question's statistic over the steady-state window, on the card's time grid. Every card's grid
 * lies in one dosing interval: either [0, tau) with t_0 = 0 (the periodic steady state: the value at
 * tau is the value at 0, as models/export evaluates it) or ending at t_{T-1} = tau.
 *
 *   max, min  over the grid points
 *   trough    the value at the end of the interval, t = tau: the last grid point when it is tau, else
 *             (grid [0, tau)) the point t_0 = 0, which is the same time of the periodic steady state
 *   mean      the time average (1/window) * integral over the window, trapezoid rule on the grid:
 *             grid [0, tau): panels t_n..t_{n+1} with t_T = tau carrying y_0 (periodic), window tau
 *             (AUC_tau / tau); grid ending at tau: panels t_0..t_{T-1}, window tau - t_0
 *
 * Thresholds travel as ng/mL (ScenarioSpec.thresholdNgMl); the head compares in the output's own unit.
 * A biomarker threshold travels unconverted, in the card's units.pd (thresholdForOutput).
 */
import { InputError, ModelError } from '../common/errors.js';
import type { ModelCard } from '../model/card.js';
import { cardPdUnit } from '../model/biomarker-unit.js';
import { MASS_CONCENTRATION_UNITS, mgPerLPower, scaleByPowerOfTen } from '../common/mass-concentration.js';
import { DEFAULT_QUESTION, type Endpoint, type QuestionSpec, type WindowStatistic } from '../run-spec.js';

/** Mass-concentration units a threshold or an output may use (worker/common/mass-concentration.ts). */
export const CONCENTRATION_UNITS: readonly string[] = MASS_CONCENTRATION_UNITS;

/** The power of ten from `unit` to ng/mL (mg/L is 10^3 ng/mL). */
const ngMlPower = (unit: string): number | undefined => {
  const p = mgPerLPower(unit);
  return p === undefined ? undefined : p + 3;
};

/** value in `unit` -> ng/mL; undefined for a unit that is not a known mass concentration */
export function toNgMl(value: number, unit: string): number | undefined {
  const p = ngMlPower(unit);
  return p === undefined ? undefined : scaleByPowerOfTen(value, p);
}


/**
 * A question's threshold (ScenarioSpec.thresholdNgMl) in the unit of the card's output for `endpoint`:
 * a concentration from ng/mL; the biomarker unconverted, as the trial records it and the card's
 * units.pd names it (worker/model/biomarker-unit.ts: its threshold is taken only in that unit).
 */
export function thresholdForOutput(value: number, card: ModelCard, endpoint: Endpoint): number {
  if (endpoint === 'biomarker') return value;
  return fromNgMl(value, endpointOutput(card, endpoint).unit, `model card "${card.name}"`);
}

/** ng/mL -> `unit` (the output's), or a ModelError naming the unit the card declares */
export function fromNgMl(valueNgMl: number, unit: string, where: string): number {
  const p = ngMlPower(unit);
  if (p === undefined) throw new ModelError(`${where}: output unit "${unit}" is not a mass concentration qusop converts (${CONCENTRATION_UNITS.join(', ')})`);
  return scaleByPowerOfTen(valueNgMl, -p);
}

/**
 * A p_success card's head counts rows with P(success) >= this cut in k (the proposal's "p > 0.5" rule,
 * kept for reference); its curves are the mean probability (coordinator/aggregate/curves.ts).
 */
export const P_SUCCESS_CUT = 0.5;

/** The card's output for an endpoint and its unit; a ModelError when the card has no such output. */
export function endpointOutput(card: ModelCard, endpoint: Endpoint): { name: string; unit: string } {
  if (endpoint === 'biomarker') {
    const name = card.outputs.pd;
    if (name === null) throw new ModelError(`model card "${card.name}" (${card.family}) has no biomarker output (a PK-only model): ask concentration questions (endpoint: concentration)`);
    return { name, unit: cardPdUnit(card) };
  }
  const name = card.outputs.conc;
  if (name === undefined) throw new ModelError(`model card "${card.name}": the question's endpoint is concentration but the card declares no outputs.conc`);
  const unit = card.units.conc;
  if (unit === undefined) throw new ModelError(`model card "${card.name}": outputs.conc has no unit (units.conc)`);
  return { name, unit };
}

const EPS_H = 1e-9;

type GridShape = 'periodic' | 'ends-at-tau';

function gridShape(timesH: readonly number[], tauH: number, where: string): GridShape {
  const first = timesH[0] ?? NaN;
  const last = timesH[timesH.length - 1] ?? NaN;
  for (let i = 1; i < timesH.length; i += 1) {
    if (!((timesH[i] ?? NaN) > (timesH[i - 1] ?? NaN))) throw new InputError(`${where}: time_grid_h must increase (index ${i})`);
  }
  if (Math.abs(last - tauH) <= EPS_H && timesH.length >= 2) return 'ends-at-tau';
  if (Math.abs(first) <= EPS_H && last < tauH) return 'periodic';
  throw new InputError(`${where}: time_grid_h runs from ${first} to ${last} h: a trough or mean over the ${tauH} h interval needs a grid that starts at 0 (periodic steady state) or ends at tau`);
}

/** Index of the grid point that holds the value at t = tau. */
export function troughIndex(timesH: readonly number[], tauH: number, where: string): number {
  return gridShape(timesH, tauH, where) === 'ends-at-tau' ? timesH.length - 1 : 0;
}

/** Weights w (sum 1) with mean = sum_j w_j y_j: the trapezoid rule over the window divided by its length. */
export function meanWeights(timesH: readonly number[], tauH: number, where: string): number[] {
  const T = timesH.length;
  const w = new Array<number>(T).fill(0);
  const t = (i: number): number => timesH[i] ?? NaN;
  if (gridShape(timesH, tauH, where) === 'periodic') {
    // panel n = [t_n, t_{n+1}], t_T = tau with y_T = y_0
    for (let n = 0; n < T; n += 1) {
      const width = (n + 1 < T ? t(n + 1) : tauH) - t(n);
      w[n] = (w[n] ?? 0) + width / 2;
      const right = n + 1 < T ? n + 1 : 0;
      w[right] = (w[right] ?? 0) + width / 2;
    }
    return w.map((v) => v / tauH);
  }
  for (let n = 0; n + 1 < T; n += 1) {
    const width = t(n + 1) - t(n);
    w[n] = (w[n] ?? 0) + width / 2;
    w[n + 1] = (w[n + 1] ?? 0) + width / 2;
  }
  const window = t(T - 1) - t(0);
  return w.map((v) => v / window);
}

/** What the reduction head needs to compute a statistic on this card's grid. */
export interface HeadStatistic {
  readonly statistic: WindowStatistic;
  readonly comparison: QuestionSpec['comparison'];
  /** mean: the weights over the grid */
  readonly weights?: readonly number[];
  /** trough: the grid index of t = tau */
  readonly index?: number;
  /** a p_success card: the output is P(success) [B], read as a one-point trajectory (reduction-head.ts) */
  readonly probability?: true;
}

export function headStatistic(card: ModelCard, question: QuestionSpec = DEFAULT_QUESTION): HeadStatistic {
  const where = `model card "${card.name}"`;
  const tau = card.regimen.tau_h;
  const { statistic, comparison } = question;
  // p_success >= P_SUCCESS_CUT is the count k; the question itself was checked against success_event
  if (card.outputs.p_success !== undefined) return { statistic: 'max', comparison: '>=', probability: true };
  if (statistic === 'mean') return { statistic, comparison, weights: meanWeights(card.time_grid_h, tau, where) };
  if (statistic === 'trough') return { statistic, comparison, index: troughIndex(card.time_grid_h, tau, where) };
  return { statistic, comparison };
}

/** Stable key of a question (sessions are cached per model and question). */
export function questionKey(q: QuestionSpec = DEFAULT_QUESTION): string {
  return `${q.endpoint}/${q.statistic}/${q.comparison}`;
}

const STATISTIC_WORDS: Readonly<Record<WindowStatistic, string>> = {
  max: 'maximum', min: 'minimum', mean: 'time-average', trough: 'trough (value at tau)',
};

/** The statistic in words for messages: "maximum", "time-average", ... */
export function statisticWords(q: QuestionSpec = DEFAULT_QUESTION): string {
  return STATISTIC_WORDS[q.statistic];
}
