/** `qusop data <trial.csv> [--data-spec SPEC.yaml]` — read a trial in any NONMEM layout and print what was read as what. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';

const builder = (y: Argv) =>
  y
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout (standard column names in any letter case, or mapped by --data-spec)' })
    .option('data-spec', { type: 'string', nargs: 1, describe: 'dataset spec (YAML): columns, endpoints by DVID or CMT, covariates, missing-value codes, time unit, BLQ handling (models/ingest/README.md)' });

export const dataCommandModule = defineCommand('data <trial>', 'Read a trial dataset and print its summary: the column mapping used, endpoints, covariates, doses', builder, async (a) => {
  const { loadDataSpec, NO_SPEC } = await import('../../models/ingest/data-spec.js');
  const { readDataset } = await import('../../models/ingest/dataset.js');
  const { summarizeDataset } = await import('../../models/ingest/dataset-summary.js');
  const spec = a['data-spec'] === undefined ? NO_SPEC : await loadDataSpec(a['data-spec']);
  process.stdout.write(`${summarizeDataset(await readDataset(a.trial, spec))}\n`);
});
