/**
 * Shard rows -> the cell grid (after a strict completeness check) -> one curve row per
 * (scenario, regimen, dose). Completeness comes first because a curve built from a partial or
 * doubled set of cells is silently wrong: every planned (scenario, regimen, dose_index, replicate)
 * must be present exactly once with n === M, and nothing outside the plan may appear.
 */
import { ShardError } from '../../worker/common/errors.js';
import type { ShardRow } from '../store/shard-schema.js';
import { clopperPearson, quantileType7, replicateQuantileBand, wilson } from './bands.js';
import type { Interval } from './bands.js';
import type { AggregationPlan, BandSpec, PlanRegimen, PlanScenario } from './plan.js';
import { addJointCell, checkJointCell, jointGrids } from './joint-cells.js';
import { averageCells } from './model-average.js';

/** All cells of one (scenario, regimen); arrays are dose-major: index = doseIndex * R + replicate. */
export interface RegimenCells {
  readonly scenario: PlanScenario;
  readonly regimen: PlanRegimen;
  readonly k: Int32Array;
  readonly sumMaxQ20: bigint[];
  readonly sumMaxSqQ12: bigint[];
  /** threshold sweep only: index (doseIndex * R + replicate) * H + h */
  readonly kSweep?: Int32Array;
  /** safety endpoint only: dose-major like k */
  readonly kSafe?: Int32Array;
  readonly kBoth?: Int32Array;
}

export interface CurveRow {
  readonly scenario: string;
  readonly regimen: string;
  /** mg */
  readonly dose: number;
  readonly n: number;
  readonly k: number;
  readonly p_hat: number;
  readonly cp_lo: number;
  readonly cp_hi: number;
  readonly wilson_lo: number;
  readonly wilson_hi: number;
  readonly rq_lo: number;
  readonly rq_hi: number;
  readonly rep_p_q025: number;
  readonly rep_p_q50: number;
  readonly rep_p_q975: number;
  readonly mean_max_ng_ml: number;
  /** null when n < 2 */
  readonly sd_max_ng_ml: number | null;
  readonly band_lo: number;
  readonly band_hi: number;
}

const SHOW = 5;

function cellName(s: string, r: string, d: number, rep: number): string {
  return `${s}/${r} dose_index=${d} replicate=${rep}`;
}

/** Counts problems but keeps only the first few descriptions (a run can miss millions of cells). */
class Tally {
  count = 0;
  readonly examples: string[] = [];
  add(describe: () => string): void {
    this.count += 1;
    if (this.examples.length < SHOW) this.examples.push(describe());
  }
  toString(): string {
    return this.examples.join('; ') + (this.count > SHOW ? '; ...' : '');
  }
}

/**
 * Accumulates shard rows into per-regimen grids as they arrive (one shard at a time, so a run's rows are
 * never all held): ShardError on unknown, out-of-range or duplicated cells at once, on missing or short
 * cells at `finish()`.
 */
export class CellCollector {
  private readonly grids = new Map<string, { cells: RegimenCells; seen: Uint8Array }>();
  private readonly duplicated = new Tally();
  private readonly short = new Tally();
  private rowIndex = 0;

  constructor(private readonly plan: AggregationPlan) {
    for (const scenario of plan.scenarios) {
      for (const regimen of scenario.regimens) {
        const size = regimen.dosesMg.length * scenario.replicates;
        const cells = { scenario, regimen, k: new Int32Array(size), sumMaxQ20: new Array<bigint>(size).fill(0n), sumMaxSqQ12: new Array<bigint>(size).fill(0n), ...jointGrids(scenario, size) };
        this.grids.set(gridKey(scenario.name, regimen.name), { cells, seen: new Uint8Array(size) });
      }
    }
  }

  add(rows: Iterable<ShardRow>): void {
    for (const row of rows) this.addRow(row, this.rowIndex++);
  }

