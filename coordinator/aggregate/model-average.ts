/**
 * The cell grid of a model average (issue 18 §3; the allotment: coordinator/scenario/model-average.ts):
 * replicate r's cells (every dose) are copied from the member regimen the replicate is allotted to, so
 * the average's curve, bands and decisions come out of the same regimenCurve / decide as any regimen's:
 * the pooled count is the sum over members of their allotted replicates' counts, and the replicate
 * band spans replicates of different structures (structural uncertainty).
 */
import { ShardError } from '../../worker/common/errors.js';
import type { RegimenCells } from './curves.js';
import type { PlanAverage } from './plan.js';

/** Copies cell `at` of every count array of `from` into `to` (sweep counts are H per cell). */
function copyCell(to: RegimenCells, from: RegimenCells, at: number): void {
  to.k[at] = from.k[at] ?? 0;
  to.sumMaxQ20[at] = from.sumMaxQ20[at] ?? 0n;
  to.sumMaxSqQ12[at] = from.sumMaxSqQ12[at] ?? 0n;
  if (to.kSweep !== undefined && from.kSweep !== undefined) {
    const H = from.kSweep.length / from.k.length;
    to.kSweep.set(from.kSweep.subarray(at * H, at * H + H), at * H);
  }
  if (to.kSafe !== undefined && from.kSafe !== undefined) to.kSafe[at] = from.kSafe[at] ?? 0;
  if (to.kBoth !== undefined && from.kBoth !== undefined) to.kBoth[at] = from.kBoth[at] ?? 0;
}

/** The average's grid from the scenario's complete member grids. */
export function averageCells(average: PlanAverage, members: readonly RegimenCells[]): RegimenCells {
  const cellsOf = average.members.map((m) => {
    const cells = members.find((c) => c.regimen.name === m.regimen);
    if (cells === undefined) throw new ShardError(`aggregate: average ${average.name} has no member regimen ${m.regimen} in its scenario`);
    return cells;
  });
  const first = cellsOf[0]!;
  const { scenario } = first;
  const R = scenario.replicates;
  const size = first.k.length;
  const H = first.kSweep === undefined ? 0 : first.kSweep.length / size;
  const cells: RegimenCells = {
    scenario,
    regimen: { name: average.name, dosesMg: first.regimen.dosesMg },
    k: new Int32Array(size),
    sumMaxQ20: new Array<bigint>(size).fill(0n),
    sumMaxSqQ12: new Array<bigint>(size).fill(0n),
    ...(first.kSweep === undefined ? {} : { kSweep: new Int32Array(size * H) }),
    ...(first.kSafe === undefined ? {} : { kSafe: new Int32Array(size), kBoth: new Int32Array(size) }),
  };
  const allotted = average.members.reduce((s, m) => s + m.replicates, 0);
  if (allotted !== R) throw new ShardError(`aggregate: average ${average.name} allots ${allotted} replicates, the scenario has ${R}`);
  let rep = 0;
  average.members.forEach((m, i) => {
    for (let end = rep + m.replicates; rep < end; rep += 1) {
      for (let d = 0; d < first.regimen.dosesMg.length; d += 1) copyCell(cells, cellsOf[i]!, d * R + rep);
    }
  });
  return cells;
}
