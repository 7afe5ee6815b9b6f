/**
 * The shard encoder's thread (shard-encoder.ts starts it): validated column buffers + metadata in,
 * Parquet bytes out, with the very functions writeShard uses in-thread (tableFromBuffers via
 * shardTable, encodeParquet), so the bytes are the same.
 */
import { parentPort } from 'node:worker_threads';
import { encodeParquet } from './shard-writer.js';
import { shardColumnSpecs, tableFromBuffers, type ColumnBuffers } from './shard-schema.js';
import type { ShardLayout } from './shard-layout.js';

export interface EncodeJob {
  readonly id: number;
  /** shardColumns' output, its memory transferred to this thread */
  readonly columns: ColumnBuffers;
  /** the sweep and safety columns beside the plain ones (shard-layout.ts) */
  readonly layout: ShardLayout;
  readonly metadata: Readonly<Record<string, string>>;
  readonly what: string;
}

export type EncodeOutcome = { readonly id: number; readonly bytes: Uint8Array } | { readonly id: number; readonly error: string };

parentPort?.on('message', (job: EncodeJob) => {
  let outcome: EncodeOutcome;
  try {
    outcome = { id: job.id, bytes: encodeParquet(tableFromBuffers(shardColumnSpecs(job.layout), job.columns), job.metadata, job.what) };
  } catch (err) {
    outcome = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(outcome, 'bytes' in outcome ? [outcome.bytes.buffer as ArrayBuffer] : []);
});
