/**
 * A worker process: builds options, runs the lease loop, and maps signals to the lifecycle
 * (first SIGTERM/SIGINT drains, the second exits at once with 143); a local worker also exits when
 * the `qusop run` that started it is gone (parent-pipe.ts).
 */
import { createLogger } from './common/log.js';
import { Worker, type WorkerSummary } from './lease-loop.js';
import { compileWorkerOptions, type WorkerOptionsInput } from './options.js';
import { exitWithParent } from './parent-pipe.js';

export async function runWorkerProcess(input: WorkerOptionsInput): Promise<WorkerSummary> {
  const opts = compileWorkerOptions(input);
  const log = createLogger('worker').child({ name: opts.name || undefined });
  const worker = new Worker(opts, log);
  exitWithParent(log);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      log.info({ signal: sig }, 'signal received; draining');
      worker.drain();
    } else {
      log.warn({ signal: sig }, 'second signal; exiting now');
      process.exit(143);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await worker.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
