/**
 * `qusop tiles --run DIR --slice i/N`: the process around runSlice. SIGTERM/SIGINT (SLURM preemption,
 * time limit, scancel) let the tile in hand finish and be written, then the task exits non-zero
 * (RunError) so the requeued task picks up the rest; a second signal exits at once with 143.
 */
import { resolve } from 'node:path';
import { createLogger } from '../../worker/common/log.js';
import { runSlice } from './run-slice.js';
import { formatSlice, parseSlice } from './slice.js';

export interface TilesCommandArgs {
  readonly run: string;
  readonly slice: string;
  readonly provider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly threads: number;
}

export async function tilesCommand(a: TilesCommandArgs): Promise<number> {
  const slice = parseSlice(a.slice);
  const log = createLogger('tiles').child({ slice: formatSlice(slice) });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal; exiting now');
      process.exit(143);
    }
    log.warn({ signal: sig }, 'signal received; finishing the tile in hand, then exiting');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const s = await runSlice(
      resolve(a.run),
      slice,
      { executionProvider: a.provider, maxBatchRows: a.maxBatchRows, intraOpThreads: a.threads, shouldStop: () => signals > 0 },
      log,
    );
    process.stdout.write(
      `slice ${formatSlice(s.slice)} of run ${s.runId}: ${s.tiles} tiles, ${s.computed} computed, ${s.skipped} already done, ` +
        `${s.trajectories} trajectories in ${(s.wallMs / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
