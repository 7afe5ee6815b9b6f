/**
 * Typed errors (STYLE.md 6): one class per failure kind, `name` set, `cause` chained, structured
 * fields, and whether a retry can help. Wire errors (gRPC status, exit codes) are translated in
 * exactly one place each: coordinator/rpc/status.ts and cli/exit.ts.
 */

export interface ErrorFields {
  /** whether trying the same thing again may succeed (lost worker: yes; bad input: no) */
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** structured context: file, line, field, tile, run, ... */
  readonly details?: Readonly<Record<string, unknown>>;
}

export abstract class QusopError extends Error {
  abstract readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, fields: ErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = new.target.name;
    this.retryable = fields.retryable ?? false;
    this.details = fields.details ?? {};
  }
}

/** A user-supplied file or value is wrong. The message names the file, line/field and what was expected. */
export class InputError extends QusopError {
  readonly code = 'INPUT';
}

/** A model file or card is missing, corrupt or does not match its contract. */
export class ModelError extends QusopError {
  readonly code = 'MODEL';
}

/** A tile could not be computed (non-finite trajectory, session failure). */
export class TileError extends QusopError {
  readonly code = 'TILE';
}

/** Two results for the same tile differ: the determinism contract is broken. */
export class DeterminismError extends QusopError {
  readonly code = 'DETERMINISM';
}

/** A shard on disk is torn, foreign or does not verify. */
export class ShardError extends QusopError {
  readonly code = 'SHARD';
}

/** A run failed as a whole (a tile exhausted its attempts, or the run was cancelled). */
export class RunError extends QusopError {
  readonly code = 'RUN';
}

/**
 * A fitted model is degenerate (a parameter at a bound, rates diverging, information not positive
 * definite, VPC far off, non-finite predictions): not exported for sweeping unless forced.
 */
export class DegenerateFitError extends QusopError {
  readonly code = 'DEGENERATE_FIT';
}

/** Authentication or transport security refused a connection. */
export class AuthError extends QusopError {
  readonly code: string = 'AUTH';
}

/** A worker and coordinator built from different code: results could differ, so the worker is refused. */
export class VersionSkewError extends QusopError {
  readonly code = 'VERSION_SKEW';
}

/** A valid credential used for what its role may not do (the worker token on SubmitRun, say). */
export class PermissionError extends AuthError {
  override readonly code = 'PERMISSION';
}

/**
 * A worker call names a worker id this coordinator never registered (it restarted, or the worker
 * skipped Register). The worker registers again, which checks its version, and repeats the call.
 */
export class UnregisteredWorkerError extends QusopError {
  readonly code = 'UNREGISTERED';
}

/**
 * Output could not be written where the user asked: disk full, quota, read-only file system,
 * permission. The message names the path and the reason; `details.errno` keeps the system code.
 */
export class StorageError extends QusopError {
  readonly code = 'STORAGE';
}
