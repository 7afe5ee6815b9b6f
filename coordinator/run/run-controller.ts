/**
 * One run inside a coordinator: applies the pure scheduler's decisions to the world — shards written
 * before a tile counts as done, metrics, progress events, and aggregation once every tile is in.
 * Lifecycle: PREPARED (dir checked, finished shards found) -> RUNNING -> AGGREGATING -> SUCCEEDED | FAILED | CANCELLED.
 */
import { EventEmitter } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import { create } from '@bufbuild/protobuf';
import { TileSchema, type Tile, type TileResult } from '../../proto/gen/qusop/v1/tile_pb.js';
import { DeterminismError, RunError, ShardError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import { cellsDigest } from '../../worker/tile-compute.js';
import { jointFromWire } from '../../worker/joint-totals.js';
import type { CompiledRun } from '../scenario/compile.js';
import { startRunSeries, type CoordinatorMetrics } from '../metrics.js';
import { planTiles, tileTrajectories, type PlannedTile } from '../plan/tiles.js';
import { TileScheduler } from '../schedule/scheduler.js';
import { schedulerDefaults, type SchedulerOptions } from '../schedule/options.js';
import { VerificationQueue, type VerifyOutcome } from '../schedule/verification.js';
import type { CompleteOutcome, ReleaseDecision } from '../schedule/events.js';
import { writeShard } from '../store/shard-writer.js';
import { tileShardMetadata, tileShardRows, verifyTileShard } from '../store/tile-shard.js';
import { aggregateRunDir } from './aggregate-run.js';
import { prepareRunDir, runModelInfo, shardPath, shardsDir, type RunFile } from './run-dir.js';

export type RunPhase = 'PREPARED' | 'RUNNING' | 'AGGREGATING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface RunProgressInfo {
  readonly runId: string;
  readonly phase: RunPhase;
  readonly tilesTotal: number;
  readonly tilesDone: number;
  readonly tilesLeased: number;
  readonly tilesResumed: number;
  readonly trajectories: number;
  readonly error: string;
}

export interface RunControllerOptions {
  readonly dir: string;
  readonly targetTrajectories: number;
  readonly scheduler: SchedulerOptions;
  readonly format: 'parquet' | 'arrow' | 'both';
  /** fraction of tiles computed a second time by another worker (schedule/verification.ts); 0: none */
  readonly verifyFraction?: number;
}

export class RunController extends EventEmitter {
  phase: RunPhase = 'PREPARED';
  readonly runId: string;
  readonly tiles: readonly PlannedTile[];
  private readonly byId: Map<string, PlannedTile>;
  private scheduler!: TileScheduler;
  private readonly writing = new Map<string, string>();
  private trajectories = 0;
  private resumed = 0;
  private error = '';
  private leasedAt = new Map<string, number>();
  private allTilesDone = false;
  readonly verification: VerificationQueue;
  readonly runFile: RunFile;
  result: Awaited<ReturnType<typeof aggregateRunDir>> | undefined;
  /**
   * firstLeaseMs: when the first tile went out, lastAcceptedMs: when the last result was accepted (0
   * until then): start-up = firstLeaseMs - startedMs, aggregation = finishedMs - lastAcceptedMs.
   * startCpu: this process's CPU time when the run was created (manifest timings.coordinator_process_cpu_ms).
   */
  readonly stats = { computeMs: 0, tilesComputed: 0, conflicts: 0, duplicates: 0, startedMs: Date.now(), firstLeaseMs: 0, lastAcceptedMs: 0, finishedMs: 0, startCpu: process.cpuUsage() };

  constructor(
    readonly compiled: CompiledRun,
    readonly opts: RunControllerOptions,
    private readonly metrics: CoordinatorMetrics,
    private readonly log: Logger,
  ) {
    super();
    this.runId = compiled.spec.runId;
    this.tiles = planTiles(compiled.spec, { targetTrajectories: opts.targetTrajectories });
    this.byId = new Map(this.tiles.map((t) => [t.tileId, t]));
    this.verification = new VerificationQueue(this.runId, opts.verifyFraction ?? 0, opts.scheduler.leaseMs ?? schedulerDefaults.leaseMs);
    this.runFile = {
      schema: 'qusop.run/v1',
      runId: this.runId,
      spec: compiled.spec,
      tiling: { targetTrajectories: opts.targetTrajectories },
      tilesTotal: this.tiles.length,
      models: [...compiled.models.values()].map(runModelInfo),
      scenarioPath: compiled.scenarioPath,
      dataHashes: compiled.dataHashes,
    };
  }

