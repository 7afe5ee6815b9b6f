/**
 * A sparse PK/PD design and truths for the start-value tests (start-values-ke0, start-values-kout): 4 arms
 * (0, 1, 3, 10 mg daily for 21 days), a pre-dose PD sample, then 2 PK and 2 PD samples per subject at
 * random times to 840 h, so no subject shows both the response's onset and the last interval's steady state.
 */
import { parseTrial, simulatorDoses, type Trial } from '../../models/ingest/trial.js';
import { FIXED_EFFECTS, individualParameters, type FixedEffects, type PopulationParameters } from '../../models/structures/parameters.js';
import { biomarker } from '../../models/structures/pd.js';
import type { Structure } from '../../models/structures/structure.js';
import { mulberry32 } from './prng.js';

export const DOSE_TIMES = Array.from({ length: 21 }, (_, i) => 24 * i);
export const END_H = 840;
export const SUBJECTS = 24;

/** SUBJECTS subjects in 4 arms (0, 1, 3, 10 mg daily for 21 days); PD pre-dose, then 2 PK and 2 PD samples at random times to 840 h. */
export function sparseDesign(iv: boolean, seed: number): Trial {
  const u = mulberry32(seed);
  const rows = ['ID,TIME,AMT,EVID,MDV,CMT,DVID,DV,BW,COMED'];
  const doseCmt = iv ? 2 : 1;
  for (let id = 1; id <= SUBJECTS; id += 1) {
    const mg = [0, 1, 3, 10][(id - 1) % 4]!;
    const [bw, comed] = [Math.round(55 + 40 * u()), Math.floor(u() * 2)];
    const at = (): number => Number((1 + (END_H - 1) * u()).toFixed(2));
    const events = [{ t: -1, row: `${id},0,0,0,0,3,2,1,${bw},${comed}` },
      ...(mg > 0 ? DOSE_TIMES.map((t) => ({ t, row: `${id},${t},${mg},1,1,${doseCmt},0,0,${bw},${comed}` })) : []),
      ...[at(), at()].map((t) => ({ t, row: `${id},${t},0,0,0,2,1,1,${bw},${comed}` })),
      ...[at(), at()].map((t) => ({ t, row: `${id},${t},0,0,0,3,2,1,${bw},${comed}` }))];
    for (const e of events.sort((a, b) => a.t - b.t)) rows.push(e.row);
  }
  return parseTrial(`${rows.join('\n')}\n`, `sparse-${iv ? 'iv' : 'oral'}.csv`);
}

/** Population values: the given typical values over every other's neutral value, `variance` on each random effect. */
export function truthOf(s: Structure, values: Partial<FixedEffects>, variance: number, sigma: PopulationParameters['sigma']): PopulationParameters {
  const fixed = { ...(Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, f.neutral])) as FixedEffects), ...values };
  return { fixed, omega: s.etaNames.map((_, i) => s.etaNames.map((__, j) => (i === j ? variance : 0))), sigma };
}

/** Naive-pooled sum of squared biomarker residuals of typical values (the start's refinement's objective). */
export function pooledPdSse(trial: Trial, s: Structure, fixed: FixedEffects): number {
  return trial.subjects.reduce((acc, subj) => {
    const r = biomarker(individualParameters(fixed, subj.bwKg, subj.comed, [], s, subj.covariates), simulatorDoses(subj), subj.pd.map((o) => o.timeH));
    return acc + subj.pd.reduce((a, o, j) => a + (o.dv - (r[j] ?? NaN)) ** 2, 0);
  }, 0);
}

/** max(a / b, b / a). */
export const ratio = (a: number, b: number): number => Math.max(a / b, b / a);
