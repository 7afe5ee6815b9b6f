/**
 * WorkerService handlers: register (token and code version checked), lease across runs in submission
 * order, heartbeat, complete (shard written before acceptance), fail, release (tiles handed back
 * unstarted), and the run spec with model bytes.
 */
import type * as grpc from '@grpc/grpc-js';
import { CompleteOutcome } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import type { TileResult } from '../../proto/gen/qusop/v1/tile_pb.js';
import { AuthError, VersionSkewError } from '../../worker/common/errors.js';
import { codeVersion } from '../../worker/common/version.js';
import { requireRole } from '../rpc/auth.js';
import type { Coordinator } from './coordinator.js';

const OUTCOME = { accepted: CompleteOutcome.ACCEPTED, duplicate: CompleteOutcome.DUPLICATE, conflict: CompleteOutcome.CONFLICT, unknown: CompleteOutcome.UNKNOWN } as const;

type Call = { metadata: grpc.Metadata; getPeer(): string };

export function workerServiceHandlers(c: Coordinator) {
  const auth = (call: Call, method: string): void => {
    try {
      requireRole(c.checkRole(call), ['worker'], method, c.opts.adminToken !== undefined);
    } catch (err) {
      if (err instanceof AuthError) c.log.warn({ peer: call.getPeer(), method }, `refused: ${err.message}`);
      throw err;
    }
  };
  return {
    register: async (req: { hostname: string; pid: number; codeVersion: string; workerName: string }, call: Call) => {
      auth(call, 'Register');
      const mine = codeVersion();
      if (req.codeVersion !== mine) {
        const err = new VersionSkewError(`worker runs ${req.codeVersion || '(unknown version)'} but the coordinator runs ${mine}; deploy the same qusop version on both`);
        c.log.warn({ peer: call.getPeer(), worker: req.workerName, version: req.codeVersion }, `refused: ${err.message}`);
        throw err;
      }
      const workerId = c.registerWorker(req.workerName || req.hostname, req.pid, req.workerName);
      c.log.info({ worker: workerId, peer: call.getPeer(), codeVersion: req.codeVersion }, 'worker registered');
      return { workerId, leaseMs: c.opts.leaseMs, heartbeatMs: c.opts.heartbeatMs };
    },
    lease: async (req: { workerId: string; maxTiles: number }, call: Call) => {
      auth(call, 'Lease');
      return c.lease(req.workerId, req.maxTiles);
    },
    heartbeat: async (req: { workerId: string; tileIds: string[] }, call: Call) => {
      auth(call, 'Heartbeat');
      return { cancelledTileIds: c.heartbeat(req.workerId, req.tileIds) };
    },
    complete: async (req: { workerId: string; result?: TileResult | undefined }, call: Call) => {
      auth(call, 'Complete');
      c.seen(req.workerId);
      const run = c.runs.get(req.result?.tile?.runId ?? '');
      if (run === undefined || req.result === undefined) return { outcome: CompleteOutcome.UNKNOWN };
      return { outcome: OUTCOME[await run.complete(req.workerId, req.result, () => Date.now())] };
    },
    fail: async (req: { workerId: string; runId: string; tileId: string; reason: string; retryable: boolean }, call: Call) => {
      auth(call, 'Fail');
      c.seen(req.workerId);
      c.runs.get(req.runId)?.fail(req.workerId, req.tileId, req.reason, req.retryable, Date.now());
      return {};
    },
    release: async (req: { workerId: string; runId: string; tileIds: string[] }, call: Call) => {
      auth(call, 'Release');
      c.seen(req.workerId);
      const run = c.runs.get(req.runId);
      for (const id of req.tileIds) run?.release(req.workerId, id, Date.now());
      return {};
    },
    getRunSpec: async (req: { runId: string }, call: Call) => {
      auth(call, 'GetRunSpec');
      const run = c.run(req.runId);
      const models = [...run.compiled.models.values()].map((m) => ({ sha256: m.card.sha256, cardJson: m.cardJson, onnx: m.onnx }));
      return { spec: { runId: run.runId, specJson: JSON.stringify(run.compiled.spec), models } };
    },
  };
}
