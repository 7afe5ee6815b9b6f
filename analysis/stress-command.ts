/**
 * `qusop stress <trial.csv> --shift PARAM=VALUES ...`: covariate-shift stress test. One question (a
 * questions file's id; default the first EstData question) asked of its population shifted to each
 * value (stress/shift.ts), all values in ONE run on common random numbers (stress/stress-scenarios.ts),
 * then stress.json, stress.md and plots/stress-<param>.png beside the usual run files in --out DIR.
 * Models as `qusop answer` finds them: --model, else the shipped fit to this trial, else a fit here.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError, RunError } from '../worker/common/errors.js';
import { createLogger } from '../worker/common/log.js';
import { packageRoot } from '../worker/common/version.js';
import { sha256Hex } from '../worker/model/load-card.js';
import { readTrial } from '../models/ingest/trial.js';
import { loadDataSpec, NO_SPEC } from '../models/ingest/data-spec.js';
import { runLocal } from '../coordinator/local/local-run.js';
import { DEFAULT_MAX_BATCH_ROWS } from '../worker/onnx/session.js';
import { fitAndExport, shippedModelFor } from './answer/fit-model.js';
import { answerRequest, claimAnswerDir } from './answer/answer-request.js';
import { checkAnswerRegimens } from './answer/custom-questions.js';
import { loadAnswerModels } from './answer/models.js';
import { checkSurrogates } from './answer/surrogate-check.js';
import { checkUnitsAgainstModels, checkUnitsAgainstTrial, modelsPdUnit } from './answer/threshold-units.js';
import { DEFAULT_BW, DEFAULT_COMED, parseBwOption, parseComedOption } from './answer/populations.js';
import { loadQuestionsFile, questionThreshold, thresholdUnit } from './answer/questions-file.js';
import { parseShifts, type StressPopulation } from './stress/shift.js';
import { pickQuestion, stressCells, writeStressScenarios } from './stress/stress-scenarios.js';
import { stressMarkdown, stressSweeps, writeStressJson, writeStressMarkdown } from './stress/stress-results.js';
import { writeStressPlots } from './stress/stress-plot.js';

export interface StressCommandArgs {
  readonly trial: string;
  readonly dataSpec?: string | undefined;
  readonly shift: readonly string[];
  readonly questions?: string | undefined;
  readonly question?: string | undefined;
  readonly model: readonly string[];
  readonly bw?: string | undefined;
  readonly comed?: string | undefined;
  readonly out?: string | undefined;
  readonly workers: number;
  readonly replicates: number;
  readonly subjects: number;
  readonly seed: number;
  readonly refit: boolean;
  readonly provider: 'cpu' | 'cuda';
  readonly threads: number;
  readonly tileTrajectories?: number | undefined;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

/** A model card (`*.model.json`) or a folder of them, rather than a trial CSV. */
async function isModelPath(path: string): Promise<boolean> {
  if (path.endsWith('.model.json')) return true;
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Without a trial, no population may resample trial weights or use the trial's COMED rate. */
function checkNoTrialNeeded(p: StressPopulation, where: string, model: string): void {
  if ('resample' in p.bw || p.comed === 'observed') {
    const what = 'resample' in p.bw ? 'resamples the trial\'s body weights' : 'uses the trial\'s observed COMED rate';
    throw new InputError(`stress ${model}: population ${where} ${what}, and a model was given instead of a trial; give --bw uniform:LO:HI and --comed bernoulli:P (or a trial CSV first)`, { details: { field: 'resample' in p.bw ? '--bw' : '--comed' } });
  }
}

/** The shipped questions file; its first question (Q1) is the default. */
export const DEFAULT_QUESTIONS = (): string => join(packageRoot(), 'scenarios', 'questions', 'estdata.yaml');

export async function stressCommand(a: StressCommandArgs): Promise<number> {
  const log = createLogger('qusop-stress', a.verbose ? 'info' : 'warn');
  // every input is read and checked before DIR is touched
  const shifts = parseShifts(a.shift);
  // the first argument is a trial CSV, or a model (a card or a folder of cards) when no trial is at hand
  const modelFirst = await isModelPath(a.trial);
  const trialPath = modelFirst ? undefined : resolve(a.trial);
  if (modelFirst && a.dataSpec !== undefined) throw new InputError(`--data-spec ${a.dataSpec}: a dataset spec maps a trial, and ${a.trial} is a model`, { details: { field: '--data-spec' } });
  const specPath = a.dataSpec === undefined ? undefined : resolve(a.dataSpec);
  const trial = trialPath === undefined ? undefined : await readTrial(trialPath, specPath === undefined ? NO_SPEC : await loadDataSpec(specPath));
  const trialSha = trialPath === undefined ? null : sha256Hex(await readFile(trialPath));
  const modelArgs = modelFirst ? [a.trial, ...a.model] : a.model;
  const questionsPath = resolve(a.questions ?? DEFAULT_QUESTIONS());
  const file = await loadQuestionsFile(questionsPath);
  checkAnswerRegimens(file, questionsPath);
  const questionsSha = sha256Hex(await readFile(questionsPath));
  const base = { bw: a.bw === undefined ? DEFAULT_BW : parseBwOption(a.bw), comed: a.comed === undefined ? DEFAULT_COMED : parseComedOption(a.comed) };
  for (const [flag, v] of [['--replicates', a.replicates], ['--subjects', a.subjects]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new InputError(`${flag} ${v}: expected a positive integer`, { details: { field: flag } });
  }
  const question = pickQuestion(file, questionsPath, a.question, base);
  const cells = stressCells(question, shifts);
  if (trialPath === undefined) for (const c of cells) checkNoTrialNeeded(c.population, `${c.scenario} (--shift ${c.shift.text})`, a.trial);
  const request = { trialSha, models: modelArgs, base, questions: questionsSha, question: question.question.id, shifts: shifts.map((s) => s.text), r: a.replicates, m: a.subjects, seed: a.seed };
  const outDir = resolve(a.out ?? join('runs', `stress-${createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 12)}`));
  const given = modelArgs.length > 0 ? await loadAnswerModels(modelArgs) : undefined;
  if (given !== undefined) {
    const q = question.question;
    checkSurrogates(given, [{ what: `question ${q.id}`, endpoint: q.endpoint, comparison: q.comparison, thresholdNgMl: questionThreshold(q), where: questionsPath }]);
  }
  // a biomarker threshold in the card's unit (the given cards', else the trial's, which the fitted cards carry)
  if (given !== undefined) checkUnitsAgainstModels(file, questionsPath, given);
  else if (trial !== undefined) checkUnitsAgainstTrial(file, questionsPath, trial);
  await claimAnswerDir(outDir, answerRequest({
    trial: trialPath === undefined || trialSha === null ? { path: '', sha256: 'none: a model was given instead' } : { path: trialPath, sha256: trialSha },
    data_spec: specPath === undefined ? null : { path: specPath, sha256: sha256Hex(await readFile(specPath)) },
    models: modelArgs.map((m) => resolve(m)), refit: a.refit,
    population: { ...base, stress: { questions_sha256: questionsSha, question: question.question.id, shifts: shifts.map((s) => s.text) } },
    replicates: a.replicates, subjects: a.subjects, seed: a.seed,
  }));

  let cards = modelArgs;
  let modelSource = modelFirst ? `given as ${a.trial}` : 'given with --model';
  if (cards.length === 0 && trialPath !== undefined && trialSha !== null) {
    const shipped = a.refit || specPath !== undefined ? undefined : await shippedModelFor(trialSha);
    if (shipped !== undefined) {
      cards = shipped;
      modelSource = 'shipped fit to this trial (models/estdata)';
    } else {
      process.stderr.write(`fitting the population PK/PD model to ${trialPath} -> ${join(outDir, 'model')}\n`);
      cards = await fitAndExport(trialPath, { seed: a.seed, draws: a.replicates, outDir: join(outDir, 'model'), ...(specPath === undefined ? {} : { dataSpec: specPath }) });
      modelSource = 'fitted to the trial by qusop stress';
    }
  }
  const models = given ?? (await loadAnswerModels(cards));
  const settings = {
    file: { path: questionsPath, sha256: questionsSha }, ...(trialPath === undefined ? {} : { trial: trialPath }), ...(specPath === undefined ? {} : { dataSpec: specPath }),
    base, replicates: a.replicates, subjects: a.subjects, seed: a.seed, models, outDir,
  };
  const scenarioPath = await writeStressScenarios(question, cells, settings, shifts);
  const { run, succeeded } = await runLocal(
    { scenario: scenarioPath, out: outDir, workers: a.workers, tileTrajectories: a.tileTrajectories, provider: a.provider, maxBatchRows: DEFAULT_MAX_BATCH_ROWS, threads: a.threads, format: 'parquet', leaseMs: 30_000, quiet: a.quiet },
    log,
  );
  if (!succeeded || run.result === undefined) throw new RunError(`run ${run.runId} (${scenarioPath}) ${run.phase.toLowerCase()}: ${run.progress().error}`, { details: { dir: outDir } });

  const labels = new Map(run.compiled.spec.scenarios.map((s) => [s.name, s.populationLabel]));
  const sweeps = stressSweeps(cells, run.result.decisions, labels);
  const testModel = models.some((m) => m.testModel);
  const q = question.question;
  const title = `${q.id}: ${q.statistic} ${q.endpoint} ${q.comparison} ${q.threshold.value} ${thresholdUnit(q, modelsPdUnit(models))} under covariate shift${testModel ? ' (TEST MODEL)' : ''}`;
  const context = {
    question: { id: q.id, text: q.text, file: questionsPath, sha256: questionsSha, endpoint: q.endpoint, statistic: q.statistic, comparison: q.comparison, threshold: { value: q.threshold.value, unit: thresholdUnit(q, modelsPdUnit(models)) } },
    base_population: { name: question.group.population.name, bw: question.base.bw, comed: question.base.comed },
    random_stream: question.group.population.name,
    trial: trialPath === undefined ? null : { path: trialPath, sha256: trialSha }, model_source: modelSource, test_model: testModel, models: models.map((m) => m.label),
    run_id: run.runId, seed: a.seed, replicates: a.replicates, subjects: a.subjects,
  };
  const jsonPath = await writeStressJson(outDir, sweeps, context);
  const markdown = stressMarkdown(sweeps, title);
  const mdPath = await writeStressMarkdown(outDir, markdown);
  const plots = await writeStressPlots(outDir, sweeps, title);
  process.stdout.write(markdown);
  process.stderr.write(`stress: ${jsonPath}\ntable:  ${mdPath}\nplots:  ${plots.join(', ')}\nrun:    ${outDir} (decisions.json, curves.parquet, manifest.json)\n`);
  return 0;
}
