/**
 * Issue 18's acceptance bench over the structure library: synthetic trials in EstData's design of
 * several library structures (library-truths.ts: truths, candidates, questions, observational
 * equivalence; library-trial.ts: the trials), each
 *   1. fitted and ranked as `qusop fit` does it (analysis/fit/fit-trial.ts with the truth's candidates;
 *      for PK/PD truths first the PK stage, analysis/fit/pk-stage.ts, which drops PK/PD bodies whose PK
 *      the concentrations reject by > 10 BIC), the chosen fit exported as cards;
 *   2. answered through the real CLI (`qusop answer TRIAL --model CARDS --questions Q`: local workers,
 *      ONNX graphs, replicate bands), QD and QW;
 *   3. compared with the truth (library-true-dose.ts): mean-crossing dose within one grid step of the
 *      true minimal dose, 95 % interval covering it.
 * Writes library-results.json and library-results.md beside this script (or --out). Seeded: the same
 * arguments give the same trials, fits and answers (timings aside).
 *   node dist/bench/selection/library-structures.js [--seeds N] [--first-seed K] [--structures id,id]
 *     [--replicates R] [--subjects M] [--truth-subjects N] [--work DIR] [--out DIR] [--append]
 *     [--trial-seeds per-structure|shared] [--design-copies K] [--design estdata|sad|sparse] [--name library-results]
 *   node dist/bench/selection/library-structures.js --report-only [--out DIR] [--name N]   (re-render the .md from the .json)
 * --trial-seeds: library-trial.ts trialSeed (default per-structure: independent trials across truths);
 * --design-copies K: every EstData subject K times (K x the subjects, same design); --design: the trial's
 * design (library-designs.ts: sad, a single-ascending-dose study; sparse, a population study; default
 * estdata, EstData's own rows); --name: the results
 * files' base name (a study of another design or seed rule kept beside the acceptance record).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { readTrial } from '../../models/ingest/trial.js';
import { structureById } from '../../models/structures/structure.js';
import { fitTrial } from '../../analysis/fit/fit-trial.js';
import { pkStage } from '../../analysis/fit/pk-stage.js';
import { packageRoot } from '../../worker/common/version.js';
import { LIBRARY_TRUTHS, equivalentStructures, type LibraryTruth } from './library-truths.js';
import { trialSeed, writeLibraryTrial, type TrialSeeds } from './library-trial.js';
import { TRIAL_DESIGNS, type TrialDesign } from './library-designs.js';
import { REGIMENS, trueAnswers, type TrueAnswer } from './library-true-dose.js';
import { questionsYaml } from './library-questions.js';
import { covers, withinOneStep } from './grid-dose.js';
import { libraryMarkdown, runsOf, summarize, type RecordedResults, type RunRecord, type TrialRow } from './library-report.js';

const FIT_SEED = 20251121;
const ANSWER_SEED = 20251121;
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '2' },
    'first-seed': { type: 'string', default: '1' },
    /** add this run's trials to the recorded library-results.json in --out */
    append: { type: 'boolean', default: false },
    structures: { type: 'string', default: '1cmt-oral,2cmt-oral,1cmt-oral-lag,1cmt-iv,2cmt-iv,1cmt-oral-idr,1cmt-oral-ke0-imax,1cmt-oral-idr3' },
    replicates: { type: 'string', default: '100' },
    subjects: { type: 'string', default: '400' },
    'truth-subjects': { type: 'string', default: '5000' },
    work: { type: 'string', default: join(tmpdir(), 'qusop-library-selection') },
    out: { type: 'string', default: join(packageRoot(), 'bench', 'selection') },
    /** re-render library-results.md from a recorded library-results.json (no fits) */
    'report-only': { type: 'boolean', default: false },
    'trial-seeds': { type: 'string', default: 'per-structure' },
    'design-copies': { type: 'string', default: '1' },
    design: { type: 'string', default: 'estdata' },
    name: { type: 'string', default: 'library-results' },
    /** truth: each truth's candidate set (library-truths.ts); default: `qusop fit`'s own defaults for the trial (PK, PD and simultaneous stages) */
    candidates: { type: 'string', default: 'truth' },
  },
});
if (args['report-only']) {
  const recorded = JSON.parse(await readFile(join(args.out, `${args.name}.json`), 'utf8')) as RecordedResults;
  // the summary recomputed from the rows, so a record made by an older renderer gets today's table
  const summary = summarize(LIBRARY_TRUTHS.filter((t) => recorded.rows.some((r) => r.truth === t.structure.id)), recorded.rows);
  await writeFile(join(args.out, `${args.name}.md`), libraryMarkdown({ ...recorded, summary, runs: runsOf(recorded) }));
  process.exit(0);
}
const seeds = Number(args.seeds);
const firstSeed = Number(args['first-seed']);
const replicates = Number(args.replicates);
const subjects = Number(args.subjects);
const truthSubjects = Number(args['truth-subjects']);
if (args['trial-seeds'] !== 'per-structure' && args['trial-seeds'] !== 'shared') throw new Error(`--trial-seeds: "${args['trial-seeds']}": expected per-structure or shared`);
const trialSeeds: TrialSeeds = args['trial-seeds'];
const designCopies = Number(args['design-copies']);
if (!Number.isInteger(designCopies) || designCopies < 1) throw new Error(`--design-copies: "${args['design-copies']}": expected an integer >= 1`);
if (!(TRIAL_DESIGNS as readonly string[]).includes(args.design)) throw new Error(`--design: "${args.design}": expected one of ${TRIAL_DESIGNS.join(', ')}`);
const trialDesign = args.design as TrialDesign;
if (args.candidates !== 'truth' && args.candidates !== 'default') throw new Error(`--candidates: "${args.candidates}": expected truth or default`);
const userDefaults = args.candidates === 'default';
if (trialDesign !== 'estdata' && designCopies !== 1) throw new Error(`--design-copies applies to --design estdata only`);
const truths: LibraryTruth[] = args.structures.split(',').map((id) => {
  const t = LIBRARY_TRUTHS.find((x) => x.structure.id === id);
  if (t === undefined) throw new Error(`--structures: no truth for "${id}"; known: ${LIBRARY_TRUTHS.map((x) => x.structure.id).join(', ')}`);
  return t;
});
const say = (line: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`); };

interface AnswerRow { readonly question: string; readonly dose: number | null; readonly mean_crossing: number | null; readonly interval: [number | null, number | null] }

async function oneTrial(t: LibraryTruth, seed: number, truth: readonly TrueAnswer[]): Promise<TrialRow> {
  const id = t.structure.id;
  const dir = join(args.work, `${id}-seed${seed}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const trialPath = await writeLibraryTrial(join(dir, 'trial.csv'), t, trialSeed(id, seed, trialSeeds), designCopies, trialDesign);
  const candidates = t.candidates.map((c) => structureById(c));
  const settings = { seed: FIT_SEED, draws: replicates, vpcReplicates: 100 };
  const started = performance.now();
  // PK/PD: the PK stage first, as `qusop fit` does with its default candidates (with --candidates default, fitTrial's own)
  const stage = t.structure.pd && !userDefaults ? await pkStage(await readTrial(trialPath), candidates, settings, 1, say) : undefined;
  if (stage !== undefined) say(stage.summary);
  const fitted = stage === undefined ? candidates : candidates.filter((s) => stage.kept.includes(s.compartments));
  const fitSay = (l: string): void => { if (l.startsWith('structure selection') || l.includes('fit done') || (userDefaults && /stage/.test(l))) say(l); };
  const fit = await fitTrial(trialPath, { ...settings, outDir: join(dir, 'model'), madeBy: 'bench/selection/library-structures', ...(userDefaults ? {} : { structures: fitted }), say: fitSay });
  const fitS = (performance.now() - started) / 1000;
  const chosen = fit.selection.find((c) => c.chosen)?.structure ?? null;
  let answers: AnswerRow[] = [];
  let answerS = NaN;
  let answerError: string | undefined;
  if (fit.cards !== null) {
    await writeFile(join(dir, 'questions.yaml'), questionsYaml(t, truth));
    const t0 = performance.now();
    try {
      await run(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'answer', trialPath, '--model', fit.cards.qd, fit.cards.qw, '--questions', join(dir, 'questions.yaml'),
        '--out', join(dir, 'answer'), '--replicates', String(replicates), '--subjects', String(subjects), '--seed', String(ANSWER_SEED), '--workers', '1', '--quiet'], { maxBuffer: 1 << 26 });
      answers = (JSON.parse(await readFile(join(dir, 'answer', 'answers.json'), 'utf8')) as { answers: AnswerRow[] }).answers;
    } catch (err) {
      answerError = err instanceof Error ? err.message.slice(0, 400) : String(err);
    }
    answerS = (performance.now() - t0) / 1000;
  }
  const cells = truth.map((tr) => {
    const a = answers.find((x) => x.question === tr.regimen);
    const step = REGIMENS.find((r) => r.id === tr.regimen)!.grid.step;
    return {
      regimen: tr.regimen, threshold: tr.threshold, unit: tr.unit, true_dose: tr.dose, true_p: tr.p, close: tr.close,
      answer: a?.dose ?? null, mean_crossing: a?.mean_crossing ?? null, interval: a?.interval ?? [null, null],
      within_one_step: withinOneStep(a?.mean_crossing ?? null, tr.dose, step), covered: covers(a?.interval ?? [null, null], tr.dose),
    };
  });
  return {
    truth: id, seed, trial_seed: trialSeed(id, seed, trialSeeds), candidates: userDefaults ? fit.selection.map((c) => c.structure) : fitted.map((s) => s.id), pk_stage: stage?.summary ?? null, chosen,
    correct: chosen === id, equivalent: chosen !== null && chosen !== id && equivalentStructures(id).includes(chosen),
    bic: Object.fromEntries(fit.selection.map((c) => [c.structure, Number(c.bic.toFixed(1))])),
    eligible: Object.fromEntries(fit.selection.map((c) => [c.structure, c.converged && c.degenerate.length === 0])),
    fit_s: Number(fitS.toFixed(1)), answer_s: Number(answerS.toFixed(1)), ...(answerError === undefined ? {} : { answer_error: answerError }), cells,
  };
}

