/**
 * The shard's columns, and the one place rows become Arrow tables and back. A shard holds one row
 * per (dose, replicate) cell of a tile; column names are the file's names (snake_case) so a row
 * reads the same in TypeScript, in hyparquet, pyarrow or DuckDB. Arrays are built by hand (one
 * contiguous buffer per column, no builder chunking) so equal rows always give equal Arrow bytes,
 * which is what makes equal shards byte-identical.
 */
import { DataType, Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table, Uint32, Utf8 } from 'apache-arrow';
import type { Data, Vector } from 'apache-arrow';
import { InputError, ShardError } from '../../worker/common/errors.js';
import { checkJointRow, flatRow, layoutColumns, nestedRow, rowLayout, sameLayout, tableLayout, type ShardLayout } from './shard-layout.js';

/** One (dose, replicate) cell. Window-maximum sums are exact integers: sum(v) * 2^20, sum(v^2) * 2^12. */
export interface ShardRow {
  readonly scenario: string;
  readonly regimen: string;
  readonly dose_index: number;
  readonly dose_mg: number;
  readonly replicate: number;
  /** subjects evaluated */
  readonly n: number;
  /** subjects whose window maximum of pd is <= the threshold */
  readonly k: number;
  readonly sum_max_q20: bigint;
  readonly sum_max_sq_q12: bigint;
  /** threshold sweep only (shard-layout.ts): columns k_sweep_0.. in the file */
  readonly k_sweep?: readonly number[];
  /** safety endpoint only (shard-layout.ts) */
  readonly k_safe?: number;
  readonly k_both?: number;
}

/** `float64?` is a nullable float64; every other kind is non-null (a REQUIRED Parquet column). */
export type ColumnKind = 'utf8' | 'int32' | 'uint32' | 'int64' | 'float64' | 'float64?';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}

export const SHARD_COLUMNS: readonly ColumnSpec[] = [
  { name: 'scenario', kind: 'utf8' },
  { name: 'regimen', kind: 'utf8' },
  { name: 'dose_index', kind: 'uint32' },
  { name: 'dose_mg', kind: 'float64' },
  { name: 'replicate', kind: 'int32' },
  { name: 'n', kind: 'int32' },
  { name: 'k', kind: 'int32' },
  { name: 'sum_max_q20', kind: 'int64' },
  { name: 'sum_max_sq_q12', kind: 'int64' },
];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function arrowType(kind: ColumnKind): DataType {
  switch (kind) {
    case 'utf8': return new Utf8();
    case 'int32': return new Int32();
    case 'uint32': return new Uint32();
    case 'int64': return new Int64();
    case 'float64': case 'float64?': return new Float64();
  }
}

/** What a value of `kind` must be when `value` is not one; undefined when it fits. */
function misfit(kind: ColumnKind, value: unknown): string | undefined {
  switch (kind) {
    case 'utf8': return typeof value === 'string' ? undefined : 'a string';
    case 'int32': return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31 ? undefined : 'an int32';
    case 'uint32': return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32 ? undefined : 'a uint32';
    case 'int64': return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX ? undefined : 'an int64 (bigint)';
    case 'float64': return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a finite number';
    case 'float64?': return value === null || (typeof value === 'number' && Number.isFinite(value)) ? undefined : 'a finite number or null';
  }
}

/**
 * Throws InputError when a value does not fit its kind; `what()` names the row and the column (called
 * only then: the checks run for every cell of every shard).
 */
export function checkValue(kind: ColumnKind, value: unknown, what: () => string): void {
  const expected = misfit(kind, value);
  if (expected === undefined) return;
  throw new InputError(`${what()}: expected ${expected}, got ${shown(value)}`);
}

