/**
 * Writes shards (and any other Parquet output) deterministically and atomically.
 *
 * Determinism: parquet-wasm (parquet-rs) takes key-value metadata as a Rust HashMap, so the order of
 * the entries in the footer changes from call to call. `canonicalFooter` re-orders those entries by
 * key inside the footer (a thrift-compact list of self-contained KeyValue structs: moving them keeps
 * every byte and offset valid), so equal rows + equal metadata give byte-identical files, which the
 * duplicate-result check and `qusop run` vs cluster comparisons rely on. Everything else in the
 * writer is already deterministic (no timestamps; fixed codec, page and row-group settings).
 *
 * Shards are encoded on an encoder thread when one can run (shard-encoder.ts): the same functions,
 * so the same bytes, without blocking the coordinator's RPCs for the ~0.4 ms a shard takes.
 */
import { tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { Compression, Table as WasmTable, writeParquet, WriterPropertiesBuilder } from 'parquet-wasm';
import { InputError } from '../../worker/common/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import type { AtomicWriteOptions } from './atomic-file.js';
import { shardColumns, shardTable } from './shard-schema.js';
import { rowLayout } from './shard-layout.js';
import { encoderThread } from './shard-encoder.js';
import type { ShardRow } from './shard-schema.js';

/** parquet-rs stores the Arrow schema under this key itself; callers may not use it. */
export const ARROW_SCHEMA_KEY = 'ARROW:schema';

function checkMetadata(metadata: Readonly<Record<string, string>>, what: string): [string, string][] {
  const entries = Object.entries(metadata);
  for (const [key, value] of entries) {
    if (key.length === 0 || key === ARROW_SCHEMA_KEY) throw new InputError(`${what}: metadata key "${key}" is reserved or empty`);
    if (typeof value !== 'string') throw new InputError(`${what}: metadata ${key} must be a string, got ${typeof value}`);
  }
  return entries;
}

/** Arrow table + metadata -> Parquet bytes (SNAPPY, which every reader including hyparquet decodes). */
export function encodeParquet(table: Table, metadata: Readonly<Record<string, string>>, what = 'parquet'): Uint8Array {
  const entries = checkMetadata(metadata, what);
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    .setMaxRowGroupSize(1 << 20)
    .setKeyValueMetadata(new Map(entries))
    .build();
  const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props);
  return canonicalFooter(bytes);
}

/** Write one tile's cells to `path` atomically; returns the file size in bytes. */
export async function writeShard(
  path: string,
  rows: readonly ShardRow[],
  metadata: Readonly<Record<string, string>>,
  options: AtomicWriteOptions = {},
): Promise<number> {
  const bytes = await encodeShard(rows, metadata, `shard ${path}`);
  await writeFileAtomic(path, bytes, { ...options, ...injectedDiskFull() });
  return bytes.byteLength;
}

/** Validated here (typed errors in the caller's thread), encoded on the encoder thread when there is one. */
async function encodeShard(rows: readonly ShardRow[], metadata: Readonly<Record<string, string>>, what: string): Promise<Uint8Array> {
  const thread = encoderThread();
  if (thread === undefined) return encodeParquet(shardTable(rows, what), metadata, what);
  const columns = shardColumns(rows, what);
  checkMetadata(metadata, what);
  return thread.encode({ columns, layout: rowLayout(rows[0]), metadata: { ...metadata }, what });
}

/**
 * Fault injection for reliability tests only: QUSOP_TEST_DISK_FULL=1 makes every shard write fail with
 * ENOSPC after its first 1 KiB reached the temp file, as a full disk would. Never set in production.
 */
function injectedDiskFull(): AtomicWriteOptions {
  if (process.env['QUSOP_TEST_DISK_FULL'] !== '1') return {};
  return {
    chunkBytes: 1024,
    onChunk: () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write (injected by QUSOP_TEST_DISK_FULL)'), { code: 'ENOSPC' });
    },
  };
}

// ---- footer canonicalisation (thrift compact protocol, just enough to skip and find field 5) ----

