/**
 * The library selection bench's record: per-trial rows, per-structure and overall shares against issue
 * 18's acceptance (true or observationally equivalent structure chosen >= 80 %; mean crossing within one
 * grid step of the true minimal dose >= 80 % of question cells; 95 % interval covering it >= 90 %), and
 * the Markdown table (library-results.md).
 */
import { median } from 'd3-array';
import type { StructureId } from '../../models/structures/structure.js';
import type { LibraryTruth } from './library-truths.js';
import { equivalentStructures } from './library-truths.js';
import { covers, openAbove } from './grid-dose.js';

export interface CellRow {
  readonly regimen: string;
  readonly threshold: number;
  readonly unit: string;
  readonly true_dose: number;
  readonly true_p: number;
  readonly close: boolean;
  readonly answer: number | null;
  readonly mean_crossing: number | null;
  readonly interval: readonly [number | null, number | null];
  readonly within_one_step: boolean;
  readonly covered: boolean;
}

export interface TrialRow {
  readonly truth: StructureId;
  readonly seed: number;
  /** the simulation seed (library-trial.ts trialSeed); absent in the first recordings: 9000 + seed */
  readonly trial_seed?: number;
  /** the candidates fitted simultaneously (after the PK stage for PK/PD truths) */
  readonly candidates: readonly StructureId[];
  readonly pk_stage: string | null;
  readonly chosen: StructureId | null;
  readonly correct: boolean;
  readonly equivalent: boolean;
  readonly bic: Readonly<Record<string, number>>;
  readonly eligible: Readonly<Record<string, boolean>>;
  /** PK stage + candidate fits + export, seconds */
  readonly fit_s: number;
  /** `qusop answer --model`, seconds */
  readonly answer_s: number;
  readonly answer_error?: string;
  readonly cells: readonly CellRow[];
}

export interface Share { readonly k: number; readonly n: number }

/** One invocation of the bench that contributed trials to the record. */
export interface RunRecord { readonly command: string; readonly started: string; readonly finished: string; readonly loadavg_end?: readonly number[] }

/** library-results.json as written (older records: one run, its command at the top level). */
export interface RecordedResults {
  readonly machine: { description: string; cores: number; cpu: string; node: string };
  readonly runs?: readonly RunRecord[];
  readonly command?: string; readonly started?: string; readonly finished?: string;
  readonly replicates: number; readonly subjects: number; readonly truth_subjects: number;
  /** library-trial.ts trialSeed's rule; absent in the first recordings: 'shared' */
  readonly trial_seeds?: 'shared' | 'per-structure';
  /** EstData's subjects repeated this many times; absent: 1 */
  readonly design_copies?: number;
  /** truth: each truth's candidate set; default: `qusop fit`'s defaults for the trial */
  readonly candidate_rule?: 'truth' | 'default';
  /** library-designs.ts TrialDesign; absent: 'estdata' */
  readonly design?: 'estdata' | 'sad' | 'sparse';
  readonly truths: Readonly<Record<string, unknown>>;
  readonly summary: ReturnType<typeof summarize>;
  readonly rows: readonly TrialRow[];
}

/** The record's trial design in words (library-designs.ts). */
function designText(design: 'estdata' | 'sad' | 'sparse', copies: number): string {
  if (design === 'sad') return 'Trials of a single-ascending-dose design (library-designs.ts: 5 cohorts x 8 subjects at 1, 3, 10, 30, 100 mg, one dose each, rich sampling over 5 terminal half-lives of the truth, a biomarker baseline for PK/PD truths; BW log-normal median 75 kg, COMED only for PK/PD truths; concentrations below an LLOQ of 2 x the additive error SD written as BLQ)';
  if (design === 'sparse') return 'Trials of a sparse population design (library-designs.ts: 120 subjects at 3, 10, 30 mg QD for 28 days, 2-4 samples each at random times after a dose on days 1-28, a biomarker baseline for PK/PD truths; BW log-normal median 75 kg, COMED only for PK/PD truths; concentrations below an LLOQ of 2 x the additive error SD written as BLQ)';
  return `Trials in EstData's design${copies === 1 ? '' : ` with every subject repeated ${copies} times (${copies} x the subjects)`} (its subjects, BW, COMED, doses and sampling times; biomarker rows dropped for PK-only truths, doses as IV boluses for IV truths)`;
}

