/**
 * The worker's lifecycle: INITIALIZED -> RUNNING -> DRAINING -> STOPPED (STYLE.md 8).
 * RUNNING: lease a tile, compute it with heartbeats, complete (or fail) it, repeat. The worker never
 * idles on the coordinator between tiles: the next tile is leased while the current one computes (one
 * tile ahead at most, kept alive by the same heartbeats), and a tile's Complete (the coordinator writes
 * its shard before answering) stays in flight while the next tile computes, one at a time. SIGTERM
 * drains (the tile computing is finished and reported, the one leased ahead is handed back unstarted,
 * then exit 0); a second signal stops at once.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Tile } from '../proto/gen/qusop/v1/tile_pb.js';
import type { LeaseResponse } from '../proto/gen/qusop/v1/worker_service_pb.js';
import { InputError, QusopError } from './common/errors.js';
import type { Logger } from './common/log.js';
import { codeVersion } from './common/version.js';
import { serveMetrics, type MetricsServer } from './common/metrics-server.js';
import { createWorkerMetrics } from './metrics.js';
import { ModelCache } from './model-cache.js';
import type { WorkerOptions } from './options.js';
import { connectWorkerClient, fromGrpcError, RejectedError, type ClientTls, type WorkerClient } from './rpc/connection.js';
import { cellsDigest, computeTile, TileCancelledError } from './tile-compute.js';
import type { CellResult } from './tile-compute.js';

export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED';

export interface WorkerSummary {
  readonly tiles: number;
  readonly trajectories: number;
  readonly state: WorkerState;
}

/** TLS material from the options (read once at start; a missing file is an input error naming it). */
function clientTls(o: WorkerOptions): ClientTls | undefined {
  if (o.tlsCa === undefined) {
    if (o.tlsCert !== undefined || o.tlsKey !== undefined) throw new InputError('worker options tlsCert/tlsKey need tlsCa (the CA of the coordinator certificate)');
    return undefined;
  }
  const read = (path: string, field: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InputError(`${field} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  };
  return {
    ca: read(o.tlsCa, '--tls-ca'),
    ...(o.tlsCert === undefined ? {} : { cert: read(o.tlsCert, '--tls-cert') }),
    ...(o.tlsKey === undefined ? {} : { key: read(o.tlsKey, '--tls-key') }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Worker {
  private state: WorkerState = 'INITIALIZED';
  private readonly client: WorkerClient;
  private readonly cache: ModelCache;
  private readonly metrics = createWorkerMetrics({ worker: `${hostname()}-${process.pid}` });
  private metricsServer: MetricsServer | undefined;
  private tiles = 0;
  private trajectories = 0;
  /** tiles leased to this worker and not yet computed: heartbeats keep all of them */
  private readonly held = new Set<string>();
  /** held tiles the coordinator says are no longer ours (done by a backup, lease lost) */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly opts: WorkerOptions,
    private readonly log: Logger,
  ) {
    this.client = connectWorkerClient(opts.coordinator, opts.token, clientTls(opts));
    this.cache = new ModelCache(
      {
        fetch: async (runId) => {
          const res = await this.retrying('GetRunSpec', () => this.client.getRunSpec({ runId }));
          const spec = res.spec;
          if (spec === undefined) throw new Error(`coordinator sent no spec for run ${runId}`);
          return { specJson: spec.specJson, models: spec.models.map((m) => ({ sha256: m.sha256, cardJson: m.cardJson, onnx: m.onnx })) };
        },
      },
      { executionProvider: opts.executionProvider, maxBatchRows: opts.maxBatchRows, intraOpThreads: opts.intraOpThreads, logger: log },
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
      const reg = await this.retrying('Register', () =>
        this.client.register({ hostname: hostname(), pid: process.pid, codeVersion: codeVersion(), executionProvider: this.opts.executionProvider, workerName: this.opts.name }),
      );
      const workerId = reg.workerId;
      const log = this.log.child({ worker: workerId });
      if (this.state === 'INITIALIZED') this.state = 'RUNNING';
      log.info({ leaseMs: reg.leaseMs, heartbeatMs: reg.heartbeatMs }, 'registered');
      const beat = setInterval(() => this.beat(workerId, log), Math.max(100, reg.heartbeatMs));
      let completing: Promise<void> | undefined;
      let ahead: Promise<LeaseResponse> | undefined;
      try {
        while (this.state === 'RUNNING' || ahead !== undefined) {
          const lease = await (ahead ?? this.lease(workerId));
          ahead = undefined;
          if (this.state !== 'RUNNING') {
            // draining: a tile leased ahead was not started; hand it back rather than compute it
            await this.handBack(workerId, lease.tiles, log);
            break;
          }
          if (lease.tiles.length === 0) {
            if (completing !== undefined) {
              // the run may only look finished (or empty) until our last result lands: ask again after it
              await completing;
              completing = undefined;
              continue;
            }
            if (lease.finished && this.opts.exitWhenFinished) break;
            await sleep(Math.max(50, lease.retryAfterMs));
            continue;
          }
          for (const tile of lease.tiles) {
            // ask for the next tile now, so that it is here when this one is done
            if (this.state === 'RUNNING' && ahead === undefined) {
              ahead = this.lease(workerId);
              ahead.catch(() => undefined); // awaited (and thrown) at the top of the loop
            }
            const { completion } = await this.process(workerId, tile, log);
            await completing;
            completing = completion;
          }
        }
      } finally {
        clearInterval(beat);
      }
      await completing;
      this.state = 'STOPPED';
      log.info({ tiles: this.tiles, trajectories: this.trajectories }, 'stopped');
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
  private async process(workerId: string, tile: Tile, log: Logger): Promise<{ completion?: Promise<void> }> {
    const tlog = log.child({ run: tile.runId, tile: tile.tileId });
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
      return { completion: this.complete(workerId, tile, cells, computeMs, tlog) };
    } catch (err) {
      this.unhold(tile);
      await this.failed(workerId, tile, err, tlog);
      return {};
    }
  }

  /** Leases one tile; the tiles granted are held (heart-beaten) from the moment the answer arrives. */
  private async lease(workerId: string): Promise<LeaseResponse> {
    const res = await this.retrying('Lease', () => this.client.lease({ workerId, maxTiles: 1 }));
    for (const t of res.tiles) this.held.add(t.tileId);
    return res;
  }

  /** Tiles leased ahead and never started go back to the coordinator's queue (no attempt counted). */
  private async handBack(workerId: string, tiles: readonly Tile[], log: Logger): Promise<void> {
    for (const tile of tiles) {
      this.unhold(tile);
      await this.retrying('Release', () => this.client.release({ workerId, runId: tile.runId, tileIds: [tile.tileId] })).then(
        () => log.info({ run: tile.runId, tile: tile.tileId }, 'handed back a tile leased ahead (draining)'),
        (err: unknown) => log.warn({ run: tile.runId, tile: tile.tileId, err: String(err) }, 'could not hand back a tile leased ahead; its lease will expire'),
      );
    }
  }

  /** The tile is computed (or given up): no more heartbeats for it. */
  private unhold(tile: Tile): void {
    this.held.delete(tile.tileId);
    this.revoked.delete(tile.tileId);
  }

  /** One heartbeat for every tile in hand; those the coordinator no longer gives us are revoked. */
  private beat(workerId: string, log: Logger): void {
    if (this.held.size === 0) return;
    this.client.heartbeat({ workerId, tileIds: [...this.held] }).then(
      (res) => {
        for (const id of res.cancelledTileIds) if (this.held.has(id)) this.revoked.add(id);
      },
      (err: unknown) => log.warn({ err: String(err) }, 'heartbeat failed'),
    );
  }

  private async complete(workerId: string, tile: Tile, cells: readonly CellResult[], computeMs: number, tlog: Logger): Promise<void> {
    const trajectories = cells.reduce((s, c) => s + c.n, 0);
    try {
      const res = await this.retrying('Complete', () =>
        this.client.complete({
          workerId,
          result: {
            tile,
            cells: cells.map((c) => ({ doseIndex: c.doseIndex, replicate: c.replicate, n: c.n, k: c.k, sumMaxQ20: c.sumMaxQ20, sumMaxSqQ12: c.sumMaxSqQ12 })),
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
      await this.failed(workerId, tile, err, tlog);
    }
  }

  /** A tile that could not be computed or reported: rejected, cancelled, or failed (told to the coordinator). */
  private async failed(workerId: string, tile: Tile, err: unknown, tlog: Logger): Promise<void> {
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
    await this.retrying('Fail', () => this.client.fail({ workerId, runId: tile.runId, tileId: tile.tileId, reason, retryable })).catch(() => undefined);
  }

  /** Calls the coordinator, retrying transport errors with capped exponential backoff. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.opts.connectTimeoutMs;
    let delayMs = 100;
    for (;;) {
      try {
        return await fn();
      } catch (raw) {
        const err = fromGrpcError(raw, `${what} ${this.opts.coordinator}`);
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
