/**
 * Issue 20 §2: coverage and width of the minimal-dose interval with HMC posterior draws against
 * Fisher-information draws, on synthetic trials of a known truth. For each seed:
 *   1. the library bench's 1cmt-oral truth simulated in EstData's design (bench/selection/library-trial.ts,
 *      same trial seeds), cut to --per-group dosed subjects per dose group and, with --times, to the
 *      samples at those times (coverage-trial.ts);
 *   2. fitted twice as `qusop fit --structure 1cmt-oral --force` does it (analysis/fit/fit-trial.ts):
 *      Fisher draws (default) and `--uncertainty hmc`, the same --draws, the same SAEM seed;
 *   3. both card sets answered through the real CLI (`qusop answer TRIAL --model QD QW --questions Q`)
 *      with the same replicates, virtual subjects and seed: the library bench's trough questions, QD and QW;
 *   4. compared with the true minimal dose (bench/selection/library-true-dose.ts, 5000 virtual subjects).
 * Writes coverage.json and coverage.md beside this script (or --out). Seeded: the same arguments give
 * the same trials, fits, draws and answers (timings aside). --force on both fits: a degenerate fit or a
 * flagged posterior is exported, answered and counted (and named in the record), never dropped.
 *   node dist/bench/hmc/coverage.js [--seeds N] [--first-seed K] [--per-group M] [--times H,H,..] [--draws D]
 *     [--hmc-chains C] [--hmc-warmup W] [--hmc-samples S] [--hmc-max-depth T] [--hmc-parametrisation P] [--subjects V]
 *     [--truth-subjects N] [--work DIR] [--out DIR] [--name coverage]
 *   node dist/bench/hmc/coverage.js --report-only [--out DIR] [--name N]   (cells recomputed from their intervals, .json and .md rewritten)
 * The record is rewritten after every trial, so a run stopped early leaves the trials it finished.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fitTrial } from '../../analysis/fit/fit-trial.js';
import { packageRoot } from '../../worker/common/version.js';
import type { HmcOptions } from '../../models/estimate/hmc/chains.js';
import { PARAMETRISATIONS, type Parametrisation } from '../../models/estimate/hmc/population-posterior.js';
import { LIBRARY_TRUTHS, type LibraryTruth } from '../selection/library-truths.js';
import { trialSeed } from '../selection/library-trial.js';
import { REGIMENS, statistic, trueAnswers, virtualSubjects, type TrueAnswer } from '../selection/library-true-dose.js';
import { questionsYaml } from '../selection/library-questions.js';
import { writeSubsetTrial } from './coverage-trial.js';
import { coverageCell, type CoverageRow, type HmcDiagnostics, type MethodResult } from './coverage-summary.js';
import { coverageMarkdown, type CoverageRecord } from './coverage-report.js';

const FIT_SEED = 20251121;
const ANSWER_SEED = 20251121;
const TRUTH_ID = '1cmt-oral';
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '2' },
    'first-seed': { type: 'string', default: '1' },
    'per-group': { type: 'string', default: '4' },
    /** keep only the observations at these times (h, comma-separated; EstData's sampling times): a sparse design */
    times: { type: 'string' },
    draws: { type: 'string', default: '100' },
    'hmc-chains': { type: 'string', default: '4' },
    'hmc-warmup': { type: 'string', default: '150' },
    'hmc-samples': { type: 'string', default: '50' },
    'hmc-max-depth': { type: 'string', default: '6' },
    /** the subjects' coordinates: auto (by eta-shrinkage), centred or non-centred (population-posterior.ts) */
    'hmc-parametrisation': { type: 'string', default: 'auto' },
    subjects: { type: 'string', default: '400' },
    'truth-subjects': { type: 'string', default: '5000' },
    work: { type: 'string', default: join(tmpdir(), 'qusop-hmc-coverage') },
    out: { type: 'string', default: join(packageRoot(), 'bench', 'hmc') },
    name: { type: 'string', default: 'coverage' },
    'report-only': { type: 'boolean', default: false },
  },
});

