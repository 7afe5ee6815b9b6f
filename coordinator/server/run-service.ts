/** RunService handlers: submit a run, stream its progress, fetch its decisions, cancel it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { RunState, WatchRunResponseSchema } from '../../proto/gen/qusop/v1/run_service_pb.js';
import type { RunController, RunPhase, RunProgressInfo } from '../run/run-controller.js';
import type { Coordinator } from './coordinator.js';
import { makeTokenCheck } from '../rpc/auth.js';

const STATE: Record<RunPhase, RunState> = {
  PREPARED: RunState.RUNNING, RUNNING: RunState.RUNNING, AGGREGATING: RunState.AGGREGATING,
  SUCCEEDED: RunState.SUCCEEDED, FAILED: RunState.FAILED, CANCELLED: RunState.CANCELLED,
};

export function progressMessage(p: RunProgressInfo) {
  return {
    runId: p.runId, state: STATE[p.phase], tilesTotal: p.tilesTotal, tilesDone: p.tilesDone, tilesLeased: p.tilesLeased,
    trajectories: BigInt(p.trajectories), error: p.error,
  };
}

const ended = (run: RunController): boolean => run.phase === 'SUCCEEDED' || run.phase === 'FAILED' || run.phase === 'CANCELLED';

export function runServiceHandlers(c: Coordinator) {
  const auth = makeTokenCheck(c.opts.token);
  type Call = { metadata: grpc.Metadata; getPeer(): string };
  return {
    submitRun: async (req: { scenarioPath: string; outDir: string }, call: Call) => {
      auth(call);
      const run = await c.submit(req.scenarioPath, req.outDir === '' ? undefined : req.outDir);
      const p = run.progress();
      return { runId: run.runId, outDir: run.opts.dir, tilesTotal: p.tilesTotal, tilesAlreadyDone: p.tilesResumed };
    },
    watchRun: async (req: { runId: string }, call: Call & grpc.ServerWritableStream<unknown, unknown>) => {
      auth(call);
      const run = c.run(req.runId);
      await new Promise<void>((resolveWatch) => {
        const send = (p: RunProgressInfo): void => {
          // a stream's writes bypass the adapter's create(): give the serializer a complete message
          call.write(create(WatchRunResponseSchema, { progress: progressMessage(p) }));
        };
        const onProgress = (p: RunProgressInfo): void => send(p);
        const finish = (): void => {
          run.off('progress', onProgress);
          run.off('done', onDone);
          resolveWatch();
        };
        const onDone = (p: RunProgressInfo): void => {
          send(p);
          finish();
        };
        send(run.progress());
        if (ended(run)) return finish();
        run.on('progress', onProgress);
        run.on('done', onDone);
        call.on('cancelled', finish);
      });
    },
    getResult: async (req: { runId: string }, call: Call) => {
      auth(call);
      const run = c.run(req.runId);
      const decisionsJson = run.phase === 'SUCCEEDED' ? await readFile(join(run.opts.dir, 'decisions.json'), 'utf8') : '';
      return { progress: progressMessage(run.progress()), decisionsJson, outDir: run.opts.dir };
    },
    cancelRun: async (req: { runId: string }, call: Call) => {
      auth(call);
      const run = c.run(req.runId);
      run.cancel('cancelled by client');
      return { progress: progressMessage(run.progress()) };
    },
  };
}
