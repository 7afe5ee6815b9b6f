/** `qusop model import MODEL.yaml --out DIR` — a population model fitted elsewhere (or by qusop fit) -> ONNX graphs + cards for answer/run. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';

const importCommand = defineCommand(
  'import <file>',
  'Turn a MODEL.yaml (THETA, OMEGA, SIGMA, covariance of the estimates inline or from NONMEM .ext/.cov) into QD/QW model cards',
  (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'model file (qusop-model/v1; qusop fit writes one as model.yaml)' })
      .option('out', { type: 'string', demandOption: true, nargs: 1, describe: 'output directory for qd/qw .onnx + .model.json (use with qusop answer --model DIR)' }),
  async (a) => {
    const { importModel } = await import('../../models/import/import-model.js');
    const r = await importModel(a.file, a.out);
    process.stdout.write(`model cards: ${r.qd}\n             ${r.qw}\n(${r.model.draws} parameter-uncertainty draws, seed ${r.model.seed})\n${r.regimenNote === undefined ? '' : `${r.regimenNote}\n`}`);
  },
);

export const modelCommandModule = defineCommand('model <command>', 'Population model files: import a model fitted elsewhere', (y: Argv) => y.command(importCommand).demandCommand(1, 'name a model command: import'), async () => {});