  /** Checks the directory, finds verified shards of this run (torn, foreign or altered ones are removed and redone). */
  async prepare(): Promise<void> {
    await prepareRunDir(this.opts.dir, this.runFile);
    const done: string[] = [];
    const names = new Set(await readdir(shardsDir(this.opts.dir)));
    for (const t of this.tiles) {
      if (!names.has(`${t.tileId}.parquet`)) continue;
      const path = shardPath(this.opts.dir, t.tileId);
      try {
        await verifyTileShard(path, this.compiled.spec, t);
        done.push(t.tileId);
      } catch (err) {
        this.log.warn({ tile: t.tileId, err: (err as Error).message }, 'shard does not verify; removing it and recomputing the tile');
        await rm(path, { force: true });
      }
    }
    this.resumed = done.length;
    this.scheduler = new TileScheduler(this.tiles.map((t) => t.tileId), done, this.opts.scheduler);
    startRunSeries(this.metrics, this.runId);
    this.phase = 'RUNNING';
    this.log.info({ tiles: this.tiles.length, resumed: done.length }, 'run prepared');
    this.publish();
    if (this.scheduler.snapshot().run === 'succeeded') void this.finish();
  }

  hasTile(tileId: string): boolean {
    return this.byId.has(tileId);
  }

  get active(): boolean {
    return this.phase === 'RUNNING';
  }

  lease(workerId: string, maxTiles: number, nowMs: number): { tiles: Tile[]; retryAfterMs: number; finished: boolean } {
    if (!this.active) return { tiles: [], retryAfterMs: 0, finished: this.phase !== 'AGGREGATING' };
    const d = this.scheduler.lease(workerId, maxTiles, nowMs);
    if (d.tiles.length > 0 && this.stats.firstLeaseMs === 0) this.stats.firstLeaseMs = nowMs;
    const ids = d.tiles.map((l) => {
      if (l.backup) this.metrics.backups.inc({ run: this.runId });
      if (!this.leasedAt.has(l.tileId)) this.leasedAt.set(l.tileId, nowMs);
      return l.tileId;
    });
    // verification copies only when the scheduler has nothing for this worker: first results come first
    const copy = ids.length === 0 ? this.verification.lease(workerId, nowMs) : (this.verification.seen(workerId, nowMs), undefined);
    if (copy !== undefined) ids.push(copy);
    const tiles = ids.map((id) => {
      const t = this.byId.get(id);
      if (t === undefined) throw new RunError(`scheduler leased unknown tile ${id}`);
      return create(TileSchema, { runId: this.runId, tileId: t.tileId, scenarioIndex: t.scenarioIndex, regimenIndex: t.regimenIndex, doseBegin: t.doseBegin, doseEnd: t.doseEnd, replicateBegin: t.replicateBegin, replicateEnd: t.replicateEnd });
    });
    this.publish();
    return { tiles, retryAfterMs: d.retryAfterMs, finished: d.finished };
  }

  heartbeat(workerId: string, tileIds: readonly string[], nowMs: number): string[] {
    if (!this.active) return [...tileIds];
    const copies = tileIds.filter((id) => this.verification.holds(workerId, id));
    for (const id of copies) this.verification.heartbeat(workerId, id, nowMs);
    const cancelled = this.scheduler.heartbeat(workerId, tileIds.filter((id) => !copies.includes(id)), nowMs).cancelled;
    return [...cancelled];
  }

