/**
 * The event bus contract (STYLE.md 4): how run events leave a coordinator and how a watcher reads
 * them back. Two backends honour it: in-process (memory-bus.ts; one process, tests) and NATS JetStream
 * (nats-bus.ts; durable, replayable across processes).
 *
 * Publishing is fire-and-forget: `publish` never throws and never waits, so a slow or absent bus can
 * never slow or fail a run; what could not be delivered is counted in `stats()` and logged.
 */
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';

export interface ReplayedEvent {
  readonly event: RunEvent;
  /** events of this run already stored after this one (0: caught up with the live tail) */
  readonly pending: number;
}

export interface ReplayOptions {
  /** ends the iteration (timeouts, Ctrl-C) */
  readonly signal?: AbortSignal;
}

export interface EventBusStats {
  /** stored by the bus (JetStream acknowledged) */
  readonly published: number;
  /** stored once already: JetStream's dedup window dropped a re-published event */
  readonly duplicates: number;
  /** the bus refused or did not answer (outage, timeout) */
  readonly failed: number;
  /** never sent: the local backlog or in-flight limit was full, or the bus was closed */
  readonly dropped: number;
}

export interface EventBus {
  readonly kind: 'memory' | 'nats';
  /** Queue an event for delivery. Never throws, never blocks. */
  publish(event: RunEvent): void;
  /**
   * Every stored event of one run from the first, in publish order, then live ones as they come,
   * until the signal aborts or the caller stops iterating.
   */
  replay(runId: string, opts?: ReplayOptions): AsyncIterable<ReplayedEvent>;
  stats(): EventBusStats;
  /** Waits (at most `timeoutMs`) for queued publishes to settle, then releases the connection. */
  close(timeoutMs?: number): Promise<void>;
}

export const zeroStats = (): { published: number; duplicates: number; failed: number; dropped: number } => ({ published: 0, duplicates: 0, failed: 0, dropped: 0 });
