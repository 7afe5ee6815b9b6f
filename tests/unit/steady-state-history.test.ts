/**
 * Steady-state dose records (SS=1, models/ingest/steady-state-history.ts): read as the history of doses
 * they imply, a reset (a new period) where doses or samples precede them, as NONMEM reads them,
 * equal to a long explicit history for a drug that settles inside the horizon, and flagged by the fit's
 * check (analysis/fit/history-check.ts) for a drug or biomarker that does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial, recordedDoses, type DoseEvent, type Subject, type Trial } from '../../models/ingest/trial.js';
import { HISTORY_TOLERANCE, impliedDoses, MIN_PRIOR_DOSES, priorDoseCount, STEADY_STATE_HORIZON_H } from '../../models/ingest/steady-state-history.js';
import { withLongerHistory } from '../../models/ingest/history-length.js';
import { finiteHistoryProblems } from '../../analysis/fit/history-check.js';
import { goodnessOfFit } from '../../models/estimate/gof.js';
import { WASHOUT_H } from '../../models/ingest/washout-timeline.js';
import { ONE_COMPARTMENT, ONE_COMPARTMENT_PK, type Structure } from '../../models/structures/structure.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { TRUTHS } from '../fixtures/real-layouts/truths.js';

const HEADER = 'ID,TIME,AMT,II,SS,EVID,MDV,DV';

test('an SS=1 record that opens its subject becomes the doses it implies, every II back over the horizon', () => {
  const trial = parseTrial(`${HEADER}\n1,0,100,12,1,1,1,.\n1,1,.,.,0,0,0,1.5\n1,6,.,.,0,0,0,0.9\n2,0,100,168,1,1,1,.\n2,2,.,.,0,0,0,1.1\n`, 'ss.csv');
  const [a, b] = trial.subjects;
  assert.equal(priorDoseCount(12), STEADY_STATE_HORIZON_H / 12);
  assert.equal(a?.doses.length, priorDoseCount(12) + 1);
  assert.deepEqual(a?.doses.slice(0, 2).map((d) => d.timeH), [-STEADY_STATE_HORIZON_H, -STEADY_STATE_HORIZON_H + 12]);
  assert.ok(a?.doses.slice(0, -1).every((d) => d.steadyState?.iiH === 12 && d.amtMg === 100 && d.line === 2));
  assert.equal(a?.doses.at(-1)?.steadyState, undefined, 'the record itself is the last dose, not an implied one');
  // a weekly dose: at least MIN_PRIOR_DOSES intervals back
  assert.equal(b?.doses.length, MIN_PRIOR_DOSES + 1);
  const longer = withLongerHistory(trial, 2);
  assert.equal(longer.subjects[0]?.doses.length, 2 * 84 + 1);
  assert.equal(longer.subjects[0]?.doses[0]?.timeH, -2 * STEADY_STATE_HORIZON_H);
});

test('an SS=1 record after doses or observations of its subject is a reset, as in NONMEM: it opens a new period', () => {
  // after a dose: the SS record's period starts a washout (and its implied history) after the first dose
  const afterDose = parseTrial(`${HEADER}\n1,0,100,.,0,1,1,.\n1,1,.,.,0,0,0,1\n1,24,100,24,1,1,1,.\n1,25,.,.,0,0,0,1\n`, 'ss.csv').subjects[0];
  const n = priorDoseCount(24);
  assert.equal(afterDose?.washouts?.length, 1);
  assert.deepEqual(afterDose?.washouts?.[0], { fromH: 1, atH: 1 + WASHOUT_H + 24 * n, line: 4, fileTimeH: 24 });
  assert.deepEqual(afterDose?.pk.map((o) => o.timeH), [1, 1 + WASHOUT_H + 24 * n + 1]);
  assert.equal(afterDose?.doses.filter((d) => d.steadyState !== undefined).length, n);
  // after a pre-dose sample: the sample stays before the reset (no drug), the SS dose opens the next period
  const afterSample = parseTrial(`${HEADER}\n1,0,.,.,0,0,0,0.2\n1,0,100,24,1,1,1,.\n1,2,.,.,0,0,0,1\n`, 'ss.csv').subjects[0];
  assert.equal(afterSample?.washouts?.[0]?.line, 3);
  assert.equal(afterSample?.pk[0]?.timeH, 0);
  assert.ok((afterSample?.doses[0]?.timeH ?? -Infinity) > 0, 'no dose before the pre-dose sample');
  // the first record of its subject: no washout, the implied doses before it
  assert.equal(parseTrial(`${HEADER}\n1,0,100,24,1,1,1,.\n1,2,.,.,0,0,0,1\n`, 'ss.csv').subjects[0]?.washouts, undefined);
});

function trialOf(structure: Structure, doses: (t0: DoseEvent) => DoseEvent[]): Trial {
  const times = [0.5, 1, 2, 4, 8, 12, 24];
  const subjects: Subject[] = [1, 2, 3].map((id) => ({
    id, bwKg: 60 + 10 * id, comed: 0, doseMg: 100, doses: doses({ timeH: 0, amtMg: 100, cmt: null, line: 1 + id }),
    pk: times.map((timeH) => ({ timeH, dv: 1, cmt: null, line: 0 })), pd: structure.pd ? times.map((timeH) => ({ timeH, dv: 50, cmt: null, line: 0 })) : [],
    excluded: [], firstLine: 0, lastLine: 0,
  }));
  return { file: 'ss.csv', recordCount: 0, subjects, layout: { doseCmt: null, pkCmt: null, pdCmt: null } };
}

const steady = (s: Structure) => trialOf(s, (d) => [...impliedDoses(d, 24, priorDoseCount(24)), d]);
const atTruth = (s: Structure, p: PopulationParameters) => ({ population: p, individual: [1, 2, 3].map((id) => ({ id, eta: s.etaNames.map((_, k) => 0.1 * (k % 2 === 0 ? id - 2 : 2 - id)) })) });
const withFixed = (p: PopulationParameters, change: Partial<PopulationParameters['fixed']>): PopulationParameters => ({ ...p, fixed: { ...p.fixed, ...change } });

test('the implied history predicts what a year of explicit daily doses does for a drug that settles inside it', () => {
  const s = ONE_COMPARTMENT_PK;
  const fit = atTruth(s, TRUTHS.addl.truth);
  const explicit = trialOf(s, (d) => Array.from({ length: 366 }, (_, k) => ({ ...d, timeH: 24 * (k - 365) })));
  const a = goodnessOfFit(steady(s), fit.population, fit.individual, s);
  const b = goodnessOfFit(explicit, fit.population, fit.individual, s);
  const worst = Math.max(...a.map((p, i) => Math.abs(p.ipred / (b[i]?.ipred ?? NaN) - 1)));
  assert.ok(worst < 1e-9, `relative difference ${worst}`);
  // and the single dose alone differs by far more: the history matters to these predictions
  const single = goodnessOfFit(trialOf(s, (d) => [d]), fit.population, fit.individual, s);
  assert.ok(Math.max(...single.map((p, i) => Math.abs(p.ipred / (b[i]?.ipred ?? NaN) - 1))) > 0.05);
});

test("the fit's check passes a drug and a biomarker that settle, and names one that does not (PK and PD)", () => {
  const pk = ONE_COMPARTMENT_PK;
  assert.deepEqual(finiteHistoryProblems(steady(pk), atTruth(pk, TRUTHS.addl.truth), pk), []);
  // CL 0.2 L/h, V 50 L: a 7-day half-life, 6 of them in the 6-week horizon (1.8 % left to build up)
  const slow = finiteHistoryProblems(steady(pk), atTruth(pk, withFixed(TRUTHS.addl.truth, { CL: 0.2 })), pk);
  assert.equal(slow.length, 1);
  assert.equal(slow[0]?.kind, 'finite-history');
  assert.ok((slow[0]?.value ?? 0) > HISTORY_TOLERANCE);
  assert.match(slow[0]?.message ?? '', /steady-state record \(SS=1\) implies: .* concentration on line 0 moves by .* write out the dosing history instead$/);
  // the indirect response: KOUT 0.04 /h settles; 0.001 /h (a 29-day half-life) does not, with a fast drug
  const pd = ONE_COMPARTMENT;
  assert.deepEqual(finiteHistoryProblems(steady(pd), atTruth(pd, TRUTHS.warfarin.truth), pd), []);
  const slowPd = finiteHistoryProblems(steady(pd), atTruth(pd, withFixed(TRUTHS.warfarin.truth, { KOUT: 0.001 })), pd);
  assert.match(slowPd[0]?.message ?? '', /biomarker on line 0 moves by /);
});

test("recordedDoses gives the file's own doses back when the implied history opens a later period", () => {
  const s = parseTrial(`${HEADER}\n1,0,100,.,0,1,1,.\n1,1,.,.,0,0,0,1\n1,24,50,24,1,1,1,.\n1,25,.,.,0,0,0,1\n`, 'ss.csv').subjects[0];
  assert.ok(s !== undefined && s.doses.length === 2 + priorDoseCount(24));
  assert.deepEqual(recordedDoses(s).map((d) => [d.amtMg, d.line]), [[100, 2], [50, 4]]);
});