const startedAt = new Date();
const rows: TrialRow[] = [];
const truthTable: Record<string, TrueAnswer[]> = {};
for (const t of truths) {
  const t0 = performance.now();
  const truth = trueAnswers(t, truthSubjects);
  truthTable[t.structure.id] = truth;
  say(`${t.structure.id}: true answers ${JSON.stringify(truth)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (let seed = firstSeed; seed < firstSeed + seeds; seed += 1) {
    const row = await oneTrial(t, seed, truth);
    rows.push(row);
    say(JSON.stringify(row));
  }
}
const machine = { description: 'dev VM, 2 cores, AMD EPYC, Node 20', cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.versions.node };
const command = `nice -n 10 node dist/bench/selection/library-structures.js --seeds ${seeds}${firstSeed === 1 ? '' : ` --first-seed ${firstSeed}`} --structures ${truths.map((t) => t.structure.id).join(',')} --replicates ${replicates} --subjects ${subjects} --truth-subjects ${truthSubjects}${trialSeeds === 'per-structure' ? '' : ' --trial-seeds shared'}${designCopies === 1 ? '' : ` --design-copies ${designCopies}`}${trialDesign === 'estdata' ? '' : ` --design ${trialDesign}`}${args.name === 'library-results' ? '' : ` --name ${args.name}`}${userDefaults ? ' --candidates default' : ''}${args.append ? ' --append' : ''}`;
const thisRun: RunRecord = { command, started: startedAt.toISOString(), finished: new Date().toISOString(), loadavg_end: loadavg().map((x) => Number(x.toFixed(2))) };
// --append: this run's trials join the recorded ones (same sizes required; a repeated truth + seed replaced)
const previous = args.append ? (JSON.parse(await readFile(join(args.out, `${args.name}.json`), 'utf8')) as RecordedResults) : undefined;
if (previous !== undefined && (previous.replicates !== replicates || previous.subjects !== subjects || previous.truth_subjects !== truthSubjects
  || (previous.trial_seeds ?? 'shared') !== trialSeeds || (previous.design_copies ?? 1) !== designCopies || (previous.design ?? 'estdata') !== trialDesign || (previous.candidate_rule ?? 'truth') !== args.candidates)) {
  throw new Error(`--append: the recorded run used --replicates ${previous.replicates} --subjects ${previous.subjects} --truth-subjects ${previous.truth_subjects} --trial-seeds ${previous.trial_seeds ?? 'shared'} --design-copies ${previous.design_copies ?? 1} --design ${previous.design ?? 'estdata'} --candidates ${previous.candidate_rule ?? 'truth'}; give the same`);
}
const allRows = [...(previous?.rows ?? []).filter((r) => !rows.some((x) => x.truth === r.truth && x.seed === r.seed)), ...rows];
const allTruths = LIBRARY_TRUTHS.filter((t) => allRows.some((r) => r.truth === t.structure.id));
const result = {
  machine, runs: [...(previous === undefined ? [] : runsOf(previous)), thisRun], replicates, subjects, truth_subjects: truthSubjects, trial_seeds: trialSeeds, design_copies: designCopies, design: trialDesign, candidate_rule: args.candidates as 'truth' | 'default', fit_seed: FIT_SEED, answer_seed: ANSWER_SEED,
  truths: { ...(previous?.truths ?? {}), ...truthTable }, summary: summarize(allTruths, allRows), rows: allRows,
};
await writeFile(join(args.out, `${args.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
const md = libraryMarkdown(result);
await writeFile(join(args.out, `${args.name}.md`), md);
process.stdout.write(md);