/** A value as an error message shows it: 12n, NaN, Infinity, "text", null. */
function shown(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

const utf8 = new TextEncoder();

/**
 * One column's Arrow buffers. Plain typed arrays, so a table's columns cross to another thread as
 * transferred memory (shard-encoder.ts) instead of a structured clone of row objects.
 */
export interface ColumnBuffer {
  readonly data: Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float64Array;
  /** utf8 only */
  readonly valueOffsets?: Int32Array;
  /** float64? only: bit i set when row i is not null */
  readonly nullBitmap?: Uint8Array;
  readonly nullCount: number;
}

/** A table's columns as buffers, in the order of its ColumnSpec list. */
export interface ColumnBuffers {
  readonly length: number;
  readonly columns: readonly ColumnBuffer[];
}

/** The ArrayBuffers behind `b`, to transfer it with postMessage. */
export function columnTransferList(b: ColumnBuffers): ArrayBuffer[] {
  return b.columns.flatMap((c) => [c.data, c.valueOffsets, c.nullBitmap].filter((x) => x !== undefined).map((x) => x.buffer as ArrayBuffer));
}

function utf8Column(values: readonly string[]): ColumnBuffer {
  const length = values.length;
  const known = new Map<string, Uint8Array>(); // a shard repeats its scenario and regimen names on every row
  const encoded = values.map((v) => {
    let b = known.get(v);
    if (b === undefined) known.set(v, (b = utf8.encode(v)));
    return b;
  });
  const valueOffsets = new Int32Array(length + 1);
  encoded.forEach((b, i) => { valueOffsets[i + 1] = (valueOffsets[i] ?? 0) + b.byteLength; });
  const data = new Uint8Array(valueOffsets[length] ?? 0);
  encoded.forEach((b, i) => data.set(b, valueOffsets[i] ?? 0));
  return { data, valueOffsets, nullCount: 0 };
}

function columnBuffer(kind: ColumnKind, values: readonly unknown[]): ColumnBuffer {
  switch (kind) {
    case 'utf8': return utf8Column(values as string[]);
    case 'int32': return { data: Int32Array.from(values as number[]), nullCount: 0 };
    case 'uint32': return { data: Uint32Array.from(values as number[]), nullCount: 0 };
    case 'int64': return { data: BigInt64Array.from(values as bigint[]), nullCount: 0 };
    case 'float64': return { data: Float64Array.from(values as number[]), nullCount: 0 };
    case 'float64?': {
      const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
      let nullCount = 0;
      const data = Float64Array.from(values, (v, i) => {
        if (v === null) { nullCount += 1; return 0; }
        nullBitmap[i >> 3] = (nullBitmap[i >> 3] ?? 0) | (1 << (i & 7));
        return v as number;
      });
      return { data, nullBitmap, nullCount };
    }
  }
}

function columnData(kind: ColumnKind, length: number, b: ColumnBuffer): Data {
  const base = { length, nullCount: b.nullCount };
  switch (kind) {
    case 'utf8': return makeData({ type: new Utf8(), ...base, valueOffsets: b.valueOffsets as Int32Array, data: b.data as Uint8Array });
    case 'int32': return makeData({ type: new Int32(), ...base, data: b.data as Int32Array });
    case 'uint32': return makeData({ type: new Uint32(), ...base, data: b.data as Uint32Array });
    case 'int64': return makeData({ type: new Int64(), ...base, data: b.data as BigInt64Array });
    case 'float64': return makeData({ type: new Float64(), ...base, data: b.data as Float64Array });
    case 'float64?': return makeData({ type: new Float64(), ...base, data: b.data as Float64Array, ...(b.nullBitmap === undefined ? {} : { nullBitmap: b.nullBitmap }) });
  }
}

// Arrow fields and schema per column list, built once: a coordinator builds a table per accepted tile.
const schemas = new WeakMap<readonly ColumnSpec[], { schema: Schema; type: Struct }>();

function schemaFor(columns: readonly ColumnSpec[]): { schema: Schema; type: Struct } {
  let s = schemas.get(columns);
  if (s === undefined) {
    const fields = columns.map((c) => new Field(c.name, arrowType(c.kind), c.kind === 'float64?'));
    s = { schema: new Schema(fields), type: new Struct(fields) };
    schemas.set(columns, s);
  }
  return s;
}

/** Rows -> the buffers of exactly `columns` (validated column by column; InputError names row and column). */
export function columnBuffers(columns: readonly ColumnSpec[], rows: readonly object[], what: string): ColumnBuffers {
  return {
    length: rows.length,
    columns: columns.map((c) => {
      const values = rows.map((row, i) => {
        const value = (row as Record<string, unknown>)[c.name];
        checkValue(c.kind, value, () => `${what}: row ${i} column ${c.name}`);
        return value;
      });
      return columnBuffer(c.kind, values);
    }),
  };
}

/** Buffers made by columnBuffers for the same `columns` -> a one-batch Arrow table. */
export function tableFromBuffers(columns: readonly ColumnSpec[], b: ColumnBuffers): Table {
  const { schema, type } = schemaFor(columns);
  const children = columns.map((c, i) => columnData(c.kind, b.length, b.columns[i] as ColumnBuffer));
  return new Table([new RecordBatch(schema, makeData({ type, length: b.length, nullCount: 0, children }))]);
}

/** Rows -> one-batch Arrow table with exactly `columns` (validated; InputError names row and column). */
export function buildTable(columns: readonly ColumnSpec[], rows: readonly object[], what: string): Table {
  return tableFromBuffers(columns, columnBuffers(columns, rows, what));
}

/** Arrow table -> plain rows, after checking the table has exactly `columns` with the right types. */
export function tableRows(table: Table, columns: readonly ColumnSpec[], source: string): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  const expected = columns.map((c) => c.name);
  if (names.join(',') !== expected.join(',')) {
    throw new ShardError(`${source}: columns are [${names.join(', ')}], expected [${expected.join(', ')}]`, { details: { file: source } });
  }
  const values = columns.map((c, i) => {
    const field = table.schema.fields[i];
    const want = arrowType(c.kind);
    if (field === undefined || field.type.toString() !== want.toString()) {
      throw new ShardError(`${source}: column ${c.name} has type ${String(field?.type)}, expected ${want.toString()}`, { details: { file: source, field: c.name } });
    }
    return columnValues(table.getChildAt(i), table.numRows);
  });
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < table.numRows; r += 1) {
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const value = values[i]?.[r] ?? null;
      checkColumnValue(c, value, source, r);
      row[c.name] = value;
    });
    rows.push(row);
  }
  return rows;
}

