/** `qusop plan <scenario> --out DIR` — compile and prepare a run directory (run.json) without computing. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption } from '../number-options.js';

const builder = (y: Argv) =>
  y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML)' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory (on a filesystem the compute nodes share)' })
    .option(...intOption('tile-trajectories', COUNT, { describe: 'trajectories per tile the planner aims for (default 200000)' }));

export const planCommandModule = defineCommand('plan <scenario>', 'Plan a run into a directory (run.json, shards/) without computing; prints the run id and tile count', builder, async (a) => {
  const { planRun } = await import('../../coordinator/tiles/run-file.js');
  const p = await planRun(a.scenario, a.out, { tileTrajectories: a['tile-trajectories'] });
  process.stdout.write(`run ${p.runFile.runId}: ${p.tiles.length} tiles (${p.runFile.tiling.targetTrajectories} trajectories per tile) -> ${p.dir}\n`);
});
