/**
 * The cell grid's sweep and safety counts (issue 19): allocated only for a scenario that has them, and
 * every row of such a scenario must carry them (and no row of another may).
 */
import { checkJointRow } from '../store/shard-layout.js';
import type { ShardRow } from '../store/shard-schema.js';
import type { RegimenCells } from './curves.js';
import type { PlanScenario } from './plan.js';

export function jointGrids(scenario: PlanScenario, size: number): Pick<RegimenCells, 'kSweep' | 'kSafe' | 'kBoth'> {
  const H = scenario.thresholdsNgMl?.length;
  return {
    ...(H === undefined ? {} : { kSweep: new Int32Array(size * H) }),
    ...(scenario.safety === undefined ? {} : { kSafe: new Int32Array(size), kBoth: new Int32Array(size) }),
  };
}

/** What is wrong with a row's sweep and safety counts for its scenario; undefined when nothing. */
export function checkJointCell(scenario: PlanScenario, row: ShardRow): string | undefined {
  const H = scenario.thresholdsNgMl?.length ?? 0;
  const got = row.k_sweep?.length ?? 0;
  if (got !== H) return `${got} sweep count(s), the plan has ${H} sweep threshold(s)`;
  if ((row.k_safe !== undefined) !== (scenario.safety !== undefined)) {
    return scenario.safety === undefined ? 'safety counts in a scenario without a safety endpoint' : 'no safety counts (k_safe, k_both)';
  }
  return checkJointRow(row, 'cell');
}

export function addJointCell(cells: RegimenCells, at: number, row: ShardRow): void {
  const H = row.k_sweep?.length ?? 0;
  row.k_sweep?.forEach((k, h) => { if (cells.kSweep !== undefined) cells.kSweep[at * H + h] = k; });
  if (cells.kSafe !== undefined) cells.kSafe[at] = row.k_safe ?? 0;
  if (cells.kBoth !== undefined) cells.kBoth[at] = row.k_both ?? 0;
}
