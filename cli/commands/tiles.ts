/** `qusop tiles --run DIR --slice i/N` — one array task: its slice of a planned run's tiles into DIR/shards. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption, THREADS } from '../number-options.js';
import { DEFAULT_CUDA_MAX_BATCH_ROWS, DEFAULT_MAX_BATCH_ROWS, defaultMaxBatchRows } from '../../worker/onnx/session.js';

const builder = (y: Argv) =>
  y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory prepared by `qusop plan` (holds run.json)' })
    .option('slice', { type: 'string', nargs: 1, demandOption: true, describe: 'I/N: compute tiles I, I+N, I+2N, ... of the plan (e.g. $SLURM_ARRAY_TASK_ID/8)' })
    .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider (cuda falls back to cpu, logged)' })
    .option(...intOption('max-batch-rows', COUNT, { describe: `rows per session.run (bounds memory); default ${DEFAULT_MAX_BATCH_ROWS}, ${DEFAULT_CUDA_MAX_BATCH_ROWS} with --provider cuda` }))
    .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime intra-op threads' }));

export const tilesCommandModule = defineCommand('tiles', 'Compute one slice of a planned run straight into its shard store (SLURM array task; no coordinator)', builder, async (a) => {
  const { tilesCommand } = await import('../../coordinator/tiles/tiles-command.js');
  process.exitCode = await tilesCommand({ run: a.run, slice: a.slice, provider: a.provider, maxBatchRows: a['max-batch-rows'] ?? defaultMaxBatchRows(a.provider), threads: a.threads });
});