/**
 * A column's values by row: the typed array behind a number column without nulls (one copy at most,
 * instead of a `get` per cell); utf8 without nulls decoded once per run of equal values (a shard
 * repeats its scenario and regimen on every row); else one `get` per row, nulls as null.
 */
function columnValues(vector: Vector | null, length: number): ArrayLike<unknown> {
  if (vector === null) return [];
  if (vector.nullCount === 0) {
    if (DataType.isInt(vector.type) || DataType.isFloat(vector.type)) return vector.toArray() as ArrayLike<unknown>;
    if (DataType.isUtf8(vector.type)) return utf8Values(vector.data as Data<Utf8>[]);
  }
  return Array.from({ length }, (_, r): unknown => vector.get(r) ?? null);
}

const utf8Decoder = new TextDecoder();

function utf8Values(chunks: readonly Data<Utf8>[]): string[] {
  const out: string[] = [];
  for (const { valueOffsets, values, length } of chunks) {
    let previous = '';
    let from = 0;
    let to = 0;
    for (let r = 0; r < length; r += 1) {
      const start = valueOffsets[r] ?? 0;
      const end = valueOffsets[r + 1] ?? 0;
      if (r === 0 || !sameBytes(values, from, to, start, end)) previous = utf8Decoder.decode(values.subarray(start, end));
      from = start;
      to = end;
      out.push(previous);
    }
  }
  return out;
}

function sameBytes(b: Uint8Array, aStart: number, aEnd: number, start: number, end: number): boolean {
  if (end - start !== aEnd - aStart) return false;
  for (let i = 0; i < end - start; i += 1) if (b[aStart + i] !== b[start + i]) return false;
  return true;
}

function checkColumnValue(c: ColumnSpec, value: unknown, source: string, row: number): void {
  try {
    checkValue(c.kind, value, () => `${source}: row ${row} column ${c.name}`);
  } catch (err) {
    throw new ShardError(err instanceof Error ? err.message : String(err), { details: { file: source, row, field: c.name } });
  }
}

/** The invariants a cell must hold beyond its column types (k within [0, n], n >= 1). */
export function checkShardRow(row: ShardRow, what: string): string | undefined {
  if (row.n < 1) return `${what}: n is ${row.n}, expected >= 1`;
  if (row.k < 0 || row.k > row.n) return `${what}: k is ${row.k}, expected 0 <= k <= n (${row.n})`;
  if (row.replicate < 0) return `${what}: replicate is ${row.replicate}, expected >= 0`;
  return checkJointRow(row, what);
}

/** The columns of a shard of `layout` (SHARD_COLUMNS itself for a plain one). */
export function shardColumnSpecs(layout: ShardLayout): readonly ColumnSpec[] {
  return layoutColumns(SHARD_COLUMNS, layout);
}

/**
 * A shard's rows -> its column buffers, validated: at least one row, every value fits its column,
 * every row holds the cell invariants (InputError names the row). The encoder thread makes the table
 * from these (shard-encoder.ts); in-thread, shardTable does the same in one step.
 */
export function shardColumns(rows: readonly ShardRow[], what: string): ColumnBuffers {
  if (rows.length === 0) throw new InputError(`${what}: a shard needs at least one row`);
  const layout = rowLayout(rows[0]);
  rows.forEach((row, i) => {
    if (!sameLayout(rowLayout(row), layout)) throw new InputError(`${what}: row ${i} has other sweep/safety counts than row 0`, { details: { row: i } });
  });
  const plain = layout.sweep === 0 && !layout.safety;
  const buffers = columnBuffers(shardColumnSpecs(layout), plain ? rows : rows.map(flatRow), what);
  rows.forEach((row, i) => {
    const problem = checkShardRow(row, `${what}: row ${i}`);
    if (problem !== undefined) throw new InputError(problem, { details: { row: i } });
  });
  return buffers;
}

export function shardTable(rows: readonly ShardRow[], what: string): Table {
  return tableFromBuffers(shardColumnSpecs(rowLayout(rows[0])), shardColumns(rows, what));
}

export function shardRows(table: Table, source: string): ShardRow[] {
  const layout = tableLayout(table.schema.fields.map((f) => f.name));
  const rows = tableRows(table, shardColumnSpecs(layout), source).map((r) => nestedRow(r, layout));
  rows.forEach((row, i) => {
    const problem = checkShardRow(row, `${source}: row ${i}`);
    if (problem !== undefined) throw new ShardError(problem, { details: { file: source, row: i } });
  });
  return rows;
}
