/**
 * Joint endpoints (issue 19 item 1): per (scenario, regimen, target) the minimal efficacious dose (the
 * question's decision), the maximal safe dose and the therapeutic window between them.
 *
 *   safety attainment  p_safe(d) = K_safe / N, banded like the question (the scenario's band method)
 *   maximal safe dose  scanning the grid upward, the last dose before the first one whose p_safe falls
 *                      below the safety target (mean), or whose lower band does (conservative); null
 *                      when the lowest dose is already unsafe
 *   window             [minimal efficacious, maximal safe] when both exist and min <= max; otherwise
 *                      null with the reason ("no window")
 *
 * Both the efficacy and the safety decisions come from the same subjects, so K_both (efficacious and
 * safe) is reported beside them per dose.
 */
import type { CurveRow, RegimenCells } from './curves.js';
import { regimenCurve } from './curves.js';
import type { Decision } from './decisions.js';

export interface JointCurveRow {
  readonly scenario: string;
  readonly regimen: string;
  readonly dose: number;
  readonly n: number;
  readonly p_efficacy: number;
  readonly p_safe: number;
  readonly p_both: number;
  /** 1 - p_safe: the Pareto plot's x */
  readonly p_exceed: number;
  readonly safe_band_lo: number;
  readonly safe_band_hi: number;
}

export type NoWindowReason = 'not-efficacious' | 'not-safe' | 'efficacious-dose-above-safe-dose';

export interface WindowBounds {
  readonly minimal_efficacious: number | null;
  readonly maximal_safe: number | null;
  /** [from, to] in mg, or null: then `no_window` says why */
  readonly window: readonly [number, number] | null;
  readonly no_window: NoWindowReason | null;
}

/** Key order here is the key order of therapeutic-window.json. */
export interface WindowDecision {
  readonly scenario: string;
  readonly regimen: string;
  readonly target: number;
  readonly safety_target: number;
  readonly mean: WindowBounds;
  readonly conservative: WindowBounds;
}

export interface WindowResult {
  readonly curves: JointCurveRow[];
  readonly windows: WindowDecision[];
}

/** Last dose of the upward scan before the first unsafe one; null when the first dose is unsafe. */
export function maximalSafeDose(doses: readonly number[], safe: (d: number) => boolean): number | null {
  let last: number | null = null;
  for (let d = 0; d < doses.length; d += 1) {
    if (!safe(d)) break;
    last = doses[d] ?? null;
  }
  return last;
}

export function windowBounds(minimalEfficacious: number | null, maximalSafe: number | null): WindowBounds {
  const reason: NoWindowReason | null =
    minimalEfficacious === null ? 'not-efficacious' : maximalSafe === null ? 'not-safe' : minimalEfficacious > maximalSafe ? 'efficacious-dose-above-safe-dose' : null;
  const window = reason === null && minimalEfficacious !== null && maximalSafe !== null ? ([minimalEfficacious, maximalSafe] as const) : null;
  return { minimal_efficacious: minimalEfficacious, maximal_safe: maximalSafe, window, no_window: reason };
}

/** Joint curves and windows for every grid with a safety endpoint; `decisions` are the question's (aggregateCells). */
export function windowResult(grids: readonly RegimenCells[], decisions: readonly Decision[]): WindowResult | undefined {
  const curves: JointCurveRow[] = [];
  const windows: WindowDecision[] = [];
  for (const cells of grids) {
    const { scenario, regimen } = cells;
    if (scenario.safety === undefined || cells.kSafe === undefined || cells.kBoth === undefined) continue;
    const efficacy = regimenCurve(cells);
    const safe: CurveRow[] = regimenCurve({ ...cells, k: cells.kSafe });
    const both: CurveRow[] = regimenCurve({ ...cells, k: cells.kBoth });
    regimen.dosesMg.forEach((dose, d) => {
      const s = safe[d] as CurveRow;
      curves.push({
        scenario: scenario.name, regimen: regimen.name, dose, n: s.n, p_efficacy: efficacy[d]?.p_hat ?? NaN, p_safe: s.p_hat,
        p_both: both[d]?.p_hat ?? NaN, p_exceed: 1 - s.p_hat, safe_band_lo: s.band_lo, safe_band_hi: s.band_hi,
      });
    });
    const safetyTarget = scenario.safety.target;
    const maxSafeMean = maximalSafeDose(regimen.dosesMg, (d) => (safe[d]?.p_hat ?? 0) >= safetyTarget);
    const maxSafeConservative = maximalSafeDose(regimen.dosesMg, (d) => (safe[d]?.band_lo ?? 0) >= safetyTarget);
    for (const target of scenario.targets) {
      const q = decisions.find((x) => x.scenario === scenario.name && x.regimen === regimen.name && x.target === target);
      windows.push({
        scenario: scenario.name, regimen: regimen.name, target, safety_target: safetyTarget,
        mean: windowBounds(q?.mean_crossing ?? null, maxSafeMean),
        conservative: windowBounds(q?.conservative ?? null, maxSafeConservative),
      });
    }
  }
  return windows.length === 0 ? undefined : { curves, windows };
}
