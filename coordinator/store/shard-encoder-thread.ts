/**
 * The shard encoder's thread (shard-encoder.ts starts it): rows + metadata in, Parquet bytes out, with
 * the very functions writeShard uses in-thread (shardTable, encodeParquet), so the bytes are the same.
 */
import { parentPort } from 'node:worker_threads';
import { encodeParquet } from './shard-writer.js';
import { shardTable, type ShardRow } from './shard-schema.js';

export interface EncodeJob {
  readonly id: number;
  readonly rows: readonly ShardRow[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly what: string;
}

export type EncodeOutcome = { readonly id: number; readonly bytes: Uint8Array } | { readonly id: number; readonly error: string };

parentPort?.on('message', (job: EncodeJob) => {
  let outcome: EncodeOutcome;
  try {
    outcome = { id: job.id, bytes: encodeParquet(shardTable(job.rows, job.what), job.metadata, job.what) };
  } catch (err) {
    outcome = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(outcome, 'bytes' in outcome ? [outcome.bytes.buffer as ArrayBuffer] : []);
});
