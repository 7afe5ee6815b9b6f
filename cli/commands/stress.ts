/** `qusop stress <trial.csv> --shift PARAM=VALUES` — yargs definition; the work is in ../../analysis/stress-command.ts. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { intOption, REPLICATES, SEED, SUBJECTS } from '../number-options.js';
import { localRunOptions } from '../local-run-options.js';
import { dataSpecOption } from '../data-spec-option.js';

const builder = (y: Argv) =>
  localRunOptions(y)
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout (the default base population resamples it; the shipped model is fitted to EstData), or a model (a *.model.json card or a folder of QD + QW cards) when --bw uniform:LO:HI and --comed bernoulli:P need no trial' })
    .option('shift', { type: 'string', array: true, nargs: 1, default: [] as string[], describe: 'the sweep, repeatable (one per parameter): bw-mean=A:B:S or a comma list (kg), bw-range=LO:HI,LO:HI,... (kg), comed=A:B:S or a comma list (prevalence in [0, 1])' })
    .option(...dataSpecOption())
    .option('questions', { type: 'string', describe: 'questions file (analysis/answer/README.md). Default: scenarios/questions/estdata.yaml' })
    .option('question', { type: 'string', describe: "the question's id in the file (default: its first question, Q1 of the EstData file); its first population is the base that is shifted" })
    .option('model', { type: 'string', array: true, default: [] as string[], describe: 'model card(s) or folders of cards (a QD + a QW card); default: the shipped fit to this trial (models/estdata), else fit it here' })
    .option('bw', { type: 'string', describe: "base body weight where the question's population leaves it open: uniform:LO:HI (kg) or resample[:SIGMA] (default resample:0.1)" })
    .option('comed', { type: 'string', describe: 'base COMED where the question leaves it open: bernoulli:P or observed (default observed)' })
    .option('out', { type: 'string', describe: 'output directory (also the run directory); default runs/stress-<hash>' })
    .option(...intOption('replicates', REPLICATES, { default: 200, describe: 'replicates R per dose' }))
    .option(...intOption('subjects', SUBJECTS, { default: 500, describe: 'virtual subjects M per replicate' }))
    .option(...intOption('seed', SEED, { default: 20251121, describe: 'seed of the populations (shared by every shift value)' }))
    .option('refit', { type: 'boolean', default: false, describe: 'without --model: fit the trial even when a shipped fit exists' });

export const stressCommandModule = defineCommand('stress <trial>', 'Covariate-shift stress test: the minimal dose of one question against a swept population parameter (one run, common random numbers)', builder, async (a) => {
  const { stressCommand } = await import('../../analysis/stress-command.js');
  process.exitCode = await stressCommand({
    trial: a.trial, dataSpec: a['data-spec'], shift: a.shift, questions: a.questions, question: a.question, model: a.model, bw: a.bw, comed: a.comed, out: a.out,
    workers: a.workers, replicates: a.replicates, subjects: a.subjects, seed: a.seed, refit: a.refit, provider: a.provider, threads: a.threads,
    tileTrajectories: a['tile-trajectories'], quiet: a.quiet, verbose: a.verbose,
  });
});
