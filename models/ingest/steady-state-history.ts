/**
 * NONMEM's steady-state dose (SS=1 with II > 0): when the record's dose is given, the system is at the
 * steady state of that dose repeated every II hours. The library's simulators take a dosing history, so
 * the projection writes the record as the history it implies: copies of the dose at t - II, t - 2 II, ...
 * back over `STEADY_STATE_HORIZON_H` (at least `MIN_PRIOR_DOSES` of them), each marked `steadyState`.
 *
 * That history is exact to the share of the steady state that builds up before its first dose,
 * exp(-horizon / slowest time constant): 2^-10 for a half-life of horizon / 10 (4.2 days). A slower
 * drug or biomarker is not silently cut short: the fit recomputes every individual prediction with a
 * history `HISTORY_CHECK_FACTOR` times as long (history-length.ts) and names a fit whose predictions
 * move by more than `HISTORY_TOLERANCE` relative a degenerate one (analysis/fit/history-check.ts).
 *
 * NONMEM's SS=1 also resets the system. A history can only stand for that when nothing came before in
 * its period, so an SS=1 record after doses or observations of its subject opens a new period itself,
 * as a reset (EVID 3/4) does (washout-timeline.ts): the records before it stay in theirs.
 */
import type { DoseEvent } from './trial.js';

/** hours of implied doses before a steady-state dose: 6 weeks */
export const STEADY_STATE_HORIZON_H = 1008;
/** the fewest implied doses, whatever the interval (10 weeks of a weekly dose) */
export const MIN_PRIOR_DOSES = 10;
/** the fit's check: predictions with a history this many times as long */
export const HISTORY_CHECK_FACTOR = 2;
/** the largest relative change of a prediction the check accepts (0.1 %: far below any residual error) */
export const HISTORY_TOLERANCE = 1e-3;

/** How many implied doses stand for the steady state of a dose every `iiH` hours. */
export function priorDoseCount(iiH: number, horizonH = STEADY_STATE_HORIZON_H): number {
  return Math.max(MIN_PRIOR_DOSES, Math.ceil(horizonH / iiH));
}

/** The implied doses before `dose` (time order), `count` of them every `iiH` hours. */
export function impliedDoses(dose: DoseEvent, iiH: number, count: number): DoseEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ...dose, timeH: dose.timeH - (count - i) * iiH, steadyState: { iiH } }));
}
