/**
 * The fit's check of the steady-state history (models/ingest/steady-state-history.ts): a trial's SS=1
 * records stand for the steady state through a finite history of implied doses, exact only when the
 * drug and its biomarker settle well inside it. At the fit's estimates, every individual prediction is
 * recomputed with a history HISTORY_CHECK_FACTOR times as long; a change above HISTORY_TOLERANCE
 * (relative to the prediction, or to 0.1 % of the endpoint's largest one near zero) makes the fit a
 * degenerate one, named with the subject, time and change. Pure.
 */
import type { Trial } from '../../models/ingest/trial.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { goodnessOfFit } from '../../models/estimate/gof.js';
import type { Structure } from '../../models/structures/structure.js';
import { HISTORY_CHECK_FACTOR, HISTORY_TOLERANCE, STEADY_STATE_HORIZON_H, steadyStateSubjects, withLongerHistory } from '../../models/ingest/steady-state-history.js';

export function steadyStateHistoryProblems(trial: Trial, fit: Pick<FitResult, 'population' | 'individual'>, structure: Structure): DegeneracyProblem[] {
  const subjects = steadyStateSubjects(trial);
  if (subjects.length === 0) return [];
  const now = goodnessOfFit(trial, fit.population, fit.individual, structure);
  const longer = goodnessOfFit(withLongerHistory(trial, HISTORY_CHECK_FACTOR), fit.population, fit.individual, structure);
  const scale = new Map<number, number>();
  for (const p of longer) scale.set(p.dvid, Math.max(scale.get(p.dvid) ?? 0, Math.abs(p.ipred)));
  let worst = { change: 0, id: 0, timeH: 0, dvid: 1 };
  now.forEach((p, i) => {
    const q = longer[i];
    if (q === undefined) return;
    const change = Math.abs(p.ipred - q.ipred) / Math.max(Math.abs(q.ipred), 1e-3 * (scale.get(q.dvid) ?? 0), Number.MIN_VALUE);
    if (!(change <= worst.change)) worst = { change, id: p.id, timeH: p.timeH, dvid: p.dvid };
  });
  if (worst.change <= HISTORY_TOLERANCE) return [];
  const endpoint = worst.dvid === 1 ? 'concentration' : 'biomarker';
  return [{
    kind: 'steady-state-history', parameter: 'steady-state history', value: worst.change,
    message: `steady-state doses (SS=1) not at steady state within their ${STEADY_STATE_HORIZON_H} h history: with a history ${HISTORY_CHECK_FACTOR} times as long, ID ${worst.id}'s ${endpoint} at ${worst.timeH} h moves by ${(100 * worst.change).toPrecision(2)} % (limit ${100 * HISTORY_TOLERANCE} %); the estimates imply a drug or biomarker slower than the history: give the dosing history instead of SS=1`,
  }];
}