if (args['report-only']) {
  const recorded = JSON.parse(await readFile(join(args.out, `${args.name}.json`), 'utf8')) as CoverageRecord;
  // every cell's comparison recomputed from its interval, so a record made by an older rule gets today's
  const step = (regimen: string): number => recorded.true_answers.find((a) => a.regimen === regimen)!.grid_step;
  const again = (m: MethodResult): MethodResult => ({ ...m, cells: m.cells.map((c) => coverageCell(c.regimen, c.true_dose, step(c.regimen), { dose: c.answer, mean_crossing: c.mean_crossing, interval: c.interval })) });
  const record = { ...recorded, rows: recorded.rows.map((r) => ({ ...r, fisher: again(r.fisher), hmc: again(r.hmc) })) };
  await writeFile(join(args.out, `${args.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(join(args.out, `${args.name}.md`), coverageMarkdown(record));
  process.exit(0);
}

/** A positive integer option, or a clear error naming it. */
function count(name: keyof typeof args): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: "${String(args[name])}": expected an integer >= 1`);
  return v;
}
const [seeds, firstSeed, perGroup, draws, subjects, truthSubjects] = (['seeds', 'first-seed', 'per-group', 'draws', 'subjects', 'truth-subjects'] as const).map(count) as [number, number, number, number, number, number];
const parametrisation = args['hmc-parametrisation'] as Parametrisation;
if (!PARAMETRISATIONS.includes(parametrisation)) throw new Error(`--hmc-parametrisation: "${parametrisation}": expected one of ${PARAMETRISATIONS.join(', ')}`);
const hmc: HmcOptions = { chains: count('hmc-chains'), warmup: count('hmc-warmup'), samples: count('hmc-samples'), maxDepth: count('hmc-max-depth'), mass: 'diagonal', parametrisation, seed: FIT_SEED };
if (hmc.chains * hmc.samples < draws - 1) throw new Error(`--draws ${draws}: the posterior pool holds ${hmc.chains * hmc.samples} draws (chains x samples); the cards need ${draws - 1} besides the estimate`);
const timesH = args.times === undefined ? undefined : args.times.split(',').map((x) => {
  const h = Number(x);
  if (x.trim() === '' || !Number.isFinite(h) || h < 0) throw new Error(`--times: "${x}": expected a time in hours >= 0`);
  return h;
});
const truth: LibraryTruth = LIBRARY_TRUTHS.find((t) => t.structure.id === TRUTH_ID)!;
if (truth.question.comparison !== '>=') throw new Error(`${TRUTH_ID}: the study counts trough >= threshold; the truth's question compares ${truth.question.comparison}`);
const say = (line: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`); };

interface AnswerRow { readonly question: string; readonly dose: number | null; readonly mean_crossing: number | null; readonly interval: [number | null, number | null] }

/** The card's HMC diagnostics (analysis/fit/hmc-uncertainty.ts provenance), with the sampler's wall time from its log line. */
async function hmcDiagnostics(cardPath: string, samplingS: number | null): Promise<HmcDiagnostics> {
  const card = JSON.parse(await readFile(cardPath, 'utf8')) as { diagnostics?: { hmc?: Omit<HmcDiagnostics, 'sampling_s'> } };
  const d = card.diagnostics?.hmc;
  if (d === undefined) throw new Error(`${cardPath}: no diagnostics.hmc in an HMC fit's card`);
  return { max_rhat: d.max_rhat, min_ess_bulk: d.min_ess_bulk, min_ess_tail: d.min_ess_tail, divergences: d.divergences, transitions: d.transitions, tree_depth_saturated: d.tree_depth_saturated, flagged: d.flagged, flags: d.flags, sampling_s: samplingS };
}

/** One fit (Fisher or HMC draws) of the trial and its answers. */
async function fitAndAnswer(dir: string, trialPath: string, questions: string, truthAnswers: readonly TrueAnswer[], method: 'fisher' | 'hmc'): Promise<MethodResult> {
  let samplingS: number | null = null;
  const started = performance.now();
  const fit = await fitTrial(trialPath, {
    seed: FIT_SEED, draws, vpcReplicates: 100, outDir: join(dir, method, 'model'), madeBy: 'bench/hmc/coverage', structures: [truth.structure], force: true,
    ...(method === 'hmc' ? { uncertainty: { source: 'hmc' as const, hmc } } : {}),
    say: (l) => {
      const m = /HMC done in (\d+) s/.exec(l);
      if (m !== null) samplingS = Number(m[1]);
      if (l.includes('fit done') || l.includes('HMC done')) say(`${method}: ${l}`);
    },
  });
  const fitS = (performance.now() - started) / 1000;
  const degenerate = fit.degenerate.map((p) => p.message);
  if (fit.cards === null) throw new Error(`${trialPath}: ${method} fit exported no cards despite --force`);
  const diagnostics = method === 'hmc' ? await hmcDiagnostics(fit.cards.qd, samplingS) : undefined;
  let answers: AnswerRow[] = [];
  let answerError: string | undefined;
  const t0 = performance.now();
  try {
    await run(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'answer', trialPath, '--model', fit.cards.qd, fit.cards.qw, '--questions', questions,
      '--out', join(dir, method, 'answer'), '--replicates', String(draws), '--subjects', String(subjects), '--seed', String(ANSWER_SEED), '--workers', '1', '--quiet'], { maxBuffer: 1 << 26 });
    answers = (JSON.parse(await readFile(join(dir, method, 'answer', 'answers.json'), 'utf8')) as { answers: AnswerRow[] }).answers;
  } catch (err) {
    answerError = err instanceof Error ? err.message.slice(0, 400) : String(err);
  }
  const answerS = (performance.now() - t0) / 1000;
  const cells = truthAnswers.map((tr) => coverageCell(tr.regimen, tr.dose, REGIMENS.find((r) => r.id === tr.regimen)!.grid.step, answers.find((a) => a.question === tr.regimen)));
  return {
    fit_s: Number(fitS.toFixed(1)), answer_s: Number(answerS.toFixed(1)), degenerate,
    ...(answerError === undefined ? {} : { answer_error: answerError }), ...(diagnostics === undefined ? {} : { hmc: diagnostics }), cells,
  };
}

