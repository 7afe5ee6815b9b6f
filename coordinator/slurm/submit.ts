/**
 * `qusop submit slurm`: plan the run, render its scripts into DIR/slurm/, submit them with sbatch and
 * record the job ids in DIR/slurm/jobs.json.
 *   array mode:       tiles array (one slice per task)  ->  aggregate job (--dependency=afterany|afterok)
 *   coordinator mode: coordinator job  ->  worker array (--dependency=after: starts once it runs)
 * The aggregation waits for `afterany` by default: with `afterok` a failed task leaves it cancelled
 * (or pending forever) and nothing says which tiles are missing, while `qusop aggregate` checks the
 * shard store itself and fails naming them. Re-submitting the same scenario into the same directory
 * recomputes only the missing tiles.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, RunError } from '../../worker/common/errors.js';
import { cliEntry } from '../local/launcher.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { planRun } from '../tiles/run-file.js';
import { renderArrayScripts, renderCoordinatorScripts, slurmPaths, type CommonScriptOptions, type RenderedScript } from './scripts.js';
import { sbatch, scancel, type SlurmCallOptions } from './slurm-cli.js';
import { loadTemplates, shQuote } from './templates.js';

export const DEFAULT_MAX_TASKS = 32;

export interface SubmitSlurmOptions {
  readonly scenario: string;
  readonly out: string;
  readonly mode: 'array' | 'coordinator';
  /** default: one per tile, at most DEFAULT_MAX_TASKS */
  readonly tasks?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly partition?: string | undefined;
  readonly timeLimit?: string | undefined;
  readonly sbatchOptions?: readonly string[] | undefined;
  readonly tileTrajectories?: number | undefined;
  readonly provider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly threads: number;
  /** shell code running qusop on a compute node (default: this node binary and this CLI, absolute paths) */
  readonly qusopCommand?: string | undefined;
  readonly aggregateAfter: 'any' | 'ok';
  readonly listenHost: string;
  readonly allowInsecure: boolean;
  readonly leaseMs: number;
  readonly addrWaitS: number;
  readonly dryRun: boolean;
}

export interface SubmittedJob {
  readonly role: 'tiles' | 'aggregate' | 'coordinator' | 'workers';
  readonly script: string;
  /** sbatch options besides --parsable; `{tiles}` / `{coordinator}` stand for the first job's id */
  readonly sbatchOptions: readonly string[];
  readonly jobId?: string;
}

export interface SubmitSlurmResult {
  readonly runId: string;
  readonly dir: string;
  readonly tiles: number;
  readonly tasks: number;
  readonly mode: 'array' | 'coordinator';
  readonly scripts: readonly string[];
  readonly jobs: readonly SubmittedJob[];
}

export function defaultQusopCommand(): string {
  return `${shQuote(process.execPath)} ${shQuote(cliEntry())}`;
}

