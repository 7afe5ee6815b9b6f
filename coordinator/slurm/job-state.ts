/**
 * Job states from `scontrol show job -o` (no accounting database needed; sacct needs slurmdbd).
 * One line per job, or per array task once the array has been split; fields are KEY=VALUE words.
 * Finished jobs stay visible for the cluster's MinJobAge (300 s by default).
 */
import { RunError } from '../../worker/common/errors.js';
import { slurmCommand, type SlurmCallOptions } from './slurm-cli.js';

export interface JobRecord {
  readonly jobId: string;
  /** the array's job id and this record's task id(s), e.g. "3" or "0-7%2" while still pending */
  readonly arrayJobId?: string;
  readonly arrayTaskId?: string;
  readonly state: string;
  readonly reason: string;
  /** "EXIT:SIGNAL", e.g. "1:0" */
  readonly exitCode: string;
  readonly stdOut?: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** States after which a job never runs again by itself (a requeue would bring it back to PENDING). */
export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED',
]);

export function parseShowJob(text: string): JobRecord[] {
  const out: JobRecord[] = [];
  for (const line of text.split('\n')) {
    if (!/\bJobId=/.test(line)) continue;
    const fields: Record<string, string> = {};
    // a value runs up to the next " Key=" (values such as Command or WorkDir may hold spaces)
    const re = /(?:^|\s)([A-Za-z0-9_:/]+)=(.*?)(?=\s+[A-Za-z0-9_:/]+=|\s*$)/g;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) if (m[1] !== undefined) fields[m[1]] = m[2] ?? '';
    const jobId = fields['JobId'];
    if (jobId === undefined) continue;
    const state = (fields['JobState'] ?? '').split(/[\s+]/)[0] ?? '';
    out.push({
      jobId, state, reason: fields['Reason'] ?? '', exitCode: fields['ExitCode'] ?? '', fields,
      ...(fields['ArrayJobId'] === undefined ? {} : { arrayJobId: fields['ArrayJobId'] }),
      ...(fields['ArrayTaskId'] === undefined ? {} : { arrayTaskId: fields['ArrayTaskId'] }),
      ...(fields['StdOut'] === undefined ? {} : { stdOut: fields['StdOut'] }),
    });
  }
  return out;
}

export async function showJob(jobId: string, opts: SlurmCallOptions = {}): Promise<JobRecord[]> {
  return parseShowJob(await slurmCommand('scontrol', ['show', 'job', '-o', jobId], opts));
}

export function allTerminal(records: readonly JobRecord[]): boolean {
  return records.length > 0 && records.every((r) => TERMINAL_STATES.has(r.state));
}

/** Polls until every record of every job is terminal; returns them by job id. */
export async function waitForJobs(jobIds: readonly string[], opts: SlurmCallOptions & { readonly pollMs?: number; readonly waitMs: number }): Promise<Map<string, JobRecord[]>> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const states = new Map<string, JobRecord[]>();
    for (const id of jobIds) states.set(id, await showJob(id, opts));
    if ([...states.values()].every(allTerminal)) return states;
    if (Date.now() > deadline) {
      const summary = [...states.entries()].map(([id, rs]) => `${id}: ${rs.map((r) => `${r.jobId}=${r.state}(${r.reason})`).join(' ')}`).join('; ');
      throw new RunError(`SLURM jobs still not finished after ${opts.waitMs} ms: ${summary}`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}
