/**
 * The tile scheduler (STYLE.md 2): a pure state machine over tile leases. Events in (lease,
 * heartbeat, expire, complete, fail, workerLost, cancel), decisions out; no I/O, no timers, no
 * clock: time is the `nowMs` argument. The same event sequence gives the same decisions.
 * Lifecycle, definitions and cost model: README.md beside this file.
 */
import { InputError } from '../../worker/common/errors.js';
import { DurationWindow } from './duration-window.js';
import { compileSchedulerOptions } from './options.js';
import type { CompiledSchedulerOptions, SchedulerOptions } from './options.js';
import type {
  TileState,
  CompleteDecision, EndedLease, HeartbeatDecision, HolderRef, LeaseDecision, ReleaseDecision,
  RunFailure, RunState, SchedulerCounts, SchedulerDecision, SchedulerEvent, SchedulerSnapshot, TileLease,
} from './events.js';

const PENDING = 0;
const LEASED = 1;
const DONE = 2;
const FAILED = 3;
const STATE_NAMES: readonly TileState[] = ['pending', 'leased', 'done', 'failed'];

/** One worker's claim on one tile. Invariant: a lease is live iff it is in #byDeadline. */
interface Lease {
  readonly tile: number;
  readonly workerId: string;
  readonly attempt: number;
  readonly backup: boolean;
  readonly leasedAtMs: number;
  deadlineMs: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

export class TileScheduler {
  readonly options: CompiledSchedulerOptions;
  readonly #ids: readonly string[];
  readonly #index = new Map<string, number>();
  readonly #state: Uint8Array; // PENDING | LEASED | DONE | FAILED per tile
  readonly #issued: Uint32Array; // leases issued per tile (= the last lease's attempt)
  readonly #failures: Uint32Array; // leases of the tile that ended badly
  readonly #digests: (string | undefined)[]; // of accepted results; undefined for resumed tiles
  readonly #lastError = new Map<number, string>();
  // Pending queue: every PENDING tile at or after #cursor is fresh (plan order); every PENDING
  // tile before it sits in #requeued (FIFO, served first). Entries that went DONE meanwhile are skipped.
  #cursor = 0;
  #requeued: number[] = [];
  #requeuedHead = 0;
  readonly #holders = new Map<number, Lease[]>(); // LEASED tiles only; at most a primary and a backup
  readonly #byWorker = new Map<string, Map<number, Lease>>();
  // Insertion order is deadline order: deadlines are clock + leaseMs, the clock never goes back,
  // and an extended lease is re-inserted at the end. So the first entry is the next to expire.
  readonly #byDeadline = new Set<Lease>();
  readonly #primaries = new Set<Lease>(); // live non-backup leases, oldest first (straggler scan)
  readonly #durations: DurationWindow; // the latest completed tile durations (straggler scan)
  #clockMs = -Infinity;
  #run: RunState = 'running';
  #failure: RunFailure | null = null;
  #cancelReason: string | null = null;
  readonly #counts = [0, 0, 0, 0];
  readonly #stats = {
    leasesIssued: 0, failedAttempts: 0, maxAttemptsOnATile: 0, leaseExpiries: 0, retries: 0,
    workersLost: 0, released: 0, backupsIssued: 0, backupsWon: 0, duplicates: 0, conflicts: 0,
  };
  readonly #resumedDone: number;

