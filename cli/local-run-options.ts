/** The options of the commands that run sweeps on this machine (`answer`, `stress`): local workers and the onnxruntime session, progress and logs. */
import type { Argv } from 'yargs';
import { CORES, COUNT, intOption, LOCAL_WORKERS, THREADS } from './number-options.js';

export function localRunOptions<T>(y: Argv<T>) {
  return y
    .option(...intOption('workers', LOCAL_WORKERS, { default: CORES, describe: 'local worker processes (never more than tiles left)' }))
    .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider' })
    .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime intra-op threads per worker' }))
    .option(...intOption('tile-trajectories', COUNT, { describe: 'trajectories per tile the planner aims for' }))
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
    .option('verbose', { type: 'boolean', default: false, describe: 'info-level logs' });
}
