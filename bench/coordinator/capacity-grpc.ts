/**
 * Level 2 of the capacity benchmark: the real coordinator (the Coordinator class `qusop coordinator`
 * serves, in this process, on a free loopback port) and >= 1 000 simulated workers in forked client
 * processes (capacity-clients.ts) speaking real gRPC. The coordinator does all its real work per
 * completion: token check, digest and cell validation, shard encoded and written atomically, scheduler
 * bookkeeping, metrics. Measured from "go" to the last accepted tile; CPU of both sides in that window.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../../worker/common/log.js';
import type { CellResult } from '../../worker/tile-compute.js';
import { Coordinator } from '../../coordinator/server/coordinator.js';
import type { RunController } from '../../coordinator/run/run-controller.js';
import type { ClientResult, ClientStart } from './capacity-clients.js';
import { cpuSummary, latencySummary, round, type CpuSummary, type LatencySummary } from './capacity-stats.js';

export interface GrpcLevelOptions {
  readonly workers: number;
  /** simulated compute time per tile in the clients (0: saturate the coordinator) */
  readonly thinkMs: number;
  readonly clientProcesses: number;
  readonly channelsPerProcess: number;
  readonly cells?: ReadonlyMap<string, readonly CellResult[]>;
  readonly timeoutMs: number;
}

export interface GrpcLevelResult {
  readonly tiles: number;
  readonly workers: number;
  readonly thinkMs: number;
  /** what the clients would ask for with an instant coordinator: workers / thinkMs (null when thinkMs is 0) */
  readonly offeredPerS: number | null;
  readonly clientProcesses: number;
  readonly channelsPerProcess: number;
  readonly wallMs: number;
  readonly completionsPerS: number;
  /** Lease RPCs that returned a tile, as the clients timed them */
  readonly leaseLatency: LatencySummary;
  readonly completeLatency: LatencySummary;
  readonly emptyLeases: number;
  readonly cpu: {
    readonly coordinator: CpuSummary;
    readonly clients: readonly CpuSummary[];
    /** CPU (user + system, every thread) per accepted tile */
    readonly coordinatorUsPerCompletion: number;
    readonly clientsUsPerCompletion: number;
  };
  readonly coordinatorLoopDelay: LoopDelaySummary;
  readonly aggregateMs: number;
  readonly runDir: string;
  /** Complete RPCs answered ACCEPTED, and how many distinct tiles they name */
  readonly accepted: number;
  readonly distinctAccepted: number;
  readonly otherOutcomes: number;
  readonly leasesIssued: number;
  readonly duplicates: number;
  readonly errors: readonly string[];
}

