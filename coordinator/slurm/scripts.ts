/**
 * Renders a run's SLURM scripts (pure: templates + options in, script texts out). Layout inside the
 * run directory, which must be on a filesystem every compute node shares:
 *   DIR/slurm/tiles.sbatch, aggregate.sbatch        array mode (no coordinator)
 *   DIR/slurm/coordinator.sbatch, workers.sbatch    coordinator mode
 *   DIR/slurm/logs/                                 job output files (SLURM does not create folders)
 *   DIR/slurm/token (0600), coordinator.addr        coordinator mode: shared secret, published address
 *   DIR/slurm/jobs.json                             what was submitted
 * #SBATCH lines cannot be shell-quoted, so the run directory must be a plain absolute path.
 */
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { isLoopback } from '../server/options.js';
import { renderTemplate, shQuote, type TemplateName, type Templates } from './templates.js';

export interface SlurmPaths {
  readonly dir: string;
  readonly logs: string;
  readonly token: string;
  readonly addr: string;
  readonly jobs: string;
}

export function slurmPaths(runDir: string): SlurmPaths {
  const dir = join(runDir, 'slurm');
  return { dir, logs: join(dir, 'logs'), token: join(dir, 'token'), addr: join(dir, 'coordinator.addr'), jobs: join(dir, 'jobs.json') };
}

export interface CommonScriptOptions {
  readonly runDir: string;
  readonly runId: string;
  /** array tasks (array mode: slices; coordinator mode: workers) */
  readonly tasks: number;
  /** at most this many tasks at once (`%K`) */
  readonly concurrency?: number | undefined;
  readonly partition?: string | undefined;
  /** `--time`, e.g. 01:00:00 */
  readonly timeLimit?: string | undefined;
  /** more `#SBATCH` options, verbatim (e.g. --account=abc) */
  readonly sbatchOptions?: readonly string[] | undefined;
  /** shell code that runs the qusop CLI on a compute node */
  readonly qusopCommand: string;
  readonly provider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  /** onnxruntime threads per task, also its --cpus-per-task */
  readonly threads: number;
}

export interface ArrayScriptOptions extends CommonScriptOptions {
  readonly aggregateAfter: 'any' | 'ok';
}

export interface CoordinatorScriptOptions extends CommonScriptOptions {
  readonly scenarioPath: string;
  readonly tileTrajectories: number;
  /** where the coordinator listens; a loopback host confines the workers to its node */
  readonly listenHost: string;
  readonly allowInsecure: boolean;
  readonly leaseMs: number;
  /** how long a worker waits for the coordinator's address file */
  readonly addrWaitS: number;
}

export interface RenderedScript {
  readonly name: TemplateName;
  readonly text: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/+@=,-]*$/;
const SBATCH_WORD = /^[A-Za-z0-9._/:+@=,-]+$/;

export function checkPositive(field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new InputError(`${field} ${v}: expected a positive integer`, { details: { field } });
}

/** A directory #SBATCH lines can name (they cannot be quoted). */
export function checkSbatchPath(dir: string): void {
  if (!SAFE_PATH.test(dir)) {
    throw new InputError(`run directory ${JSON.stringify(dir)}: SLURM #SBATCH lines cannot quote paths; use an absolute path of letters, digits and ._/+@=,- only`, {
      details: { field: 'out' },
    });
  }
}

function common(o: CommonScriptOptions): Record<string, string> {
  checkSbatchPath(o.runDir);
  checkPositive('--tasks', o.tasks);
  checkPositive('--threads', o.threads);
  checkPositive('--max-batch-rows', o.maxBatchRows);
  if (o.concurrency !== undefined) checkPositive('--concurrency', o.concurrency);
  const paths = slurmPaths(o.runDir);
  return {
    RUN_DIR: o.runDir,
    RUN_DIR_Q: shQuote(o.runDir),
    RUN_ID: o.runId,
    JOB_NAME: `qusop-${o.runId.slice(0, 8)}`,
    LOG_DIR: paths.logs,
    LOG_DIR_Q: shQuote(paths.logs),
    TASKS: String(o.tasks),
    LAST_TASK: String(o.tasks - 1),
    THROTTLE: o.concurrency === undefined ? '' : `%${o.concurrency}`,
    CPUS_PER_TASK: String(o.threads),
    SBATCH_EXTRA: sbatchExtraLines(o),
    QUSOP: o.qusopCommand,
  };
}

