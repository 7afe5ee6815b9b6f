/**
 * Atomic file replacement: the shard store's durability contract. Bytes go to a temp file in the
 * destination's own directory (rename is only atomic within one filesystem), are fsynced, then
 * renamed over the final name, and the directory is fsynced so the rename itself survives a crash.
 * A reader therefore sees either no file or a complete one under the final name, never a torn one;
 * resume logic ("the shard exists and verifies") relies on that.
 *
 * Cost per file (a coordinator writes one shard per accepted tile, thousands per second): the
 * directory is created only when the temp file cannot be opened for want of it, and concurrent
 * writers into one directory share directory fsyncs (group commit: each waits for an fsync that
 * began after its own rename, so no rename is reported durable before it is).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDirectory, storageError } from '../../worker/common/fs-error.js';

export interface AtomicWriteOptions {
  /** write in chunks of this many bytes (default: one write); only matters with `onChunk` */
  readonly chunkBytes?: number;
  /**
   * Called after each chunk has been written to the temp file (a test seam to inject a failure
   * mid-write; a throw aborts the write and removes the temp file).
   */
  readonly onChunk?: (tempPath: string, bytesWritten: number) => void | Promise<void>;
}

/** Temp files are `.NAME.PID.RANDOM.tmp`: hidden, and never mistaken for a finished file. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Write `data` to `path` atomically (creating the directory if needed). A file-system failure (disk
 * full, read-only, permission) is a StorageError naming `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  try {
    await writeAtomic(path, data, options);
  } catch (err) {
    throw storageError(err, path, 'write');
  }
}

async function writeAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const dir = dirname(path);
  const tempPath = tempPathFor(path);
  const handle = await openCreatingDir(tempPath, dir);
  let closed = false;
  try {
    const chunk = Math.max(1, options.chunkBytes ?? bytes.byteLength);
    let written = 0;
    do {
      const end = Math.min(bytes.byteLength, written + chunk);
      const { bytesWritten } = await handle.write(bytes, written, end - written, written);
      written += bytesWritten;
      if (options.onChunk !== undefined) await options.onChunk(tempPath, written);
    } while (written < bytes.byteLength);
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(tempPath, path);
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

async function openCreatingDir(tempPath: string, dir: string): Promise<FileHandle> {
  try {
    return await open(tempPath, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await makeDirectory(dir);
    return await open(tempPath, 'wx', 0o644);
  }
}

/** Per directory: callers whose renames are done and who wait for the next fsync, and whether one runs. */
interface DirSyncGroup {
  waiting: (() => void)[];
  running: boolean;
}
const dirSyncGroups = new Map<string, DirSyncGroup>();

/**
 * Resolves after an fsync of `dir` that started after this call: callers arriving while one runs
 * share the next one (one fsync covers every rename made before it began).
 */
function syncDirectory(dir: string): Promise<void> {
  return new Promise((resolve) => {
    let group = dirSyncGroups.get(dir);
    if (group === undefined) {
      group = { waiting: [], running: false };
      dirSyncGroups.set(dir, group);
    }
    group.waiting.push(resolve);
    if (!group.running) void drainDirSyncs(dir, group);
  });
}

async function drainDirSyncs(dir: string, group: DirSyncGroup): Promise<void> {
  group.running = true;
  while (group.waiting.length > 0) {
    const batch = group.waiting;
    group.waiting = [];
    await fsyncDirectory(dir);
    for (const resolve of batch) resolve();
  }
  group.running = false;
  dirSyncGroups.delete(dir);
}

/** fsync a directory so a rename in it is durable; some filesystems refuse, which is not fatal. */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EINVAL/EPERM on filesystems without directory fsync: the data itself is synced
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
