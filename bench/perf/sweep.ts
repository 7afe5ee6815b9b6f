/**
 * A full sweep through the coordinator (`qusop run`: embedded coordinator + local worker processes
 * over loopback gRPC, shards on disk, aggregation) with 1 and with 2 workers of one intra-op thread.
 * From the run's manifest: wall time, summed worker compute time and, with the first-lease and
 * last-accepted-result times,
 *   orchestration overhead = (workers x tile wall - summed compute) / summed compute,
 * where the tile wall runs from the first lease to the last accepted result (leasing, result upload,
 * shard writes, idle tails). Worker start-up (process spawn, model load) before the first lease and
 * the aggregation after the last result are reported on their own, and in the end-to-end overhead.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './models.js';

export interface SweepResult {
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly trajectories: number;
  readonly tiles: number;
  /** the CLI command from spawn to exit */
  readonly commandWallMs: number;
  /** run start (submission) to finish, from the manifest */
  readonly runWallMs: number;
  /** submission to the first tile lease: worker processes starting and loading models */
  readonly startupMs: number | null;
  /** last accepted result to the run's end: reading the shards, curves, decisions */
  readonly aggregationMs: number | null;
  readonly workerComputeMs: number;
  /** CPU time of the coordinator process (`qusop run`, its worker processes excluded) over the run */
  readonly coordinatorCpuMs: number | null;
  readonly trajPerS: number;
  /** orchestration overhead over the tile wall (see the header) */
  readonly overhead: number | null;
  /** the same over the whole run wall: start-up and aggregation included */
  readonly overheadEndToEnd: number;
  readonly decisionsSha256: string;
}

interface Manifest {
  status: string;
  tiles: { total: number };
  trajectories_computed_now: number;
  timings: { wall_ms: number; worker_compute_ms: number; first_lease_after_ms?: number | null; last_tile_after_ms?: number | null; coordinator_process_cpu_ms?: number };
}

function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/cli/main.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`qusop ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

export async function runSweep(scenario: string, workers: number, opts: { tileTrajectories?: number } = {}): Promise<SweepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-bench-sweep-'));
  try {
    const out = join(dir, 'run');
    const args = ['run', scenario, '--workers', String(workers), '--threads', '1', '--out', out, '--quiet'];
    if (opts.tileTrajectories !== undefined) args.push('--tile-trajectories', String(opts.tileTrajectories));
    const t0 = performance.now();
    await runCli(args);
    const commandWallMs = performance.now() - t0;
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.status !== 'succeeded') throw new Error(`bench sweep ${scenario} with ${workers} workers: run ${manifest.status}`);
    const decisions = await readFile(join(out, 'decisions.json'));
    const t = manifest.timings;
    const startupMs = t.first_lease_after_ms ?? null;
    const lastMs = t.last_tile_after_ms ?? null;
    const tileWallMs = startupMs === null || lastMs === null ? null : lastMs - startupMs;
    return {
      workers, threadsPerWorker: 1, trajectories: manifest.trajectories_computed_now, tiles: manifest.tiles.total,
      commandWallMs, runWallMs: t.wall_ms, startupMs, aggregationMs: lastMs === null ? null : t.wall_ms - lastMs, workerComputeMs: t.worker_compute_ms,
      coordinatorCpuMs: t.coordinator_process_cpu_ms ?? null,
      trajPerS: manifest.trajectories_computed_now / (t.wall_ms / 1000),
      overhead: tileWallMs === null ? null : (workers * tileWallMs - t.worker_compute_ms) / t.worker_compute_ms,
      overheadEndToEnd: (workers * t.wall_ms - t.worker_compute_ms) / t.worker_compute_ms,
      decisionsSha256: createHash('sha256').update(decisions).digest('hex'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
