/**
 * The worker's lifecycle: INITIALIZED -> RUNNING -> DRAINING -> STOPPED (STYLE.md 8).
 * RUNNING: lease a tile, compute it with heartbeats, complete (or fail) it, repeat. A tile's Complete
 * (the coordinator writes its shard before answering) stays in flight while the next tile computes,
 * at most one at a time, so the worker never idles on the coordinator's disk. SIGTERM drains (the
 * tile in hand is finished and reported, then exit 0); a second signal stops at once.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Tile } from '../proto/gen/qusop/v1/tile_pb.js';
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
      let completing: Promise<void> | undefined;
      while (this.state === 'RUNNING') {
        const lease = await this.retrying('Lease', () => this.client.lease({ workerId, maxTiles: 1 }));
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
          const { completion } = await this.process(workerId, tile, reg.heartbeatMs, log);
          await completing;
          completing = completion;
        }
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
  private async process(workerId: string, tile: Tile, heartbeatMs: number, log: Logger): Promise<{ completion?: Promise<void> }> {
    const tlog = log.child({ run: tile.runId, tile: tile.tileId });
    const started = performance.now();
    let cancelled = false;
    // session.run blocks the event loop while a chunk runs; heartbeats go out between chunks. A
    // heartbeat that says the tile is no longer ours (done by a backup, lease expired) stops the work.
    const beat = setInterval(() => {
      this.client.heartbeat({ workerId, tileIds: [tile.tileId] }).then(
        (res) => {
          if (res.cancelledTileIds.includes(tile.tileId)) cancelled = true;
        },
        (err: unknown) => tlog.warn({ err: String(err) }, 'heartbeat failed'),
      );
    }, Math.max(100, heartbeatMs));
    try {
      const loaded = await this.cache.run(tile.runId);
      const rg = loaded.spec.scenarios[tile.scenarioIndex]?.regimens[tile.regimenIndex];
      const model = rg === undefined ? undefined : loaded.models.get(rg.modelSha256);
      if (model === undefined) throw new Error(`run ${tile.runId} has no model for scenario ${tile.scenarioIndex} regimen ${tile.regimenIndex}`);
      await injectedDelay(() => cancelled);
      const cells = await computeTile(loaded.spec, tile, model, () => cancelled);
      const computeMs = performance.now() - started;
      clearInterval(beat);
      return { completion: this.complete(workerId, tile, cells, computeMs, tlog) };
    } catch (err) {
      clearInterval(beat);
      await this.failed(workerId, tile, err, tlog);
      return {};
    }
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