  /** Accepts a result once: the shard is written (atomically) before the tile counts as done. */
  async complete(workerId: string, result: TileResult, nowMs: () => number): Promise<CompleteOutcome> {
    const tile = result.tile === undefined ? undefined : this.byId.get(result.tile.tileId);
    if (tile === undefined || !this.active) return 'unknown';
    const cells = result.cells.map((c) => ({ doseIndex: c.doseIndex, replicate: c.replicate, n: c.n, k: c.k, sumMaxQ20: c.sumMaxQ20, sumMaxSqQ12: c.sumMaxSqQ12, ...jointFromWire(c) }));
    const digest = cellsDigest(cells);
    if (digest !== result.digest) throw new ShardError(`tile ${tile.tileId}: result digest ${result.digest} does not match its cells (${digest})`);
    this.checkCells(tile, cells);
    const verified = this.verification.complete(workerId, tile.tileId, digest);
    if (verified !== undefined) return this.verifiedOutcome(tile.tileId, workerId, digest, verified);
    const inFlight = this.writing.get(tile.tileId);
    if (inFlight !== undefined) return this.duplicateOutcome(tile.tileId, inFlight === digest ? 'duplicate' : 'conflict', workerId);
    if (this.scheduler.tileState(tile.tileId) === 'done') {
      const d = this.scheduler.complete(workerId, tile.tileId, digest, nowMs());
      return this.duplicateOutcome(tile.tileId, d.outcome, workerId);
    }
    this.writing.set(tile.tileId, digest);
    try {
      await writeShard(shardPath(this.opts.dir, tile.tileId), tileShardRows(this.compiled.spec, tile, cells), tileShardMetadata(this.compiled.spec, tile, digest));
    } catch (err) {
      this.writing.delete(tile.tileId);
      this.log.error({ tile: tile.tileId, err: (err as Error).message }, 'writing the shard failed; the tile goes back to the queue');
      const reason = `shard write failed: ${(err as Error).message}`;
      this.applyRelease(this.scheduler.fail(workerId, tile.tileId, reason, true, nowMs()));
      throw new ShardError(`tile ${tile.tileId}: ${reason}`, { cause: err });
    }
    this.writing.delete(tile.tileId);
    if (!this.active) return 'unknown';
    const wonBefore = this.scheduler.counts().backupsWon;
    const d = this.scheduler.complete(workerId, tile.tileId, digest, nowMs());
    if (this.scheduler.counts().backupsWon > wonBefore) this.metrics.backupsWon.inc({ run: this.runId });
    if (d.outcome === 'accepted') {
      const n = tileTrajectories(this.compiled.spec, tile);
      this.trajectories += n;
      this.stats.computeMs += result.computeMs;
      this.stats.tilesComputed += 1;
      this.stats.lastAcceptedMs = Date.now();
      this.metrics.trajectories.inc({ run: this.runId }, n);
      this.metrics.tilesCompleted.inc({ run: this.runId });
      const leased = this.leasedAt.get(tile.tileId);
      if (leased !== undefined) this.metrics.tileLatency.observe({ run: this.runId }, (nowMs() - leased) / 1000);
      this.leasedAt.delete(tile.tileId);
      this.verification.accepted(tile.tileId, workerId, digest);
      this.emit('tile-accepted', { tileId: tile.tileId, workerId, trajectories: n, computeMs: result.computeMs });
    }
    this.publish();
    if (d.finished) this.allTilesDone = true;
    this.finishWhenVerified();
    return d.outcome;
  }

  fail(workerId: string, tileId: string, reason: string, retryable: boolean, nowMs: number): void {
    if (!this.active || !this.byId.has(tileId)) return;
    this.log.warn({ tile: tileId, worker: workerId, reason, retryable }, 'worker reported a tile failure');
    if (this.verification.holds(workerId, tileId)) {
      const failure = this.verification.release(workerId, tileId);
      if (!retryable || failure !== undefined) this.failRun(`verification copy of tile ${tileId} failed on worker ${workerId}: ${reason}`);
      return;
    }
    this.applyRelease(this.scheduler.fail(workerId, tileId, reason, retryable, nowMs));
  }

  /** A tile leased ahead and handed back unstarted (a draining worker): re-queued, no attempt counted. */
  release(workerId: string, tileId: string, nowMs: number): void {
    if (!this.active || !this.byId.has(tileId)) return;
    this.log.info({ tile: tileId, worker: workerId }, 'worker handed back a tile it had not started');
    if (this.verification.holds(workerId, tileId)) return void this.verification.release(workerId, tileId, false);
    this.applyRelease(this.scheduler.release(workerId, tileId, nowMs));
  }

  workerLost(workerId: string, nowMs: number): void {
    if (!this.active) return;
    const failure = this.verification.workerLost(workerId);
    if (failure !== undefined) return this.failRun(failure);
    this.applyRelease(this.scheduler.workerLost(workerId, nowMs));
  }

  expire(nowMs: number): void {
    if (!this.active) return;
    const failure = this.verification.expire(nowMs);
    if (failure !== undefined) return this.failRun(failure);
    this.applyRelease(this.scheduler.expire(nowMs));
  }

  cancel(reason: string): void {
    if (!this.active) return;
    this.scheduler.cancel(reason);
    this.phase = 'CANCELLED';
    this.error = reason;
    this.stats.finishedMs = Date.now();
    this.publish();
    this.emit('done', this.progress());
  }

  progress(): RunProgressInfo {
    const s = this.scheduler?.counts(); // per event: counts only (snapshot() recomputes the median)
    return {
      runId: this.runId, phase: this.phase, tilesTotal: this.tiles.length, tilesDone: s?.done ?? 0, tilesLeased: s?.leased ?? 0,
      tilesResumed: this.resumed, trajectories: this.trajectories, error: this.error,
    };
  }

