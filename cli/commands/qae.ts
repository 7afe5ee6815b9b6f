/** `qusop qae <dir>` — yargs definition; the work is in ../../analysis/amplitude/qae-command.ts. */
import type { Argv } from 'yargs';
import { InputError } from '../../worker/common/errors.js';
import { checkNumber, intOption, SEED } from '../number-options.js';
import { defineCommand } from './define.js';

/** A number strictly between lo and hi (number-options' ranges close their upper end). */
function openInterval(name: string, lo: number, hi: number, why: string): { describe: string; nargs: 1; coerce: (value: unknown) => number } {
  const inner = checkNumber(name, false, { min: lo, exclusiveMin: true, max: hi, why });
  return {
    describe: `[number > ${lo} and < ${hi}]`,
    nargs: 1,
    coerce: (value) => {
      let v = Number.NaN;
      try {
        v = inner(value);
      } catch {
        // reported below with the open range
      }
      if (v < hi) return v;
      throw new InputError(`--${name}: expected a number > ${lo} and < ${hi} (${why}), got ${String(value)}`, { details: { field: name, value } });
    },
  };
}

const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', demandOption: true, describe: 'directory of a finished run (run.json, manifest.json, curves.parquet)' })
    .option('half-width', { ...openInterval('half-width', 0, 0.5, 'a half-width on a probability; 0.5 spans all of [0, 1]'), default: 0.01, describe: 'target half-width of each interval [number > 0 and < 0.5]' })
    .option('alpha', { ...openInterval('alpha', 0, 1, 'the intervals hold with probability 1 - alpha'), default: 0.05, describe: 'one minus the confidence level [number > 0 and < 1]' })
    .option(...intOption('seed', SEED, { default: 0, describe: 'seed of the simulated measurements (with the run id and the cell)' }));

export const qaeCommandModule = defineCommand('qae <dir>', 'Amplitude estimation, simulated: oracle queries vs Monte Carlo samples for the same half-width, per cell of a finished run', builder, async (a) => {
  const { qaeCommand } = await import('../../analysis/amplitude/qae-command.js');
  process.exitCode = await qaeCommand({ dir: a.dir, halfWidth: a['half-width'], alpha: a.alpha, seed: a.seed });
});
