/**
 * The periodic steady state's biomarker under IV boluses (steadyStateBiomarker's `ivBolus`) equals the
 * independent repeated-dosing history (repeatedDosingWindow with IV doses) for every IV PD structure;
 * without `ivBolus` the same individual's biomarker is the oral one, which differs: the test can tell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { individualParameters, type PopulationParameters } from '../../models/structures/parameters.js';
import { repeatedDosingWindow, steadyStateBiomarker } from '../../models/structures/steady-state.js';
import { STRUCTURES } from '../../models/structures/structure.js';

// a fast drug (half-life ~14 h) so the oral and IV profiles differ; turnover half-life ~23 h, effect-compartment ~14 h
const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.3, V2: 6, KA: 0.7, R0: 10, BETA_COMED_R0: 0, KOUT: 0.03, IMAX: 0.8, IC50: 0.5, GAMMA: 1.3, KE0: 0.05, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const IV_PD = STRUCTURES.filter((s) => s.route === 'iv' && s.pd);

test('steady-state biomarker after IV boluses = the repeated-dosing IV history, every IV PD structure, QD and QW', () => {
  assert.ok(IV_PD.length >= 10, `IV PD structures: ${IV_PD.map((s) => s.id).join(', ')}`);
  for (const s of IV_PD) {
    const p = individualParameters(FIXED, 70, 0, new Array<number>(s.etaNames.length).fill(0), s);
    for (const [tag, tau, dose] of [['qd', 24, 10], ['qw', 168, 100]] as const) {
      const times = REGIMEN_GRIDS[tag].timesH;
      const direct = steadyStateBiomarker(p, dose, tau, times, { ivBolus: true, relTol: 1e-9 });
      const history = repeatedDosingWindow(p, dose, tau, times, { iv: { durationH: 0 }, relTol: 1e-9 }).pd;
      const oral = steadyStateBiomarker(p, dose, tau, times, { relTol: 1e-9 });
      // both to ~1e-9 relative; the history's doses stop 45 half-lives after the start (dosesToSteadyState): e^-31
      const worst = Math.max(...times.map((_, i) => Math.abs((direct[i] ?? NaN) - (history[i] ?? NaN)) / Math.abs(history[i] ?? NaN)));
      assert.ok(worst <= 1e-6, `${s.id} ${tag}: relative difference ${worst}`);
      const oralGap = Math.max(...times.map((_, i) => Math.abs((oral[i] ?? NaN) - (history[i] ?? NaN)) / Math.abs(history[i] ?? NaN)));
      assert.ok(oralGap > 1e-3, `${s.id} ${tag}: the oral steady state is as close (${oralGap}): the comparison cannot tell IV from oral`);
    }
  }
});
