/** `qusop aggregate <dir>` — yargs definition. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';

const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', demandOption: true, describe: 'run directory (holds run.json and shards/)' })
    .option('format', { choices: ['parquet', 'arrow', 'both'] as const, default: 'parquet' as const, describe: 'curve table format(s)' });

export const aggregateCommandModule = defineCommand('aggregate <dir>', 'Re-aggregate a run directory from its shards (any execution mode): curves.parquet, decisions.json', builder, async (a) => {
  const { aggregateCommand } = await import('../aggregate-command.js');
  process.exitCode = await aggregateCommand(a.dir, a.format);
});
