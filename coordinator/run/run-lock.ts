/**
 * One process computes a run directory at a time. `DIR/run.lock` names the holder (pid, host, since);
 * it is taken atomically (the record is written to a temp file, then hard-linked to the lock name:
 * link fails if the name exists, and a reader never sees a half-written record) and removed when the
 * holder stops, or at process exit. Local runs take it (Coordinator.submit with lockDir): a second
 * `qusop run` / `qusop answer` on the same directory is refused (exit 2) naming the holder rather than
 * made to wait: waiting on a hung holder would hang too, and once the holder has finished a re-run only
 * resumes its shards anyway. A lock whose pid no longer exists on this host is stale (the holder was
 * killed) and is broken; a lock from another host cannot be checked from here, so the message says
 * which file to remove. Farm coordinators and SLURM array tasks take no lock (coordinator/README.md).
 */
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { tempPathFor } from '../store/atomic-file.js';

export const LOCK_FILE = 'run.lock';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Whether a process with this pid exists here (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, since: String(h.since ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

export class RunDirLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(readonly path: string, private readonly text: string) {
    process.once('exit', this.onExit);
  }

  /** Takes DIR/run.lock (DIR must exist) or throws InputError naming the holder. */
  static async acquire(dir: string): Promise<RunDirLock> {
    const path = join(dir, LOCK_FILE);
    const text = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockHolder) + '\n';
    for (let attempt = 0; ; attempt += 1) {
      const temp = tempPathFor(path);
      await writeFile(temp, text);
      try {
        await link(temp, path);
        return new RunDirLock(path, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      const heldText = await readFile(path, 'utf8').catch(() => undefined);
      if (heldText === undefined) continue; // released meanwhile: try again
      const holder = parseHolder(heldText);
      const stale = holder !== undefined && holder.host === hostname() && !alive(holder.pid);
      if (stale && attempt < 3) {
        await breakStale(path, heldText);
        continue;
      }
      const who = holder === undefined ? 'an unreadable lock record' : `pid ${holder.pid} on ${holder.host} (since ${holder.since})`;
      throw new InputError(
        `${path}: run directory ${dir} is in use by ${who}; wait for it to finish and run again (finished tiles are resumed), or remove ${path} if that process is gone`,
        { details: { file: path, field: '--out', ...(holder === undefined ? {} : { pid: holder.pid, host: holder.host }) } },
      );
    }
  }

  /** Removes the lock if it is still this process's own record (idempotent, synchronous: also runs at exit). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (readFileSync(this.path, 'utf8') === this.text) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/**
 * Moves a stale lock aside and removes it. Another process may have broken it and taken the lock in
 * between: if what was moved is not the stale record, it is that process's lock and is put back.
 */
async function breakStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else moved it
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
