/** RunService handlers: submit a run, stream its progress, fetch its decisions, cancel it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { RunState, WatchRunResponseSchema } from '../../proto/gen/qusop/v1/run_service_pb.js';
import type { RunController, RunPhase, RunProgressInfo } from '../run/run-controller.js';
import { AuthError } from '../../worker/common/errors.js';
import type { Coordinator } from './coordinator.js';
import { requireRole, type Role } from '../rpc/auth.js';
import { confine } from './allowed-roots.js';

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
  type Call = { metadata: grpc.Metadata; getPeer(): string };
  /** SubmitRun and CancelRun act: the admin token; watching and reading results: either token */
  const auth = (call: Call, method: string, allowed: readonly Role[]): void => {
    try {
      requireRole(c.checkRole(call), allowed, method, c.opts.adminToken !== undefined);
    } catch (err) {
      if (err instanceof AuthError) c.log.warn({ peer: call.getPeer(), method }, `refused: ${err.message}`);
      throw err;
    }
  };
  const anyRole: readonly Role[] = ['worker', 'admin'];
  return {
    submitRun: async (req: { scenarioPath: string; outDir: string }, call: Call) => {
      auth(call, 'SubmitRun', ['admin']);
      // checked before anything is read: a path outside the roots is refused the same whether it exists or not
      const scenario = await confine(req.scenarioPath, c.opts.allowedRoots, 'SubmitRun scenario_path');
      const outDir = req.outDir === '' ? undefined : await confine(req.outDir, c.opts.allowedRoots, 'SubmitRun out_dir');
      const run = await c.submit(scenario, outDir, { confinePath: (path, field) => confine(path, c.opts.allowedRoots, field) });
      const p = run.progress();
      return { runId: run.runId, outDir: run.opts.dir, tilesTotal: p.tilesTotal, tilesAlreadyDone: p.tilesResumed };
    },
    watchRun: async (req: { runId: string }, call: Call & grpc.ServerWritableStream<unknown, unknown>) => {
      auth(call, 'WatchRun', anyRole);
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
      auth(call, 'GetResult', anyRole);
      const run = c.run(req.runId);
      const decisionsJson = run.phase === 'SUCCEEDED' ? await readFile(join(run.opts.dir, 'decisions.json'), 'utf8') : '';
      return { progress: progressMessage(run.progress()), decisionsJson, outDir: run.opts.dir };
    },
    cancelRun: async (req: { runId: string }, call: Call) => {
      auth(call, 'CancelRun', ['admin']);
      const run = c.run(req.runId);
      run.cancel('cancelled by client');
      return { progress: progressMessage(run.progress()) };
    },
  };
}
