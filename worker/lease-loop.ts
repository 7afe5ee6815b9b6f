/**
 * The worker's lifecycle: INITIALIZED -> RUNNING -> DRAINING -> STOPPED (STYLE.md 8).
 * RUNNING: lease a tile, compute it with heartbeats, complete (or fail) it, repeat. The worker never
 * idles on the coordinator between tiles: the next tile is leased while the current one computes (one
 * tile ahead at most, kept alive by the same heartbeats), and a tile's Complete (the coordinator writes
 * its shard before answering) stays in flight while the next tile computes, one at a time. SIGTERM
 * drains (the tile computing is finished and reported, the one leased ahead is handed back unstarted,
 * then exit 0); a second signal stops at once.
 */
import { hostname } from 'node:os';
import type { Tile } from '../proto/gen/qusop/v1/tile_pb.js';
import type { LeaseResponse } from '../proto/gen/qusop/v1/worker_service_pb.js';
import * as grpc from '@grpc/grpc-js';
import { AuthError, QusopError, UnregisteredWorkerError } from './common/errors.js';
import type { Logger } from './common/log.js';
import { codeVersion } from './common/version.js';
import { serveMetrics, type MetricsServer } from './common/metrics-server.js';
import { createWorkerMetrics } from './metrics.js';
import { ModelCache } from './model-cache.js';
import type { WorkerOptions } from './options.js';
import { connectWorkerClient, fromGrpcError, RejectedError, type WorkerClient } from './rpc/connection.js';
import { readClientTls, type ClientTls } from './rpc/client-tls.js';
import { explainConnectFailure } from './rpc/transport-probe.js';
import { cellsDigest, computeTile, TileCancelledError } from './tile-compute.js';
import type { CellResult } from './tile-compute.js';
import { jointToWire } from './joint-totals.js';

export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED';