export function runsOf(r: RecordedResults): RunRecord[] {
  return [...(r.runs ?? (r.command === undefined ? [] : [{ command: r.command, started: r.started ?? '', finished: r.finished ?? '' }]))];
}

export interface StructureSummary {
  readonly truth: StructureId;
  readonly candidates: readonly StructureId[];
  readonly trials: number;
  readonly exact: Share;
  readonly exactOrEquivalent: Share;
  readonly withinOneStep: Share;
  readonly covered: Share;
  /** covered cells whose interval is open above (the upper replicate never reaches the target on the grid): [lo, beyond the grid) with lo <= the truth */
  readonly openAbove: Share;
  readonly medianFitS: number;
  readonly medianAnswerS: number;
}

const share = (xs: readonly boolean[]): Share => ({ k: xs.filter(Boolean).length, n: xs.length });
// coverage is recomputed from the recorded interval (grid-dose.ts covers), so records made before the open-above rule read the same way
const covered = (c: CellRow): boolean => covers(c.interval, c.true_dose);
const coveredOpenAbove = (c: CellRow): boolean => covered(c) && openAbove(c.interval);

export function summarize(truths: readonly LibraryTruth[], rows: readonly TrialRow[]): { byStructure: StructureSummary[]; overall: { exactOrEquivalent: Share; withinOneStep: Share; covered: Share; openAbove: Share } } {
  const byStructure = truths.map((t) => {
    const mine = rows.filter((r) => r.truth === t.structure.id);
    const cells = mine.flatMap((r) => r.cells);
    return {
      truth: t.structure.id, candidates: t.candidates, trials: mine.length,
      exact: share(mine.map((r) => r.correct)), exactOrEquivalent: share(mine.map((r) => r.correct || r.equivalent)),
      withinOneStep: share(cells.map((c) => c.within_one_step)), covered: share(cells.map(covered)), openAbove: share(cells.map(coveredOpenAbove)),
      medianFitS: median(mine.map((r) => r.fit_s)) ?? NaN, medianAnswerS: median(mine.map((r) => r.answer_s)) ?? NaN,
    };
  });
  const cells = rows.flatMap((r) => r.cells);
  return { byStructure, overall: { exactOrEquivalent: share(rows.map((r) => r.correct || r.equivalent)), withinOneStep: share(cells.map((c) => c.within_one_step)), covered: share(cells.map(covered)), openAbove: share(cells.map(coveredOpenAbove)) } };
}

const seedCount = (rows: readonly TrialRow[]): string => {
  const counts = [...new Set(rows.map((x) => x.truth))].map((t) => rows.filter((x) => x.truth === t).length);
  const lo = Math.min(...counts), hi = Math.max(...counts);
  return lo === hi ? `${lo} seed(s)` : `${lo}-${hi} seeds`;
};
const pct = (s: Share): string => `${s.k}/${s.n} (${s.n === 0 ? '-' : ((100 * s.k) / s.n).toFixed(0)} %)`;
const mg = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : String(x));

