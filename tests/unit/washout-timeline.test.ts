/**
 * Resets (EVID 3/4, models/ingest/washout-timeline.ts): a crossover whose clock restarts reads as two
 * periods a washout apart on one time axis; the second period predicts what a fresh subject would; a
 * period may open with a steady-state dose; the refusals name their line; and the fit's check
 * (analysis/fit/history-check.ts) names a drug too slow for the washout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial, type Trial } from '../../models/ingest/trial.js';
import { WASHOUT_H } from '../../models/ingest/washout-timeline.js';
import { priorDoseCount } from '../../models/ingest/steady-state-history.js';
import { periodClock, withLongerHistory } from '../../models/ingest/history-length.js';
import { finiteHistoryProblems } from '../../analysis/fit/history-check.js';
import { goodnessOfFit } from '../../models/estimate/gof.js';
import { residualSpec } from '../../analysis/fit/figures.js';
import { InputError } from '../../worker/common/errors.js';
import { ONE_COMPARTMENT_PK } from '../../models/structures/structure.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { TRUTHS } from '../fixtures/real-layouts/truths.js';

const HEADER = 'ID,TIME,AMT,II,ADDL,SS,EVID,MDV,DV';
const SAMPLES = [1, 2, 4, 8, 24];
/** One subject, two periods of 100 mg with the same samples; the second opens with `reset` at TIME `restart`. */
function crossover(reset: string, restart: number): string {
  const period = (t0: number) => SAMPLES.map((t) => `1,${t0 + t},.,.,.,0,0,0,1`);
  return [HEADER, '1,0,100,.,.,0,1,1,.', ...period(0), reset, ...period(restart), ''].join('\n');
}

test('a crossover whose clock restarts at an EVID 4 reads as two periods a washout apart', () => {
  const trial = parseTrial(crossover('1,0,100,.,.,0,4,1,.', 0), 'x.csv');
  const [s] = trial.subjects;
  assert.deepEqual(s?.doses.map((d) => d.timeH), [0, 24 + WASHOUT_H]);
  assert.deepEqual(s?.pk.map((o) => o.timeH), [...SAMPLES, ...SAMPLES.map((t) => t + 24 + WASHOUT_H)]);
  assert.deepEqual(s?.washouts, [{ fromH: 24, atH: 24 + WASHOUT_H, line: 8, fileTimeH: 0 }]);
  // EVID 3 (reset alone) then a dose, the clock going on: the same periods
  const evid3 = parseTrial(crossover('1,200,.,.,.,0,3,1,.\n1,200,100,.,.,0,1,1,.', 200), 'x.csv');
  assert.deepEqual(evid3.subjects[0]?.doses.map((d) => d.timeH), [0, 24 + WASHOUT_H]);
  assert.deepEqual(evid3.subjects[0]?.pk.map((o) => o.timeH), s?.pk.map((o) => o.timeH));
  // a reader's view (the VPC's bins): each period on its own clock, with the dose that opens it
  const twoDoses = parseTrial(crossover('1,0,200,.,.,0,4,1,.', 0), 'x.csv').subjects[0];
  assert.ok(twoDoses !== undefined);
  assert.deepEqual(twoDoses.pk.map((o) => periodClock(twoDoses, o.timeH)), [...SAMPLES.map((t) => ({ timeH: t, doseMg: 100 })), ...SAMPLES.map((t) => ({ timeH: t, doseMg: 200 }))]);
  const later = evid3.subjects[0];
  assert.ok(later !== undefined);
  assert.deepEqual(periodClock(later, later.pk[SAMPLES.length]?.timeH ?? NaN), { timeH: 201, doseMg: 100 });
});

const atTruth = (p: PopulationParameters) => ({ population: p, individual: [{ id: 1, eta: [0.2, -0.1, 0.3] }] });
const ipreds = (t: Trial, p: PopulationParameters) => goodnessOfFit(t, p, atTruth(p).individual, ONE_COMPARTMENT_PK).map((x) => x.ipred);

test('after the washout the second period predicts what the first does; without the reset it would not', () => {
  const truth = TRUTHS.addl.truth;
  const two = ipreds(parseTrial(crossover('1,0,100,.,.,0,4,1,.', 0), 'x.csv'), truth);
  const first = two.slice(0, SAMPLES.length);
  const second = two.slice(SAMPLES.length);
  second.forEach((c, i) => assert.ok(Math.abs(c / (first[i] ?? NaN) - 1) < 1e-9, `sample ${i}: ${c} against ${first[i]}`));
  // the same second dose 24 h after the first, no reset: its samples carry the first dose's remains
  const noReset = ipreds(parseTrial(crossover('1,24,100,.,.,0,1,1,.', 24), 'x.csv'), truth).slice(SAMPLES.length);
  assert.ok(Math.abs((noReset[0] ?? NaN) / (first[0] ?? NaN) - 1) > 0.05);
  assert.deepEqual(finiteHistoryProblems(parseTrial(crossover('1,0,100,.,.,0,4,1,.', 0), 'x.csv'), atTruth(truth), ONE_COMPARTMENT_PK), []);
});

