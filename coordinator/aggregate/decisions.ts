/**
 * Dose decisions, and `aggregate`, the aggregator's pure entry point (rows in, curves + decisions out).
 * For each target pi: the mean-crossing dose (smallest grid dose with p_hat >= pi), the
 * conservative dose (smallest grid dose whose lower band >= pi: the chance-constrained choice), and
 * the distribution over replicates of each replicate's own minimal dose, which shows how much the
 * recommendation would move with another population draw. Doses are grid values in mg; nothing is
 * interpolated between grid points except the replicate quantiles (R type 7).
 */
import type { ShardRow } from '../store/shard-schema.js';
import { quantileType1 } from './bands.js';
import { collectCells, curveBand, regimenCurve, replicatePHat } from './curves.js';
import type { CurveRow, RegimenCells } from './curves.js';
import { validatePlan } from './plan.js';
import type { AggregationPlan, BandSpec } from './plan.js';

export type DecisionFlag = 'non-monotone' | 'not-reached' | 'conservative-not-reached' | 'replicates-not-reached';

/** Key order here is the key order of decisions.json. */
export interface Decision {
  readonly scenario: string;
  readonly regimen: string;
  readonly target: number;
  /** mg, or null when the mean curve never reaches the target on the grid */
  readonly mean_crossing: number | null;
  readonly conservative: number | null;
  /** median / 2.5 % / 97.5 % of the per-replicate minimal dose; null when that quantile is "never" */
  readonly replicate_median: number | null;
  readonly replicate_lo: number | null;
  readonly replicate_hi: number | null;
  readonly flags: DecisionFlag[];
  /** consecutive doses where p_hat drops by more than NON_MONOTONE_TOLERANCE */
  readonly non_monotone_steps: number;
  readonly band: BandSpec;
}

/** p_hat is a ratio of counts, so any real drop is far above rounding noise. */
export const NON_MONOTONE_TOLERANCE = 1e-12;

export interface Aggregate {
  readonly curves: CurveRow[];
  readonly decisions: Decision[];
}

/** Validate the plan, check completeness, build curves and decisions (in plan order). Pure. */
export function aggregate(plan: AggregationPlan, rows: Iterable<ShardRow>): Aggregate {
  validatePlan(plan);
  return aggregateCells(collectCells(plan, rows));
}

/** Curves and decisions from complete grids (built with CellCollector when rows stream in shard by shard). */
export function aggregateCells(grids: readonly RegimenCells[]): Aggregate {
  const curves: CurveRow[] = [];
  const decisions: Decision[] = [];
  for (const cells of grids) {
    const curve = regimenCurve(cells);
    curves.push(...curve);
    for (const target of cells.scenario.targets) decisions.push(decide(cells, curve, target));
  }
  return { curves, decisions };
}

function firstDose(dosesMg: readonly number[], reached: (d: number) => boolean): number | null {
  const i = dosesMg.findIndex((_, d) => reached(d));
  return i < 0 ? null : (dosesMg[i] ?? null);
}

export function nonMonotoneSteps(pHats: readonly number[]): number {
  let steps = 0;
  for (let d = 1; d < pHats.length; d += 1) if ((pHats[d] ?? 0) < (pHats[d - 1] ?? 0) - NON_MONOTONE_TOLERANCE) steps += 1;
  return steps;
}

/** Each replicate's smallest grid dose with k/M >= target (+Infinity when it never gets there), ascending. */
export function replicateMinimalDoses(cells: RegimenCells, target: number): number[] {
  const R = cells.scenario.replicates;
  const doses = cells.regimen.dosesMg;
  const out: number[] = [];
  for (let rep = 0; rep < R; rep += 1) out.push(firstDose(doses, (d) => replicatePHat(cells, d, rep) >= target) ?? Infinity);
  return out.sort((a, b) => a - b);
}

export function decide(cells: RegimenCells, curve: readonly CurveRow[], target: number): Decision {
  const doses = cells.regimen.dosesMg;
  const meanCrossing = firstDose(doses, (d) => (curve[d]?.p_hat ?? 0) >= target);
  const conservative = firstDose(doses, (d) => (curve[d]?.band_lo ?? 0) >= target);
  const perReplicate = replicateMinimalDoses(cells, target);
  const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const steps = nonMonotoneSteps(curve.map((c) => c.p_hat));
  const flags: DecisionFlag[] = [];
  if (steps > 0) flags.push('non-monotone');
  if (meanCrossing === null) flags.push('not-reached');
  if (conservative === null) flags.push('conservative-not-reached');
  if (perReplicate.some((v) => !Number.isFinite(v))) flags.push('replicates-not-reached');
  return {
    scenario: cells.scenario.name,
    regimen: cells.regimen.name,
    target,
    mean_crossing: meanCrossing,
    conservative,
    replicate_median: finiteOrNull(quantileType1(perReplicate, 0.5)),
    replicate_lo: finiteOrNull(quantileType1(perReplicate, 0.025)),
    replicate_hi: finiteOrNull(quantileType1(perReplicate, 0.975)),
    flags,
    non_monotone_steps: steps,
    band: { method: curveBand(cells).method, level: cells.scenario.band.level },
  };
}