/** The compiled client module beside this one (or the .ts one under tsx, which the child then loads too). */
function clientScript(): { path: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return { path: fileURLToPath(new URL(`./capacity-clients.${ts ? 'ts' : 'js'}`, import.meta.url)), execArgv: ts ? ['--import', 'tsx'] : [] };
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((ok, fail) => {
    const onMessage = (m: { type: string; message?: string }): void => {
      if (m.type === 'error') { off(); fail(new Error(`capacity client ${child.pid}: ${m.message ?? ''}`)); }
      else if (m.type === type) { off(); ok(m as T); }
    };
    const onExit = (code: number | null): void => { off(); fail(new Error(`capacity client ${child.pid} exited (${code}) before "${type}"`)); };
    const off = (): void => { child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`capacity bench: ${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** What driving the clients measured: the window from "go" to the last accepted tile, and both sides' CPU in it. */
export interface DriveOutcome {
  readonly wallMs: number;
  readonly serverCpu: CpuSummary;
  /** how late the server's event loop ran (blocking work on the server's thread shows here) */
  readonly serverLoopDelay: LoopDelaySummary;
  readonly clients: readonly ClientResult[];
}

/** perf_hooks event-loop delay: how long a 5 ms timer fired late, percentiles over the window. */
export interface LoopDelaySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface DriveOptions extends GrpcLevelOptions {
  readonly address: string;
  readonly token: string;
  readonly subjects: readonly number[];
  /** resolves with performance.now() of the last accepted tile */
  readonly allAccepted: Promise<number>;
}

/** Forks the client processes, registers every worker, then times "go" -> every tile accepted. */
export async function driveClients(o: DriveOptions): Promise<DriveOutcome> {
  const children: ChildProcess[] = [];
  try {
    const script = clientScript();
    const per = Math.ceil(o.workers / o.clientProcesses);
    for (let offset = 0; offset < o.workers; offset += per) {
      const child = fork(script.path, [], { execArgv: script.execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      const start: ClientStart = {
        type: 'start', address: o.address, token: o.token, workers: Math.min(per, o.workers - offset), channels: o.channelsPerProcess,
        workerOffset: offset, subjects: o.subjects, thinkMs: o.thinkMs, ...(o.cells === undefined ? {} : { cells: o.cells }),
      };
      child.send(start);
    }
    await within(Promise.all(children.map((c) => nextMessage(c, 'ready'))), o.timeoutMs, 'registering the workers');
    const results = children.map((c) => nextMessage<ClientResult>(c, 'result'));
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const began = performance.now();
    for (const c of children) c.send({ type: 'go' });
    const lastAcceptedMs = await within(o.allAccepted, o.timeoutMs, 'completing every tile');
    const wallMs = lastAcceptedMs - began;
    const serverCpu = cpuSummary(process.cpuUsage(cpu0), wallMs);
    loop.disable();
    const ms = (ns: number): number => round(ns / 1e6);
    const serverLoopDelay = { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) };
    for (const c of children) c.send({ type: 'stop' });
    return { wallMs, serverCpu, serverLoopDelay, clients: await within(Promise.all(results), o.timeoutMs, 'stopping the clients') };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

/** Every tile accepted: resolves with performance.now() of the last one. */
function lastAccepted(run: RunController): Promise<number> {
  const total = run.tiles.length - run.progress().tilesResumed;
  let accepted = 0;
  return new Promise((ok) => run.on('tile-accepted', () => {
    accepted += 1;
    if (accepted === total) ok(performance.now());
  }));
}

/** The real coordinator under `o.workers` clients; the run goes to `runDir`. */
export async function grpcLevel(scenarioPath: string, tileTrajectories: number, runDir: string, o: GrpcLevelOptions): Promise<GrpcLevelResult> {
  const token = randomBytes(16).toString('hex');
  const coordinator = new Coordinator(
    { listen: '127.0.0.1:0', token, outRoot: dirname(runDir), tileTrajectories, leaseMs: 120_000, heartbeatMs: 20_000 },
    createLogger('coordinator', 'warn'),
  );
  await coordinator.start();
  try {
    const run = await coordinator.submit(scenarioPath, runDir);
    coordinator.drain();
    const ended = new Promise<void>((ok) => run.once('done', () => ok()));
    const allAccepted = lastAccepted(run);
    const subjects = run.compiled.spec.scenarios.map((sc) => sc.population.subjects);
    const { wallMs, serverCpu, serverLoopDelay, clients } = await driveClients({ ...o, address: `127.0.0.1:${coordinator.port}`, token, subjects, allAccepted });
    const endedAt = await allAccepted;
    await within(ended, o.timeoutMs, 'aggregating the run');
    const aggregateMs = performance.now() - endedAt;
    if (run.phase !== 'SUCCEEDED') throw new Error(`capacity bench (gRPC): run ended ${run.phase}: ${run.progress().error}`);
    const accepted = clients.flatMap((c) => c.accepted);
    const snap = run.snapshot();
    const total = run.tiles.length;
    return {
      tiles: total, workers: o.workers, thinkMs: o.thinkMs, offeredPerS: o.thinkMs > 0 ? Math.round((o.workers * 1000) / o.thinkMs) : null,
      clientProcesses: clients.length, channelsPerProcess: o.channelsPerProcess,
      wallMs: round(wallMs), completionsPerS: Math.round(total / (wallMs / 1000)),
      leaseLatency: latencySummary(concat(clients.map((c) => c.leaseMs))), completeLatency: latencySummary(concat(clients.map((c) => c.completeMs))),
      emptyLeases: clients.reduce((n, c) => n + c.emptyLeases, 0),
      cpu: cpuSplit(serverCpu, clients, total), coordinatorLoopDelay: serverLoopDelay,
      aggregateMs: Math.round(aggregateMs), runDir: run.opts.dir,
      accepted: accepted.length, distinctAccepted: new Set(accepted).size, otherOutcomes: clients.reduce((n, c) => n + c.otherOutcomes, 0),
      leasesIssued: snap.leasesIssued, duplicates: snap.duplicates, errors: clients.flatMap((c) => c.errors),
    };
  } finally {
    await coordinator.stop();
  }
}

/** Who spends what: each side's CPU in the window, and per completion (microseconds, all threads). */
export function cpuSplit(server: CpuSummary, clients: readonly ClientResult[], completions: number): GrpcLevelResult['cpu'] {
  const clientCpu = clients.map((c) => cpuSummary(c.cpu, c.wallMs));
  const clientUs = clients.reduce((s, c) => s + c.cpu.user + c.cpu.system, 0);
  return {
    coordinator: server, clients: clientCpu,
    coordinatorUsPerCompletion: Math.round(((server.userS + server.systemS) * 1e6) / completions),
    clientsUsPerCompletion: Math.round(clientUs / completions),
  };
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
