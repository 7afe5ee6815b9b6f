/**
 * The fit's check of the finite histories the Trial writes (models/ingest/history-length.ts): the doses
 * a steady-state record (SS=1) implies, and the washout before each reset (EVID 3/4). Both are exact
 * only when the drug and its biomarker settle well inside them. At the fit's estimates, every
 * individual prediction is recomputed with each history HISTORY_CHECK_FACTOR times as long; a change
 * above HISTORY_TOLERANCE (relative to the prediction, or to 0.1 % of the endpoint's largest one near
 * zero) makes the fit a degenerate one, named with the subject, observation line and change. `now`:
 * the fit's goodness-of-fit points when the caller has them (candidate-fit.ts), else computed. Pure.
 */
import type { Trial } from '../../models/ingest/trial.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { goodnessOfFit, type GofPoint } from '../../models/estimate/gof.js';
import type { Structure } from '../../models/structures/structure.js';
import { HISTORY_CHECK_FACTOR, HISTORY_TOLERANCE, STEADY_STATE_HORIZON_H } from '../../models/ingest/steady-state-history.js';
import { hasFiniteHistory, withLongerHistory } from '../../models/ingest/history-length.js';
import { WASHOUT_H } from '../../models/ingest/washout-timeline.js';

export function finiteHistoryProblems(trial: Trial, fit: Pick<FitResult, 'population' | 'individual'>, structure: Structure, gof?: readonly GofPoint[]): DegeneracyProblem[] {
  if (!trial.subjects.some(hasFiniteHistory)) return [];
  const now = gof ?? goodnessOfFit(trial, fit.population, fit.individual, structure);
  const longer = goodnessOfFit(withLongerHistory(trial, HISTORY_CHECK_FACTOR), fit.population, fit.individual, structure);
  const scale = new Map<number, number>();
  for (const p of longer) scale.set(p.dvid, Math.max(scale.get(p.dvid) ?? 0, Math.abs(p.ipred)));
  let worst = { change: 0, at: 0 };
  now.forEach((p, i) => {
    const q = longer[i];
    if (q === undefined) return;
    const change = Math.abs(p.ipred - q.ipred) / Math.max(Math.abs(q.ipred), 1e-3 * (scale.get(q.dvid) ?? 0), Number.MIN_VALUE);
    if (!(change <= worst.change)) worst = { change, at: i };
  });
  if (worst.change <= HISTORY_TOLERANCE) return [];
  const p = now[worst.at];
  const s = trial.subjects.find((x) => x.id === p?.id);
  const line = (p?.dvid === 1 ? s?.pk : s?.pd)?.find((o) => o.timeH === p?.timeH)?.line;
  const kinds = [
    ...(trial.subjects.some((x) => x.doses.some((d) => d.steadyState !== undefined)) ? [`the ${STEADY_STATE_HORIZON_H} h of doses a steady-state record (SS=1) implies`] : []),
    ...(trial.subjects.some((x) => (x.washouts?.length ?? 0) > 0) ? [`the ${WASHOUT_H} h washout before a reset (EVID 3/4)`] : []),
  ];
  return [{
    kind: 'finite-history', parameter: 'finite history', value: worst.change,
    message: `the estimates imply a drug or biomarker slower than ${kinds.join(' or ')}: with ${HISTORY_CHECK_FACTOR} times as long, ID ${p?.id}'s ${p?.dvid === 1 ? 'concentration' : 'biomarker'}${line === undefined ? '' : ` on line ${line}`} moves by ${(100 * worst.change).toPrecision(2)} % (limit ${100 * HISTORY_TOLERANCE} %); write out the dosing history instead`,
  }];
}