  private addRow(row: ShardRow, i: number): void {
    const grid = this.grids.get(gridKey(row.scenario, row.regimen));
    if (grid === undefined) throw unknownRow(this.plan, row, i);
    const { scenario, regimen } = grid.cells;
    const where = (): string => `aggregate: row ${i} (${cellName(row.scenario, row.regimen, row.dose_index, row.replicate)})`; // built only for an error
    const doses = regimen.dosesMg.length;
    if (!Number.isInteger(row.dose_index) || row.dose_index < 0 || row.dose_index >= doses) {
      throw new ShardError(`${where()}: dose_index outside the plan's 0..${doses - 1}`);
    }
    if (!Number.isInteger(row.replicate) || row.replicate < 0 || row.replicate >= scenario.replicates) {
      throw new ShardError(`${where()}: replicate outside the plan's 0..${scenario.replicates - 1}`);
    }
    const planDose = regimen.dosesMg[row.dose_index] ?? Number.NaN;
    if (Math.abs(row.dose_mg - planDose) > 1e-9 * Math.max(1, Math.abs(planDose))) {
      throw new ShardError(`${where()}: dose_mg ${row.dose_mg} differs from the plan's ${planDose}`);
    }
    if (!Number.isInteger(row.k) || row.k < 0 || row.k > row.n) throw new ShardError(`${where()}: k ${row.k} outside [0, n=${row.n}]`);
    const jointProblem = checkJointCell(scenario, row);
    if (jointProblem !== undefined) throw new ShardError(`${where()}: ${jointProblem}`);
    const at = row.dose_index * scenario.replicates + row.replicate;
    if (grid.seen[at] === 1) {
      this.duplicated.add(() => cellName(row.scenario, row.regimen, row.dose_index, row.replicate));
      return;
    }
    grid.seen[at] = 1;
    if (row.n !== scenario.subjects) this.short.add(() => `${cellName(row.scenario, row.regimen, row.dose_index, row.replicate)} has n=${row.n}`);
    grid.cells.k[at] = row.k;
    grid.cells.sumMaxQ20[at] = row.sum_max_q20;
    grid.cells.sumMaxSqQ12[at] = row.sum_max_sq_q12;
    addJointCell(grid.cells, at, row);
  }

  /** The complete grids in plan order; throws if any cell is duplicated, missing or short. */
  finish(): RegimenCells[] {
    const { duplicated, short, plan } = this;
    if (duplicated.count > 0) throw new ShardError(`aggregate: ${duplicated.count} duplicated cell(s): ${duplicated}`, { details: { duplicated: duplicated.count } });
    const missing = new Tally();
    let total = 0;
    for (const { cells, seen } of this.grids.values()) {
      total += seen.length;
      seen.forEach((s, at) => {
        const R = cells.scenario.replicates;
        if (s === 0) missing.add(() => cellName(cells.scenario.name, cells.regimen.name, Math.floor(at / R), at % R));
      });
    }
    if (missing.count > 0) throw new ShardError(`aggregate: ${missing.count} of ${total} cells missing: ${missing}`, { details: { missing: missing.count } });
    if (short.count > 0) {
      const M = plan.scenarios.map((sc) => `${sc.name}: ${sc.subjects}`).join(', ');
      throw new ShardError(`aggregate: ${short.count} cell(s) with n != subjects per replicate (${M}): ${short}`, { details: { wrongN: short.count } });
    }
    // each scenario's regimens, then its model averages (aggregated from them)
    const grids = [...this.grids.values()].map((g) => g.cells);
    return plan.scenarios.flatMap((sc) => {
      const own = grids.filter((c) => c.scenario === sc);
      return [...own, ...(sc.averages ?? []).map((a) => averageCells(a, own))];
    });
  }
}

const gridKey = (s: string, r: string): string => JSON.stringify([s, r]);

/** Index rows into per-regimen grids (all at once); see CellCollector. */
export function collectCells(plan: AggregationPlan, rows: Iterable<ShardRow>): RegimenCells[] {
  const c = new CellCollector(plan);
  c.add(rows);
  return c.finish();
}

function unknownRow(plan: AggregationPlan, row: ShardRow, i: number): ShardError {
  const scenario = plan.scenarios.find((s) => s.name === row.scenario);
  if (scenario === undefined) {
    const known = plan.scenarios.map((s) => JSON.stringify(s.name)).join(', ');
    return new ShardError(`aggregate: row ${i}: scenario ${JSON.stringify(row.scenario)} is not in the plan (plan has ${known})`);
  }
  const known = scenario.regimens.map((r) => JSON.stringify(r.name)).join(', ');
  return new ShardError(`aggregate: row ${i}: regimen ${JSON.stringify(row.regimen)} is not in scenario ${JSON.stringify(row.scenario)} (plan has ${known})`);
}

