/** What both baselines' cards record: the data, the seed, and estimate tables with Wald intervals. */
import type { SubjectSummary } from './last-window.js';
import { BASELINE_TAU_H } from './last-window.js';

export interface BaselineData {
  readonly file: string;
  readonly sha256: string;
}

export const round = (v: number): number => Number(v.toPrecision(6));

/** z_0.975, for two-sided 95 % Wald intervals */
const Z975 = 1.959963984540054;

export function estimateTable(names: readonly string[], estimate: readonly number[], covariance: readonly (readonly number[])[]) {
  return names.map((name, i) => {
    const se = Math.sqrt(covariance[i]?.[i] ?? NaN);
    const v = estimate[i] ?? NaN;
    return { name, estimate: round(v), se: round(se), ci95: [round(v - Z975 * se), round(v + Z975 * se)] };
  });
}

export function baselineProvenance(data: BaselineData, subjects: readonly SubjectSummary[], seed: number, method: string): Record<string, unknown> {
  return {
    method,
    trainer: 'models/baselines (qusop train emax|logistic)',
    data: {
      file: data.file,
      sha256: data.sha256,
      subjects: subjects.length,
      window: `each subject's last dosing window [t0, t0 + ${BASELINE_TAU_H}] h (placebo: the trial's latest last dose); PD_LAST_MAX = its largest observed biomarker`,
    },
    seeds: { seed, streams: 'parameter-uncertainty draws: Philox4x32-10 keyed by the seed (row 0 = the estimate)' },
  };
}
