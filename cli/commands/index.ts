/**
 * Every `qusop` command, in --help order. A new command is a module in this folder exporting a yargs
 * CommandModule (options only; the work lives in a lazily imported module) plus one line here.
 */
import type { CommandModule } from 'yargs';
import { aggregateCommandModule } from './aggregate.js';
import { answerCommandModule } from './answer.js';
import { coordinatorCommandModule } from './coordinator.js';
import { dataCommandModule } from './data.js';
import { fitCommandModule } from './fit.js';
import { modelCommandModule } from './model.js';
import { planCommandModule } from './plan.js';
import { qaeCommandModule } from './qae.js';
import { runCommandModule } from './run.js';
import { stressCommandModule } from './stress.js';
import { submitCommandModule } from './submit.js';
import { testmodelCommandModule } from './testmodel.js';
import { trainCommandModule } from './train.js';
import { tilesCommandModule } from './tiles.js';
import { watchCommandModule } from './watch.js';
import { workerCommandModule } from './worker.js';

export const COMMANDS: readonly CommandModule[] = [
  runCommandModule,
  answerCommandModule,
  stressCommandModule,
  fitCommandModule,
  dataCommandModule,
  modelCommandModule,
  aggregateCommandModule,
  qaeCommandModule,
  coordinatorCommandModule,
  workerCommandModule,
  planCommandModule,
  tilesCommandModule,
  submitCommandModule,
  watchCommandModule,
  testmodelCommandModule,
  trainCommandModule,
];
