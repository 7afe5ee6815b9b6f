/**
 * Synthetic trials of known truth for the family comparison (issue 21 acceptance): EstData's design
 * (its 48 subjects' BW, COMED, doses and sampling times) with observations simulated from the
 * library's 2-compartment PK + indirect-response truth (bench/selection: library-truths.ts
 * `2cmt-oral-idr`, library-trial.ts), and the true minimal doses of Q1 (QD) and Q2 (QW) as
 * `qusop answer` asks them: max PD <= 3.3 ng/mL over the steady-state interval (the graphs' output
 * grids), >= 90 % of the base population (BW resampled from the trial's subjects x exp(N(0, 0.1^2)),
 * clipped to [35, 120] kg; COMED ~ Bernoulli(the trial's rate)), smallest dose on the question's grid.
 *
 *   node dist/bench/comparison/synthetic-trials.js --out DIR [--seeds 1,2] [--subjects 4000]
 *     -> DIR/trial-<seed>.csv, DIR/truth.json
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTrial } from '../../models/ingest/trial.js';
import { individualParameters, type IndividualParameters } from '../../models/structures/parameters.js';
import { steadyStateBiomarker } from '../../models/structures/steady-state.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { mulberry32 } from '../../tests/kit/prng.js';
import { gridDoses, thresholdIndex, trueMinimalDose, type DoseGrid } from '../selection/grid-dose.js';
import { trialSeed, writeLibraryTrial } from '../selection/library-trial.js';
import { LIBRARY_TRUTHS, type LibraryTruth } from '../selection/library-truths.js';

export const TRUTH_ID = '2cmt-oral-idr';
export const THRESHOLD_NG_ML = 3.3;
export const TARGET = 0.9;

/** The two questions answered against the truth, on the grids of scenarios/questions/estdata.yaml. */
export const SYNTHETIC_QUESTIONS = [
  { id: 'Q1', regimen: 'qd', tauH: 24, grid: { start: 0.5, stop: 40, step: 0.5 } },
  { id: 'Q2', regimen: 'qw', tauH: 168, grid: { start: 5, stop: 400, step: 5 } },
] as const satisfies readonly { id: string; regimen: 'qd' | 'qw'; tauH: number; grid: DoseGrid }[];

export interface TrueDose {
  readonly question: string;
  readonly regimen: 'qd' | 'qw';
  readonly dose: number;
  /** share of the truth's subjects meeting the threshold at that dose */
  readonly p: number;
  /** a grid share lay within 3 Monte Carlo sd of the target: a one-step miss there is chance */
  readonly close: boolean;
  readonly subjects: number;
}

/** The base population of `qusop answer` drawn from the truth: resampled trial BW with 10 % jitter, Bernoulli COMED, eta ~ N(0, Omega). */
export function basePopulation(t: LibraryTruth, trialBwKg: readonly number[], comedRate: number, n: number, seed: number): IndividualParameters[] {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const sd = t.structure.etaNames.map((_, i) => Math.sqrt(t.truth.omega[i]?.[i] ?? NaN));
  return Array.from({ length: n }, () => {
    const bw0 = trialBwKg[Math.floor(u() * trialBwKg.length)]!;
    const bw = Math.min(120, Math.max(35, bw0 * Math.exp(0.1 * normal())));
    const comed = u() < comedRate ? 1 : 0;
    return individualParameters(t.truth.fixed, bw, comed, sd.map((s) => s * normal()), t.structure);
  });
}

/** Each question's true minimal dose over `subjects` (the biomarker's steady-state maximum is increasing-then-flat in 1/dose: bisection on the grid). */
export function trueDoses(subjects: readonly IndividualParameters[]): TrueDose[] {
  return SYNTHETIC_QUESTIONS.map((q) => {
    const doses = gridDoses(q.grid);
    const times = REGIMEN_GRIDS[q.regimen].timesH;
    const indices = subjects.map((p) => thresholdIndex(doses, (d) => Math.max(...steadyStateBiomarker(p, d, q.tauH, times)) <= THRESHOLD_NG_ML));
    return { question: q.id, regimen: q.regimen, ...trueMinimalDose(doses, indices, TARGET), subjects: subjects.length };
  });
}

if (process.argv[1]?.endsWith('synthetic-trials.js')) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, seeds: { type: 'string', default: '1,2' }, subjects: { type: 'string', default: '4000' } } });
  if (values.out === undefined) throw new Error('--out DIR is required');
  const truth = LIBRARY_TRUTHS.find((t) => t.structure.id === TRUTH_ID);
  if (truth === undefined) throw new Error(`no library truth ${TRUTH_ID}`);
  await mkdir(values.out, { recursive: true });
  const seeds = values.seeds.split(',').map(Number);
  const trials: { seed: number; file: string; simulationSeed: number }[] = [];
  for (const seed of seeds) {
    const simulationSeed = trialSeed(TRUTH_ID, seed, 'per-structure');
    const file = await writeLibraryTrial(join(values.out, `trial-${seed}.csv`), truth, simulationSeed);
    trials.push({ seed, file, simulationSeed });
  }
  // every trial has EstData's subjects, so one base population serves them all
  const design = parseTrial(await readFile(trials[0]!.file, 'utf8'), trials[0]!.file);
  const bw = design.subjects.map((s) => s.bwKg);
  const comedRate = design.subjects.filter((s) => s.comed === 1).length / design.subjects.length;
  const answers = trueDoses(basePopulation(truth, bw, comedRate, Number(values.subjects), 20261206));
  const record = { truth: TRUTH_ID, fixed: truth.truth.fixed, omega_diagonal: truth.truth.omega.map((r, i) => r[i]), sigma: truth.truth.sigma, threshold_ng_ml: THRESHOLD_NG_ML, target: TARGET, comed_rate: comedRate, trials, answers };
  await writeFile(join(values.out, 'truth.json'), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${answers.map((a) => `${a.question} (${a.regimen}): true minimal dose ${a.dose} mg (share ${a.p.toFixed(3)}${a.close ? ', close' : ''})`).join('\n')}\n`);
}