test('a period may open with a steady-state dose: its implied history sits inside the washout', () => {
  const trial = parseTrial(crossover('1,0,100,24,.,1,4,1,.', 0), 'x.csv');
  const s = trial.subjects[0];
  const n = priorDoseCount(24);
  const w = s?.washouts?.[0];
  assert.equal(w?.atH, 24 + WASHOUT_H + n * 24, 'the gap leaves the washout before the implied doses');
  const implied = s?.doses.filter((d) => d.steadyState !== undefined) ?? [];
  assert.equal(implied.length, n);
  assert.equal(implied[0]?.timeH, 24 + WASHOUT_H);
  assert.deepEqual(s?.doses.map((d) => d.timeH).filter((t) => t > (w?.atH ?? 0) - 1), [w?.atH]);
  // doubling: the washout and the implied doses both double, still in time order
  const longer = withLongerHistory(trial, 2).subjects[0];
  const times = longer?.doses.map((d) => d.timeH) ?? [];
  assert.equal(times.length, 2 + 2 * n);
  assert.ok(times.every((t, i) => i === 0 || t > (times[i - 1] ?? Infinity)));
  assert.equal(longer?.washouts?.[0]?.atH, 24 + 2 * (WASHOUT_H + n * 24));
});

test('refused at their line: time going back without a reset, an ADDL series past a reset or a steady-state dose', () => {
  const refused = (text: string, pattern: RegExp): void => {
    assert.throws(() => parseTrial(text, 'x.csv'), (e: unknown) => e instanceof InputError && pattern.test(e.message), text);
  };
  refused(crossover('1,0,100,.,.,0,1,1,.', 0), /^x\.csv:8: column TIME: expected >= 24 h .*except at a reset, EVID 3\/4\), found 0 h$/);
  refused([HEADER, '1,0,100,24,5,0,1,1,.', '1,1,.,.,.,0,0,0,1', '1,48,100,.,.,0,4,1,.', '1,49,.,.,.,0,0,0,1', ''].join('\n'), /^x\.csv:4: column TIME: expected a reset \(EVID 4\) after the doses before it have ended: line 2's ADDL series or infusion runs to 120 h, found 48 h$/);
  refused([HEADER, '1,0,100,24,5,0,1,1,.', '1,1,.,.,.,0,0,0,1', '1,48,100,24,.,1,1,1,.', '1,49,.,.,.,0,0,0,1', ''].join('\n'), /^x\.csv:4: column TIME: expected a steady-state dose \(SS=1, a reset in NONMEM\) after the doses before it have ended: line 2's ADDL series or infusion runs to 120 h, found 48 h$/);
});

test("the fit's check names a drug too slow for the washout", () => {
  const slow = { ...TRUTHS.addl.truth, fixed: { ...TRUTHS.addl.truth.fixed, CL: 0.05 } }; // a 29-day half-life
  const problems = finiteHistoryProblems(parseTrial(crossover('1,0,100,.,.,0,4,1,.', 0), 'x.csv'), atTruth(slow), ONE_COMPARTMENT_PK);
  assert.equal(problems[0]?.kind, 'finite-history');
  assert.match(problems[0]?.message ?? '', /the 1008 h washout before a reset \(EVID 3\/4\): with 2 times as long, ID 1's concentration on line 9 moves by/);
});

test("the fit's plots show each period on its own clock and dose; a trial without resets is drawn as before", () => {
  const truth = TRUTHS.addl.truth;
  const points = goodnessOfFit(parseTrial(crossover('1,0,200,.,.,0,4,1,.', 0), 'x.csv'), truth, atTruth(truth).individual, ONE_COMPARTMENT_PK);
  const rows = (residualSpec(points) as unknown as { data: { values: { t: number; dose: string; panel: string }[] } }).data.values;
  assert.deepEqual(rows.map((r) => [r.t, r.dose]), [...SAMPLES.map((t) => [t, '100 mg']), ...SAMPLES.map((t) => [t, '200 mg'])]);
  assert.match(rows[0]?.panel ?? '', /IWRES vs time in the period$/);
  const single = goodnessOfFit(parseTrial([HEADER, '1,0,100,.,.,0,1,1,.', ...SAMPLES.map((t) => `1,${t},.,.,.,0,0,0,1`), ''].join('\n'), 'x.csv'), truth, atTruth(truth).individual, ONE_COMPARTMENT_PK);
  assert.ok(single.every((p) => p.period === undefined));
  assert.match((residualSpec(single) as unknown as { data: { values: { panel: string }[] } }).data.values[0]?.panel ?? '', /IWRES vs time$/);
});
