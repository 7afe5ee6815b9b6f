/**
 * Coordinator capacity (issue 7, 1d): tile completions/s and lease latency with >= 1 000 simulated
 * workers, at two levels in one command —
 *   1. in-process (capacity-inprocess.ts): the scheduler alone, then the run controller's lease and
 *      completion path with real shards, no transport;
 *   2. real gRPC (capacity-grpc.ts): the coordinator server and forked lightweight worker clients,
 *      next to the transport's own ceiling (capacity-null.ts: the same clients, a do-nothing server);
 *      first saturated (workers ask again at once), then paced (each worker "computes" a while
 *      between tiles) at half that rate, where lease latency is not just the closed loop's queue.
 * Run: `node dist/bench/coordinator/capacity.js --workers 1000 --tiles 20000` (writes
 * capacity-result.json beside this file's source). Timings are recorded, never asserted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { planTiles } from '../../coordinator/plan/tiles.js';
import { InputError } from '../../worker/common/errors.js';
import type { CellResult } from '../../worker/tile-compute.js';
import { computedCells, writeCapacityScenario } from './capacity-run.js';
import type { LatencySummary } from './capacity-stats.js';
import { runControllerLevel, schedulerLevel, type InProcessLevelResult, type RunControllerLevelResult } from './capacity-inprocess.js';
import { grpcLevel, type GrpcLevelOptions, type GrpcLevelResult } from './capacity-grpc.js';
import { nullServerLevel, type NullServerLevelResult } from './capacity-null.js';

export type CapacityLevel = 'scheduler' | 'run-controller' | 'grpc-null' | 'grpc' | 'grpc-paced';
export const CAPACITY_LEVELS: readonly CapacityLevel[] = ['scheduler', 'run-controller', 'grpc-null', 'grpc', 'grpc-paced'];

export interface CapacityOptions {
  /** simulated workers (default 1000) */
  readonly workers?: number;
  /** at least this many one-cell tiles (default 20000; rounded up to whole replicates of 160 tiles) */
  readonly tiles?: number;
  /** subjects per tile (default 100) */
  readonly subjects?: number;
  /** forked client processes for the gRPC level (default 2) */
  readonly clientProcesses?: number;
  /** gRPC channels (connections) per client process (default 4) */
  readonly channelsPerProcess?: number;
  readonly levels?: readonly CapacityLevel[];
  /** synthetic: k = 0 results (default; costs the clients nothing); computed: real results, for correctness checks */
  readonly cells?: 'synthetic' | 'computed';
  /** where scenario and run directories go; a temp directory (removed afterwards) when not given */
  readonly workDir?: string;
  /** per phase (registration, completion, aggregation) of the gRPC level (default 300 000) */
  readonly timeoutMs?: number;
  /** offered load of the paced level (default: half the saturated gRPC rate, or 250 without it) */
  readonly pacedPerS?: number;
}

export interface CapacityResult {
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly loadavgBefore: readonly number[]; readonly loadavgAfter: readonly number[] };
  readonly tiles: number;
  readonly workers: number;
  readonly cells: 'synthetic' | 'computed';
  readonly scenarioPath: string;
  readonly scheduler?: InProcessLevelResult;
  readonly runController?: RunControllerLevelResult;
  readonly grpcNull?: NullServerLevelResult;
  readonly grpc?: GrpcLevelResult;
  /** the same as `grpc` on a quarter of the tiles, with workers pausing between tiles */
  readonly grpcPaced?: GrpcLevelResult;
  /** issue 7: >= 5 000 completions/s with >= 1 000 workers, judged on the real gRPC path */
  readonly acceptance: { readonly targetCompletionsPerS: number; readonly grpcMeetsTarget: boolean | null };
}

export const TARGET_COMPLETIONS_PER_S = 5_000;

