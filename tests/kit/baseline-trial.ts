/**
 * Test kit for the classical baselines (models/baselines): a once-daily trial whose truth IS the
 * Emax-on-Cavg model (or the logistic link), so fits can be checked against known parameters.
 * Subjects: BW ~ U(50, 100) kg, COMED ~ Bernoulli(0.5), doses every 24 h from 0 to 480 h (none for
 * placebo), one biomarker sample 12 h after the last dose whose value is the truth:
 *   emax:     DV = E0 + E_COMED COMED - IMAX C / (EC50 + C) + SIGMA e,  C = dose / (CL70 (BW/70)^0.75 24)
 *   logistic: DV = 1 (success) with probability sigmoid(x'b), else 5 (threshold 3.3 between them).
 * Draws from mulberry32 (Box-Muller for normals), so a seed fixes the trial.
 */
import { mulberry32 } from './prng.js';
import { averageConcentration, type ClearanceModel } from '../../models/baselines/exposure.js';
import { emaxEffect, type EmaxParameters } from '../../models/baselines/emax-model.js';
import { successProbability } from '../../models/baselines/logistic-model.js';

export interface BaselineSubject {
  readonly id: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  readonly doseMg: number;
  readonly dv: number;
}

export interface BaselineDesign {
  readonly armsMg: readonly number[];
  readonly perArm: number;
  readonly seed: number;
}

function subjects(d: BaselineDesign, dv: (x: { bwKg: number; comed: 0 | 1; doseMg: number }, u: () => number) => number): BaselineSubject[] {
  const u = mulberry32(d.seed);
  const out: BaselineSubject[] = [];
  for (const doseMg of d.armsMg) {
    for (let k = 0; k < d.perArm; k += 1) {
      const bwKg = Math.round((50 + 50 * u()) * 10) / 10;
      const comed: 0 | 1 = u() < 0.5 ? 0 : 1;
      out.push({ id: out.length + 1, bwKg, comed, doseMg, dv: dv({ bwKg, comed, doseMg }, u) });
    }
  }
  return out;
}

const normal = (u: () => number): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

/** `cl`: the clearance the fit will use too (the shipped EstData card's), so the truth is exactly the fitted model. */
export function emaxTruthSubjects(d: BaselineDesign, truth: EmaxParameters, cl: Pick<ClearanceModel, 'cl70LPerH' | 'exponent'>): BaselineSubject[] {
  return subjects(d, (x, u) => emaxEffect(truth, averageConcentration(cl, x.doseMg, x.bwKg, 24), x.comed) + truth.sigma * normal(u));
}

export function logisticTruthSubjects(d: BaselineDesign, beta: readonly number[]): BaselineSubject[] {
  return subjects(d, (x, u) => (u() < successProbability(beta, 24, x) ? 1 : 5));
}

/** The subjects as a NONMEM-style CSV (DV printed with 6 decimals). */
export function baselineTrialCsv(subjects: readonly BaselineSubject[]): string {
  const rows = ['ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID'];
  for (const s of subjects) {
    const cov = `${s.id},${s.bwKg},${s.comed},${s.doseMg}`;
    if (s.doseMg > 0) for (let t = 0; t <= 480; t += 24) rows.push(`${cov},${t},0,1,1,${s.doseMg},1,0`);
    rows.push(`${cov},492,${s.dv.toFixed(6)},0,0,0,3,2`);
  }
  return `${rows.join('\n')}\n`;
}
