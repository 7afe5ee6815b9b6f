/**
 * In-process event bus: keeps each run's events in memory (bounded) and replays them to watchers in
 * the same process. The default when no NATS URL is configured, and the reference backend in tests.
 */
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import type { EventBus, EventBusStats, ReplayedEvent, ReplayOptions } from './bus.js';
import { zeroStats } from './bus.js';
import { eventRunId } from './codec.js';
import { eventMsgId } from './subjects.js';

export interface MemoryEventBusOptions {
  /** events kept per run; older ones are dropped (counted) like a stream's limits would */
  readonly maxEventsPerRun?: number;
}

export class MemoryEventBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, RunEvent[]>();
  private readonly seenIds = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private readonly counts = zeroStats();
  private closed = false;
  private readonly maxEventsPerRun: number;

  constructor(opts: MemoryEventBusOptions = {}) {
    this.maxEventsPerRun = opts.maxEventsPerRun ?? 100_000;
  }

  publish(event: RunEvent): void {
    if (this.closed) {
      this.counts.dropped += 1;
      return;
    }
    // same dedup rule as JetStream's Nats-Msg-Id (without the time window)
    const id = eventMsgId(event);
    if (id !== undefined) {
      if (this.seenIds.has(id)) {
        this.counts.duplicates += 1;
        return;
      }
      this.seenIds.add(id);
    }
    const runId = eventRunId(event);
    const log = this.logs.get(runId) ?? [];
    if (log.length >= this.maxEventsPerRun) {
      this.counts.dropped += 1;
      return;
    }
    log.push(event);
    this.logs.set(runId, log);
    this.counts.published += 1;
    for (const wake of [...this.wakers]) wake();
  }

  async *replay(runId: string, opts: ReplayOptions = {}): AsyncIterable<ReplayedEvent> {
    let next = 0;
    while (opts.signal?.aborted !== true) {
      const log = this.logs.get(runId) ?? [];
      const event = log[next];
      if (event !== undefined) {
        next += 1;
        yield { event, pending: log.length - next };
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.wakers.delete(done);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        };
        this.wakers.add(done);
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  stats(): EventBusStats {
    return { ...this.counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }
}