/** The token file is created 0600 and must stay private: a readable one is refused, not used. */
async function ensureTokenFile(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if ((s.mode & 0o077) !== 0) {
      throw new InputError(`${path}: token file has mode ${(s.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600 ${path})`, { details: { file: path } });
    }
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeFile(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
}

export async function submitSlurm(o: SubmitSlurmOptions, call: SlurmCallOptions = {}): Promise<SubmitSlurmResult> {
  // checked before planning, so a bad value leaves no run directory behind
  if (o.tasks !== undefined && (!Number.isSafeInteger(o.tasks) || o.tasks < 1)) throw new InputError(`--tasks ${o.tasks}: expected a positive integer`, { details: { field: 'tasks' } });
  const planned = await planRun(o.scenario, o.out, { tileTrajectories: o.tileTrajectories });
  const tiles = planned.tiles.length;
  // more slices than tiles would only start empty tasks
  const tasks = Math.max(1, Math.min(o.tasks ?? DEFAULT_MAX_TASKS, tiles));
  const paths = slurmPaths(planned.dir);
  const common: CommonScriptOptions = {
    runDir: planned.dir, runId: planned.runFile.runId, tasks, concurrency: o.concurrency, partition: o.partition, timeLimit: o.timeLimit,
    sbatchOptions: o.sbatchOptions, qusopCommand: o.qusopCommand ?? defaultQusopCommand(), provider: o.provider, maxBatchRows: o.maxBatchRows, threads: o.threads,
  };
  const templates = await loadTemplates();
  let scripts: RenderedScript[];
  let plan: Omit<SubmittedJob, 'jobId'>[];
  if (o.mode === 'array') {
    scripts = renderArrayScripts(templates, { ...common, aggregateAfter: o.aggregateAfter });
    plan = [
      { role: 'tiles', script: join(paths.dir, 'tiles.sbatch'), sbatchOptions: [] },
      { role: 'aggregate', script: join(paths.dir, 'aggregate.sbatch'), sbatchOptions: [`--dependency=after${o.aggregateAfter}:{tiles}`, '--kill-on-invalid-dep=yes'] },
    ];
  } else {
    scripts = renderCoordinatorScripts(templates, {
      ...common, scenarioPath: planned.runFile.scenarioPath, tileTrajectories: planned.runFile.tiling.targetTrajectories,
      listenHost: o.listenHost, allowInsecure: o.allowInsecure, leaseMs: o.leaseMs, addrWaitS: o.addrWaitS,
    });
    plan = [
      { role: 'coordinator', script: join(paths.dir, 'coordinator.sbatch'), sbatchOptions: [] },
      { role: 'workers', script: join(paths.dir, 'workers.sbatch'), sbatchOptions: ['--dependency=after:{coordinator}', '--kill-on-invalid-dep=yes', '--export=ALL,QUSOP_COORDINATOR_JOB={coordinator}'] },
    ];
  }
  await mkdir(paths.logs, { recursive: true });
  for (const s of scripts) {
    await writeFileAtomic(join(paths.dir, s.name), s.text);
    await chmod(join(paths.dir, s.name), 0o755);
  }
  if (o.mode === 'coordinator') {
    await ensureTokenFile(paths.token);
    // a stale address from an earlier submission would send the new workers to a dead coordinator
    await rm(paths.addr, { force: true });
  }
  const base = { runId: planned.runFile.runId, dir: planned.dir, tiles, tasks, mode: o.mode, scripts: scripts.map((s) => join(paths.dir, s.name)) };
  if (o.dryRun) return { ...base, jobs: plan };
  const jobs = await submitInOrder(plan, call);
  const result = { ...base, jobs };
  await writeFileAtomic(paths.jobs, JSON.stringify({ ...result, submittedAt: new Date().toISOString() }, null, 2) + '\n');
  return result;
}

/**
 * Submits the jobs in order; `{role}` in a job's sbatch options stands for the job id of the earlier job
 * of that role (dependencies). No half-submitted plans: when one submission fails, the jobs already
 * submitted are cancelled (a worker array without its coordinator, a sweep without its aggregation).
 */
export async function submitInOrder<J extends { readonly role: string; readonly script: string; readonly sbatchOptions: readonly string[] }>(plan: readonly J[], call: SlurmCallOptions = {}): Promise<(J & { jobId: string })[]> {
  const jobs: (J & { jobId: string })[] = [];
  for (const p of plan) {
    const ids = Object.fromEntries(jobs.map((j) => [j.role, j.jobId]));
    const options = p.sbatchOptions.map((opt) => opt.replace(/\{(\w+)\}/g, (_m, role: string) => ids[role] ?? ''));
    try {
      jobs.push({ ...p, sbatchOptions: options, jobId: await sbatch(p.script, options, call) });
    } catch (err) {
      const submitted = jobs.map((j) => j.jobId);
      await scancel(submitted, call).catch(() => undefined);
      throw new RunError(`${(err as Error).message}${submitted.length > 0 ? ` (cancelled the jobs already submitted: ${submitted.join(', ')})` : ''}`, { cause: err, retryable: true });
    }
  }
  return jobs;
}