export async function runCapacityBench(opts: CapacityOptions = {}): Promise<CapacityResult> {
  const workers = opts.workers ?? 1_000;
  const subjects = opts.subjects ?? 100;
  const levels = new Set(opts.levels ?? CAPACITY_LEVELS);
  const unknown = [...levels].filter((l) => !CAPACITY_LEVELS.includes(l));
  if (unknown.length > 0) throw new InputError(`capacity bench: unknown level(s) ${unknown.join(', ')}; expected some of ${CAPACITY_LEVELS.join(', ')}`, { details: { field: 'levels' } });
  const cellsMode = opts.cells ?? 'synthetic';
  const loadavgBefore = loadavg().map((x) => Number(x.toFixed(2)));
  const dir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'qusop-capacity-')));
  try {
    const scenarioPath = await writeCapacityScenario(dir, opts.tiles ?? 20_000, subjects);
    const compiled = await compileScenarioFile(scenarioPath);
    const planned = planTiles(compiled.spec, { targetTrajectories: subjects });
    const cells: ReadonlyMap<string, readonly CellResult[]> | undefined = cellsMode === 'computed' ? await computedCells(compiled, planned) : undefined;
    const scheduler = levels.has('scheduler') ? schedulerLevel(compiled, subjects, workers) : undefined;
    const runController = levels.has('run-controller') ? await runControllerLevel(compiled, subjects, workers, dir, (id) => cells?.get(id)) : undefined;
    const wire: GrpcLevelOptions = {
      workers, thinkMs: 0, clientProcesses: opts.clientProcesses ?? 2, channelsPerProcess: opts.channelsPerProcess ?? 4, timeoutMs: opts.timeoutMs ?? 300_000,
      ...(cells === undefined ? {} : { cells }),
    };
    const grpcNull = levels.has('grpc-null') ? await nullServerLevel(compiled, subjects, wire) : undefined;
    const grpc = levels.has('grpc') ? await grpcLevel(scenarioPath, subjects, join(dir, 'run-grpc'), wire) : undefined;
    let grpcPaced: GrpcLevelResult | undefined;
    if (levels.has('grpc-paced')) {
      const pacedPerS = opts.pacedPerS ?? (grpc === undefined ? 250 : Math.max(1, Math.round(grpc.completionsPerS / 2)));
      const pacedScenario = await writeCapacityScenario(dir, Math.max(1, Math.ceil((opts.tiles ?? 20_000) / 4)), subjects, 'capacity-paced.yaml');
      grpcPaced = await grpcLevel(pacedScenario, subjects, join(dir, 'run-grpc-paced'), { ...wire, thinkMs: (workers * 1000) / pacedPerS });
    }
    return {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavgBefore, loadavgAfter: loadavg().map((x) => Number(x.toFixed(2))) },
      tiles: planned.length, workers, cells: cellsMode, scenarioPath,
      ...(scheduler === undefined ? {} : { scheduler }),
      ...(runController === undefined ? {} : { runController }),
      ...(grpcNull === undefined ? {} : { grpcNull }),
      ...(grpc === undefined ? {} : { grpc }),
      ...(grpcPaced === undefined ? {} : { grpcPaced }),
      acceptance: { targetCompletionsPerS: TARGET_COMPLETIONS_PER_S, grpcMeetsTarget: grpc === undefined ? null : grpc.completionsPerS >= TARGET_COMPLETIONS_PER_S && workers >= 1_000 },
    };
  } finally {
    if (opts.workDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** A short markdown table of the figures (stdout of the command line). */
export function capacityTable(r: CapacityResult): string {
  const lines = [
    '| level | completions/s | lease p50 / p95 / p99 ms | CPU us per completion | cores busy |',
    '|---|---|---|---|---|',
  ];
  const lat = (l: LatencySummary): string => `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms}`;
  const wire = (name: string, x: { completionsPerS: number; leaseLatency: LatencySummary; cpu: GrpcLevelResult['cpu'] }): string =>
    `| ${name} | ${x.completionsPerS} | ${lat(x.leaseLatency)} | server ${x.cpu.coordinatorUsPerCompletion}, clients ${x.cpu.clientsUsPerCompletion} | server ${x.cpu.coordinator.cores}, clients ${x.cpu.clients.map((c) => c.cores).join(' + ')} |`;
  if (r.scheduler !== undefined) lines.push(`| scheduler, in-process | ${r.scheduler.completionsPerS} | ${lat(r.scheduler.leaseLatency)} | ${r.scheduler.cpuUsPerCompletion} | ${r.scheduler.cpu.cores} |`);
  if (r.runController !== undefined) {
    lines.push(`| run controller + shards, in-process | ${r.runController.completionsPerS} | ${lat(r.runController.leaseLatency)} | ${r.runController.cpuUsPerCompletion} | ${r.runController.cpu.cores} |`);
  }
  if (r.grpcNull !== undefined) lines.push(wire('gRPC, do-nothing server (transport ceiling)', r.grpcNull));
  if (r.grpc !== undefined) lines.push(wire('real gRPC coordinator, saturated', r.grpc));
  if (r.grpcPaced !== undefined) lines.push(wire(`real gRPC coordinator, paced (${r.grpcPaced.offeredPerS}/s offered, ${r.grpcPaced.tiles} tiles)`, r.grpcPaced));
  for (const [name, g] of [['saturated', r.grpc], ['paced', r.grpcPaced]] as const) {
    if (g !== undefined) lines.push(`\ncoordinator event loop (${name}): late by p50 ${g.coordinatorLoopDelay.p50Ms} ms, p99 ${g.coordinatorLoopDelay.p99Ms} ms, max ${g.coordinatorLoopDelay.maxMs} ms`);
  }
  const m = r.machine;
  return `${r.tiles} tiles, ${r.workers} simulated workers, ${m.cpus} x ${m.model}, load average ${m.loadavgBefore.join(' ')} before, ${m.loadavgAfter.join(' ')} after\n\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '1000' }, tiles: { type: 'string', default: '20000' }, subjects: { type: 'string', default: '100' },
      clients: { type: 'string', default: '2' }, channels: { type: 'string', default: '4' }, levels: { type: 'string', default: CAPACITY_LEVELS.join(',') },
      'paced-per-s': { type: 'string' },
    },
  });
  const count = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`capacity bench: --${flag} must be a positive integer, got "${text}"`, { details: { field: flag } });
    return n;
  };
  const result = await runCapacityBench({
    workers: count('workers', values.workers), tiles: count('tiles', values.tiles), subjects: count('subjects', values.subjects),
    clientProcesses: count('clients', values.clients), channelsPerProcess: count('channels', values.channels), levels: values.levels.split(',') as CapacityLevel[],
    ...(values['paced-per-s'] === undefined ? {} : { pacedPerS: count('paced-per-s', values['paced-per-s']) }),
  });
  const out = fileURLToPath(new URL('./capacity-result.json', import.meta.url.replace('/dist/', '/')));
  // temp paths mean nothing once the temp directory is gone
  await writeFile(out, JSON.stringify(result, (key, v: unknown) => (key === 'runDir' || key === 'scenarioPath' ? undefined : v), 2) + '\n');
  process.stdout.write(capacityTable(result));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
