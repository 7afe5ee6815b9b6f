/**
 * The aggregator's files: `curves.parquet` (with run provenance as key-value metadata),
 * `curves.arrow` (Arrow IPC file, for tools that map Arrow directly) and `decisions.json`.
 * All are written atomically and are byte-identical for identical input, so two execution modes
 * (local, farm, SLURM) can be compared with `cmp`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { writeFileAtomic } from '../store/atomic-file.js';
import { buildTable } from '../store/shard-schema.js';
import type { ColumnSpec } from '../store/shard-schema.js';
import { encodeParquet } from '../store/shard-writer.js';
import type { CurveRow } from './curves.js';
import type { Decision } from './decisions.js';

export const CURVES_PARQUET = 'curves.parquet';
export const CURVES_ARROW = 'curves.arrow';
export const DECISIONS_JSON = 'decisions.json';

/** n and k are int64 in the files (R * M may outgrow int32); everything else as in CurveRow. */
export const CURVE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'scenario', kind: 'utf8' },
  { name: 'regimen', kind: 'utf8' },
  { name: 'dose', kind: 'float64' },
  { name: 'n', kind: 'int64' },
  { name: 'k', kind: 'int64' },
  { name: 'p_hat', kind: 'float64' },
  { name: 'cp_lo', kind: 'float64' },
  { name: 'cp_hi', kind: 'float64' },
  { name: 'wilson_lo', kind: 'float64' },
  { name: 'wilson_hi', kind: 'float64' },
  { name: 'rq_lo', kind: 'float64' },
  { name: 'rq_hi', kind: 'float64' },
  { name: 'rep_p_q025', kind: 'float64' },
  { name: 'rep_p_q50', kind: 'float64' },
  { name: 'rep_p_q975', kind: 'float64' },
  { name: 'mean_max_ng_ml', kind: 'float64' },
  { name: 'sd_max_ng_ml', kind: 'float64?' },
  { name: 'band_lo', kind: 'float64' },
  { name: 'band_hi', kind: 'float64' },
];

export function curvesTable(curves: readonly CurveRow[]): Table {
  return buildTable(CURVE_COLUMNS, curves.map((c) => ({ ...c, n: BigInt(c.n), k: BigInt(c.k) })), 'curves');
}

export async function writeCurvesParquet(dir: string, curves: readonly CurveRow[], metadata: Readonly<Record<string, string>>): Promise<string> {
  const path = join(dir, CURVES_PARQUET);
  await writeFileAtomic(path, encodeParquet(curvesTable(curves), metadata, path));
  return path;
}

export async function writeCurvesArrow(dir: string, curves: readonly CurveRow[]): Promise<string> {
  const path = join(dir, CURVES_ARROW);
  await writeFileAtomic(path, tableToIPC(curvesTable(curves), 'file'));
  return path;
}

/** `{ "decisions": [...] }`, keys in the documented order whatever order the objects were built in. */
export function decisionsJson(decisions: readonly Decision[]): string {
  const ordered = decisions.map((d) => ({
    scenario: d.scenario,
    regimen: d.regimen,
    target: d.target,
    mean_crossing: d.mean_crossing,
    conservative: d.conservative,
    replicate_median: d.replicate_median,
    replicate_lo: d.replicate_lo,
    replicate_hi: d.replicate_hi,
    flags: [...d.flags],
    non_monotone_steps: d.non_monotone_steps,
    band: { method: d.band.method, level: d.band.level },
  }));
  return `${JSON.stringify({ decisions: ordered }, null, 2)}\n`;
}

/** The curves files `format` asks for. */
export function curvesFiles(format: 'parquet' | 'arrow' | 'both'): string[] {
  return format === 'parquet' ? [CURVES_PARQUET] : format === 'arrow' ? [CURVES_ARROW] : [CURVES_PARQUET, CURVES_ARROW];
}

/**
 * Removes the curves file of the format not asked for: one left by an earlier aggregation would sit
 * beside the new files with curves of other shards, and a reader could not tell which is current.
 */
export async function removeStaleCurves(dir: string, format: 'parquet' | 'arrow' | 'both'): Promise<void> {
  const keep = curvesFiles(format);
  for (const name of [CURVES_PARQUET, CURVES_ARROW]) if (!keep.includes(name)) await rm(join(dir, name), { force: true });
}

export async function writeDecisionsJson(dir: string, decisions: readonly Decision[]): Promise<string> {
  const path = join(dir, DECISIONS_JSON);
  await writeFileAtomic(path, decisionsJson(decisions));
  return path;
}
