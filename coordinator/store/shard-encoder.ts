/**
 * Shard encoding off the event loop. A coordinator encodes one Parquet shard per accepted tile
 * (Arrow IPC + parquet-wasm, ~0.4 ms); done inside the Complete handler, that blocks every other RPC,
 * Lease included, for as long. One encoder thread (shard-encoder-thread.ts) takes the jobs in order;
 * the caller validates first, so bad input still fails with its typed error in the caller's thread,
 * and hands over column buffers whose memory moves to the thread (no structured clone of 400 row
 * objects per shard: ~0.8 ms of the coordinator's event loop each, measured in a five-question sweep).
 * The thread runs compiled JavaScript only: from TypeScript sources (tsx) `encoderThread()` is
 * undefined and callers encode in-thread, with the same functions and the same bytes.
 */
import { Worker } from 'node:worker_threads';
import { columnTransferList } from './shard-schema.js';
import type { EncodeJob, EncodeOutcome } from './shard-encoder-thread.js';

interface Pending {
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (err: Error) => void;
}

export class ShardEncoderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  encode(job: Omit<EncodeJob, 'id'>): Promise<Uint8Array> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref(); // a job in flight keeps the process alive
      worker.postMessage({ id, ...job } satisfies EncodeJob, columnTransferList(job.columns));
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL('./shard-encoder-thread.js', import.meta.url));
    worker.unref();
    worker.on('message', (o: EncodeOutcome) => {
      const p = this.pending.get(o.id);
      this.pending.delete(o.id);
      if ('bytes' in o) p?.resolve(o.bytes);
      else p?.reject(new Error(o.error));
      if (this.pending.size === 0) worker.unref();
    });
    const lost = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined; // the next job starts a new thread
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`shard encoder thread exited (code ${code}) with jobs in flight`)));
    this.worker = worker;
    return worker;
  }
}

let shared: ShardEncoderThread | undefined;

/** The process's encoder thread, or undefined when running from TypeScript sources. */
export function encoderThread(): ShardEncoderThread | undefined {
  if (import.meta.url.endsWith('.ts')) return undefined;
  shared ??= new ShardEncoderThread();
  return shared;
}