  snapshot() {
    return this.scheduler.snapshot();
  }

  private duplicateOutcome(tileId: string, outcome: CompleteOutcome, workerId: string): CompleteOutcome {
    if (outcome === 'conflict') {
      this.stats.conflicts += 1;
      this.metrics.determinismAlarms.inc({ run: this.runId });
      const alarm = new DeterminismError(`tile ${tileId}: worker ${workerId} sent a result that differs from the accepted one`);
      this.log.error({ tile: tileId, worker: workerId }, alarm.message);
    } else if (outcome === 'duplicate') this.stats.duplicates += 1;
    return outcome;
  }

  /** A verification copy came back: equal digests count as verified; different ones fail the run. */
  private verifiedOutcome(tileId: string, workerId: string, digest: string, v: VerifyOutcome): CompleteOutcome {
    if (v.outcome === 'verified') {
      this.log.info({ tile: tileId, worker: workerId, sameWorker: v.sameWorker }, 'verification copy agrees');
      this.publish();
      this.finishWhenVerified();
      return 'duplicate';
    }
    this.stats.conflicts += 1;
    this.metrics.determinismAlarms.inc({ run: this.runId });
    const alarm = new DeterminismError(
      `determinism alarm: tile ${tileId} computed by worker ${v.firstWorker} has digest ${v.firstDigest}, its verification copy by worker ${workerId} has digest ${digest}`,
      { details: { tile: tileId, workers: [v.firstWorker, workerId], digests: [v.firstDigest, digest] } },
    );
    this.failRun(alarm.message);
    return 'conflict';
  }

  private finishWhenVerified(): void {
    if (this.allTilesDone && this.verification.outstanding === 0) void this.finish();
  }

  private failRun(error: string): void {
    if (!this.active) return;
    this.phase = 'FAILED';
    this.error = error;
    this.stats.finishedMs = Date.now();
    this.log.error({ run: this.runId }, `run failed: ${error}`);
    this.publish();
    this.emit('done', this.progress());
  }

  private applyRelease(d: ReleaseDecision): void {
    for (const e of d.ended) {
      if (e.reason.includes('expired')) this.metrics.leaseExpiries.inc({ run: this.runId });
    }
    if (d.requeued.length > 0) this.metrics.retries.inc({ run: this.runId }, d.requeued.length);
    if (d.failure !== null) return this.failRun(`tile ${d.failure.tileId} failed after ${d.failure.attempts} attempt(s): ${d.failure.lastError}`);
    this.publish();
  }

  private async finish(): Promise<void> {
    if (this.phase !== 'RUNNING') return;
    this.phase = 'AGGREGATING';
    this.publish();
    try {
      this.result = await aggregateRunDir(this.opts.dir, { format: this.opts.format }, this.runFile);
      this.phase = 'SUCCEEDED';
    } catch (err) {
      this.phase = 'FAILED';
      this.error = `aggregation failed: ${(err as Error).message}`;
      this.log.error({ err: (err as Error).message }, this.error);
    }
    this.stats.finishedMs = Date.now();
    this.publish();
    this.emit('done', this.progress());
  }

  private publish(): void {
    const p = this.progress();
    const s = this.scheduler?.counts();
    if (s !== undefined) {
      for (const state of ['pending', 'leased', 'done', 'failed'] as const) this.metrics.tiles.set({ run: this.runId, state }, s[state]);
    }
    this.metrics.runProgress.set({ run: this.runId }, p.tilesTotal === 0 ? 1 : p.tilesDone / p.tilesTotal);
    this.emit('progress', p);
  }

  private checkCells(tile: PlannedTile, cells: { doseIndex: number; replicate: number; n: number }[]): void {
    const expected = (tile.doseEnd - tile.doseBegin) * (tile.replicateEnd - tile.replicateBegin);
    const M = this.compiled.spec.scenarios[tile.scenarioIndex]?.population.subjects ?? 0;
    const bad = cells.find((c) => c.doseIndex < tile.doseBegin || c.doseIndex >= tile.doseEnd || c.replicate < tile.replicateBegin || c.replicate >= tile.replicateEnd || c.n !== M);
    if (cells.length !== expected || bad !== undefined) {
      throw new ShardError(`tile ${tile.tileId}: result has ${cells.length} cells (expected ${expected})${bad === undefined ? '' : `, cell dose ${bad.doseIndex} replicate ${bad.replicate} n ${bad.n} is outside the tile or not ${M} subjects`}`);
    }
  }
}
