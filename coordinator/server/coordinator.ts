/**
 * The coordinator process: a gRPC server (WorkerService + RunService) in front of the runs it holds.
 * Runs are served in submission order; lease expiry is driven by one timer. Lifecycle:
 * INITIALIZED -> RUNNING (listening) -> DRAINING (no new leases) -> STOPPED.
 */
import { randomBytes } from 'node:crypto';
import { makeDirectory } from '../../worker/common/fs-error.js';
import { resolve, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition, serviceImplementation } from '../../proto/grpc-adapter.js';
import { WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import type { Tile } from '../../proto/gen/qusop/v1/tile_pb.js';
import { RunService } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { AuthError, InputError, UnregisteredWorkerError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import { hideSecret } from '../../worker/common/secrets.js';
import { serveMetrics, type MetricsServer } from '../../worker/common/metrics-server.js';
import { MAX_MESSAGE_BYTES } from '../../worker/rpc/connection.js';
import { compileScenarioFile, type CompileOptions } from '../scenario/compile.js';
import { createCoordinatorMetrics, type CoordinatorMetrics } from '../metrics.js';
import { makeRoleCheck } from '../rpc/auth.js';
import { NotFoundError, toGrpcStatus } from '../rpc/status.js';
import { RunController } from '../run/run-controller.js';
import { RunDirLock } from '../run/run-lock.js';
import { attachRunEvents } from '../events/attach.js';
import type { EventBus } from '../events/bus.js';
import { compileCoordinatorOptions, isLoopback, type CoordinatorOptions, type CoordinatorOptionsInput } from './options.js';
import { runServiceHandlers } from './run-service.js';
import { workerServiceHandlers } from './worker-service.js';
import { serverCredentials } from './credentials.js';

/** A listen address that cannot be bound is the operator's input to fix: name the option and why. */
function bindError(listen: string, err: Error): Error {
  const why = /(EADDRINUSE|EADDRNOTAVAIL|EACCES|ENOTFOUND|EAI_AGAIN)/.exec(err.message)?.[1];
  const text: Record<string, string> = {
    EADDRINUSE: 'the address is already in use (another coordinator or process listens there)',
    EADDRNOTAVAIL: 'no interface of this host has that address',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name does not resolve',
  };
  if (why === undefined) return err;
  return new InputError(`--listen ${listen}: cannot listen: ${text[why] ?? why} (${why})`, { cause: err, details: { field: 'listen' } });
}

export class Coordinator {
  readonly opts: CoordinatorOptions;
  readonly metrics: CoordinatorMetrics = createCoordinatorMetrics();
  readonly runs = new Map<string, RunController>();
  /** run directories this coordinator computes into, locked until stop() (run-lock.ts) */
  private readonly locks = new Map<string, RunDirLock>();
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  /** registered worker id -> last time heard from; only these may lease, heartbeat, complete, fail or release */
  private readonly workers = new Map<string, number>();
  /** part of every worker id: an id from an earlier coordinator process is never taken for one of this one */
  private readonly bootId = randomBytes(3).toString('hex');
  /** the role (worker or admin) a call's bearer token grants; throws AuthError for none */
  readonly checkRole: ReturnType<typeof makeRoleCheck>;
  private timer: NodeJS.Timeout | undefined;
  private metricsServer: MetricsServer | undefined;
  private workerSeq = 0;
  private readonly names = new Map<string, string[]>();
  port = 0;
  metricsPort: number | undefined;

  /** `events`: where run lifecycle and tile events are published (coordinator/events); none: not published */
  constructor(input: CoordinatorOptionsInput, readonly log: Logger, readonly events?: EventBus) {
    this.opts = compileCoordinatorOptions(input);
    // an embedded coordinator's generated token too: no log line of this process may show one
    hideSecret(this.opts.token);
    if (this.opts.adminToken !== undefined) hideSecret(this.opts.adminToken);
    this.checkRole = makeRoleCheck({ worker: this.opts.token, admin: this.opts.adminToken });
  }

  async start(): Promise<void> {
    const host = this.opts.listen.slice(0, this.opts.listen.lastIndexOf(':'));
    const tls = this.opts.tlsCert !== undefined;
    if (!tls && !isLoopback(host) && !this.opts.allowInsecure) {
      throw new AuthError(
        `refusing plaintext gRPC on non-loopback address ${this.opts.listen}; give --tls-cert/--tls-key (and --tls-client-ca for mTLS), use a loopback address, or pass --allow-insecure (traffic, token included, is unencrypted)`,
      );
    }
    const credentials = await serverCredentials(this.opts);
    this.server.addService(serviceDefinition(WorkerService), serviceImplementation(WorkerService, workerServiceHandlers(this), toGrpcStatus));
    this.server.addService(serviceDefinition(RunService), serviceImplementation(RunService, runServiceHandlers(this), toGrpcStatus));
    this.port = await new Promise<number>((ok, fail) =>
      this.server.bindAsync(this.opts.listen, credentials, (err, port) => (err ? fail(bindError(this.opts.listen, err)) : ok(port))),
    );
    const tickMs = Math.max(50, Math.min(1_000, Math.floor(this.opts.leaseMs / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
    if (this.opts.metricsPort !== undefined) {
      this.metricsServer = await serveMetrics(this.metrics.registry, this.opts.metricsPort, this.opts.metricsHost);
      this.metricsPort = this.metricsServer.port;
    }
    this.log.info({ port: this.port, metricsPort: this.metricsPort, tls, mtls: this.opts.tlsClientCa !== undefined }, 'coordinator listening');
  }

  /**
   * `lockDir`: hold DIR/run.lock while this coordinator computes the run (run/run-lock.ts). Local runs
   * ask for it; a farm coordinator does not: it is one by deployment, and when its pod or node is
   * replaced the successor has another hostname, so it could not tell its killed predecessor's lock
   * from a live one and would refuse to resume.
   */
  async submit(scenarioPath: string, outDir: string | undefined, compile: CompileOptions = {}, opts: { readonly lockDir?: boolean } = {}): Promise<RunController> {
    const compiled = await compileScenarioFile(scenarioPath, compile);
    const existing = this.runs.get(compiled.spec.runId);
    if (existing !== undefined && (existing.active || existing.phase === 'AGGREGATING')) return existing;
    const dir = resolve(outDir ?? join(this.opts.outRoot, compiled.spec.runId));
    const scheduler = {
      leaseMs: this.opts.leaseMs, maxAttempts: this.opts.maxAttempts, backups: this.opts.backups,
      backupMinMs: this.opts.backupMinMs, backupAfterMedianFactor: this.opts.backupAfterMedianFactor,
    };
    const run = new RunController(
      compiled,
      { dir, targetTrajectories: this.opts.tileTrajectories, format: this.opts.format, scheduler, verifyFraction: this.opts.verifyFraction },
      this.metrics,
      this.log.child({ run: compiled.spec.runId }),
    );
    if (this.events !== undefined) attachRunEvents(run, this.events, { log: this.log.child({ run: run.runId }) });
    const held = this.locks.get(dir);
    let lock = held;
    if (lock === undefined && opts.lockDir === true) {
      await makeDirectory(dir);
      lock = await RunDirLock.acquire(dir);
    }
    try {
      await run.prepare();
    } catch (err) {
      if (held === undefined) lock?.release();
      throw err;
    }
    if (lock !== undefined) this.locks.set(dir, lock);
    this.runs.set(run.runId, run);
    return run;
  }

  run(runId: string): RunController {
    const r = this.runs.get(runId);
    if (r === undefined) throw new NotFoundError(`no run ${runId} on this coordinator`);
    return r;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const lock of this.locks.values()) lock.release();
    this.locks.clear();
    await this.metricsServer?.close();
    await new Promise<void>((ok) => this.server.tryShutdown(() => ok()));
  }

  /** Tells workers that ask for work to exit (local runs end this way). */
  private draining = false;
  drain(): void {
    this.draining = true;
  }

  private tick(): void {
    const now = Date.now();
    for (const run of this.runs.values()) run.expire(now);
    let live = 0;
    for (const seen of this.workers.values()) if (now - seen < 2 * this.opts.leaseMs) live += 1;
    this.metrics.workersConnected.set(live);
    let queued = 0;
    for (const run of this.runs.values()) if (run.active) queued += run.snapshot().pending;
    this.metrics.queueDepth.set(queued);
  }

  /** A worker process known to be dead (local launcher): re-queue its tiles now, not at lease expiry. */
  workerLostByName(name: string): void {
    const now = Date.now();
    for (const id of this.names.get(name) ?? []) for (const run of this.runs.values()) run.workerLost(id, now);
  }

  /**
   * A call from `workerId`: refused unless this coordinator registered it (Register checks the token
   * and the code version, so a worker of another version or one from before a restart cannot compute).
   */
  seen(workerId: string): void {
    if (!this.workers.has(workerId)) {
      throw new UnregisteredWorkerError(`worker ${workerId === '' ? '(no id)' : workerId} is not registered with this coordinator (it restarted, or Register was skipped); register again`);
    }
    this.workers.set(workerId, Date.now());
  }

  registerWorker(label: string, pid: number, name: string): string {
    this.workerSeq += 1;
    const workerId = `w${this.workerSeq}-${label}-${pid}-${this.bootId}`;
    this.workers.set(workerId, Date.now());
    if (name !== '') this.names.set(name, [...(this.names.get(name) ?? []), workerId]);
    return workerId;
  }

  /** Tiles for a worker from the first run that has some; `finished` tells an idle worker to exit. */
  lease(workerId: string, maxTiles: number): { tiles: Tile[]; retryAfterMs: number; finished: boolean } {
    this.seen(workerId);
    if (this.shuttingDown) {
      this.toldToExit.add(workerId);
      return { tiles: [], retryAfterMs: 0, finished: true };
    }
    const now = Date.now();
    let retryAfterMs = 1_000;
    for (const run of this.runs.values()) {
      if (!run.active) continue;
      const d = run.lease(workerId, Math.max(1, Math.min(maxTiles, 16)), now);
      if (d.tiles.length > 0) return { tiles: d.tiles, retryAfterMs: 0, finished: false };
      retryAfterMs = Math.min(retryAfterMs, d.retryAfterMs || 1_000);
    }
    const busy = [...this.runs.values()].some((r) => r.active || r.phase === 'AGGREGATING');
    return { tiles: [], retryAfterMs, finished: this.draining && !busy };
  }

  /** Extends the worker's leases; returns the tiles it should stop working on. */
  heartbeat(workerId: string, tileIds: readonly string[]): string[] {
    this.seen(workerId);
    const now = Date.now();
    const cancelled: string[] = [];
    for (const id of tileIds) {
      const run = this.activeRunWith(id);
      if (run === undefined) cancelled.push(id);
      else cancelled.push(...run.heartbeat(workerId, [id], now));
    }
    return cancelled;
  }

  /** The active run that planned tile `id`, if any (a heart-beat names tiles, not runs). */
  private activeRunWith(id: string): RunController | undefined {
    for (const run of this.runs.values()) if (run.active && run.hasTile(id)) return run;
    return undefined;
  }

  /**
   * Graceful shutdown (SIGTERM): no new leases, workers are told to exit; waits up to `boundMs` for
   * results of tiles in flight (they are still accepted), so the run directory keeps them for resume,
   * and then for every live worker to have been told to exit in a Lease reply. Without the second wait
   * a worker whose last Complete emptied the leases asks for work once more, finds the server gone and
   * exits "coordinator unreachable" (4) instead of 0.
   */
  private shuttingDown = false;
  private readonly toldToExit = new Set<string>();
  async shutdown(boundMs: number): Promise<void> {
    this.shuttingDown = true;
    const until = Date.now() + boundMs;
    const leased = (): number => [...this.runs.values()].reduce((n, r) => n + (r.active ? r.snapshot().leased : 0), 0);
    const untold = (): number => {
      const now = Date.now();
      return [...this.workers].filter(([id, seen]) => now - seen < 2 * this.opts.leaseMs && !this.toldToExit.has(id)).length;
    };
    while (Date.now() < until && (leased() > 0 || untold() > 0)) await new Promise((r) => setTimeout(r, 50));
  }
}