/** `#SBATCH` lines for --partition, --time and each --sbatch-option, checked (they cannot be quoted). */
export function sbatchExtraLines(o: Pick<CommonScriptOptions, 'partition' | 'timeLimit' | 'sbatchOptions'>): string {
  const extra: string[] = [];
  for (const [field, v] of [['--partition', o.partition], ['--time', o.timeLimit]] as const) {
    if (v === undefined) continue;
    if (!SBATCH_WORD.test(v)) throw new InputError(`${field} ${JSON.stringify(v)}: expected a plain SLURM value (letters, digits, ._/:+@=,-)`, { details: { field } });
    extra.push(`#SBATCH ${field}=${v}`);
  }
  for (const v of o.sbatchOptions ?? []) {
    if (!/^--?[A-Za-z]/.test(v) || /[\n\r]/.test(v)) throw new InputError(`--sbatch-option ${JSON.stringify(v)}: expected one sbatch option such as --account=abc`, { details: { field: 'sbatch-option' } });
    extra.push(`#SBATCH ${v}`);
  }
  return extra.join('\n');
}

function computeArgs(o: CommonScriptOptions): string {
  return `--provider ${o.provider} --max-batch-rows ${o.maxBatchRows} --threads ${o.threads}`;
}

function render(templates: Templates, name: TemplateName, vars: Record<string, string>): RenderedScript {
  return { name, text: renderTemplate(templates[name], vars, name) };
}

export function renderArrayScripts(templates: Templates, o: ArrayScriptOptions): RenderedScript[] {
  const vars = { ...common(o), TILES_ARGS: computeArgs(o), AGGREGATE_AFTER: `after${o.aggregateAfter}` };
  return [render(templates, 'tiles.sbatch', vars), render(templates, 'aggregate.sbatch', vars)];
}

export function renderCoordinatorScripts(templates: Templates, o: CoordinatorScriptOptions): RenderedScript[] {
  checkPositive('--tile-trajectories', o.tileTrajectories);
  checkPositive('--lease-ms', o.leaseMs);
  checkPositive('--addr-wait-s', o.addrWaitS);
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(o.listenHost)) throw new InputError(`--listen-host ${JSON.stringify(o.listenHost)}: expected a host name or address`, { details: { field: 'listen-host' } });
  const paths = slurmPaths(o.runDir);
  const loopback = isLoopback(o.listenHost);
  if (!loopback && !o.allowInsecure) {
    throw new InputError(
      `--listen-host ${o.listenHost}: workers on other nodes would reach the coordinator over plaintext gRPC (token included); pass --allow-insecure to accept that on a trusted cluster network, or --listen-host 127.0.0.1 to keep every worker on the coordinator's node`,
      { details: { field: 'listen-host' } },
    );
  }
  const wildcard = o.listenHost === '0.0.0.0' || o.listenHost === '::' || o.listenHost === '[::]';
  const vars = {
    ...common(o),
    WORKER_ARGS: computeArgs(o),
    SCENARIO_Q: shQuote(o.scenarioPath),
    TILE_TRAJECTORIES: String(o.tileTrajectories),
    LISTEN_HOST: o.listenHost,
    INSECURE_FLAG: loopback ? '' : '--allow-insecure',
    LEASE_MS: String(o.leaseMs),
    ADDR_FILE: paths.addr,
    ADDR_FILE_Q: shQuote(paths.addr),
    TOKEN_FILE: paths.token,
    TOKEN_FILE_Q: shQuote(paths.token),
    // a wildcard listener is reached through the node's name; a specific address as itself
    ADVERTISE_HOST: wildcard ? '"$(hostname)"' : shQuote(o.listenHost),
    ADDR_WAIT_S: String(o.addrWaitS),
  };
  return [render(templates, 'coordinator.sbatch', vars), render(templates, 'workers.sbatch', vars)];
}
