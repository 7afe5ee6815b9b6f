/**
 * The threshold sweep's curves and minimal doses (issue 19 item 2): for each sweep threshold, the
 * cells' counts for that threshold go through the very curve and decision code of the main question
 * (regimenCurve, decide), so a sweep threshold equal to the question's gives the question's decisions.
 */
import type { CurveRow, RegimenCells } from './curves.js';
import { regimenCurve } from './curves.js';
import { decide } from './decisions.js';
import type { DecisionFlag } from './decisions.js';

export interface SweepCurveRow {
  readonly scenario: string;
  readonly regimen: string;
  readonly threshold_ng_ml: number;
  readonly dose: number;
  readonly n: number;
  readonly k: number;
  readonly p_hat: number;
  readonly band_lo: number;
  readonly band_hi: number;
}

/** Key order here is the key order of threshold-sweep.json. */
export interface SweepDecision {
  readonly scenario: string;
  readonly regimen: string;
  readonly threshold_ng_ml: number;
  readonly target: number;
  readonly mean_crossing: number | null;
  readonly conservative: number | null;
  readonly replicate_median: number | null;
  readonly flags: DecisionFlag[];
}

export interface SweepResult {
  readonly curves: SweepCurveRow[];
  readonly decisions: SweepDecision[];
}

/** The cells of sweep threshold h as plain cells (k = that threshold's count); sums are the question's. */
export function sweepCells(cells: RegimenCells, h: number): RegimenCells {
  const H = cells.scenario.thresholdsNgMl?.length ?? 0;
  const sweep = cells.kSweep;
  if (sweep === undefined || h < 0 || h >= H) throw new RangeError(`sweep threshold ${h} of ${H}`);
  const k = Int32Array.from({ length: cells.k.length }, (_, at) => sweep[at * H + h] ?? 0);
  return { scenario: cells.scenario, regimen: cells.regimen, k, sumMaxQ20: cells.sumMaxQ20, sumMaxSqQ12: cells.sumMaxSqQ12 };
}

/** Curves and decisions per sweep threshold, for every grid that has a sweep (threshold, then dose / target order). */
export function sweepResult(grids: readonly RegimenCells[]): SweepResult | undefined {
  const curves: SweepCurveRow[] = [];
  const decisions: SweepDecision[] = [];
  for (const cells of grids) {
    const thresholds = cells.scenario.thresholdsNgMl;
    if (thresholds === undefined) continue;
    thresholds.forEach((threshold, h) => {
      const one = sweepCells(cells, h);
      const curve: CurveRow[] = regimenCurve(one);
      for (const c of curve) {
        curves.push({ scenario: c.scenario, regimen: c.regimen, threshold_ng_ml: threshold, dose: c.dose, n: c.n, k: c.k, p_hat: c.p_hat, band_lo: c.band_lo, band_hi: c.band_hi });
      }
      for (const target of cells.scenario.targets) {
        const d = decide(one, curve, target);
        decisions.push({
          scenario: d.scenario, regimen: d.regimen, threshold_ng_ml: threshold, target,
          mean_crossing: d.mean_crossing, conservative: d.conservative, replicate_median: d.replicate_median, flags: d.flags,
        });
      }
    });
  }
  return curves.length === 0 ? undefined : { curves, decisions };
}
