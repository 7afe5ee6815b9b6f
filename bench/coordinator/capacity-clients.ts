/**
 * A capacity-benchmark client process (forked by capacity-grpc.ts, IPC with structured clone):
 * many logical workers over a few HTTP/2 connections (capacity-wire.ts), each doing what a real
 * worker does on the wire —
 * Register, then Lease -> Complete with a valid TileResult — but with no compute in between, so the
 * coordinator is the thing under load. Protocol: start -> (Register all) ready -> go -> ... -> stop ->
 * result. Lease latency is measured per RPC here, as a worker would see it.
 */
import { CompleteOutcome, WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import { codeVersion } from '../../worker/common/version.js';
import type { CellResult } from '../../worker/tile-compute.js';
import { syntheticCells, tileResult } from './capacity-run.js';
import { WireChannel } from './capacity-wire.js';

export interface ClientStart {
  readonly type: 'start';
  readonly address: string;
  readonly token: string;
  /** logical workers in this process */
  readonly workers: number;
  /** gRPC channels (each its own HTTP/2 connection) the workers are spread over */
  readonly channels: number;
  /** names workers cap-<offset + i> */
  readonly workerOffset: number;
  /** subjects per scenario index (synthetic results) */
  readonly subjects: readonly number[];
  /** computed results by tile id; tiles not in it get synthetic results */
  readonly cells?: ReadonlyMap<string, readonly CellResult[]>;
  /** simulated compute time per tile (0: ask again at once, the coordinator's saturation point) */
  readonly thinkMs: number;
}

export interface ClientResult {
  readonly type: 'result';
  /** latency of every Lease RPC that returned a tile, ms */
  readonly leaseMs: Float64Array;
  /** Lease RPCs that returned no tile (the queue was empty) */
  readonly emptyLeases: number;
  readonly completeMs: Float64Array;
  /** tile ids whose Complete answered ACCEPTED */
  readonly accepted: readonly string[];
  readonly otherOutcomes: number;
  readonly errors: readonly string[];
  readonly cpu: NodeJS.CpuUsage;
  readonly wallMs: number;
}

type ParentMessage = ClientStart | { readonly type: 'go' } | { readonly type: 'stop' };

const send = (m: object): void => void process.send?.(m);
/** The last message, then let go of the IPC channel (only once it is written: a pending message is lost otherwise). */
const sendLast = (m: object): void => void process.send?.(m, undefined, {}, () => process.disconnect?.());

async function main(start: ClientStart, go: Promise<void>, stopped: Promise<void>, isStopped: () => boolean): Promise<ClientResult> {
  const channels = Array.from({ length: Math.max(1, start.channels) }, () => new WireChannel(start.address, start.token));
  const channelOf = (w: number): WireChannel => channels[w % channels.length] as WireChannel;
  const m = WorkerService.method;
  const ids = await Promise.all(Array.from({ length: start.workers }, async (_, w) => {
    const name = `cap-${start.workerOffset + w}`;
    const reg = await channelOf(w).call(m.register, { hostname: name, pid: process.pid, codeVersion: codeVersion(), executionProvider: 'cpu', workerName: name });
    return reg.workerId;
  }));
  send({ type: 'ready', registered: ids.length });
  await go;

  const leaseMs: number[] = [];
  const completeMs: number[] = [];
  const accepted: string[] = [];
  const errors: string[] = [];
  let emptyLeases = 0;
  let otherOutcomes = 0;
  const pause = (ms: number): Promise<void> => new Promise<void>((r) => {
    const timer = setTimeout(r, ms);
    void stopped.then(() => { clearTimeout(timer); r(); }); // a stop cuts every wait short
  });
  const worker = async (w: number): Promise<void> => {
    const channel = channelOf(w);
    const workerId = ids[w] as string;
    if (start.thinkMs > 0) await pause((start.thinkMs * w) / ids.length); // staggered, as real workers drift apart
    while (!isStopped()) {
      try {
        const t0 = performance.now();
        const lease = await channel.call(m.lease, { workerId, maxTiles: 1 });
        const t1 = performance.now();
        const tile = lease.tiles[0];
        if (tile === undefined) {
          emptyLeases += 1;
          if (lease.finished) return;
          await pause(Math.max(50, lease.retryAfterMs));
          continue;
        }
        leaseMs.push(t1 - t0);
        const cells = start.cells?.get(tile.tileId) ?? syntheticCells(tile, start.subjects[tile.scenarioIndex] ?? 0);
        const t2 = performance.now();
        const res = await channel.call(m.complete, { workerId, result: tileResult(tile, cells) });
        completeMs.push(performance.now() - t2);
        if (res.outcome === CompleteOutcome.ACCEPTED) accepted.push(tile.tileId);
        else otherOutcomes += 1;
        if (start.thinkMs > 0) await pause(start.thinkMs);
      } catch (err) {
        if (errors.length < 20) errors.push(String((err as Error).message ?? err));
        await pause(10);
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const began = performance.now();
  await Promise.all(ids.map((_, w) => worker(w)));
  const result: ClientResult = {
    type: 'result', leaseMs: Float64Array.from(leaseMs), emptyLeases, completeMs: Float64Array.from(completeMs), accepted, otherOutcomes, errors,
    cpu: process.cpuUsage(cpu0), wallMs: performance.now() - began,
  };
  for (const c of channels) c.close();
  return result;
}

const release: { go: () => void; stop: () => void } = { go: () => undefined, stop: () => undefined };
let stopRequested = false;
const go = new Promise<void>((r) => (release.go = r));
const stopped = new Promise<void>((r) => (release.stop = r));
process.on('message', (m: ParentMessage) => {
  if (m.type === 'start') {
    main(m, go, stopped, () => stopRequested).then(
      (result) => sendLast(result),
      (err: unknown) => { process.exitCode = 1; sendLast({ type: 'error', message: String((err as Error).stack ?? err) }); },
    );
  } else if (m.type === 'go') release.go();
  else { stopRequested = true; release.stop(); }
});
