/**
 * manifest.json: what was run, from what, where, how long, and how it ended — written last, so a
 * manifest with status "succeeded" means curves.parquet and decisions.json are complete.
 */
import { hostname, cpus, platform, release } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic-file.js';
import { packageRoot } from '../../worker/common/version.js';
import type { RunController } from './run-controller.js';

function dependencyVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const cpuMs = (u: NodeJS.CpuUsage): number => Math.round((u.user + u.system) / 1000);

export interface ManifestExtras {
  readonly mode: 'local' | 'coordinator' | 'slurm-array' | 'aggregate';
  readonly workers?: number;
  readonly workerRestarts?: number;
  readonly options?: Record<string, unknown>;
}

export async function writeManifest(run: RunController, extras: ManifestExtras): Promise<void> {
  const p = run.progress();
  const s = run.snapshot();
  const status = p.phase === 'SUCCEEDED' ? 'succeeded' : p.phase === 'FAILED' ? 'failed' : p.phase === 'CANCELLED' ? 'cancelled' : 'incomplete';
  const manifest = {
    schema: 'qusop.manifest/v1',
    run_id: run.runId,
    status,
    error: p.error || null,
    test_model: run.runFile.models.some((m) => m.testModel),
    scenario: { path: run.compiled.scenarioPath, sha256: createHash('sha256').update(run.compiled.scenarioText).digest('hex'), text: run.compiled.scenarioText },
    spec: run.compiled.spec,
    seeds: Object.fromEntries(run.compiled.spec.scenarios.map((sc) => [sc.name, sc.seed])),
    models: run.runFile.models,
    data: run.compiled.dataHashes,
    tiling: run.runFile.tiling,
    tiles: {
      total: p.tilesTotal, done: p.tilesDone, resumed: p.tilesResumed, computed_now: run.stats.tilesComputed,
      lease_expiries: s.leaseExpiries, retries: s.retries, released: s.released, backups_issued: s.backupsIssued, backups_won: s.backupsWon,
      duplicates: run.stats.duplicates, determinism_alarms: run.stats.conflicts,
      verify_fraction: run.verification.fraction, verified: run.verification.verified, verified_by_same_worker: run.verification.sameWorker,
    },
    trajectories_computed_now: p.trajectories,
    timings: {
      started: new Date(run.stats.startedMs).toISOString(),
      finished: new Date(run.stats.finishedMs || Date.now()).toISOString(),
      wall_ms: (run.stats.finishedMs || Date.now()) - run.stats.startedMs,
      worker_compute_ms: Math.round(run.stats.computeMs),
      first_lease_after_ms: run.stats.firstLeaseMs === 0 ? null : run.stats.firstLeaseMs - run.stats.startedMs,
      last_tile_after_ms: run.stats.lastAcceptedMs === 0 ? null : run.stats.lastAcceptedMs - run.stats.startedMs,
      // CPU time (all threads, user + system) of the process holding this run, from its creation to now:
      // the coordinator's own cost with worker processes, or compute included with in-process workers.
      // A coordinator serving several runs at once counts them all.
      coordinator_process_cpu_ms: cpuMs(process.cpuUsage(run.stats.startCpu)),
    },
    execution: { ...extras },
    versions: {
      qusop: run.compiled.spec.codeVersion, node: process.version, 'onnxruntime-node': dependencyVersion('onnxruntime-node'),
      'apache-arrow': dependencyVersion('apache-arrow'), 'parquet-wasm': dependencyVersion('parquet-wasm'), '@grpc/grpc-js': dependencyVersion('@grpc/grpc-js'),
    },
    host: { hostname: hostname(), platform: `${platform()} ${release()}`, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown' },
    outputs: status === 'succeeded' ? (run.result?.outputs ?? []) : [],
  };
  await writeFileAtomic(join(run.opts.dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * `qusop aggregate` just aggregated every planned tile of the directory: its manifest, written by the
 * run that made the shards (maybe interrupted, with fewer tiles done), must not contradict the new
 * files. Status, tiles done and outputs are updated and the aggregation recorded; everything else
 * (how the shards were made) is kept. No manifest (a SLURM array run): nothing is written.
 */
export async function recordAggregation(dir: string, tilesTotal: number, outputs: readonly string[]): Promise<void> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const manifest = JSON.parse(text) as Record<string, unknown> & { tiles?: Record<string, unknown> };
  const updated = {
    ...manifest,
    status: 'succeeded',
    error: null,
    tiles: { ...manifest.tiles, total: tilesTotal, done: tilesTotal },
    outputs: [...outputs],
    aggregated: { by: 'qusop aggregate', at: new Date().toISOString(), tiles: tilesTotal },
  };
  await writeFileAtomic(path, JSON.stringify(updated, null, 2) + '\n');
}
