/**
 * Where `qusop watch` reads a run from. Both sources yield the run's progress after every change and
 * end when the run has finished (the last value is final) or the signal aborts:
 * - busProgress: replays the run's events from an EventBus (NATS JetStream: from the first stored event).
 * - grpcProgress: the coordinator's RunService.WatchRun stream (no NATS needed; live only).
 */
import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../proto/grpc-adapter.js';
import { RunService } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { AuthError, InputError } from '../../worker/common/errors.js';
import { channelCredentials, type ClientTls } from '../../worker/rpc/client-tls.js';
import { authMetadata, fromGrpcError } from '../../worker/rpc/connection.js';
import { explainConnectFailure } from '../../worker/rpc/transport-probe.js';
import type { EventBus } from '../events/bus.js';
import { isFinalPhase, phaseOf } from '../events/run-state.js';
import type { RunProgressInfo } from '../run/run-controller.js';
import { RunReplay } from './run-replay.js';

export interface WatchSourceOptions {
  readonly signal?: AbortSignal;
  /** called once when no event has arrived after `quietMs` (a run that has not started yet, or a wrong id) */
  readonly onQuiet?: () => void;
  readonly quietMs?: number;
}

export async function* busProgress(bus: EventBus, runId: string, opts: WatchSourceOptions = {}): AsyncIterable<RunProgressInfo> {
  const replay = new RunReplay(runId);
  const quiet = setTimeout(() => opts.onQuiet?.(), opts.quietMs ?? 2_000);
  try {
    const iterable = bus.replay(runId, opts.signal === undefined ? {} : { signal: opts.signal });
    for await (const { event, pending } of iterable) {
      clearTimeout(quiet);
      replay.apply(event);
      // while catching up only the state after the backlog matters to a view; an ended attempt with
      // more events behind it is a run that was resumed, so it is not the end
      const caughtUp = pending === 0;
      if (replay.finished && caughtUp) {
        yield replay.progress();
        return;
      }
      if (caughtUp || pending % 64 === 0) yield replay.progress();
    }
  } finally {
    clearTimeout(quiet);
  }
}

export async function* grpcProgress(address: string, token: string, runId: string, opts: WatchSourceOptions & { readonly tls?: ClientTls | undefined } = {}): AsyncIterable<RunProgressInfo> {
  const client = createClient(RunService, address, channelCredentials(opts.tls), authMetadata(token));
  const stream = client.watchRun({ runId });
  const cancel = (): void => stream.cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  let last: RunProgressInfo | undefined;
  try {
    for await (const res of stream) {
      const p = res.progress;
      if (p === undefined) continue;
      last = {
        runId: p.runId, phase: phaseOf(p.state), tilesTotal: p.tilesTotal, tilesDone: p.tilesDone, tilesLeased: p.tilesLeased,
        tilesResumed: 0, trajectories: Number(p.trajectories), error: p.error,
      };
      yield last;
      if (isFinalPhase(last.phase)) return;
    }
  } catch (err) {
    if (opts.signal?.aborted === true) return;
    const code = (err as { code?: number }).code;
    if (code === grpc.status.NOT_FOUND) throw new InputError(`coordinator ${address} has no run ${runId}`, { cause: err });
    if (code === grpc.status.UNAVAILABLE) {
      const why = await explainConnectFailure(address, opts.tls);
      if (why !== undefined) throw new AuthError(`watching run ${runId} on ${address}: ${why}`, { cause: err });
    }
    throw fromGrpcError(err, `watching run ${runId} on ${address}`);
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    client.close();
  }
}
