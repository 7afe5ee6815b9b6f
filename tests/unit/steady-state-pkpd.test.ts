/**
 * A PK/PD trial sampled at steady state only: every subject's file opens with an SS=1 record (no
 * pre-dose biomarker sample exists), as sparse phase 2 data often are. The values are simulated after a
 * year of explicit daily doses (not the 6-week history the reader writes), the file is read back through
 * the reader, and the indirect-response fit must find the truth: the baseline start comes from the
 * samples themselves (start-values.ts), the steady state from the implied history. (Measured, seed 1:
 * CL 2.09, V1 20.7, KA 1.11, R0 91.1 (se 5.5), KOUT 0.114, IMAX 0.91, IC50 0.207; SAEM not stationary
 * by its own criterion, so `qusop fit` would say "converged: false" and export nothing.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial } from '../../models/ingest/trial.js';
import { startValues } from '../../models/estimate/start-values.js';
import { fitPopulationModel } from '../../models/estimate/fit.js';
import { finiteHistoryProblems } from '../../analysis/fit/history-check.js';
import { ONE_COMPARTMENT } from '../../models/structures/structure.js';
import { STEADY_STATE_TRUTH, steadyStateTrial } from '../kit/steady-state-pkpd-design.js';

test('a PK/PD trial at steady state from its first record: the start has a baseline without a pre-dose sample, and the fit finds the truth', async () => {
  const trial = parseTrial(steadyStateTrial(7), 'ss-pkpd.csv');
  assert.ok(trial.subjects.every((s) => s.doses[0]?.steadyState !== undefined && s.pd.every((o) => o.timeH > 0)));
  const start = startValues(trial, ONE_COMPARTMENT);
  assert.ok(start.notes.some((n) => /no biomarker sample at or before a subject's first dose: R0 starts at the geometric mean of all 300 samples/.test(n)), start.notes.join('\n'));
  // one SAEM run (~1.5 min on 2 cores; measured 84 s): its estimates, and the history check at them
  const fit = await fitPopulationModel(trial, { structure: ONE_COMPARTMENT, seed: 1 });
  assert.deepEqual(finiteHistoryProblems(trial, fit, ONE_COMPARTMENT), []);
  const truth = STEADY_STATE_TRUTH;
  // within 3 of the fit's own standard errors of the truth (a fixed seed), and 30 % so a wide SE cannot pass a poor fit
  for (const name of ['CL', 'V1', 'KA', 'R0', 'KOUT', 'IMAX', 'IC50'] as const) {
    const est = fit.population.fixed[name];
    const se = fit.se.fixed[name];
    assert.ok(Math.abs(est - truth.fixed[name]) < 3 * se && Math.abs(est / truth.fixed[name] - 1) < 0.3, `${name} ${est} (SE ${se}) against the truth's ${truth.fixed[name]}`);
  }
});
