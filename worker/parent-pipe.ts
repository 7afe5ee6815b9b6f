/**
 * A local worker's tie to the `qusop run` that started it. The launcher (coordinator/local/launcher.ts)
 * gives each worker a pipe on stdin and sets PARENT_PIPE_ENV; when the parent ends, however it ends
 * (SIGKILL and the OOM killer included), the kernel closes the pipe and the worker exits at once:
 * its coordinator went with the parent, so no result it computes could be taken, and an orphan would
 * otherwise keep a core busy until its tile ends and the coordinator has been unreachable for
 * --connect-timeout-ms.
 */
import type { Logger } from './common/log.js';

export const PARENT_PIPE_ENV = 'QUSOP_PARENT_PIPE';

/** exit status of a worker whose parent is gone (nobody waits for it; it shows in a process accounting) */
export const EXIT_PARENT_GONE = 1;

/** When PARENT_PIPE_ENV is set: exit as soon as stdin closes. The watch never keeps the process alive. */
export function exitWithParent(log: Logger): void {
  if (process.env[PARENT_PIPE_ENV] !== '1') return;
  const gone = (): void => {
    log.warn({}, 'the qusop run that started this worker is gone; exiting');
    process.exit(EXIT_PARENT_GONE);
  };
  process.stdin.once('end', gone);
  process.stdin.once('error', gone);
  process.stdin.resume();
  (process.stdin as { unref?: () => void }).unref?.();
}
