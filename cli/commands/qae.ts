/** `qusop qae <dir>` — yargs definition; the work is in ../../analysis/amplitude/qae-command.ts. */
import type { Argv } from 'yargs';
import { intOption, numberOption, SEED } from '../number-options.js';
import type { NumberRange } from '../number-options.js';
import { defineCommand } from './define.js';

/**
 * A target half-width on a probability: 0.5 would allow all of [0, 1]. Below 1e-4 Monte Carlo's column
 * needs > 10^8 samples and its exact interval (Beta quantiles with such parameters) takes seconds per cell.
 */
const HALF_WIDTH: NumberRange = { min: 1e-4, max: 0.5, exclusiveMax: true, why: 'a half-width on a probability: 0.5 spans all of [0, 1]; below 1e-4 the Monte Carlo count needs > 10^8 samples' };
const ALPHA: NumberRange = { min: 0, exclusiveMin: true, max: 1, exclusiveMax: true, why: 'the intervals hold with probability 1 - alpha' };

const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', demandOption: true, describe: 'directory of a finished run (run.json, manifest.json, curves.parquet)' })
    .option(...numberOption('half-width', HALF_WIDTH, { default: 0.01, describe: 'target half-width of each interval' }))
    .option(...numberOption('alpha', ALPHA, { default: 0.05, describe: 'one minus the confidence level' }))
    .option(...intOption('seed', SEED, { default: 0, describe: 'seed of the simulated measurements (with the run id and the cell)' }));

export const qaeCommandModule = defineCommand('qae <dir>', 'Amplitude estimation, simulated: oracle queries vs Monte Carlo samples for the same half-width, per cell of a finished run', builder, async (a) => {
  const { qaeCommand } = await import('../../analysis/amplitude/qae-command.js');
  process.exitCode = await qaeCommand({ dir: a.dir, halfWidth: a['half-width'], alpha: a.alpha, seed: a.seed });
});