const FILE_METADATA_KEY_VALUES = 5;
const T_BOOL_TRUE = 1, T_BOOL_FALSE = 2, T_BYTE = 3, T_I16 = 4, T_I32 = 5, T_I64 = 6, T_DOUBLE = 7;
const T_BINARY = 8, T_LIST = 9, T_SET = 10, T_MAP = 11, T_STRUCT = 12;

class Cursor {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}
  byte(): number {
    if (this.pos >= this.end) throw new Error('thrift: read past the footer');
    return this.bytes[this.pos++] ?? 0;
  }
  varint(): number {
    let value = 0, scale = 1, b;
    do { b = this.byte(); value += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80);
    return value;
  }
  advance(n: number): void {
    if (this.pos + n > this.end) throw new Error('thrift: read past the footer');
    this.pos += n;
  }
}

function listHeader(c: Cursor): { size: number; elemType: number } {
  const h = c.byte();
  const short = h >> 4;
  return { size: short === 15 ? c.varint() : short, elemType: h & 15 };
}

function skipValue(c: Cursor, type: number, inContainer: boolean): void {
  switch (type) {
    case T_BOOL_TRUE: case T_BOOL_FALSE: if (inContainer) c.advance(1); return;
    case T_BYTE: c.advance(1); return;
    case T_I16: case T_I32: case T_I64: c.varint(); return;
    case T_DOUBLE: c.advance(8); return;
    case T_BINARY: c.advance(c.varint()); return;
    case T_LIST: case T_SET: {
      const { size, elemType } = listHeader(c);
      for (let i = 0; i < size; i += 1) skipValue(c, elemType, true);
      return;
    }
    case T_MAP: {
      const size = c.varint();
      if (size === 0) return;
      const kv = c.byte();
      for (let i = 0; i < size; i += 1) { skipValue(c, kv >> 4, true); skipValue(c, kv & 15, true); }
      return;
    }
    case T_STRUCT: forEachField(c, (_id, t) => skipValue(c, t, false)); return;
    default: throw new Error(`thrift: unknown type ${type}`);
  }
}

/** Walk a struct's fields; `visit` must consume each field's value. */
function forEachField(c: Cursor, visit: (id: number, type: number) => void): void {
  let lastId = 0;
  for (;;) {
    const h = c.byte();
    if (h === 0) return;
    const delta = h >> 4;
    let id = lastId + delta;
    if (delta === 0) { const z = c.varint(); id = (z >>> 1) ^ -(z & 1); }
    lastId = id;
    visit(id, h & 15);
  }
}

/** Sort the footer's key-value entries by key (then by bytes); other bytes are left as they are. */
export function canonicalFooter(file: Uint8Array): Uint8Array {
  const size = file.byteLength;
  const footerLength = new DataView(file.buffer, file.byteOffset, size).getUint32(size - 8, true);
  const c = new Cursor(file, size - 8 - footerLength, size - 8);
  const entries: { key: Uint8Array; bytes: Uint8Array; start: number }[] = [];
  forEachField(c, (id, type) => {
    if (id !== FILE_METADATA_KEY_VALUES || type !== T_LIST) return skipValue(c, type, false);
    const { size: count, elemType } = listHeader(c);
    if (elemType !== T_STRUCT) throw new Error('thrift: key_value_metadata is not a list of structs');
    for (let i = 0; i < count; i += 1) {
      const start = c.pos;
      let key: Uint8Array = file.subarray(0, 0);
      forEachField(c, (fid, ftype) => {
        if (fid !== 1 || ftype !== T_BINARY) return skipValue(c, ftype, false);
        const n = c.varint();
        key = file.subarray(c.pos, c.pos + n);
        c.advance(n);
      });
      entries.push({ key, bytes: file.subarray(start, c.pos), start });
    }
  });
  if (c.pos !== size - 8) throw new Error(`thrift: footer ended at ${c.pos}, expected ${size - 8}`);
  const first = entries[0];
  if (first === undefined || entries.length < 2) return file;
  // list elements are consecutive, so the sorted entries fill exactly the same byte range
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.key, b.key) || Buffer.compare(a.bytes, b.bytes));
  const out = file.slice();
  let at = first.start;
  for (const e of sorted) { out.set(e.bytes, at); at += e.bytes.byteLength; }
  return out;
}
