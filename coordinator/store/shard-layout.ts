/**
 * The shard columns a run adds beside the plain ones (issue 19), only when its scenario asks:
 *
 *   k_sweep_0 .. k_sweep_{H-1}  int32  threshold sweep: subjects meeting each sweep threshold, in the
 *                                      order of the scenario's compiled thresholds (metadata thresholds_ng_ml)
 *   k_safe, k_both              int32  safety endpoint: safe subjects; both efficacious (k) and safe
 *
 * A shard without them has exactly the plain columns and bytes. In a row object the sweep is one array
 * `k_sweep`; in the file it is H int32 columns (plain Parquet, readable by any tool).
 */
import type { ColumnSpec, ShardRow } from './shard-schema.js';

export interface ShardLayout {
  /** H, the number of sweep thresholds (0: no sweep) */
  readonly sweep: number;
  readonly safety: boolean;
}

export const PLAIN_LAYOUT: ShardLayout = { sweep: 0, safety: false };

const SWEEP_COLUMN = /^k_sweep_(\d+)$/;
const sweepColumn = (h: number): string => `k_sweep_${h}`;

const specs = new Map<string, readonly ColumnSpec[]>();

/** The columns of a layout (the same array for the same layout: Arrow schemas are cached by it). */
export function layoutColumns(plain: readonly ColumnSpec[], layout: ShardLayout): readonly ColumnSpec[] {
  if (layout.sweep === 0 && !layout.safety) return plain;
  const key = `${layout.sweep}/${layout.safety}`;
  let s = specs.get(key);
  if (s === undefined) {
    s = [
      ...plain,
      ...Array.from({ length: layout.sweep }, (_, h): ColumnSpec => ({ name: sweepColumn(h), kind: 'int32' })),
      ...(layout.safety ? ([{ name: 'k_safe', kind: 'int32' }, { name: 'k_both', kind: 'int32' }] as const) : []),
    ];
    specs.set(key, s);
  }
  return s;
}

export function rowLayout(row: ShardRow | undefined): ShardLayout {
  return { sweep: row?.k_sweep?.length ?? 0, safety: row?.k_safe !== undefined };
}

export function sameLayout(a: ShardLayout, b: ShardLayout): boolean {
  return a.sweep === b.sweep && a.safety === b.safety;
}

/** The layout a table's column names say (the plain columns first; checked by tableRows). */
export function tableLayout(names: readonly string[]): ShardLayout {
  return { sweep: names.filter((n) => SWEEP_COLUMN.test(n)).length, safety: names.includes('k_safe') };
}

/** A row as the file's columns: k_sweep spread over k_sweep_h. */
export function flatRow(row: ShardRow): object {
  if (row.k_sweep === undefined) return row;
  const flat: Record<string, unknown> = { ...row };
  row.k_sweep.forEach((k, h) => { flat[sweepColumn(h)] = k; });
  return flat;
}

/** The file's columns back as a row (k_sweep_h gathered into k_sweep; plain rows untouched). */
export function nestedRow(flat: Record<string, unknown>, layout: ShardLayout): ShardRow {
  if (layout.sweep === 0) return flat as unknown as ShardRow;
  const kSweep = Array.from({ length: layout.sweep }, (_, h) => flat[sweepColumn(h)] as number);
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) if (!SWEEP_COLUMN.test(key)) row[key] = value;
  row['k_sweep'] = kSweep;
  return row as unknown as ShardRow;
}

/** The sweep and safety invariants of a cell: 0 <= k_sweep_h <= n; k_both <= min(k, k_safe); k + k_safe - k_both <= n. */
export function checkJointRow(row: ShardRow, what: string): string | undefined {
  const bad = row.k_sweep?.findIndex((k) => k < 0 || k > row.n) ?? -1;
  if (bad >= 0) return `${what}: k_sweep_${bad} is ${row.k_sweep?.[bad]}, expected 0 <= k_sweep_${bad} <= n (${row.n})`;
  if (row.k_safe === undefined) return undefined;
  const both = row.k_both ?? -1;
  if (row.k_safe < 0 || row.k_safe > row.n) return `${what}: k_safe is ${row.k_safe}, expected 0 <= k_safe <= n (${row.n})`;
  if (both < 0 || both > Math.min(row.k, row.k_safe) || row.k + row.k_safe - both > row.n) {
    return `${what}: k_both is ${both}, expected max(0, k + k_safe - n) <= k_both <= min(k, k_safe) (k ${row.k}, k_safe ${row.k_safe}, n ${row.n})`;
  }
  return undefined;
}