export interface WorkerSummary {
  readonly tiles: number;
  readonly trajectories: number;
  readonly state: WorkerState;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Worker {
  private state: WorkerState = 'INITIALIZED';
  private readonly client: WorkerClient;
  private readonly tls: ClientTls | undefined;
  /** a TLS mismatch is looked for once, at the first failure to connect */
  private probed = false;
  private readonly cache: ModelCache;
  private readonly metrics = createWorkerMetrics({ worker: `${hostname()}-${process.pid}` });
  private metricsServer: MetricsServer | undefined;
  private tiles = 0;
  private trajectories = 0;
  /** tiles leased to this worker and not yet computed: heartbeats keep all of them */
  private readonly held = new Set<string>();
  /** held tiles the coordinator says are no longer ours (done by a backup, lease lost) */
  private readonly revoked = new Set<string>();
  /** the id the coordinator gave at Register; replaced when a restarted coordinator makes us register again */
  private workerId = '';
  private log: Logger;
  /** a registration in flight, shared by the calls that found the id unknown at the same time */
  private registering: Promise<void> | undefined;

  constructor(
    private readonly opts: WorkerOptions,
    private readonly baseLog: Logger,
  ) {
    this.log = baseLog;
    this.tls = readClientTls(opts);
    this.client = connectWorkerClient(opts.coordinator, opts.token, this.tls);
    this.cache = new ModelCache(
      {
        fetch: async (runId) => {
          const res = await this.retrying('GetRunSpec', () => this.client.getRunSpec({ runId }));
          const spec = res.spec;
          if (spec === undefined) throw new Error(`coordinator sent no spec for run ${runId}`);
          return { specJson: spec.specJson, models: spec.models.map((m) => ({ sha256: m.sha256, cardJson: m.cardJson, onnx: m.onnx })) };
        },
      },
      { executionProvider: opts.executionProvider, maxBatchRows: opts.maxBatchRows, intraOpThreads: opts.intraOpThreads, logger: baseLog },
    );
  }

  /** Begin draining: finish the tile in hand, then stop. */
  drain(): void {
    if (this.state === 'RUNNING' || this.state === 'INITIALIZED') {
      this.log.info({}, 'draining: finishing the tile in hand, then exiting');
      this.state = 'DRAINING';
    }
  }

  async run(): Promise<WorkerSummary> {
    if (this.opts.metricsPort !== undefined) {
      this.metricsServer = await serveMetrics(this.metrics.registry, this.opts.metricsPort, '0.0.0.0');
      this.log.info({ port: this.metricsServer.port }, 'metrics on /metrics');
    }
    try {
      const heartbeatMs = await this.register('registered');
      if (this.state === 'INITIALIZED') this.state = 'RUNNING';
      const beat = setInterval(() => this.beat(), Math.max(100, heartbeatMs));
      let completing: Promise<void> | undefined;
      let ahead: Promise<LeaseResponse> | undefined;
      try {
        while (this.state === 'RUNNING' || ahead !== undefined) {
          const lease = await (ahead ?? this.lease());
          ahead = undefined;
          if (this.state !== 'RUNNING') {
            // draining: a tile leased ahead was not started; hand it back rather than compute it
            await this.handBack(lease.tiles);
            break;
          }
          if (lease.tiles.length === 0) {
            // finished is final (a shutting-down coordinator, or no run busy): the result in flight is
            // awaited below; asking again could find the coordinator already gone
            if (lease.finished && this.opts.exitWhenFinished) break;
            if (completing !== undefined) {
              // the run may only look finished (or empty) until our last result lands: ask again after it
              await completing;
              completing = undefined;
              continue;
            }
            await sleep(Math.max(50, lease.retryAfterMs));
            continue;
          }
          for (const tile of lease.tiles) {
            // ask for the next tile now, so that it is here when this one is done
            if (this.state === 'RUNNING' && ahead === undefined) {
              ahead = this.lease();
              ahead.catch(() => undefined); // awaited (and thrown) at the top of the loop
            }
            const { completion } = await this.process(tile);
            await completing;
            completing = completion;
          }
        }
      } finally {
        clearInterval(beat);
      }
      await completing;
      this.state = 'STOPPED';
      this.log.info({ tiles: this.tiles, trajectories: this.trajectories }, 'stopped');
      return { tiles: this.tiles, trajectories: this.trajectories, state: this.state };
    } finally {
      this.client.close();
      await this.metricsServer?.close();
    }
  }

  /**
   * Computes a tile; resolves, once computed, to its completion in flight (which never rejects: its
   * outcome is logged and counted), wrapped so that awaiting the computation does not await it too.
   * A tile that fails or is cancelled resolves to nothing pending.
   */
  private async process(tile: Tile): Promise<{ completion?: Promise<void> }> {
    const tlog = this.log.child({ run: tile.runId, tile: tile.tileId });
    const started = performance.now();
    // session.run blocks the event loop while a chunk runs; heartbeats go out between chunks. A
    // heartbeat that says the tile is no longer ours (done by a backup, lease expired) stops the work.
    const cancelled = (): boolean => this.revoked.has(tile.tileId);
    try {
      const loaded = await this.cache.run(tile.runId);
      const rg = loaded.spec.scenarios[tile.scenarioIndex]?.regimens[tile.regimenIndex];
      const model = rg === undefined ? undefined : loaded.models.get(rg.modelSha256);
      if (model === undefined) throw new Error(`run ${tile.runId} has no model for scenario ${tile.scenarioIndex} regimen ${tile.regimenIndex}`);
      await injectedDelay(cancelled);
      const cells = await computeTile(loaded.spec, tile, model, cancelled);
      const computeMs = performance.now() - started;
      this.unhold(tile);
      return { completion: this.complete(tile, cells, computeMs, tlog) };
    } catch (err) {
      this.unhold(tile);
      await this.failed(tile, err, tlog);
      return {};
    }
  }

  /** Leases one tile; the tiles granted are held (heart-beaten) from the moment the answer arrives. */
  private async lease(): Promise<LeaseResponse> {
    const res = await this.retrying('Lease', () => this.client.lease({ workerId: this.workerId, maxTiles: 1 }));
    for (const t of res.tiles) this.held.add(t.tileId);
    return res;
  }

  /** Tiles leased ahead and never started go back to the coordinator's queue (no attempt counted). */
  private async handBack(tiles: readonly Tile[]): Promise<void> {
    for (const tile of tiles) {
      this.unhold(tile);
      await this.retrying('Release', () => this.client.release({ workerId: this.workerId, runId: tile.runId, tileIds: [tile.tileId] })).then(
        () => this.log.info({ run: tile.runId, tile: tile.tileId }, 'handed back a tile leased ahead (draining)'),
        (err: unknown) => this.log.warn({ run: tile.runId, tile: tile.tileId, err: String(err) }, 'could not hand back a tile leased ahead; its lease will expire'),
      );
    }
  }

  /** The tile is computed (or given up): no more heartbeats for it. */
  private unhold(tile: Tile): void {
    this.held.delete(tile.tileId);
    this.revoked.delete(tile.tileId);
  }

  /** One heartbeat for every tile in hand; those the coordinator no longer gives us are revoked. */
  private beat(): void {
    if (this.held.size === 0) return;
    this.client.heartbeat({ workerId: this.workerId, tileIds: [...this.held] }).then(
      (res) => {
        for (const id of res.cancelledTileIds) if (this.held.has(id)) this.revoked.add(id);
      },
      (err: unknown) => {
        const e = fromGrpcError(err, `Heartbeat ${this.opts.coordinator}`);
        // a restarted coordinator: register again now, so that the tiles in hand keep their leases
        if (e instanceof UnregisteredWorkerError) void this.reregister(this.workerId).catch(() => undefined);
        else this.log.warn({ err: e.message }, 'heartbeat failed');
      },
    );
  }

  /** Register (token and code version checked by the coordinator); returns the heartbeat period. */
  private async register(what: string): Promise<number> {
    const reg = await this.retrying('Register', () =>
      this.client.register({ hostname: hostname(), pid: process.pid, codeVersion: codeVersion(), executionProvider: this.opts.executionProvider, workerName: this.opts.name }),
    );
    this.workerId = reg.workerId;
    this.log = this.baseLog.child({ worker: reg.workerId });
    this.log.info({ leaseMs: reg.leaseMs, heartbeatMs: reg.heartbeatMs }, what);
    return reg.heartbeatMs;
  }

  /** The coordinator does not know `staleId` (it restarted): register again, once for all the calls that found out. */
  private async reregister(staleId: string): Promise<void> {
    if (this.workerId !== staleId) return; // another call already registered again
    this.registering ??= this.register('registered again: the coordinator did not know this worker (restarted?)').then(
      () => undefined,
    ).finally(() => (this.registering = undefined));
    await this.registering;
  }

  private async complete(tile: Tile, cells: readonly CellResult[], computeMs: number, tlog: Logger): Promise<void> {
    const trajectories = cells.reduce((s, c) => s + c.n, 0);
    try {
      const res = await this.retrying('Complete', () =>
        this.client.complete({
          workerId: this.workerId,
          result: {
            tile,
            cells: cells.map((c) => ({ doseIndex: c.doseIndex, replicate: c.replicate, n: c.n, k: c.k, sumMaxQ20: c.sumMaxQ20, sumMaxSqQ12: c.sumMaxSqQ12, ...jointToWire(c) })),
            digest: cellsDigest(cells),
            computeMs,
            trajectories: BigInt(trajectories),
          },
        }),
      );
      this.tiles += 1;
      this.trajectories += trajectories;
      this.metrics.trajectories.inc(trajectories);
      this.metrics.tiles.inc({ outcome: 'completed' });
      this.metrics.tileSeconds.observe(computeMs / 1000);
      tlog.info({ computeMs: Math.round(computeMs), outcome: res.outcome }, 'tile completed');
    } catch (err) {
      await this.failed(tile, err, tlog);
    }
  }

  /** A tile that could not be computed or reported: rejected, cancelled, or failed (told to the coordinator). */
  private async failed(tile: Tile, err: unknown, tlog: Logger): Promise<void> {
    if (err instanceof RejectedError) {
      // the coordinator already re-queued the tile (and counted the attempt): nothing to report
      this.metrics.tiles.inc({ outcome: 'rejected' });
      tlog.warn({ err: err.message }, 'coordinator rejected the result; the tile goes back to its queue');
      return;
    }
    if (err instanceof TileCancelledError) {
      this.metrics.tiles.inc({ outcome: 'cancelled' });
      tlog.info({}, 'tile cancelled: the coordinator no longer needs it (done elsewhere or lease lost)');
      return;
    }
    const retryable = err instanceof QusopError ? err.retryable : true;
    const reason = err instanceof Error ? err.message : String(err);
    tlog.error({ err: reason, retryable }, 'tile failed');
    this.metrics.tiles.inc({ outcome: 'failed' });
    await this.retrying('Fail', () => this.client.fail({ workerId: this.workerId, runId: tile.runId, tileId: tile.tileId, reason, retryable })).catch(() => undefined);
  }

  /**
   * Calls the coordinator, retrying transport errors with capped exponential backoff; a coordinator
   * that no longer knows this worker (restarted) gets a new Register first, then the call again.
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.opts.connectTimeoutMs;
    let delayMs = 100;
    let registeredAgain = 0;
    for (;;) {
      const idUsed = this.workerId;
      try {
        const res = await fn();
        this.probed = false;
        return res;
      } catch (raw) {
        const err = fromGrpcError(raw, `${what} ${this.opts.coordinator}`);
        if (err instanceof UnregisteredWorkerError && what !== 'Register' && registeredAgain++ < 3) {
          await this.reregister(idUsed);
          continue;
        }
        if ((raw as { code?: number }).code === grpc.status.UNAVAILABLE && !this.probed) {
          // "No connection established" says nothing of why: a TLS mismatch is not worth retrying
          this.probed = true;
          const why = await explainConnectFailure(this.opts.coordinator, this.tls);
          if (why !== undefined) throw new AuthError(`${what} ${this.opts.coordinator}: ${why}`, { cause: raw });
        }
        if (!err.retryable || Date.now() + delayMs > deadline) throw err;
        this.log.warn({ err: err.message, retryInMs: delayMs }, 'coordinator call failed; retrying');
        await sleep(delayMs);
        delayMs = Math.min(5_000, delayMs * 2);
      }
    }
  }
}

/**
 * Fault injection for reliability tests only: QUSOP_TEST_SLOW_TILE_MS makes this worker a straggler
 * (it waits that long before each tile, yielding to heartbeats and cancellation). Never set in production.
 */
async function injectedDelay(cancelled: () => boolean): Promise<void> {
  const ms = Number(process.env['QUSOP_TEST_SLOW_TILE_MS'] ?? 0);
  const until = Date.now() + (Number.isFinite(ms) ? ms : 0);
  while (Date.now() < until && !cancelled()) await sleep(Math.min(50, until - Date.now()));
}
