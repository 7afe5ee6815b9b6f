/**
 * The tile scheduler's vocabulary: the events it takes and the decisions it returns, as plain data.
 * The scheduler (scheduler.ts) decides; the coordinator's plumbing applies decisions (answers RPCs,
 * tells workers to stop, writes shards, counts metrics). See README.md for the lifecycle.
 */

export type TileState = 'pending' | 'leased' | 'done' | 'failed';
export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One worker's claim on one tile, as handed to that worker. */
export interface TileLease {
  readonly tileId: string;
  /** 1 for a tile's first lease, then 2, 3, ... for every later lease of it (backups included). */
  readonly attempt: number;
  readonly deadlineMs: number;
  /** A second copy of a straggler: another worker holds the same tile. */
  readonly backup: boolean;
}

/** Who must be told to stop working on a tile. */
export interface HolderRef {
  readonly workerId: string;
  readonly tileId: string;
}

/** A lease that ended badly (expired, failed, its worker lost). */
export interface EndedLease extends HolderRef {
  readonly attempt: number;
  readonly backup: boolean;
  readonly reason: string;
}

/** Why a run failed: the tile that used up its attempts (or failed non-retryably). */
export interface RunFailure {
  readonly tileId: string;
  /** attempts of this tile that ended badly */
  readonly attempts: number;
  readonly lastError: string;
}

export interface LeaseDecision {
  readonly tiles: readonly TileLease[];
  /** 0 when tiles were given or the run is finished; else when to ask again. */
  readonly retryAfterMs: number;
  /** every tile is done, or the run failed or was cancelled: the worker can stop asking */
  readonly finished: boolean;
}

export interface HeartbeatDecision {
  readonly extended: readonly string[];
  /** tiles this worker no longer holds (expired and re-leased, done elsewhere, unknown, run over) */
  readonly cancelled: readonly string[];
  /** the new deadline of the extended leases */
  readonly deadlineMs: number;
}

export type CompleteOutcome = 'accepted' | 'duplicate' | 'conflict' | 'unknown';

export interface CompleteDecision {
  /**
   * accepted: the first result for this tile (write its shard). duplicate: the tile was already
   * done with the same digest (harmless). conflict: done with a different digest, a determinism
   * alarm; the first result stands. unknown: the tile id is not in the plan.
   */
  readonly outcome: CompleteOutcome;
  /** on acceptance: the other holders of the tile (a backup, or a re-lease after expiry) */
  readonly cancelled: readonly HolderRef[];
  readonly finished: boolean;
}

/** The answer to expire, fail, release, workerLost and cancel: what ended, what went back to the queue. */
export interface ReleaseDecision {
  readonly ended: readonly EndedLease[];
  readonly requeued: readonly string[];
  /** set by the event that failed the run */
  readonly failure: RunFailure | null;
  /** live leases dropped because the run ended (tell those workers to stop) */
  readonly cancelled: readonly HolderRef[];
  readonly finished: boolean;
}

export interface SchedulerSnapshot {
  readonly run: RunState;
  readonly failure: RunFailure | null;
  readonly cancelReason: string | null;
  readonly tilesTotal: number;
  readonly pending: number;
  readonly leased: number;
  readonly done: number;
  readonly failed: number;
  /** done at construction (resumed from the shard store), never leased */
  readonly resumedDone: number;
  /** live leases, backups included (a tile with a backup counts twice) */
  readonly leasesLive: number;
  readonly leasesIssued: number;
  /** leases that ended badly: expiries + retryable and non-retryable failures + lost workers */
  readonly failedAttempts: number;
  /** the most leases any one tile has had */
  readonly maxAttemptsOnATile: number;
  readonly leaseExpiries: number;
  /** tiles put back in the queue after an attempt ended badly */
  readonly retries: number;
  readonly workersLost: number;
  /** leases handed back unstarted (release): no attempt counted */
  readonly released: number;
  readonly backupsIssued: number;
  /** accepted results that came from a backup lease */
  readonly backupsWon: number;
  readonly duplicates: number;
  readonly conflicts: number;
  /** median of the recent completed tile durations (lease to accepted result); null before any */
  readonly medianTileMs: number | null;
}

/** The tile counts of a snapshot, without its O(window) median: cheap enough for every event. */
export interface SchedulerCounts {
  readonly run: RunState;
  readonly tilesTotal: number;
  readonly pending: number;
  readonly leased: number;
  readonly done: number;
  readonly failed: number;
  readonly backupsWon: number;
}

/** The events as data, for replaying a recorded sequence through `TileScheduler.apply`. */
export type SchedulerEvent =
  | { readonly kind: 'lease'; readonly workerId: string; readonly maxTiles: number; readonly nowMs: number }
  | { readonly kind: 'heartbeat'; readonly workerId: string; readonly tileIds: readonly string[]; readonly nowMs: number }
  | { readonly kind: 'expire'; readonly nowMs: number }
  | { readonly kind: 'complete'; readonly workerId: string; readonly tileId: string; readonly digest: string; readonly nowMs: number }
  | {
      readonly kind: 'fail';
      readonly workerId: string;
      readonly tileId: string;
      readonly reason: string;
      readonly retryable: boolean;
      readonly nowMs: number;
    }
  | { readonly kind: 'release'; readonly workerId: string; readonly tileId: string; readonly nowMs: number }
  | { readonly kind: 'workerLost'; readonly workerId: string; readonly nowMs: number }
  | { readonly kind: 'cancel'; readonly reason: string };

export type SchedulerDecision = LeaseDecision | HeartbeatDecision | CompleteDecision | ReleaseDecision;
