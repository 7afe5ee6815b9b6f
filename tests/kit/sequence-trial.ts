/**
 * Test kit for the sequence models (models/sequence): small synthetic NONMEM-style trials with a
 * known PD function, so resampled windows can be checked exactly, and the repository path helper.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A repository file; works from the tsx source tree and from dist/tests alike. */
export function repoFile(rel: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes(`${join('dist', 'tests')}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, rel);
}

export interface SyntheticTrial {
  /** nominal dose per arm (0 = placebo: no dose records) */
  readonly armsMg: readonly number[];
  readonly perArm: number;
  /** dose times of dosed subjects */
  readonly doseTimesH: readonly number[];
  /** PD observation times (absolute) */
  readonly pdTimesH: readonly number[];
  /** PD value of subject id at absolute time t */
  readonly pd: (id: number, tH: number) => number;
}

/** BW 50 + 3 id kg, COMED = id mod 2; subjects numbered 1.. in arm order. */
export function syntheticTrialCsv(s: SyntheticTrial): string {
  const rows = ['ID,BW,COMED,DOSE,TIME,DV,EVID,MDV,AMT,CMT,DVID'];
  let id = 0;
  for (const dose of s.armsMg) {
    for (let k = 0; k < s.perArm; k++) {
      id += 1;
      const cov = `${id},${50 + 3 * id},${id % 2},${dose}`;
      const events: { t: number; row: string }[] = s.pdTimesH.map((t) => ({ t, row: `${cov},${t},${s.pd(id, t)},0,0,0,3,2` }));
      if (dose > 0) s.doseTimesH.forEach((t) => events.push({ t: t - 1e-9, row: `${cov},${t},0,1,1,${dose},1,0` }));
      events.sort((a, b) => a.t - b.t).forEach((e) => rows.push(e.row));
    }
  }
  return `${rows.join('\n')}\n`;
}
