/**
 * NATS JetStream event bus. Events go to `qusop.run.<run>.<kind>` (subjects.ts) and are stored in the
 * QUSOP_RUNS stream (stream.ts), so a watcher that connects late replays a run from its first event.
 *
 * Lifecycle: CONNECTING -> READY <-> DOWN (nats.js reconnects by itself) -> CLOSED; UNAVAILABLE when
 * the server has no JetStream. A publisher never waits for the bus: while CONNECTING or DOWN events
 * wait in a bounded backlog (kept in order, flushed on (re)connect); beyond it they are dropped.
 * Every loss is counted in stats() and logged, never thrown — a NATS outage must not touch a run.
 */
import { connect, headers, type JetStreamClient, type NatsConnection } from 'nats';
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import type { Logger } from '../../worker/common/log.js';
import { TransportError } from '../../worker/rpc/connection.js';
import type { EventBus, EventBusStats, ReplayedEvent, ReplayOptions } from './bus.js';
import { zeroStats } from './bus.js';
import { encodeEvent, type EncodedEvent } from './codec.js';
import { replayRun } from './nats-replay.js';
import { compileRunStreamOptions, ensureRunStream, type RunStreamOptionsInput } from './stream.js';

export interface NatsEventBusOptions {
  /** client name shown by the server's /connz */
  readonly name?: string;
  readonly stream?: RunStreamOptionsInput;
  readonly connectTimeoutMs?: number;
  /** retry period while the first connection cannot be made (afterwards nats.js reconnects itself) */
  readonly retryMs?: number;
  readonly publishTimeoutMs?: number;
  /** events kept while NATS is unreachable */
  readonly maxBacklog?: number;
  /** publishes awaiting a JetStream ack */
  readonly maxInFlight?: number;
}

type State = 'CONNECTING' | 'READY' | 'DOWN' | 'UNAVAILABLE' | 'CLOSED';

