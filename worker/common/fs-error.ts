/**
 * File-system failures in words, with the path: Node's errors for writes through a file handle carry
 * no path ("ENOSPC: no space left on device, write"), and a recursive mkdir on a read-only file system
 * reports ENOENT. Output code wraps its writes with these so the user learns which file, and why.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError } from './errors.js';

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

/** `err` as a StorageError naming `path` when it is a file-system error (else `err` unchanged). */
export function storageError(err: unknown, path: string, action: string): unknown {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || REASONS[code] === undefined) return err;
  const hint = code === 'ENOSPC' || code === 'EDQUOT' ? '; free space there or choose another output directory (finished shards are kept and resume)' : '';
  return new StorageError(`${path}: cannot ${action}: ${REASONS[code]} (${code})${hint}`, {
    cause: err,
    retryable: code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO',
    details: { file: path, errno: code },
  });
}

/**
 * `mkdir -p dir`, with the real reason when it fails: Node's recursive mkdir says ENOENT where a
 * component cannot be created (read-only file system, permission), so the first missing component is
 * created on its own to learn why.
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storageError(err, dir, 'create the directory');
    // the deepest ancestor that exists, and the component under it that could not be created
    let first = dir;
    while (dirname(first) !== first && !(await exists(dirname(first)))) first = dirname(first);
    const real = await mkdir(first).then(() => err, (e: unknown) => e);
    throw storageError(real, first, 'create the directory');
  }
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** writeFile, with a failure as a StorageError naming `path` (for outputs that need not be atomic: plots, reports, model files). */
export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (err) {
    throw storageError(err, path, 'write');
  }
}
