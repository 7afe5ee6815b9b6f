#!/usr/bin/env node
/** The `qusop` command line (yargs). Commands live in ./commands; errors exit through exit.ts. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
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
      if (err !== undefined && err !== null) reportAndExit(err);
      process.stderr.write(`qusop: ${msg}\n(see qusop --help)\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main().catch(reportAndExit);
