/** `qusop answer <trial.csv>` — yargs definition; the work is in ../../answer/answer-command.ts. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { intOption, numberOption, REPLICATES, SEED, SUBJECTS } from '../number-options.js';
import { localRunOptions } from '../local-run-options.js';
import { dataSpecOption } from '../data-spec-option.js';
import { structureOption } from '../structure-option.js';

const builder = (y: Argv) =>
  localRunOptions(y)
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout (standard column names in any letter case, or mapped by --data-spec)' })
    .option(...dataSpecOption())
    .option(...structureOption())
    .option('questions', { type: 'string', describe: 'questions file (YAML: endpoint, statistic, comparison, threshold + unit, regimens, targets, populations; see analysis/answer/README.md). Default: the five EstData questions (scenarios/questions/estdata.yaml)' })
    .option('model', { type: 'string', array: true, default: [] as string[], describe: 'model card(s) or folders of cards; a model = a QD (24 h) + a QW (168 h) card grouped by name/family; several models = a comparison. Default: the shipped fit to this trial (models/estdata), else fit it here' })
    .option('bw', { type: 'string', describe: 'base body weight: uniform:LO:HI (kg) or resample[:SIGMA] (default resample:0.1, clipped to [35, 120] kg)' })
    .option('comed', { type: 'string', describe: 'base COMED: bernoulli:P or observed (default observed)' })
    .option('out', { type: 'string', describe: 'answer directory (also the run directory); default runs/answer-<hash of everything that determines the answer: trial bytes, data spec, models, questions, options>' })
    .option(...intOption('replicates', REPLICATES, { default: 200, describe: 'replicates R per dose (also the parameter-uncertainty draws when fitting)' }))
    .option(...intOption('subjects', SUBJECTS, { default: 500, describe: 'virtual subjects M per replicate' }))
    .option(...intOption('seed', SEED, { default: 20251121, describe: 'seed of the populations (and of the fit)' }))
    .option('format', { choices: ['md'] as const, describe: 'also write summary.md and print it instead of the plain table' })
    .option('average', { type: 'boolean', default: false, describe: 'fit every candidate structure and answer with each credible one (converged, non-degenerate, BIC weight >= --average-min-weight) and with their model average: replicates allotted to the structures by weight (model-average.json, model-average.md, plots/average-*.png); not with --model' })
    .option(...numberOption('average-min-weight', { min: 0, exclusiveMin: true, max: 1, exclusiveMax: true, why: 'a BIC weight' }, { describe: 'the BIC weight a structure needs to be averaged over (default 0.01); with --average only' }))
    .option('refit', { type: 'boolean', default: false, describe: 'without --model: fit the trial even when a shipped fit exists' });

export const answerCommandModule = defineCommand('answer <trial>', 'Answer the five dosing questions for a trial: runs, answers.json, report.html with plots', builder, async (a) => {
  const { answerCommand } = await import('../../analysis/answer-command.js');
  process.exitCode = await answerCommand({
    trial: a.trial, dataSpec: a['data-spec'], structure: a.structure, questions: a.questions, model: a.model, bw: a.bw, comed: a.comed, out: a.out, workers: a.workers, replicates: a.replicates, subjects: a.subjects, seed: a.seed,
    format: a.format, refit: a.refit, provider: a.provider, threads: a.threads, tileTrajectories: a['tile-trajectories'], quiet: a.quiet, verbose: a.verbose,
    average: a.average, averageMinWeight: a['average-min-weight'],
  });
});