  /** `planTileIds` in planning order (the lease order); `doneTileIds` already have verified shards. */
  constructor(planTileIds: readonly string[], doneTileIds: Iterable<string> = [], options: SchedulerOptions = {}) {
    this.options = compileSchedulerOptions(options);
    const n = planTileIds.length;
    this.#ids = planTileIds.slice();
    this.#state = new Uint8Array(n);
    this.#issued = new Uint32Array(n);
    this.#failures = new Uint32Array(n);
    this.#digests = new Array<string | undefined>(n);
    this.#durations = new DurationWindow(this.options.durationSamples);
    this.#ids.forEach((id, i) => {
      const seen = this.#index.get(id);
      if (seen !== undefined) throw bad('planTileIds', `scheduler plan: tile id "${id}" appears twice (positions ${seen} and ${i})`);
      this.#index.set(id, i);
    });
    for (const id of doneTileIds) {
      const t = this.#index.get(id);
      if (t === undefined) throw bad('doneTileIds', `scheduler resume: done tile "${id}" is not in the plan`);
      this.#state[t] = DONE;
    }
    this.#counts[DONE] = this.#resumedDone = this.#state.reduce((k, s) => k + (s === DONE ? 1 : 0), 0);
    this.#counts[PENDING] = n - this.#resumedDone;
    if (this.#resumedDone === n) this.#run = 'succeeded';
  }

  /** Pending tiles in plan order (re-queued ones first); when none remain, maybe one backup. */
  lease(workerId: string, maxTiles: number, nowMs: number): LeaseDecision {
    const now = this.#tick(nowMs);
    if (!Number.isInteger(maxTiles) || maxTiles < 0) {
      throw bad('maxTiles', `scheduler lease: maxTiles must be a non-negative integer, got ${maxTiles} (worker ${workerId})`);
    }
    if (this.#run !== 'running') return { tiles: [], retryAfterMs: 0, finished: true };
    const tiles: TileLease[] = [];
    while (tiles.length < maxTiles) {
      const t = this.#nextPending();
      if (t === undefined) break;
      tiles.push(this.#grant(t, workerId, false, now));
    }
    if (tiles.length < maxTiles && this.options.backups) {
      const backup = this.#backupFor(workerId, now);
      if (backup !== undefined) tiles.push(backup);
    }
    return { tiles, retryAfterMs: tiles.length > 0 ? 0 : this.#retryAfterMs(now), finished: false };
  }

  /** Extends the leases this worker still holds; the rest are cancelled. */
  heartbeat(workerId: string, tileIds: readonly string[], nowMs: number): HeartbeatDecision {
    const now = this.#tick(nowMs);
    const held = this.#byWorker.get(workerId);
    const deadlineMs = now + this.options.leaseMs;
    const extended: string[] = [];
    const cancelled: string[] = [];
    for (const id of tileIds) {
      const t = this.#index.get(id);
      const lease = t === undefined ? undefined : held?.get(t);
      if (lease === undefined) { cancelled.push(id); continue; }
      lease.deadlineMs = deadlineMs;
      this.#byDeadline.delete(lease);
      this.#byDeadline.add(lease);
      extended.push(id);
    }
    return { extended, cancelled, deadlineMs };
  }

  /** Ends every lease whose deadline is at or before nowMs: re-queue, or fail the run when exhausted. */
  expire(nowMs: number): ReleaseDecision {
    const now = this.#tick(nowMs);
    const d = emptyRelease();
    for (const lease of this.#byDeadline) {
      if (lease.deadlineMs > now || this.#run !== 'running') break;
      this.#stats.leaseExpiries++;
      this.#endBadly(lease, `lease expired (worker ${lease.workerId})`, d);
    }
    return this.#done(d);
  }

  /**
   * Accepts the first result of a tile. A worker that no longer holds the tile (its lease expired)
   * is still accepted while the tile is not done: results are deterministic, so any copy will do.
   */
  complete(workerId: string, tileId: string, digest: string, nowMs: number): CompleteDecision {
    const now = this.#tick(nowMs);
    const t = this.#index.get(tileId);
    if (t === undefined) return { outcome: 'unknown', cancelled: [], finished: this.#run !== 'running' };
    if (this.#state[t] === DONE) {
      // Resumed tiles have no digest to compare with: their shard was verified, so call it a duplicate.
      const same = this.#digests[t] === undefined || this.#digests[t] === digest;
      this.#stats[same ? 'duplicates' : 'conflicts']++;
      return { outcome: same ? 'duplicate' : 'conflict', cancelled: [], finished: this.#run !== 'running' };
    }
    const own = this.#byWorker.get(workerId)?.get(t);
    if (own !== undefined) {
      this.#durations.record(now - own.leasedAtMs);
      if (own.backup) this.#stats.backupsWon++;
    }
    const cancelled: HolderRef[] = [];
    for (const lease of this.#holders.get(t)?.slice() ?? []) {
      if (lease !== own) cancelled.push({ workerId: lease.workerId, tileId });
      this.#drop(lease);
    }
    this.#setState(t, DONE);
    this.#digests[t] = digest;
    if (this.#run === 'running' && this.#counts[DONE] === this.#ids.length) this.#run = 'succeeded';
    return { outcome: 'accepted', cancelled, finished: this.#run !== 'running' };
  }

  /** A worker reports its tile failed: re-queue (attempt counted), or fail the run. Stale reports are ignored. */
  fail(workerId: string, tileId: string, reason: string, retryable: boolean, nowMs: number): ReleaseDecision {
    this.#tick(nowMs);
    const d = emptyRelease();
    const t = this.#index.get(tileId);
    const lease = t === undefined ? undefined : this.#byWorker.get(workerId)?.get(t);
    if (lease === undefined) return this.#done(d); // expired or done already: that attempt is settled
    this.#endBadly(lease, reason, d, !retryable);
    return this.#done(d);
  }

  /**
   * The worker hands back a tile it has not started (it leased it ahead and is draining). No attempt
   * ended badly: the lease just ends, and with no other holder the tile is re-queued (served first).
   */
  release(workerId: string, tileId: string, nowMs: number): ReleaseDecision {
    this.#tick(nowMs);
    const d = emptyRelease();
    const t = this.#index.get(tileId);
    const lease = t === undefined ? undefined : this.#byWorker.get(workerId)?.get(t);
    if (lease === undefined || t === undefined || this.#run !== 'running') return this.#done(d); // expired, done or ended already
    this.#drop(lease);
    d.ended.push({ workerId, tileId, attempt: lease.attempt, backup: lease.backup, reason: 'released unstarted' });
    this.#stats.released++;
    if (!this.#holders.has(t)) this.#requeue(t, d);
    return this.#done(d);
  }

  /** A worker is gone (connection dropped): its leases end now instead of at their deadlines. */
  workerLost(workerId: string, nowMs: number): ReleaseDecision {
    this.#tick(nowMs);
    const d = emptyRelease();
    const held = this.#byWorker.get(workerId);
    if (held === undefined) return this.#done(d);
    this.#stats.workersLost++;
    for (const lease of [...held.values()]) {
      if (this.#run !== 'running') break;
      this.#endBadly(lease, `worker ${workerId} lost`, d);
    }
    return this.#done(d);
  }

  /** Stops the run: no more leases; every live lease is returned as cancelled. */
  cancel(reason: string): ReleaseDecision {
    const d = emptyRelease();
    if (this.#run !== 'running') return this.#done(d);
    this.#run = 'cancelled';
    this.#cancelReason = reason;
    this.#dropAll(d);
    return this.#done(d);
  }

  /** The earliest live lease deadline (set one timer for it and call expire), or null. */
  /** The state of one tile (undefined for an id outside the plan). */
  tileState(tileId: string): TileState | undefined {
    const t = this.#index.get(tileId);
    return t === undefined ? undefined : STATE_NAMES[this.#state[t] ?? PENDING];
  }

  nextDeadline(): number | null {
    for (const lease of this.#byDeadline) return lease.deadlineMs;
    return null;
  }

  /** Replays one recorded event (same decisions as the method it names). */
  apply(event: SchedulerEvent): SchedulerDecision {
    switch (event.kind) {
      case 'lease': return this.lease(event.workerId, event.maxTiles, event.nowMs);
      case 'heartbeat': return this.heartbeat(event.workerId, event.tileIds, event.nowMs);
      case 'expire': return this.expire(event.nowMs);
      case 'complete': return this.complete(event.workerId, event.tileId, event.digest, event.nowMs);
      case 'fail': return this.fail(event.workerId, event.tileId, event.reason, event.retryable, event.nowMs);
      case 'release': return this.release(event.workerId, event.tileId, event.nowMs);
      case 'workerLost': return this.workerLost(event.workerId, event.nowMs);
      case 'cancel': return this.cancel(event.reason);
    }
  }

  snapshot(): SchedulerSnapshot {
    const [pending, leased, done, failed] = this.#counts as [number, number, number, number];
    return {
      run: this.#run, failure: this.#failure, cancelReason: this.#cancelReason, tilesTotal: this.#ids.length,
      pending, leased, done, failed, resumedDone: this.#resumedDone, leasesLive: this.#byDeadline.size,
      ...this.#stats, medianTileMs: this.#durations.median(),
    };
  }

  /** The counts of snapshot() in O(1): what per-event progress reporting needs (no median). */
  counts(): SchedulerCounts {
    const [pending, leased, done, failed] = this.#counts as [number, number, number, number];
    return { run: this.#run, tilesTotal: this.#ids.length, pending, leased, done, failed, backupsWon: this.#stats.backupsWon };
  }

  /** Time never runs backwards here: an earlier nowMs reads as the latest seen (keeps #byDeadline sorted). */
  #tick(nowMs: number): number {
    if (!Number.isFinite(nowMs)) throw bad('nowMs', `scheduler: nowMs must be a finite number, got ${nowMs}`);
    this.#clockMs = Math.max(this.#clockMs, nowMs);
    return this.#clockMs;
  }

  #nextPending(): number | undefined {
    while (this.#requeuedHead < this.#requeued.length) {
      const t = this.#requeued[this.#requeuedHead++] as number;
      if (this.#requeuedHead > 1024 && 2 * this.#requeuedHead > this.#requeued.length) {
        this.#requeued = this.#requeued.slice(this.#requeuedHead);
        this.#requeuedHead = 0;
      }
      if (this.#state[t] === PENDING) return t;
    }
    while (this.#cursor < this.#ids.length) {
      const t = this.#cursor++;
      if (this.#state[t] === PENDING) return t;
    }
    return undefined;
  }

  #grant(tile: number, workerId: string, backup: boolean, now: number): TileLease {
    const attempt = (this.#issued[tile] ?? 0) + 1;
    this.#issued[tile] = attempt;
    const lease: Lease = { tile, workerId, attempt, backup, leasedAtMs: now, deadlineMs: now + this.options.leaseMs };
    if (this.#state[tile] === PENDING) this.#setState(tile, LEASED);
    const holders = this.#holders.get(tile);
    if (holders === undefined) this.#holders.set(tile, [lease]); else holders.push(lease);
    const held = this.#byWorker.get(workerId);
    if (held === undefined) this.#byWorker.set(workerId, new Map([[tile, lease]])); else held.set(tile, lease);
    this.#byDeadline.add(lease);
    if (!backup) this.#primaries.add(lease);
    this.#stats.leasesIssued++;
    if (backup) this.#stats.backupsIssued++;
    this.#stats.maxAttemptsOnATile = Math.max(this.#stats.maxAttemptsOnATile, attempt);
    return { tileId: this.#ids[tile] as string, attempt, deadlineMs: lease.deadlineMs, backup };
  }

  /** The oldest straggler this worker does not hold and that has no backup yet, if one is old enough. */
  #backupFor(workerId: string, now: number): TileLease | undefined {
    const medianMs = this.#durations.median();
    if (medianMs === null) return undefined; // no completed tile yet: nothing to call slow
    const thresholdMs = Math.max(this.options.backupMinMs, this.options.backupAfterMedianFactor * medianMs);
    for (const primary of this.#primaries) {
      if (now - primary.leasedAtMs < thresholdMs) break; // oldest first: the rest are younger
      const holders = this.#holders.get(primary.tile) ?? [];
      if (holders.some((h) => h.backup || h.workerId === workerId)) continue;
      return this.#grant(primary.tile, workerId, true, now);
    }
    return undefined;
  }

  #retryAfterMs(now: number): number {
    const next = this.nextDeadline();
    return Math.max(1, Math.min(this.options.idleRetryMs, next === null ? Infinity : next - now));
  }

  /** Counts a bad attempt; re-queues the tile when nobody else holds it, or fails the run. */
  #endBadly(lease: Lease, reason: string, d: Mutable<ReleaseDecision>, fatal = false): void {
    const t = lease.tile;
    const tileId = this.#ids[t] as string;
    this.#drop(lease);
    const ended: EndedLease = { workerId: lease.workerId, tileId, attempt: lease.attempt, backup: lease.backup, reason };
    d.ended.push(ended);
    const failures = (this.#failures[t] ?? 0) + 1;
    this.#failures[t] = failures;
    this.#lastError.set(t, reason);
    this.#stats.failedAttempts++;
    if (fatal || (failures >= this.options.maxAttempts && !this.#holders.has(t))) {
      this.#setState(t, FAILED);
      this.#run = 'failed';
      this.#failure = d.failure = { tileId, attempts: failures, lastError: reason };
      this.#dropAll(d);
    } else if (!this.#holders.has(t)) {
      this.#requeue(t, d);
      this.#stats.retries++;
    }
  }

  /** Back to PENDING, at the front of the queue (re-queued tiles are served before fresh ones). */
  #requeue(t: number, d: Mutable<ReleaseDecision>): void {
    this.#setState(t, PENDING);
    this.#requeued.push(t);
    d.requeued.push(this.#ids[t] as string);
  }

  #drop(lease: Lease): void {
    const holders = this.#holders.get(lease.tile) ?? [];
    holders.splice(holders.indexOf(lease), 1);
    if (holders.length === 0) this.#holders.delete(lease.tile);
    const held = this.#byWorker.get(lease.workerId);
    held?.delete(lease.tile);
    if (held?.size === 0) this.#byWorker.delete(lease.workerId);
    this.#byDeadline.delete(lease);
    this.#primaries.delete(lease);
  }

  /** The run is over: every live lease is cancelled and its tile goes back to PENDING (not re-queued). */
  #dropAll(d: Mutable<ReleaseDecision>): void {
    for (const lease of [...this.#byDeadline]) {
      d.cancelled.push({ workerId: lease.workerId, tileId: this.#ids[lease.tile] as string });
      this.#drop(lease);
      if (this.#state[lease.tile] === LEASED) this.#setState(lease.tile, PENDING);
    }
  }

  #setState(t: number, s: number): void {
    (this.#counts[this.#state[t] as number] as number)--;
    (this.#counts[s] as number)++;
    this.#state[t] = s;
  }

  #done(d: Mutable<ReleaseDecision>): ReleaseDecision {
    d.finished = this.#run !== 'running';
    return d;
  }
}

function bad(field: string, message: string): InputError {
  return new InputError(message, { details: { field } });
}

function emptyRelease(): Mutable<ReleaseDecision> {
  return { ended: [], requeued: [], failure: null, cancelled: [], finished: false };
}
