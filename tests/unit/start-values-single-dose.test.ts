// Start values of the drug effect on a single-ascending-dose trial (one dose per subject, no steady
// state): the effect is read at the response's extreme against the concentration then
// (start-values-effect.ts singleDoseEffect), the onset from the time to half that change. On a SAD trial
// simulated from an indirect response (I and III), the start lands near the truth: KOUT and GAMMA within
// 2x, for type I IMAX within 1.5x and IC50 within 2x (old rule on the same trials: KOUT 0.27, GAMMA 54,
// IC50 60 and 115). Before, the
// multiple-dose rule read the first 24 h after the single dose as "the last dosing interval" (an IDR with
// a 23 h turnover half-life has barely moved by then) and found no onset: the SAD bench trial of
// 1cmt-oral-idr started at KOUT 0.29 (true 0.03), GAMMA 0.23, and SAEM from the bench seed stopped at
// -2LL -316.5, 320 above the converged fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrial } from '../../models/ingest/trial.js';
import { startValues } from '../../models/estimate/start-values.js';
import { singleDoseEffect } from '../../models/estimate/start-values-effect.js';
import { individualParameters, type FixedEffects } from '../../models/structures/parameters.js';
import { biomarker } from '../../models/structures/pd.js';
import { concentrations } from '../../models/structures/pk.js';
import { structureById } from '../../models/structures/structure.js';
import { mulberry32 } from '../kit/prng.js';

const TRUTH: FixedEffects = { CL: 0.044, V1: 8.4, Q: 0, V2: 1, KA: 1, R0: 10, BETA_COMED_R0: -0.25, KOUT: 0.03, IMAX: 0.9, IC50: 1.2, GAMMA: 1, KE0: 1, SMAX: 1.8, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const TIMES = [0.5, 1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336];
const DOSES = [1, 3, 10, 30, 100];

/** A SAD trial (5 cohorts x 4 subjects) of the structure, IIV sd 0.2 on CL and R0, 10 % PK and 0.3 ng/mL PD noise. */
function sadTrial(id: Parameters<typeof structureById>[0], seed: number): string {
  const s = structureById(id);
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const lines = ['ID,TIME,AMT,EVID,MDV,CMT,DVID,DV,BW,COMED'];
  DOSES.forEach((mg, k) => {
    for (let j = 0; j < 4; j += 1) {
      const id = k * 4 + j + 1;
      const [bw, comed] = [Math.round(60 + 30 * u()), j % 2];
      const p = individualParameters(TRUTH, bw, comed, s.etaNames.map((e) => (e === 'CL' || e === 'R0' ? 0.2 * normal() : 0)), s);
      const doses = [{ timeH: 0, amountMg: mg }];
      const c = concentrations(p, doses, TIMES);
      const r = biomarker(p, doses, [0, ...TIMES]);
      lines.push(`${id},0,0,0,0,3,2,${(r[0]! + 0.3 * normal()).toFixed(4)},${bw},${comed}`, `${id},0,${mg},1,1,1,0,0,${bw},${comed}`);
      TIMES.forEach((t, i) => lines.push(
        `${id},${t},0,0,0,2,1,${(c[i]! * (1 + 0.1 * normal())).toPrecision(5)},${bw},${comed}`,
        `${id},${t},0,0,0,3,2,${(r[i + 1]! + 0.3 * normal()).toFixed(4)},${bw},${comed}`,
      ));
    }
  });
  return `${lines.join('\n')}\n`;
}

const ratio = (a: number, b: number): number => Math.max(a / b, b / a);

for (const [id, max] of [['1cmt-oral-idr', 'IMAX'], ['1cmt-oral-idr3', 'SMAX']] as const) {
  test(`${id}: single-dose start values near the truth (KOUT and GAMMA within 2x${max === 'IMAX' ? ', IMAX within 1.5x, IC50 within 2x' : ''})`, (t) => {
    const s = structureById(id);
    const { population } = startValues(parseTrial(sadTrial(id, 11), 'sad.csv'), s);
    const f = population.fixed;
    const what = `${id}: start ${max} ${f[max]} (true ${TRUTH[max]}), IC50 ${f.IC50} (true ${TRUTH.IC50}), KOUT ${f.KOUT} (true ${TRUTH.KOUT}), GAMMA ${f.GAMMA} (true 1)`;
    t.diagnostic(what);
    assert.ok(ratio(f.KOUT, TRUTH.KOUT) <= 2, what);
    assert.ok(ratio(f.GAMMA, TRUTH.GAMMA) <= 2, what);
    // SMAX and IC50 of the stimulation: the naive-pooled refinement (no IIV) moves them together to ~2-3x
    // the truth on this trial from a start within 10-15 % of it (the same with a direct Emax, whose
    // start the single-dose rule does not change); only the bounded IMAX's pair is checked
    if (max === 'IMAX') {
      assert.ok(ratio(f.IMAX, TRUTH.IMAX) <= 1.5, what);
      assert.ok(ratio(f.IC50, TRUTH.IC50) <= 2, what);
    }
  });
}

test('singleDoseEffect: the extreme response against the concentration then satisfies the steady-state relation', () => {
  const s = structureById('1cmt-oral-idr');
  const times = Array.from({ length: 400 }, (_, i) => (i + 1) * 0.5);
  const p = individualParameters(TRUTH, 70, 0, s.etaNames.map(() => 0), s);
  const doses = [{ timeH: 0, amountMg: 10 }];
  const c = concentrations(p, doses, times);
  const r = biomarker(p, doses, times);
  const subject = parseTrial(['ID,TIME,AMT,EVID,MDV,CMT,DVID,DV,BW', '1,0,10,1,1,1,0,0,70',
    ...times.flatMap((t, i) => [`1,${t},0,0,0,2,1,${c[i]},70`, `1,${t},0,0,0,3,2,${r[i]},70`])].join('\n'), 'one.csv').subjects[0]!;
  const x = singleDoseEffect(s, subject, TRUTH.R0);
  assert.ok(x !== null);
  // at dR/dt = 0: R / R0 = 1 - IMAX C / (IC50 + C) (GAMMA 1); the 0.5 h grid leaves the extreme within a step
  const implied = (TRUTH.IMAX * x.c) / (TRUTH.IC50 + x.c);
  assert.ok(Math.abs(x.f - implied) < 0.01, `f ${x.f} vs ${implied} at C ${x.c}`);
  assert.ok(x.onsetH !== null && x.onsetH > 0);
  // no PD after the dose: nothing to read
  assert.equal(singleDoseEffect(s, { ...subject, pd: [] }, TRUTH.R0), null);
});
