/** Test kit: processes read from /proc (no procps needed): a pid's direct children, which pids still run. */
import { readdir, readFile } from 'node:fs/promises';

/** The fields of /proc/PID/stat after `pid (comm)`: [state, ppid, ...]; undefined once the process is gone. */
async function statFields(pid: number | string): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces, so split after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended while we looked
  }
}

export async function childPids(parent: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (Number((await statFields(name))?.[1]) === parent) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/** Those of `pids` still running: listed in /proc and not zombies (an orphan's zombie waits for whoever adopted it). */
export async function runningPids(pids: readonly number[]): Promise<number[]> {
  const states = await Promise.all(pids.map(async (pid) => (await statFields(pid))?.[0]));
  return pids.filter((_, i) => states[i] !== undefined && states[i] !== 'Z');
}
