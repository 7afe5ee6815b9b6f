/**
 * `qusop answer <trial.csv>`: the five questions end to end on this machine. Models (given, shipped
 * or fitted here) -> scenario rounds run by local workers (../local/local-run.ts) -> answers.json,
 * calibration.json (held-out calibration check), report.html, plots, optional summary.md in one directory that
 * is also round 0's run directory.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InputError, RunError } from '../worker/common/errors.js';
import { createLogger, type LogLevel } from '../worker/common/log.js';
import { sha256Hex } from '../worker/model/load-card.js';
import { readTrial } from '../models/ingest/trial.js';
import { loadDataSpec, NO_SPEC } from '../models/ingest/data-spec.js';
import { runLocal } from '../coordinator/local/local-run.js';
import { writeReport } from './report/write-report.js';
import { writeModelAverageHtml } from './report/model-average-html.js';
import { buildAnswers, writeAnswersJson, type Answer } from './answer/answers.js';
import { calibrationCheck, calibrationSummary, writeCalibrationJson } from './calibration/calibration-check.js';
import { fitAndExport, shippedModelFor } from './answer/fit-model.js';
import { fiveQuestionsNote } from './answer/five-questions-note.js';
import { answerRequest, claimAnswerDir, defaultAnswerDir } from './answer/answer-request.js';
import { FEW_REPLICATES, withReplicateCaveat } from './answer/replicate-caveat.js';
import { cardDegeneracies, withDegenerateCaveat } from './answer/degenerate-caveat.js';
import { modelNotes } from './answer/model-notes.js';
import { loadAnswerModels } from './answer/models.js';
import { checkSurrogates } from './answer/surrogate-check.js';
import { checkUnitsAgainstModels, checkUnitsAgainstTrial } from './answer/threshold-units.js';
import { answerFiveQuestions, type AnswerPlan, type RunExecutor } from './answer/orchestrate.js';
import { DEFAULT_BW, DEFAULT_COMED, parseBwOption, parseComedOption } from './answer/populations.js';
import { TARGETS } from './answer/questions.js';
import { loadQuestionsFile, questionThreshold } from './answer/questions-file.js';
import { answerCustomQuestions, checkAnswerRegimens, customAnswerTable, isFiveQuestions, writeCustomAnswersJson } from './answer/custom-questions.js';
import { DEFAULT_MAX_BATCH_ROWS } from '../worker/onnx/session.js';
import { percentLabel } from '../coordinator/scenario/percent.js';
import { parseStructures } from '../models/structures/structure.js';
import { packageRoot } from '../worker/common/version.js';
import { questionGroups } from './answer/questions-file.js';
import { averagedAnswers, DEFAULT_MIN_WEIGHT, fitCredibleModels, writeModelAverage, type CredibleModels } from './answer/model-average.js';

/** The five questions as a questions file (what `--average` answers without --questions). */
const FIVE_QUESTIONS_FILE = (): string => join(packageRoot(), 'scenarios', 'questions', 'estdata.yaml');

export interface AnswerCommandArgs {
  readonly trial: string;
  readonly dataSpec?: string | undefined;
  /** comma-separated candidate structures when the trial is fitted (default: all) */
  readonly structure?: string | undefined;
  /** a questions file (analysis/answer/questions-file.ts); absent: the five EstData questions */
  readonly questions?: string | undefined;
  readonly model: readonly string[];
  readonly bw?: string | undefined;
  readonly comed?: string | undefined;
  readonly out?: string | undefined;
  readonly workers: number;
  readonly replicates: number;
  readonly subjects: number;
  readonly seed: number;
  readonly format?: 'md' | undefined;
  readonly refit: boolean;
  readonly provider: 'cpu' | 'cuda';
  readonly threads: number;
  readonly tileTrajectories?: number | undefined;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** model averaging over the credible structures (analysis/answer/model-average.ts) */
  readonly average?: boolean | undefined;
  /** the BIC weight a structure needs to be credible, in (0, 1); default 1 % */
  readonly averageMinWeight?: number | undefined;
}

export const THRESHOLD_NG_ML = 3.3;

