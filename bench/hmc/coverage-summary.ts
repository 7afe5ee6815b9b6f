/**
 * The HMC-vs-Fisher coverage study's record (coverage.ts): per trial and method the answer to each
 * regimen's question against the true minimal dose, and the summary: coverage k/n of the 95 % interval
 * with its exact Clopper-Pearson 95 % interval, median width (mg and grid steps) and the paired width
 * ratio HMC / Fisher. Flagged HMC posteriors are counted, kept in every share, and the HMC shares are
 * also given over the unflagged posteriors alone.
 */
import { clopperPearson } from '../../coordinator/aggregate/bands.js';
import { covers } from '../selection/grid-dose.js';

export type Method = 'fisher' | 'hmc';
export const METHODS: readonly Method[] = ['fisher', 'hmc'];

export interface CoverageCell {
  readonly regimen: string;
  readonly true_dose: number;
  readonly answer: number | null;
  readonly mean_crossing: number | null;
  readonly interval: readonly [number | null, number | null];
  readonly covered: boolean;
  /** hi - lo in mg; null when a bound is missing (past the grid: counted as wider than any) */
  readonly width_mg: number | null;
  readonly width_steps: number | null;
}

export interface HmcDiagnostics {
  readonly max_rhat: number;
  readonly min_ess_bulk: number;
  readonly min_ess_tail: number;
  readonly divergences: number;
  readonly transitions: number;
  readonly tree_depth_saturated: number;
  readonly flagged: boolean;
  readonly flags: readonly string[];
  /** the sampler's own wall time (fit-report's "HMC done in"), seconds */
  readonly sampling_s: number | null;
}

export interface MethodResult {
  /** whole fit (SAEM, VPC, degeneracy check, HMC when asked, export), seconds */
  readonly fit_s: number;
  readonly answer_s: number;
  /** the fit's degeneracy problems (exported anyway: the study forces every fit so nothing is dropped) */
  readonly degenerate: readonly string[];
  readonly answer_error?: string;
  readonly hmc?: HmcDiagnostics;
  readonly cells: readonly CoverageCell[];
}

export interface CoverageRow {
  readonly seed: number;
  readonly trial_seed: number;
  readonly subjects: number;
  readonly observations: number;
  readonly fisher: MethodResult;
  readonly hmc: MethodResult;
}

export interface Share { readonly k: number; readonly n: number; readonly lo: number; readonly hi: number }

export interface MethodSummary {
  readonly regimen: string;
  readonly method: Method | 'hmc-unflagged';
  readonly coverage: Share;
  /** the interval reaches the true dose or the grid dose one step below it (lo <= truth, hi >= truth - step): a truth on a knife edge between two grid doses */
  readonly coverage_step_below: Share;
  readonly median_width_mg: number | null;
  readonly median_width_steps: number | null;
  readonly missing_interval: number;
}

/** One method's answer to one regimen's question, compared with the truth. */
export function coverageCell(regimen: string, trueDose: number, step: number, a: { dose: number | null; mean_crossing: number | null; interval: readonly [number | null, number | null] } | undefined): CoverageCell {
  const interval = a?.interval ?? [null, null];
  const [lo, hi] = interval;
  const width = lo !== null && hi !== null && Number.isFinite(lo) && Number.isFinite(hi) ? hi - lo : null;
  const covered = covers(interval, trueDose); // an interval open above holds every dose from lo up
  return {
    regimen, true_dose: trueDose, answer: a?.dose ?? null, mean_crossing: a?.mean_crossing ?? null, interval, covered,
    width_mg: width === null ? null : Number(width.toFixed(9)), width_steps: width === null ? null : Number((width / step).toFixed(6)),
  };
}

/** Median of the values, a missing one counted as +Infinity (wider than any); null for none. */
export function medianOrInfinite(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const mid = sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  return Number.isFinite(mid) ? mid : null;
}

export function share(k: number, n: number): Share {
  if (n === 0) return { k, n, lo: NaN, hi: NaN };
  const ci = clopperPearson(k, n, 0.95);
  return { k, n, lo: ci.lo, hi: ci.hi };
}

/** lo <= truth and hi >= truth - step (hi missing: past the grid; lo missing: never). */
export function reachesStepBelow(c: CoverageCell, step: number): boolean {
  const [lo, hi] = c.interval;
  return lo !== null && lo <= c.true_dose + 1e-9 && (hi === null || hi >= c.true_dose - step - 1e-9);
}

function summarizeCells(regimen: string, step: number, method: MethodSummary['method'], cells: readonly CoverageCell[]): MethodSummary {
  return {
    regimen, method,
    coverage: share(cells.filter((c) => c.covered).length, cells.length),
    coverage_step_below: share(cells.filter((c) => reachesStepBelow(c, step)).length, cells.length),
    median_width_mg: medianOrInfinite(cells.map((c) => c.width_mg)),
    median_width_steps: medianOrInfinite(cells.map((c) => c.width_steps)),
    missing_interval: cells.filter((c) => c.width_mg === null).length,
  };
}

/** Per regimen (id and grid step): Fisher, HMC (every posterior) and HMC over the unflagged posteriors. */
export function summarizeCoverage(rows: readonly CoverageRow[], regimens: readonly { readonly id: string; readonly step: number }[]): MethodSummary[] {
  const cellsOf = (m: Method, regimen: string, keep: (r: CoverageRow) => boolean): CoverageCell[] =>
    rows.filter(keep).flatMap((r) => r[m].cells.filter((c) => c.regimen === regimen));
  return regimens.flatMap(({ id, step }) => [
    summarizeCells(id, step, 'fisher', cellsOf('fisher', id, () => true)),
    summarizeCells(id, step, 'hmc', cellsOf('hmc', id, () => true)),
    summarizeCells(id, step, 'hmc-unflagged', cellsOf('hmc', id, (r) => r.hmc.hmc?.flagged !== true)),
  ]);
}

/** Per regimen: the median over trials of HMC width / Fisher width (trials where both are finite and Fisher's > 0). */
export function medianWidthRatio(rows: readonly CoverageRow[], regimen: string): { median: number | null; n: number } {
  const ratios = rows.flatMap((r) => {
    const f = r.fisher.cells.find((c) => c.regimen === regimen)?.width_mg ?? null;
    const h = r.hmc.cells.find((c) => c.regimen === regimen)?.width_mg ?? null;
    return f !== null && h !== null && f > 0 ? [h / f] : [];
  });
  return { median: medianOrInfinite(ratios), n: ratios.length };
}
