/**
 * Reads shards back, and decides whether one on disk can be trusted. Every failure is a ShardError
 * that names the file: a torn or foreign shard must stop resume/aggregation loudly, never be
 * half-used. The framing (PAR1 magic at both ends, footer length) is checked in JS before the bytes
 * reach the wasm reader, so truncated files get a precise message.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { ShardError } from '../../worker/common/errors.js';
import { isTempName } from './atomic-file.js';
import { shardRows } from './shard-schema.js';
import type { ShardRow } from './shard-schema.js';
import { ARROW_SCHEMA_KEY } from './shard-writer.js';

export interface Shard {
  readonly rows: ShardRow[];
  /** the file's key-value metadata, without parquet-rs's own `ARROW:schema` entry */
  readonly metadata: Record<string, string>;
}

export interface DecodedParquet {
  readonly table: Table;
  readonly metadata: Record<string, string>;
}

const MAGIC = 0x31524150; // "PAR1" little-endian

/** Parquet bytes -> Arrow table + key-value metadata; `source` names the file in errors. */
export function decodeParquet(bytes: Uint8Array, source: string): DecodedParquet {
  const size = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  if (size < 12 || view.getUint32(0, true) !== MAGIC || view.getUint32(size - 4, true) !== MAGIC) {
    throw new ShardError(`${source}: not a complete Parquet file (${size} bytes; torn or not Parquet)`, { details: { file: source } });
  }
  const footerLength = view.getUint32(size - 8, true);
  if (footerLength > size - 12) {
    throw new ShardError(`${source}: Parquet footer length ${footerLength} exceeds the file (${size} bytes)`, { details: { file: source } });
  }
  let table: Table;
  try {
    table = tableFromIPC(readParquet(bytes).intoIPCStream());
  } catch (err) {
    throw new ShardError(`${source}: unreadable Parquet (${err instanceof Error ? err.message : String(err)})`, { cause: err, details: { file: source } });
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of [...table.schema.metadata.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key !== ARROW_SCHEMA_KEY) metadata[key] = value;
  }
  return { table, metadata };
}

/** A shard file's bytes (I/O only; ShardError naming the file when it cannot be read). */
export async function readShardBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ShardError(`shard ${path}: cannot read (${code})`, { cause: err, retryable: code !== 'ENOENT', details: { file: path } });
  }
}

/** A shard's bytes, as read from `path`, -> its validated rows and metadata. */
export function decodeShard(bytes: Uint8Array, path: string): Shard {
  const { table, metadata } = decodeParquet(bytes, `shard ${path}`);
  return { rows: shardRows(table, `shard ${path}`), metadata };
}

export async function readShard(path: string): Promise<Shard> {
  return decodeShard(await readShardBytes(path), path);
}

/** Read the shard and check each expected metadata key; returns the shard when it verifies. */
export async function verifyShard(path: string, expect: Readonly<Record<string, string>>): Promise<Shard> {
  const shard = await readShard(path);
  for (const [key, expected] of Object.entries(expect)) {
    const found = shard.metadata[key];
    if (found !== expected) {
      throw new ShardError(
        `shard ${path}: metadata ${key} is ${found === undefined ? '(missing)' : JSON.stringify(found)}, expected ${JSON.stringify(expected)}`,
        { details: { file: path, field: key, expected, found: found ?? null } },
      );
    }
  }
  return shard;
}

/** Finished shards (`*.parquet`, temp files excluded) in `dir`, sorted by name; [] if `dir` does not exist. */
export async function listShards(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ShardError(`shard store ${dir}: cannot list (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: dir } });
  }
  return names
    .filter((name) => name.endsWith('.parquet') && !isTempName(name) && !name.startsWith('.'))
    .sort()
    .map((name) => join(dir, name));
}