export async function answerCommand(a: AnswerCommandArgs): Promise<number> {
  const level: LogLevel = a.verbose ? 'info' : 'warn';
  const log = createLogger('qusop-answer', level);
  const trialPath = resolve(a.trial);
  const specPath = a.dataSpec === undefined ? undefined : resolve(a.dataSpec);
  const spec = specPath === undefined ? NO_SPEC : await loadDataSpec(specPath);
  const trial = await readTrial(trialPath, spec); // file:line errors before anything runs
  const trialSha = sha256Hex(await readFile(trialPath));
  const dataSpec = specPath === undefined ? null : { path: specPath, sha256: sha256Hex(await readFile(specPath)) };
  const average = checkAverageOptions(a);
  // --average answers through a questions file: the five questions' (same questions) when none is given
  const questionsPath = a.questions === undefined ? (average === undefined ? undefined : FIVE_QUESTIONS_FILE()) : resolve(a.questions);
  const questionsFile = questionsPath === undefined ? undefined : await loadQuestionsFile(questionsPath); // file:line errors before anything runs
  const questions = questionsPath === undefined || questionsFile === undefined ? undefined : { path: questionsPath, sha256: sha256Hex(await readFile(questionsPath)), file: questionsFile };
  // the five questions asked through a file are answered the five-question way (same bytes as without the file)
  const custom = questions !== undefined && (average !== undefined || !isFiveQuestions(questions.file, THRESHOLD_NG_ML)) ? questions : undefined;
  if (custom !== undefined) checkAnswerRegimens(custom.file, custom.path);
  const structures = parseStructures(a.structure);
  // a PK-only trial is fitted with a PK structure: no biomarker output to ask about (said before the fit)
  if (a.model.length === 0 && !trial.subjects.some((s) => s.pd.length > 0)) {
    const asking = custom === undefined || a.questions === undefined ? 'the five EstData questions (max biomarker <= 3.3 ng/mL)' : custom.file.questions.filter((q) => q.endpoint === 'biomarker').map((q) => `question ${q.id}`).join(', ');
    if (asking !== '') {
      throw new InputError(`${trialPath}: a PK-only trial (no biomarker samples) is fitted with a PK structure, which answers concentration questions only; ${asking} ask(s) about the biomarker: give --questions with endpoint: concentration (e.g. scenarios/questions/theophylline-trough.yaml)`, { details: { file: trialPath, field: '--questions' } });
    }
  }
  // another drug's trial asked EstData's five questions: said before the fit (five-questions-note.ts)
  const note = a.questions === undefined ? fiveQuestionsNote(trial, THRESHOLD_NG_ML, (await shippedModelFor(trialSha)) !== undefined) : undefined;
  if (note !== undefined) process.stderr.write(`${note}\n`);
  const base = { bw: a.bw === undefined ? DEFAULT_BW : parseBwOption(a.bw), comed: a.comed === undefined ? DEFAULT_COMED : parseComedOption(a.comed) };
  for (const [flag, v] of [['--replicates', a.replicates], ['--subjects', a.subjects]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new InputError(`${flag} ${v}: expected a positive integer`, { details: { field: flag } });
  }

  const given = a.model.length > 0 ? await loadAnswerModels(a.model) : undefined; // bad cards refused before DIR is touched
  if (given !== undefined) {
    checkSurrogates(given, custom === undefined
      ? [{ what: 'the five questions', endpoint: 'biomarker', comparison: '<=', thresholdNgMl: THRESHOLD_NG_ML, where: 'qusop answer' }]
      : custom.file.questions.map((q, i) => ({ what: `question ${q.id}`, endpoint: q.endpoint, comparison: q.comparison, thresholdNgMl: questionThreshold(q), where: `${custom.path}: questions[${i}]` })));
  }
  // a biomarker threshold in the card's unit (the given cards', else the trial's, which the fitted cards carry)
  if (questions !== undefined) {
    if (given !== undefined) checkUnitsAgainstModels(questions.file, questions.path, given);
    else checkUnitsAgainstTrial(questions.file, questions.path, trial);
  }
  const request = answerRequest({
    trial: { path: trialPath, sha256: trialSha }, data_spec: dataSpec, models: a.model.map((m) => resolve(m)), refit: a.refit, population: questions === undefined ? base : { ...base, questions_sha256: questions.sha256 }, replicates: a.replicates, subjects: a.subjects, seed: a.seed,
    ...(structures === undefined ? {} : { structures: structures.map((s) => s.id) }),
    ...(average === undefined ? {} : { average }),
  });
  // the default directory is named by the whole request, so changing any input gets a fresh one
  const outDir = resolve(a.out ?? defaultAnswerDir(request));
  await claimAnswerDir(outDir, request);

  let cards = a.model;
  let modelSource = 'given with --model';
  let credible: CredibleModels | undefined;
  if (average !== undefined) {
    process.stderr.write(`fitting every candidate structure to ${trialPath} for model averaging (SAEM; ${a.replicates} parameter-uncertainty draws each) -> ${join(outDir, 'model')}\n`);
    credible = await fitCredibleModels(trialPath, {
      seed: a.seed, draws: a.replicates, outDir: join(outDir, 'model'), minWeight: average.min_weight, ...(specPath === undefined ? {} : { dataSpec: specPath }),
      ...(structures === undefined ? {} : { structures }), parallel: a.workers,
      say: (line) => { if (!a.quiet || line.startsWith('structure selection') || line.startsWith('PK stage: ') || line.startsWith('PD stage (') || line.startsWith('biomarker ') || line.startsWith('model averaging')) process.stderr.write(`${line}\n`); },
    });
    modelSource = 'fitted to the trial by qusop answer --average (every credible structure)';
  } else if (cards.length === 0) {
    // the shipped fit read the trial without a spec: with one, the data may be read otherwise, so fit
    const shipped = a.refit || specPath !== undefined || structures !== undefined ? undefined : await shippedModelFor(trialSha);
    if (shipped !== undefined) {
      cards = shipped;
      modelSource = 'shipped fit to this trial (models/estdata)';
    } else {
      process.stderr.write(`fitting the population PK/PD model to ${trialPath} (SAEM; ${a.replicates} parameter-uncertainty draws) -> ${join(outDir, 'model')}\n`);
      let last = 0;
      cards = await fitAndExport(trialPath, {
        seed: a.seed, draws: a.replicates, outDir: join(outDir, 'model'), ...(specPath === undefined ? {} : { dataSpec: specPath }),
        ...(structures === undefined ? {} : { structures }),
        parallel: a.workers, // the candidate fits use the cores the run's workers will
        // the structure chosen is a result: said even when --quiet
        say: (line) => { if (!a.quiet || line.startsWith('structure selection') || line.startsWith('PK stage: ') || line.startsWith('PD stage (') || line.startsWith('biomarker ')) process.stderr.write(`${line}\n`); },
        progress: (p) => {
          if (a.quiet || (p.stage === 'saem' && Date.now() - last < 5_000)) return;
          last = Date.now();
          process.stderr.write(`fit: ${p.message}\n`);
        },
      });
      modelSource = 'fitted to the trial by qusop answer';
    }
  }
  const models = credible?.models ?? given ?? (await loadAnswerModels(cards));
  for (const m of models) {
    const problems = cardDegeneracies(m.cards.qd.card);
    if (problems.length > 0) process.stderr.write(`WARNING: model ${m.label} was exported from a degenerate fit (forced): ${problems.join('; ')}. Its answers are flagged degenerate-fit.\n`);
  }
  const plan: AnswerPlan = { outDir, trial: trialPath, ...(specPath === undefined ? {} : { dataSpec: specPath }), base, thresholdNgMl: THRESHOLD_NG_ML, targets: TARGETS, replicates: a.replicates, subjects: a.subjects, seed: a.seed, models };

  const execute: RunExecutor = async (scenarioPath, runDir, round) => {
    if (round > 0) process.stderr.write(`grid extension round ${round}: ${scenarioPath}\n`);
    const { run, succeeded } = await runLocal(
      { scenario: scenarioPath, out: runDir, workers: a.workers, tileTrajectories: a.tileTrajectories, provider: a.provider, maxBatchRows: DEFAULT_MAX_BATCH_ROWS, threads: a.threads, format: 'parquet', leaseMs: 30_000, quiet: a.quiet },
      log,
    );
    if (!succeeded || run.result === undefined) throw new RunError(`run ${run.runId} (${scenarioPath}) ${run.phase.toLowerCase()}: ${run.progress().error}`, { details: { dir: runDir } });
    return { runId: run.runId, dir: runDir, spec: run.compiled.spec, curves: run.result.curves, decisions: run.result.decisions };
  };
  if (custom !== undefined) {
    const settings = { file: { path: custom.path, sha256: custom.sha256 }, trial: trialPath, ...(specPath === undefined ? {} : { dataSpec: specPath }), base, replicates: a.replicates, subjects: a.subjects, seed: a.seed, models, outDir, ...(credible === undefined ? {} : { averageWeights: credible.weights }) };
    const { result, answers } = await answerCustomQuestions(custom.file, settings, execute);
    const testModel = models.some((m) => m.testModel);
    const context = { questions_file: settings.file, trial: { path: trialPath, sha256: trialSha }, ...(dataSpec === null ? {} : { data_spec: dataSpec }), model_source: modelSource, test_model: testModel, run_id: result.runId };
    const answersPath = await writeCustomAnswersJson(outDir, answers, context);
    process.stdout.write(customAnswerTable(answers, testModel));
    if (credible !== undefined && average !== undefined) {
      const averaged = averagedAnswers(questionGroups(custom.file), models, result);
      const written = await writeModelAverage(outDir, { minWeight: average.min_weight, credible: credible.credible, models, result, answers: averaged });
      const html = await writeModelAverageHtml(outDir, { answers: averaged, minWeight: average.min_weight, trial: { path: trialPath, sha256: trialSha }, runId: result.runId, figures: written });
      const files = [html, ...written];
      process.stdout.write(averaged.map((x) => `${x.question} ${x.population} ${x.regimen} ${percentLabel(x.target)}: average ${x.average.dose ?? '—'} mg, carried by ${x.carried_by}`).join('\n') + '\n');
      process.stderr.write(`model average: ${files.join(', ')}\n`);
    }
    process.stderr.write(`answers: ${answersPath}\nrun:     ${outDir} (decisions.json, curves.parquet; the report and calibration check are the five questions')\n`);
    return 0;
  }
  const answerRun = await answerFiveQuestions(plan, execute);
  const answers = buildAnswers(answerRun).map((x) => withDegenerateCaveat(withReplicateCaveat(x, a.replicates), models));
  if (answers.some((x) => x.flags.includes(FEW_REPLICATES))) process.stderr.write(`${answers.find((x) => x.flags.includes(FEW_REPLICATES))?.statement.replace(/^.*Caveat: /, 'caveat: ')}\n`);
  const armsMg = [...new Set(trial.subjects.map((s) => s.doseMg))].sort((x, y) => x - y);
  const notes = modelNotes(models, { file: basename(trialPath), sha256: trialSha, subjects: trial.subjects.length, armsMg });
  const calibrationStarted = Date.now();
  const calibration = await calibrationCheck(trial, trialSha, models, { seed: a.seed, thresholdNgMl: THRESHOLD_NG_ML, logger: log });
  if (!a.quiet) process.stderr.write(`calibration check: ${models.length} model(s) on the trial's last dosing window in ${((Date.now() - calibrationStarted) / 1000).toFixed(1)} s\n`);
  const calibrationPath = await writeCalibrationJson(outDir, calibration);
  const context = {
    trial: { path: trialPath, sha256: trialSha },
    ...(dataSpec === null ? {} : { data_spec: dataSpec }),
    model_source: modelSource,
    test_model: models.some((m) => m.testModel),
    runs: answerRun.rounds.map((r) => ({ round: r.round, run_id: r.runId, dir: r.dir, scenario: r.scenarioPath })),
    models: notes,
    calibration: calibrationSummary(calibration),
  };
  const answersPath = await writeAnswersJson(outDir, answers, context);
  const manifests = await Promise.all(answerRun.rounds.map(async (r) => JSON.parse(await readFile(join(r.dir, 'manifest.json'), 'utf8')) as Record<string, unknown>));
  const scenarioSha256 = await Promise.all(answerRun.rounds.map(async (r) => sha256Hex(await readFile(r.scenarioPath))));
  const report = await writeReport(outDir, { run: answerRun, answers, trial: { path: trialPath, sha256: trialSha }, modelSource, manifests, scenarioSha256, modelNotes: notes, calibration }, { markdown: a.format === 'md' });
  process.stdout.write(report.markdown?.text ?? answerTable(answers, context.test_model));
  process.stderr.write(`answers: ${answersPath}\ncalibration: ${calibrationPath}\nreport:  ${report.html}\nplots:   ${join(outDir, 'plots')}\n${report.markdown === undefined ? '' : `summary: ${report.markdown.path}\n`}`);
  return 0;
}

/** --average and its threshold: refused with --model (no fit to average over) and alone; undefined when not averaging. */
function checkAverageOptions(a: AnswerCommandArgs): { min_weight: number } | undefined {
  if (a.average !== true) {
    if (a.averageMinWeight !== undefined) throw new InputError(`--average-min-weight ${a.averageMinWeight}: applies to --average only; add --average or drop it`, { details: { field: '--average-min-weight' } });
    return undefined;
  }
  if (a.model.length > 0) throw new InputError(`--average with --model ${a.model.join(' ')}: the average is over the structures fitted to the trial; given cards have no BIC weights (drop --model, or drop --average for a comparison)`, { details: { field: '--average' } });
  const w = a.averageMinWeight ?? DEFAULT_MIN_WEIGHT;
  if (!(w > 0 && w < 1)) throw new InputError(`--average-min-weight ${w}: expected a BIC weight in (0, 1)`, { details: { field: '--average-min-weight' } });
  return { min_weight: w };
}

/** The plain-text answer table for a terminal. */
export function answerTable(answers: readonly Answer[], testModel: boolean): string {
  const header = ['Q', 'population', 'regimen', 'target', 'dose', 'mean crossing', 'interval', 'model', 'flags'];
  const mgs = (x: number | null): string => (x === null ? '—' : `${x} mg`);
  const rows = answers.map((x) => [`Q${x.question}`, x.population, x.regimen.toUpperCase(), percentLabel(x.target), mgs(x.dose), mgs(x.mean_crossing), `[${mgs(x.interval[0])}, ${mgs(x.interval[1])}]`, x.model.name, x.flags.join(',') || '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const title = `the five questions${testModel ? ' (TEST MODEL: not dose recommendations)' : ''}`;
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
