/**
 * Verification copies (`--verify-fraction F`): a deterministic sample of a run's tiles is computed a
 * second time, by a different worker when there is one, and the two digests must agree. It catches
 * what one computation cannot show: a model or worker build that is not deterministic, a tampered or
 * faulty build with the right version string. Pure, like the scheduler: events in, decisions out.
 *
 * Which tiles: verifiedTile(runId, tileId, F), a hash of the run and tile ids, so the sample is the
 * same on every coordinator, restart and worker count. A tile is queued for verification when its
 * first result is accepted (tiles resumed from disk were accepted by an earlier process and are not).
 *
 * Who verifies: never the worker that computed the tile while another worker has asked for work within
 * the last lease period. With a single worker (or the others gone) the same worker recomputes it: that
 * still catches a model that is not deterministic within a process, not a faulty build; such copies
 * are counted apart (sameWorker) so the manifest says so.
 */
import { createHash } from 'node:crypto';

/** Whether tile `tileId` of run `runId` is in the verification sample of fraction `fraction` (0..1). */
export function verifiedTile(runId: string, tileId: string, fraction: number): boolean {
  if (fraction <= 0) return false;
  if (fraction >= 1) return true;
  return createHash('sha256').update(`qusop.verify\u0000${runId}\u0000${tileId}`).digest().readUInt32BE(0) / 2 ** 32 < fraction;
}

interface Item {
  readonly tileId: string;
  readonly firstWorker: string;
  readonly digest: string;
  /** the worker computing the copy now, if any, and until when its lease lives */
  holder: string | undefined;
  deadlineMs: number;
  attempts: number;
}

export type VerifyOutcome =
  | { readonly outcome: 'verified'; readonly sameWorker: boolean }
  | { readonly outcome: 'mismatch'; readonly firstWorker: string; readonly firstDigest: string };

export class VerificationQueue {
  readonly #items = new Map<string, Item>();
  /** when each worker last asked this run for work */
  readonly #lastAsk = new Map<string, number>();
  verified = 0;
  sameWorker = 0;

  constructor(
    private readonly runId: string,
    readonly fraction: number,
    private readonly leaseMs: number,
    private readonly maxAttempts = 3,
  ) {}

  /** A tile's first result was accepted: queue its copy when the sample has it. */
  accepted(tileId: string, workerId: string, digest: string): void {
    if (!verifiedTile(this.runId, tileId, this.fraction) || this.#items.has(tileId)) return;
    this.#items.set(tileId, { tileId, firstWorker: workerId, digest, holder: undefined, deadlineMs: 0, attempts: 0 });
  }

  /** The worker asked for work (call on every lease request). */
  seen(workerId: string, nowMs: number): void {
    this.#lastAsk.set(workerId, nowMs);
  }

  /** A copy for `workerId` to compute, if one waits that it may take; the tile id. */
  lease(workerId: string, nowMs: number): string | undefined {
    this.seen(workerId, nowMs);
    const othersActive = [...this.#lastAsk].some(([w, at]) => w !== workerId && nowMs - at <= this.leaseMs);
    for (const item of this.#items.values()) {
      if (item.holder !== undefined || (item.firstWorker === workerId && othersActive)) continue;
      item.holder = workerId;
      item.deadlineMs = nowMs + this.leaseMs;
      return item.tileId;
    }
    return undefined;
  }

  /** Whether `workerId` holds the verification copy of `tileId`. */
  holds(workerId: string, tileId: string): boolean {
    return this.#items.get(tileId)?.holder === workerId;
  }

  heartbeat(workerId: string, tileId: string, nowMs: number): void {
    const item = this.#items.get(tileId);
    if (item?.holder === workerId) item.deadlineMs = nowMs + this.leaseMs;
  }

  /** The copy's result (only for the holder; undefined otherwise): verified, or both digests when they differ. */
  complete(workerId: string, tileId: string, digest: string): VerifyOutcome | undefined {
    const item = this.#items.get(tileId);
    if (item?.holder !== workerId) return undefined;
    this.#items.delete(tileId);
    if (digest !== item.digest) return { outcome: 'mismatch', firstWorker: item.firstWorker, firstDigest: item.digest };
    const sameWorker = workerId === item.firstWorker;
    this.verified += 1;
    if (sameWorker) this.sameWorker += 1;
    return { outcome: 'verified', sameWorker };
  }

  /**
   * The holder gave the copy up (failed, handed back, lost, expired): it waits for another worker.
   * Returns an error message when the copy has used up its attempts.
   */
  release(workerId: string, tileId: string, counts = true): string | undefined {
    const item = this.#items.get(tileId);
    if (item?.holder !== workerId) return undefined;
    item.holder = undefined;
    if (counts) item.attempts += 1;
    return item.attempts >= this.maxAttempts ? `verification copy of tile ${tileId} failed ${item.attempts} times` : undefined;
  }

  /** Copies held by `workerId` go back to the queue; an error message when one used up its attempts. */
  workerLost(workerId: string): string | undefined {
    let failure: string | undefined;
    for (const item of this.#items.values()) if (item.holder === workerId) failure ??= this.release(workerId, item.tileId);
    return failure;
  }

  /** Copies whose lease deadline passed go back to the queue. */
  expire(nowMs: number): string | undefined {
    let failure: string | undefined;
    for (const item of this.#items.values()) {
      if (item.holder !== undefined && item.deadlineMs <= nowMs) failure ??= this.release(item.holder, item.tileId);
    }
    return failure;
  }

  /** copies not yet verified (queued or being computed); the run is finished only at 0 */
  get outstanding(): number {
    return this.#items.size;
  }
}
