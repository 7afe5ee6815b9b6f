/**
 * Scores of predicted success probabilities against observed 0/1 outcomes (pure): the Brier score,
 * predicted vs observed success rate, and a reliability table (subjects binned by predicted
 * probability; each bin's observed rate with an exact 95 % Clopper–Pearson interval, because with a
 * dozen subjects the observed rate of a bin is mostly binomial noise and should look like it).
 */
import { InputError } from '../../worker/common/errors.js';
import { clopperPearson } from '../../coordinator/aggregate/bands.js';

/** Probability bins [e0, e1), [e1, e2), ..., [e_{n-1}, e_n]: the last one is closed so p = 1 has a home. */
export const DEFAULT_BIN_EDGES: readonly number[] = [0, 0.2, 0.4, 0.6, 0.8, 1];
export const RELIABILITY_LEVEL = 0.95;

export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  /** subjects whose predicted probability falls in the bin */
  readonly n: number;
  /** null when the bin is empty */
  readonly mean_predicted: number | null;
  readonly observed_rate: number | null;
  /** exact interval of the observed rate (null when empty) */
  readonly observed_lo: number | null;
  readonly observed_hi: number | null;
}

export interface CalibrationScore {
  readonly n: number;
  /** mean over subjects of (p - o)^2; 0 is perfect, 0.25 is a constant 0.5 */
  readonly brier: number;
  /** the Brier score of predicting the observed rate for everyone, r (1 - r): what "no skill" scores here */
  readonly brier_base_rate: number;
  readonly predicted_rate: number;
  readonly observed_rate: number;
  /** observed successes */
  readonly observed_k: number;
  readonly bins: readonly ReliabilityBin[];
}

function checkInputs(predicted: readonly number[], observed: readonly (0 | 1)[]): void {
  if (predicted.length !== observed.length) {
    throw new InputError(`calibration: ${predicted.length} predictions but ${observed.length} observed outcomes; expected one of each per subject`);
  }
  predicted.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new InputError(`calibration: prediction ${i} is ${p}, expected a probability in [0, 1]`);
  });
  observed.forEach((o, i) => {
    if (o !== 0 && o !== 1) throw new InputError(`calibration: observed outcome ${i} is ${String(o)}, expected 0 or 1`);
  });
}

export function brierScore(predicted: readonly number[], observed: readonly (0 | 1)[]): number {
  checkInputs(predicted, observed);
  if (predicted.length === 0) throw new InputError('calibration: no subjects to score');
  let s = 0;
  for (let i = 0; i < predicted.length; i += 1) s += ((predicted[i] ?? 0) - (observed[i] ?? 0)) ** 2;
  return s / predicted.length;
}

function binIndex(p: number, edges: readonly number[]): number {
  const last = edges.length - 2;
  for (let b = 0; b < last; b += 1) if (p < (edges[b + 1] ?? 1)) return b;
  return last;
}

export function reliabilityBins(predicted: readonly number[], observed: readonly (0 | 1)[], edges: readonly number[] = DEFAULT_BIN_EDGES): ReliabilityBin[] {
  checkInputs(predicted, observed);
  const ok = edges.length >= 2 && edges[0] === 0 && edges[edges.length - 1] === 1 && edges.every((e, i) => i === 0 || e > (edges[i - 1] ?? 0));
  if (!ok) throw new InputError(`calibration: bin edges [${edges.join(', ')}] must rise strictly from 0 to 1`);
  const n = new Array<number>(edges.length - 1).fill(0);
  const k = new Array<number>(edges.length - 1).fill(0);
  const sumP = new Array<number>(edges.length - 1).fill(0);
  predicted.forEach((p, i) => {
    const b = binIndex(p, edges);
    n[b] = (n[b] ?? 0) + 1;
    k[b] = (k[b] ?? 0) + (observed[i] ?? 0);
    sumP[b] = (sumP[b] ?? 0) + p;
  });
  return n.map((nb, b) => {
    const lo = edges[b] ?? 0;
    const hi = edges[b + 1] ?? 1;
    if (nb === 0) return { lo, hi, n: 0, mean_predicted: null, observed_rate: null, observed_lo: null, observed_hi: null };
    const kb = k[b] ?? 0;
    const band = clopperPearson(kb, nb, RELIABILITY_LEVEL);
    return { lo, hi, n: nb, mean_predicted: (sumP[b] ?? 0) / nb, observed_rate: kb / nb, observed_lo: band.lo, observed_hi: band.hi };
  });
}

/** k equal-width bins on [0, 1]: edges i / k. */
export function equalWidthEdges(k: number): number[] {
  if (!(Number.isInteger(k) && k >= 1)) throw new InputError(`calibration: ${k} bins, expected a positive integer`);
  return Array.from({ length: k + 1 }, (_, i) => i / k);
}

/**
 * Expected calibration error of a reliability table: sum over non-empty bins of (n_b / N) |observed_b -
 * mean predicted_b|, i.e. the subject-weighted mean gap between a bin's observed rate and its mean prediction.
 */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((s, b) => s + b.n, 0);
  if (total === 0) throw new InputError('calibration: no subjects to score');
  return bins.reduce((s, b) => s + (b.n === 0 ? 0 : (b.n / total) * Math.abs((b.observed_rate ?? 0) - (b.mean_predicted ?? 0))), 0);
}

export function calibrationScore(predicted: readonly number[], observed: readonly (0 | 1)[], edges: readonly number[] = DEFAULT_BIN_EDGES): CalibrationScore {
  const brier = brierScore(predicted, observed);
  const n = predicted.length;
  const observedK = observed.reduce<number>((s, o) => s + o, 0);
  const rate = observedK / n;
  return {
    n,
    brier,
    brier_base_rate: rate * (1 - rate),
    predicted_rate: predicted.reduce((s, p) => s + p, 0) / n,
    observed_rate: rate,
    observed_k: observedK,
    bins: reliabilityBins(predicted, observed, edges),
  };
}
