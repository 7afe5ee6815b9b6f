/**
 * The one place qusop runs SLURM's client commands (sbatch, scontrol, scancel) and turns their
 * failures into typed errors. Clients find the cluster through the environment (SLURM_CONF on a
 * test cluster), which is passed through unchanged.
 */
import { execFile } from 'node:child_process';
import { InputError, RunError } from '../../worker/common/errors.js';

export interface SlurmCallOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export async function slurmCommand(program: string, args: readonly string[], opts: SlurmCallOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return reject(new InputError(`${program} not found on PATH: run this on a SLURM login node (or use --dry-run to only render the scripts)`, { cause: err, details: { program } }));
      }
      const detail = stderr.trim() || stdout.trim() || err.message;
      reject(new RunError(`${program} ${args.join(' ')} failed: ${detail}`, { cause: err, retryable: true, details: { program, args: [...args] } }));
    });
  });
}

/** `sbatch --parsable` prints `JOBID` or `JOBID;CLUSTER`. */
export function parseParsable(stdout: string): string {
  const line = stdout.trim().split('\n').pop() ?? '';
  const m = /^(\d+)(?:;\S+)?$/.exec(line.trim());
  if (m?.[1] === undefined) throw new RunError(`sbatch --parsable printed ${JSON.stringify(stdout.trim())}, expected a job id`);
  return m[1];
}

/** Submits a script; returns its job id. */
export async function sbatch(script: string, options: readonly string[], opts: SlurmCallOptions = {}): Promise<string> {
  return parseParsable(await slurmCommand('sbatch', ['--parsable', ...options, script], opts));
}

export async function scancel(jobIds: readonly string[], opts: SlurmCallOptions = {}): Promise<void> {
  if (jobIds.length > 0) await slurmCommand('scancel', [...jobIds], opts);
}
