/** The one place where errors become exit codes and a one-line message on stderr. */
import { AuthError, DegenerateFitError, InputError, ModelError, QusopError, RunError, ShardError, StorageError, TileError, VersionSkewError } from '../worker/common/errors.js';
import { redactSecrets } from '../worker/common/secrets.js';

/** 70 and 74 are sysexits.h's EX_SOFTWARE and EX_IOERR. */
export const EXIT = { ok: 0, runFailed: 1, badInput: 2, auth: 3, transport: 4, internal: 70, storage: 74 } as const;

export function exitCodeFor(err: unknown): number {
  // a worker of another qusop version than its coordinator: a deployment input to fix, like bad input
  if (err instanceof InputError || err instanceof ModelError || err instanceof VersionSkewError) return EXIT.badInput;
  if (err instanceof AuthError) return EXIT.auth;
  if (err instanceof StorageError) return EXIT.storage;
  if (err instanceof RunError || err instanceof ShardError || err instanceof TileError || err instanceof DegenerateFitError) return EXIT.runFailed;
  if (err instanceof QusopError && err.code === 'TRANSPORT') return EXIT.transport;
  return EXIT.internal;
}

export function reportAndExit(err: unknown): never {
  const name = err instanceof QusopError ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(redactSecrets(`qusop: ${name}: ${message}\n`));
  if (!(err instanceof QusopError) && err instanceof Error && err.stack !== undefined && process.env['QUSOP_DEBUG'] !== undefined) process.stderr.write(redactSecrets(err.stack + '\n'));
  process.exit(exitCodeFor(err));
}