export function libraryMarkdown(r: {
  machine: { description: string; cores: number; cpu: string; node: string };
  runs: readonly RunRecord[]; replicates: number; subjects: number; truth_subjects: number;
  trial_seeds?: 'shared' | 'per-structure'; design_copies?: number; design?: 'estdata' | 'sad' | 'sparse'; candidate_rule?: 'truth' | 'default';
  summary: ReturnType<typeof summarize>; rows: readonly TrialRow[];
}): string {
  const o = r.summary.overall;
  const defaults = r.candidate_rule === 'default';
  return [
    '# Structure selection and answers on synthetic trials of the library (issue 18 acceptance)',
    '',
    `Machine: ${r.machine.description} (${r.machine.cores} cores, ${r.machine.cpu}, Node ${r.machine.node}), other engineers' work alongside. Recorded by ${r.runs.map((x) => `\`${x.command}\` (${x.started.slice(0, 16)}-${x.finished.slice(11, 16)} UTC)`).join(', then ')}.`,
    '',
    `${designText(r.design ?? 'estdata', r.design_copies ?? 1)}, simulated by models/estimate/simulate-trial.ts, ${seedCount(r.rows)} per structure, ${(r.trial_seeds ?? 'shared') === 'shared' ? 'simulation seed 9000 + seed for every structure (trials of different truths with one seed share their random draws, so their errors move together)' : 'simulation seeds spread by the structure id (library-trial.ts trialSeed: trials of different truths independent)'}; truths, candidates and the equivalence rule in library-truths.ts. Each trial fitted and ranked by BIC as \`qusop fit\` does (PK/PD: PK stage first), the chosen fit answered by \`qusop answer --model\` with ${r.replicates} replicates x ${r.subjects} subjects: QD (0.5-40 mg, 0.5 mg steps) and QW (5-400 mg, 5 mg steps), >= 90 % of a population with BW uniform 50-100 kg, COMED 0. True minimal dose: ${r.truth_subjects} virtual subjects of the truth, the double-precision steady state. Thresholds placed so 90 % of the truth's subjects meet them at 10 mg QD / 100 mg QW.`,
    '',
    `**Overall: structure true or equivalent ${pct(o.exactOrEquivalent)} (target >= 80 %); mean crossing within one grid step ${pct(o.withinOneStep)} of question cells (target >= 80 %); 95 % interval covers the true minimal dose ${pct(o.covered)} (target >= 90 %).**${(o.openAbove?.k ?? 0) > 0 ? ` Of the covered cells, ${o.openAbove.k} have an interval open above (its upper replicate never reaches 90 % on the grid): [lower end, beyond the grid) holds the true dose, and such an interval counts as wider than any.` : ''}`,
    '',
    '| truth | candidate set | trials | chosen: exact | exact or equivalent | within one step | covered | of which open above | median fit s | median answer s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.summary.byStructure.map((b) => `| ${b.truth} | ${defaults ? '`qusop fit` defaults' : b.candidates.join(', ')} | ${b.trials} | ${pct(b.exact)} | ${pct(b.exactOrEquivalent)} | ${pct(b.withinOneStep)} | ${pct(b.covered)} | ${b.openAbove === undefined ? '-' : b.openAbove.k} | ${b.medianFitS.toFixed(0)} | ${b.medianAnswerS.toFixed(0)} |`),
    '',
    (defaults ? '"Candidate set": `qusop fit`\'s default candidates for the trial, its PK, PD and simultaneous stages as a user gets them (the structures fitted simultaneously per trial below). Equivalent' : '"Candidate set" is the truth\'s whole candidate set; the PK stage may leave out PK/PD bodies (per trial below). Equivalent') + ' structures counted: ' + r.summary.byStructure.map((b) => `${b.truth}: ${equivalentStructures(b.truth).join(', ') || 'none'}`).join('; ') + '.',
    '',
    '## Trials',
    '',
    '| truth | seed | fitted (after the PK stage) | chosen | QD true / mean crossing / 95 % interval | QW true / mean crossing / 95 % interval |',
    '|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.truth} | ${x.seed} | ${x.candidates.join(', ')} | ${x.chosen ?? 'none eligible'}${x.answer_error === undefined ? '' : ' (answer failed)'} | ${x.cells.map((c) => `${mg(c.true_dose)}${c.close ? '*' : ''} / ${mg(c.mean_crossing)}${c.within_one_step ? '' : ' (off)'} / [${mg(c.interval[0])}, ${openAbove(c.interval) ? 'past the grid' : mg(c.interval[1])}]${covered(c) ? '' : ' (missed)'}`).join(' | ')} |`),
    '',
    '\\* a grid point\'s true p lay within 3 Monte Carlo sd of 0.9 (a one-step disagreement there is chance); with thresholds placed at the anchor doses this is the rule, not the exception. "(off)": the mean crossing is more than one grid step from the true minimal dose; "(missed)": the interval does not hold it. Mg throughout; thresholds, true p and per-candidate BIC and eligibility in the .json beside this file.',
    '',
  ].join('\n');
}