/** Q20 fixed point (reduction-head.ts): a p_success regimen's probability sums are in units of 2^-20. */
const Q20 = 2 ** 20;

/**
 * Replicate `rep`'s p-hat at one dose: k / M, or for a p_success regimen the mean probability
 * sum_max_q20 / (2^20 M) (one rounding, from the exact integer sum).
 */
export function replicatePHat(cells: RegimenCells, doseIndex: number, rep: number): number {
  const { replicates: R, subjects: M } = cells.scenario;
  const at = doseIndex * R + rep;
  return cells.regimen.probability === true ? Number(cells.sumMaxQ20[at] ?? 0n) / (Q20 * M) : (cells.k[at] ?? 0) / M;
}

/** Per-replicate p-hats at one dose, ascending. */
export function replicatePHats(cells: RegimenCells, doseIndex: number): number[] {
  return Array.from({ length: cells.scenario.replicates }, (_, rep) => replicatePHat(cells, doseIndex, rep)).sort((a, b) => a - b);
}

/**
 * The band a curve uses: the scenario's, except for a p_success regimen, which always uses the
 * replicate-quantile band: a sum of probabilities is not a binomial count, so Clopper-Pearson and
 * Wilson (built on k successes in n Bernoulli trials) do not apply to it.
 */
export function curveBand(cells: RegimenCells): BandSpec {
  const { band } = cells.scenario;
  return cells.regimen.probability === true ? { method: 'replicate-quantile', level: band.level } : band;
}

/** Mean and sample SD of window maxima from exact integer sums (one rounding at the very end). */
export function maxMoments(n: number, sumQ20: bigint, sumSqQ12: bigint): { mean: number; sd: number | null } {
  const mean = Number(sumQ20) / (n * 2 ** 20);
  if (n < 2) return { mean, sd: null };
  // n * sum(v^2) - sum(v)^2, in units of 2^-40; quantisation can make it a hair negative
  const numerator = BigInt(n) * sumSqQ12 * 2n ** 28n - sumQ20 * sumQ20;
  const variance = numerator > 0n ? Number(numerator) / (2 ** 40 * n * (n - 1)) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

export function regimenCurve(cells: RegimenCells): CurveRow[] {
  const { scenario, regimen } = cells;
  const { replicates: R, subjects: M } = scenario;
  const band = curveBand(cells);
  return regimen.dosesMg.map((dose, d) => {
    let k = 0, sumQ20 = 0n, sumSqQ12 = 0n;
    for (let rep = 0; rep < R; rep += 1) {
      k += cells.k[d * R + rep] ?? 0;
      sumQ20 += cells.sumMaxQ20[d * R + rep] ?? 0n;
      sumSqQ12 += cells.sumMaxSqQ12[d * R + rep] ?? 0n;
    }
    const n = R * M;
    const pHats = replicatePHats(cells, d);
    const cp = clopperPearson(k, n, band.level);
    const wi = wilson(k, n, band.level);
    const rq = replicateQuantileBand(pHats, band.level);
    const chosen: Interval = band.method === 'clopper-pearson' ? cp : band.method === 'wilson' ? wi : rq;
    const { mean, sd } = maxMoments(n, sumQ20, sumSqQ12);
    return {
      scenario: scenario.name, regimen: regimen.name, dose, n, k, p_hat: regimen.probability === true ? Number(sumQ20) / (Q20 * n) : k / n,
      cp_lo: cp.lo, cp_hi: cp.hi, wilson_lo: wi.lo, wilson_hi: wi.hi, rq_lo: rq.lo, rq_hi: rq.hi,
      rep_p_q025: quantileType7(pHats, 0.025), rep_p_q50: quantileType7(pHats, 0.5), rep_p_q975: quantileType7(pHats, 0.975),
      mean_max_ng_ml: mean, sd_max_ng_ml: sd, band_lo: chosen.lo, band_hi: chosen.hi,
    };
  });
}
