#!/usr/bin/env node
/** The `qusop` command line (yargs). Commands live in ./commands; errors exit through exit.ts. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError } from '../worker/common/errors.js';
import { COMMANDS } from './commands/index.js';
import { reportAndExit } from './exit.js';

async function main(): Promise<void> {
  let y = yargs(hideBin(process.argv))
    .scriptName('qusop')
    .usage('$0 <command> [options]\n\nPopulation PK/PD model -> dose recommendations (attainment curves, Clopper–Pearson bands, minimal doses).');
  for (const c of COMMANDS) y = y.command(c);
  await y
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .fail((msg, err) => {
      // yargs rethrows an error from a coerce (number-options.ts) as a YError holding only the message;
      // a YError is yargs refusing the command line, so it is bad input
      if (err?.name === 'YError') reportAndExit(new InputError(err.message, { cause: err }));
      if (err !== undefined && err !== null) reportAndExit(err);
      process.stderr.write(`qusop: ${msg}\n(see qusop --help)\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main().catch(reportAndExit);
