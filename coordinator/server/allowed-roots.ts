/**
 * Paths a client names in SubmitRun (scenario file, run directory) must lie under one of the
 * coordinator's allowed roots (`--allowed-root`). Symbolic links are followed as far as the path
 * exists, so a link inside a root cannot lead out of it. A refusal reads the same whether or not the
 * path exists, so a client cannot probe the coordinator's file system.
 */
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';

const inside = (path: string, root: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** `path` itself if it exists, else the real path of its deepest existing ancestor with the rest appended. */
async function realOrNearest(path: string): Promise<string> {
  let head = path;
  let tail = '';
  for (;;) {
    try {
      return resolve(await realpath(head), tail);
    } catch {
      const up = dirname(head);
      if (up === head) return path;
      tail = tail === '' ? head.slice(up.length + 1) : `${head.slice(up.length + 1)}/${tail}`;
      head = up;
    }
  }
}

/** The absolute path, or an InputError naming the request field (never whether the path exists). */
export async function confine(path: string, roots: readonly string[], field: string): Promise<string> {
  const abs = resolve(path);
  const refuse = (): never => {
    throw new InputError(`${field} ${JSON.stringify(path)}: not under an allowed root of this coordinator (its --allowed-root options)`, { details: { field } });
  };
  if (!roots.some((r) => inside(abs, r))) refuse();
  const real = await realOrNearest(abs);
  const realRoots = await Promise.all(roots.map((r) => realOrNearest(r)));
  if (!realRoots.some((r) => inside(real, r))) refuse();
  return abs;
}