/** Resolves with `p` or undefined after `ms`, without leaving a timer behind. */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export class NatsEventBus implements EventBus {
  readonly kind = 'nats' as const;
  private state: State = 'CONNECTING';
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  /** events waiting for READY, in publish order (JetStream keeps a connection's order, so does the flush) */
  private backlog: EncodedEvent[] = [];
  /** publishes awaiting their ack; bounded by maxInFlight */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts = zeroStats();
  /** set once a first connection attempt failed (then retried every retryMs, unref'd) */
  private retryTimer: NodeJS.Timeout | undefined;
  private lastFailureLogMs = 0;
  private readyWaiters: (() => void)[] = [];
  private readonly o: Required<Omit<NatsEventBusOptions, 'stream'>>;
  private readonly streamOptions: ReturnType<typeof compileRunStreamOptions>;

  private constructor(readonly url: string, opts: NatsEventBusOptions, private readonly log: Logger) {
    this.o = {
      name: opts.name ?? 'qusop', connectTimeoutMs: opts.connectTimeoutMs ?? 2_000, retryMs: opts.retryMs ?? 2_000,
      publishTimeoutMs: opts.publishTimeoutMs ?? 5_000, maxBacklog: opts.maxBacklog ?? 10_000, maxInFlight: opts.maxInFlight ?? 10_000,
    };
    this.streamOptions = compileRunStreamOptions(opts.stream);
  }

  /** For publishers: returns at once and connects in the background; an unreachable server is logged, not thrown. */
  static open(url: string, opts: NatsEventBusOptions, log: Logger): NatsEventBus {
    const bus = new NatsEventBus(url, opts, log);
    void bus.tryConnect();
    return bus;
  }

  /** For readers (`qusop watch`): connects now or throws a TransportError naming the URL. */
  static async connect(url: string, opts: NatsEventBusOptions, log: Logger): Promise<NatsEventBus> {
    const bus = new NatsEventBus(url, opts, log);
    const err = await bus.tryConnect();
    if (err !== undefined) {
      await bus.close(0);
      throw new TransportError(`cannot use NATS at ${url}: ${err.message}`, { cause: err, retryable: true });
    }
    return bus;
  }

  /** Resolves true once READY (or false after `timeoutMs`). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.state === 'READY') return true;
    await withTimeout(new Promise<void>((r) => this.readyWaiters.push(r)), timeoutMs);
    return (this.state as State) === 'READY';
  }

  publish(event: RunEvent): void {
    let encoded: EncodedEvent;
    try {
      encoded = encodeEvent(event);
    } catch (err) {
      this.counts.failed += 1;
      this.log.error({ err: (err as Error).message }, 'run event could not be encoded; not published');
      return;
    }
    if (this.state === 'READY') this.send(encoded);
    else if (this.state === 'CONNECTING' || this.state === 'DOWN') {
      if (this.backlog.length < this.o.maxBacklog) this.backlog.push(encoded);
      else this.counts.dropped += 1;
    } else if (this.state === 'UNAVAILABLE') this.counts.failed += 1;
    else this.counts.dropped += 1;
  }

  replay(runId: string, opts: ReplayOptions = {}): AsyncIterable<ReplayedEvent> {
    if (this.js === undefined || this.state === 'CLOSED') throw new TransportError(`NATS at ${this.url} is not connected; cannot replay run ${runId}`, { retryable: true });
    return replayRun(this.js, runId, opts, this.log);
  }

  stats(): EventBusStats {
    return { ...this.counts };
  }

  async close(timeoutMs = 5_000): Promise<void> {
    if (this.state === 'CLOSED') return;
    // a lost connection usually comes back within seconds; a server that never answered will not
    const mayConnect = this.state === 'DOWN' || (this.state === 'CONNECTING' && this.retryTimer === undefined);
    if (this.backlog.length > 0 && mayConnect) await this.ready(timeoutMs);
    await withTimeout(Promise.allSettled([...this.inFlight]), timeoutMs);
    this.state = 'CLOSED';
    clearTimeout(this.retryTimer);
    // publishes still awaiting an ack settle as failed when the connection closes below
    this.counts.dropped += this.backlog.length;
    if (this.backlog.length > 0) this.log.warn({ events: this.backlog.length, url: this.url }, 'NATS not reachable before shutdown; run events dropped');
    this.backlog = [];
    this.wakeReady();
    const nc = this.nc;
    this.nc = undefined;
    if (nc !== undefined && !nc.isClosed()) {
      if ((await withTimeout(nc.drain().then(() => true, () => false), timeoutMs)) !== true) await nc.close().catch(() => undefined);
    }
  }

  private send(e: EncodedEvent): void {
    if (this.inFlight.size >= this.o.maxInFlight || this.js === undefined) {
      this.counts.dropped += 1;
      return;
    }
    const h = headers();
    h.set('Qusop-Event', e.type);
    h.set('Content-Type', 'application/json');
    const p = this.js
      .publish(e.subject, e.data, { headers: h, timeout: this.o.publishTimeoutMs, ...(e.msgId === undefined ? {} : { msgID: e.msgId }) })
      .then(
        (ack) => {
          if (ack.duplicate) this.counts.duplicates += 1;
          else this.counts.published += 1;
        },
        (err: unknown) => this.publishFailed(e, err),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private publishFailed(e: EncodedEvent, err: unknown): void {
    this.counts.failed += 1;
    const now = Date.now();
    if (now - this.lastFailureLogMs < 10_000) return; // one line per 10 s in an outage, the count has the rest
    this.lastFailureLogMs = now;
    this.log.warn({ subject: e.subject, err: (err as Error).message, failed: this.counts.failed, url: this.url }, 'run event not stored by JetStream; the run goes on');
  }

  /** One connection attempt; on failure schedules the next. Returns the error (for connect()). */
  private async tryConnect(): Promise<Error | undefined> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: this.url, name: this.o.name, timeout: this.o.connectTimeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 1_000 });
    } catch (err) {
      if (this.state === 'CLOSED') return err as Error;
      if (this.retryTimer === undefined) this.log.warn({ url: this.url, err: (err as Error).message, retryMs: this.o.retryMs }, 'NATS unreachable; run events wait in a backlog and the run goes on');
      this.retryTimer = setTimeout(() => void this.tryConnect(), this.o.retryMs);
      this.retryTimer.unref();
      return err as Error;
    }
    if (this.state === 'CLOSED') {
      await nc.close();
      return undefined;
    }
    this.nc = nc;
    try {
      const created = await ensureRunStream(await nc.jetstreamManager(), this.streamOptions);
      this.js = nc.jetstream();
      this.log.info({ url: this.url, stream: created }, 'NATS JetStream event bus ready');
    } catch (err) {
      this.state = 'UNAVAILABLE';
      this.counts.failed += this.backlog.length;
      this.backlog = [];
      this.log.error({ url: this.url, err: (err as Error).message }, 'NATS has no usable JetStream (start nats-server with -js); run events are not published');
      this.wakeReady();
      return err as Error;
    }
    void this.watchStatus(nc);
    this.becomeReady();
    return undefined;
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.state === 'CLOSED') return;
      if (s.type === 'disconnect') {
        this.state = 'DOWN';
        this.log.warn({ url: this.url }, 'NATS connection lost; reconnecting, run events wait in a backlog');
      } else if (s.type === 'reconnect') {
        this.log.info({ url: this.url }, 'NATS reconnected');
        // a server restarted without its store (or a memory stream) lost QUSOP_RUNS: recreate it first
        await ensureRunStream(await nc.jetstreamManager(), this.streamOptions).catch((err: unknown) =>
          this.log.warn({ url: this.url, err: (err as Error).message }, 'could not check the event stream after reconnecting'),
        );
        this.becomeReady();
      }
    }
  }

  private becomeReady(): void {
    if (this.state === 'CLOSED') return;
    this.state = 'READY';
    const queued = this.backlog;
    this.backlog = [];
    for (const e of queued) this.send(e);
    this.wakeReady();
  }

  private wakeReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }
}