async function oneTrial(seed: number, truthAnswers: readonly TrueAnswer[]): Promise<CoverageRow> {
  const dir = join(args.work, `${TRUTH_ID}-seed${seed}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ts = trialSeed(TRUTH_ID, seed, 'per-structure');
  const trial = await writeSubsetTrial(join(dir, 'trial.csv'), truth, ts, perGroup, timesH);
  const questions = join(dir, 'questions.yaml');
  await writeFile(questions, questionsYaml(truth, truthAnswers));
  const fisher = await fitAndAnswer(dir, trial.path, questions, truthAnswers, 'fisher');
  const posterior = await fitAndAnswer(dir, trial.path, questions, truthAnswers, 'hmc');
  return { seed, trial_seed: ts, subjects: trial.subjects, observations: trial.observations, fisher, hmc: posterior };
}

/** The true attainment one grid step below the true minimal dose (the same virtual subjects as trueAnswers): how close the truth sits to the step. */
function pOneStepBelow(a: TrueAnswer): number {
  const r = REGIMENS.find((x) => x.id === a.regimen)!;
  const below = a.dose - r.grid.step;
  const met = virtualSubjects(truth, truthSubjects).filter((p) => statistic(truth, p, r, below) >= a.threshold).length;
  return met / truthSubjects;
}

const startedAt = new Date();
const loadStart = loadavg().map((x) => Number(x.toFixed(2)));
const t0 = performance.now();
const truthAnswers = trueAnswers(truth, truthSubjects);
say(`${TRUTH_ID}: true answers ${JSON.stringify(truthAnswers)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const command = `nice -n 19 node dist/bench/hmc/coverage.js --seeds ${seeds}${firstSeed === 1 ? '' : ` --first-seed ${firstSeed}`} --per-group ${perGroup}${timesH === undefined ? '' : ` --times ${timesH.join(',')}`} --draws ${draws} --hmc-chains ${hmc.chains} --hmc-warmup ${hmc.warmup} --hmc-samples ${hmc.samples} --hmc-max-depth ${hmc.maxDepth} --hmc-parametrisation ${parametrisation} --subjects ${subjects} --truth-subjects ${truthSubjects}${args.name === 'coverage' ? '' : ` --name ${args.name}`}`;
const rows: CoverageRow[] = [];
for (let seed = firstSeed; seed < firstSeed + seeds; seed += 1) {
  const row = await oneTrial(seed, truthAnswers);
  rows.push(row);
  say(JSON.stringify(row));
  const record: CoverageRecord = {
    machine: { description: 'dev VM', cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.versions.node },
    command, started: startedAt.toISOString(), finished: new Date().toISOString(), loadavg: { start: loadStart, end: loadavg().map((x) => Number(x.toFixed(2))) },
    truth: {
      structure: TRUTH_ID,
      fixed: Object.fromEntries(truth.structure.fixedEffects.map((f) => [f.name, truth.truth.fixed[f.name]])),
      omega_diagonal: truth.truth.omega.map((r, i) => r[i]!),
      sigma: { ...truth.truth.sigma },
    },
    design: `EstData's design (data/EstData.csv, concentrations only: 21 daily doses, 24 samples per subject), the first ${perGroup} dosed subjects of each dose group (1, 3, 10 mg)${timesH === undefined ? '' : `, only the samples at ${timesH.join(', ')} h`}: ${row.subjects} subjects, ${row.observations} concentrations; simulated as bench/selection/library-trial.ts does (per-structure trial seeds)`,
    per_group: perGroup, draws, replicates: draws, subjects, truth_subjects: truthSubjects,
    hmc_options: { chains: hmc.chains, warmup: hmc.warmup, samples: hmc.samples, max_depth: hmc.maxDepth, mass: hmc.mass, parametrisation },
    fit_seed: FIT_SEED, answer_seed: ANSWER_SEED,
    true_answers: truthAnswers.map((a) => ({ regimen: a.regimen, threshold: a.threshold, unit: a.unit, dose: a.dose, p: a.p, p_one_step_below: pOneStepBelow(a), close: a.close, grid_step: REGIMENS.find((r) => r.id === a.regimen)!.grid.step })),
    rows,
  };
  await writeFile(join(args.out, `${args.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(join(args.out, `${args.name}.md`), coverageMarkdown(record));
}
