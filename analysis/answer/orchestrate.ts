/**
 * The five questions as rounds of sweeps. Round 0 runs every (population, regimen, model) on the
 * asked grids in one run (DIR itself is its run directory); each later round re-runs, in DIR/extend-<k>,
 * only the curves whose grid had to be extended (grid-extension.ts). Each cell's answer comes from the
 * last round that ran it; the overlap with earlier rounds must agree count for count (common random
 * numbers), which is checked here as a determinism alarm. How a round is executed (local workers, an
 * in-process engine in tests) is the caller's RunExecutor.
 */
import { join } from 'node:path';
import { DeterminismError, RunError } from '../../worker/common/errors.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import type { CurveRow } from '../../coordinator/aggregate/curves.js';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import { DEFAULT_GRIDS, extensionVerdict, MAX_EXTENSIONS, type ExtensionVerdict, type GridSpec } from './grid-extension.js';
import { regimenKey, type AnswerModel } from './models.js';
import { POPULATIONS, REGIMENS, type PopulationName, type RegimenName } from './questions.js';
import { scenarioDocument, writeScenarioFile, type ScenarioCell, type ScenarioSettings } from './scenario-file.js';

export const SCENARIO_FILE = 'scenarios.yaml';

export type StopReason = Extract<ExtensionVerdict, { extend: false }>['reason'] | 'extended';

/** What a round produced: the run's compiled spec, curves and decisions (aggregator output). */
export interface RoundResult {
  readonly runId: string;
  readonly dir: string;
  readonly spec: RunSpecJson;
  readonly curves: readonly CurveRow[];
  readonly decisions: readonly Decision[];
}

export type RunExecutor = (scenarioPath: string, runDir: string, round: number) => Promise<RoundResult>;

export interface AnswerPlan extends ScenarioSettings {
  readonly outDir: string;
  readonly grids?: Readonly<Record<RegimenName, GridSpec>>;
}

export interface RoundInfo extends RoundResult {
  readonly round: number;
  readonly scenarioPath: string;
}

/** The final state of one (population, regimen, model). */
export interface CellResult {
  readonly population: PopulationName;
  readonly regimen: RegimenName;
  readonly model: AnswerModel;
  /** the scenario regimen name (`qd`, or `qd.<model>` with several models) */
  readonly regimenKey: string;
  readonly grid: GridSpec;
  readonly curve: readonly CurveRow[];
  readonly decisions: readonly Decision[];
  /** the round (run) the curve comes from, and how many times its grid was extended */
  readonly round: number;
  readonly runId: string;
  readonly runDir: string;
  /** the population in words, as the compiled scenario states it */
  readonly populationLabel: string;
  /** why the grid stops where it does (`extended` only while a later round is still to come) */
  readonly verdict: StopReason;
}

export interface AnswerRun {
  readonly plan: AnswerPlan;
  readonly rounds: readonly RoundInfo[];
  readonly cells: readonly CellResult[];
}

const cellKey = (population: string, regimen: string): string => `${population}/${regimen}`;

export async function answerFiveQuestions(plan: AnswerPlan, execute: RunExecutor): Promise<AnswerRun> {
  const grids = plan.grids ?? DEFAULT_GRIDS;
  let pending: ScenarioCell[] = POPULATIONS.flatMap((population) =>
    REGIMENS.flatMap((regimen) => plan.models.map((model) => ({ population, regimen, model, grid: grids[regimen] }))),
  );
  const rounds: RoundInfo[] = [];
  const final = new Map<string, CellResult>();
  for (let round = 0; pending.length > 0 && round <= MAX_EXTENSIONS; round += 1) {
    const dir = round === 0 ? plan.outDir : join(plan.outDir, `extend-${round}`);
    const scenarioPath = join(dir, SCENARIO_FILE);
    await writeScenarioFile(scenarioPath, scenarioDocument(pending, plan, dir), scenarioHeader(round, pending));
    const result = await execute(scenarioPath, dir, round);
    rounds.push({ ...result, round, scenarioPath });
    const next: ScenarioCell[] = [];
    for (const cell of pending) {
      const key = regimenKey(cell.regimen, cell.model, plan.models);
      const curve = result.curves.filter((c) => c.scenario === cell.population && c.regimen === key);
      const decisions = result.decisions.filter((d) => d.scenario === cell.population && d.regimen === key);
      if (curve.length === 0 || decisions.length === 0) {
        throw new RunError(`${scenarioPath}: run ${result.runId} has no curve for scenario ${cell.population} regimen ${key}`);
      }
      const previous = final.get(cellKey(cell.population, key));
      if (previous !== undefined) checkOverlap(previous, curve, result.runId);
      const verdict = extensionVerdict(cell.grid, curve, decisions, round);
      const label = result.spec.scenarios.find((s) => s.name === cell.population)?.populationLabel ?? '';
      final.set(cellKey(cell.population, key), {
        population: cell.population, regimen: cell.regimen, model: cell.model, regimenKey: key, grid: cell.grid, curve, decisions,
        round, runId: result.runId, runDir: dir, populationLabel: label, verdict: verdict.extend ? 'extended' : verdict.reason,
      });
      if (verdict.extend) next.push({ ...cell, grid: verdict.grid });
    }
    pending = next;
  }
  const cells = POPULATIONS.flatMap((p) => REGIMENS.flatMap((r) => plan.models.map((m) => final.get(cellKey(p, regimenKey(r, m, plan.models))))));
  return { plan, rounds, cells: cells.filter((c): c is CellResult => c !== undefined) };
}

/** Doses both rounds computed must have the same counts: same subjects, same random numbers. */
function checkOverlap(previous: CellResult, curve: readonly CurveRow[], runId: string): void {
  const byDose = new Map(curve.map((c) => [c.dose, c]));
  for (const old of previous.curve) {
    const now = byDose.get(old.dose);
    if (now !== undefined && (now.n !== old.n || now.k !== old.k)) {
      throw new DeterminismError(
        `grid extension of ${old.scenario}/${old.regimen}: run ${runId} has k=${now.k}/n=${now.n} at ${old.dose} mg, run ${previous.runId} had k=${old.k}/n=${old.n}; common random numbers should make them equal`,
        { details: { scenario: old.scenario, regimen: old.regimen, dose: old.dose } },
      );
    }
  }
}

function scenarioHeader(round: number, cells: readonly ScenarioCell[]): string[] {
  const lines = [
    'Written by `qusop answer`: the five questions of SCIENCE.md as populations x regimens, targets 90 % and 75 %',
    'in the same runs (Q5 = the 75 % decisions). Reproduce this run with: qusop run <this file> --out <dir>',
  ];
  if (round > 0) {
    const which = cells.map((c) => `${c.population}/${c.regimen}${c.model.label === '' ? '' : ` (${c.model.label})`} -> ${c.grid.stop} mg`).join(', ');
    lines.push(`Grid extension round ${round}: targets not reached on the previous grid while the curve was still rising: ${which}.`);
  }
  return lines;
}
