/**
 * The transport's own ceiling, for reading the gRPC level: the same clients against a WorkerService
 * on the same grpc-js server and adapter that does nothing (Lease hands out the next tile of the
 * real plan, Complete counts it). Whatever this reaches, the real coordinator cannot exceed on the
 * same machine; the difference is the coordinator's own work.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { serviceDefinition, serviceImplementation, type ServiceHandlers } from '../../proto/grpc-adapter.js';
import { TileSchema } from '../../proto/gen/qusop/v1/tile_pb.js';
import { CompleteOutcome, WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import { MAX_MESSAGE_BYTES } from '../../worker/rpc/connection.js';
import type { CompiledRun } from '../../coordinator/scenario/compile.js';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { cpuSplit, driveClients, type GrpcLevelOptions } from './capacity-grpc.js';
import { latencySummary, round, type LatencySummary } from './capacity-stats.js';

export interface NullServerLevelResult {
  readonly tiles: number;
  readonly workers: number;
  readonly wallMs: number;
  readonly completionsPerS: number;
  readonly leaseLatency: LatencySummary;
  readonly cpu: ReturnType<typeof cpuSplit>;
}

export async function nullServerLevel(compiled: CompiledRun, tileTrajectories: number, o: GrpcLevelOptions): Promise<NullServerLevelResult> {
  const tiles = planTiles(compiled.spec, { targetTrajectories: tileTrajectories });
  const runId = compiled.spec.runId;
  let next = 0;
  let completed = 0;
  let accepted: (lastMs: number) => void = () => undefined;
  const allAccepted = new Promise<number>((ok) => (accepted = ok));
  const handlers: ServiceHandlers<(typeof WorkerService)['method']> = {
    register: async (req) => ({ workerId: `null-${req.workerName}`, leaseMs: 120_000, heartbeatMs: 20_000 }),
    lease: async () => {
      const t = tiles[next];
      if (t === undefined) return { tiles: [], retryAfterMs: 1_000, finished: false };
      next += 1;
      return { tiles: [create(TileSchema, { runId, ...t })], retryAfterMs: 0, finished: false };
    },
    heartbeat: async () => ({ cancelledTileIds: [] }),
    complete: async () => {
      completed += 1;
      if (completed === tiles.length) accepted(performance.now());
      return { outcome: CompleteOutcome.ACCEPTED };
    },
    fail: async () => ({}),
    release: async () => ({}),
    getRunSpec: async () => ({}),
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(serviceDefinition(WorkerService), serviceImplementation(WorkerService, handlers, () => ({ code: grpc.status.INTERNAL })));
  const port = await new Promise<number>((ok, fail) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? fail(err) : ok(p))));
  try {
    const subjects = compiled.spec.scenarios.map((sc) => sc.population.subjects);
    const { wallMs, serverCpu, clients } = await driveClients({ ...o, address: `127.0.0.1:${port}`, token: randomBytes(16).toString('hex'), subjects, allAccepted });
    const leaseMs = clients.flatMap((c) => Array.from(c.leaseMs));
    return {
      tiles: tiles.length, workers: o.workers, wallMs: round(wallMs), completionsPerS: Math.round(tiles.length / (wallMs / 1000)),
      leaseLatency: latencySummary(leaseMs), cpu: cpuSplit(serverCpu, clients, tiles.length),
    };
  } finally {
    server.forceShutdown();
  }
}
