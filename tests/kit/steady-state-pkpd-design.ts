/**
 * A PK/PD trial sampled at steady state only (tests/unit/steady-state-pkpd.test.ts): 30 subjects in 3 arms
 * (3, 10, 30 mg daily), each file opening with an SS=1 record (II 24, ADDL 6) and no pre-dose sample;
 * PK and biomarker at 1-24 h after the record and over the last interval (145-168 h). Values simulated
 * at STEADY_STATE_TRUTH after a year of explicit daily doses. The drug and the biomarker turn over
 * within a day (half-lives 7 h), so the concentration and the response swing over each interval: data
 * at steady state only can place KOUT through that swing (a 41-hour drug would leave it flat).
 */
import type { DoseEvent, Subject, Trial } from '../../models/ingest/trial.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import { ONE_COMPARTMENT } from '../../models/structures/structure.js';
import { TRUTHS } from '../fixtures/real-layouts/truths.js';
import { mulberry32 } from './prng.js';

/** The warfarin fixture's 1cmt-oral-idr truth with a faster drug and biomarker (CL 2 L/h, V 20 L, KOUT 0.1 /h, IC50 0.2 mg/L; PK additive error 0.005 mg/L for these lower concentrations). */
export const STEADY_STATE_TRUTH = { ...TRUTHS.warfarin.truth, fixed: { ...TRUTHS.warfarin.truth.fixed, CL: 2, V1: 20, KOUT: 0.1, IC50: 0.2 }, sigma: { ...TRUTHS.warfarin.truth.sigma, pkAdditive: 0.005 } };

const SAMPLES = [1, 2, 4, 8, 12, 24, 145, 148, 156, 168];
const ARMS = [3, 10, 30];

/** The trial's CSV text. */
export function steadyStateTrial(seed: number): string {
  const u = mulberry32(seed);
  const subjects: Subject[] = Array.from({ length: 30 }, (_, i) => {
    const mg = ARMS[i % ARMS.length] ?? 10;
    // a year of daily doses before the record's, then the record's and 6 more (ADDL 6)
    const doses: DoseEvent[] = Array.from({ length: 372 }, (_, k) => ({ timeH: 24 * (k - 365), amtMg: mg, cmt: null, line: 0 }));
    const obs = SAMPLES.map((timeH) => ({ timeH, dv: 0, cmt: null, line: 0 }));
    return { id: i + 1, bwKg: Math.round(55 + 40 * u()), comed: 0, doseMg: mg, doses, pk: obs, pd: obs, excluded: [], firstLine: 0, lastLine: 0 };
  });
  const design: Trial = { file: 'ss-pkpd.csv', recordCount: 0, subjects, layout: { doseCmt: null, pkCmt: null, pdCmt: null } };
  const sim = simulateTrial(design, STEADY_STATE_TRUTH, seed, 0, ONE_COMPARTMENT).trial;
  const rows = ['ID,TIME,AMT,II,ADDL,SS,EVID,MDV,DVID,DV,WT'];
  for (const s of sim.subjects) {
    rows.push(`${s.id},0,${s.doseMg},24,6,1,1,1,.,.,${s.bwKg}`);
    s.pk.forEach((o, k) => {
      rows.push(`${s.id},${o.timeH},.,.,.,0,0,0,1,${Math.max(o.dv, 0.001).toFixed(4)},${s.bwKg}`);
      rows.push(`${s.id},${o.timeH},.,.,.,0,0,0,2,${(s.pd[k]?.dv ?? NaN).toFixed(2)},${s.bwKg}`);
    });
  }
  return `${rows.join('\n')}\n`;
}
