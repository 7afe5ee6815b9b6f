/**
 * The compiled run spec: everything a worker needs to compute any tile of a run, with no files.
 * The coordinator compiles scenario files into it (coordinator/scenario/compile.ts) and ships it
 * as JSON over GetRunSpec; the run id is a hash of it with each model card's content digest and the
 * trial files' sha256 (coordinator/scenario/compile.ts, runIdOf).
 */
import type { PopulationSpec } from './population/prior.js';

export type BandMethod = 'clopper-pearson' | 'wilson' | 'replicate-quantile';

export interface RegimenSpec {
  readonly name: string;
  readonly tauH: number;
  readonly dosesMg: readonly number[];
  /** sha256 of the ONNX file; the model card and bytes travel beside the spec */
  readonly modelSha256: string;
  /** `probability`: the card outputs p_success (worker/model/card.ts); absent for trajectory cards */
  readonly outcome?: 'probability';
}

/** Which card output a question reads: `biomarker` = outputs.pd, `concentration` = outputs.conc. */
export type Endpoint = 'biomarker' | 'concentration';
/** The statistic of the endpoint over the steady-state window (worker/onnx/window-statistic.ts defines each on the grid). */
export type WindowStatistic = 'max' | 'min' | 'mean' | 'trough';
export type Comparison = '<=' | '>=';

/**
 * What a subject's success is: `statistic(endpoint over the window) comparison threshold`. A scenario
 * without it asks the original question (biomarker, max, <=), so its spec and run id are unchanged.
 */
export interface QuestionSpec {
  readonly endpoint: Endpoint;
  readonly statistic: WindowStatistic;
  readonly comparison: Comparison;
}

export const DEFAULT_QUESTION: QuestionSpec = { endpoint: 'biomarker', statistic: 'max', comparison: '<=' };

/**
 * A safety endpoint asked beside the question (joint endpoints): a subject is safe when
 * `statistic(endpoint over the window) comparison thresholdNgMl`; the dose is safe when the fraction of
 * safe subjects is >= target. Computed in the same session.run as the efficacy statistic.
 */
export interface SafetySpec extends QuestionSpec {
  readonly thresholdNgMl: number;
  readonly target: number;
}

/**
 * Adaptive precision (coordinator/README.md, "Adaptive precision"): extend the replicate index in rounds until the band
 * half-width at each decision dose is <= halfWidth, or maxReplicates is reached. The policy is part of
 * the run id; `rounds` (the replicate count after each round so far, the last one = `replicates`) is
 * not: it is added to the spec of each round, and the run directory grows round by round.
 */
export interface PrecisionSpec {
  readonly halfWidth: number;
  readonly maxReplicates: number;
  readonly rounds?: readonly number[];
}

/**
 * Model averaging (issue 18 §3): a regimen with no graph of its own whose replicate r is the member
 * regimen's replicate r, members taking consecutive blocks of replicates in their order (`replicates`
 * each: the largest-remainder apportionment of R by weight, coordinator/scenario/model-average.ts).
 * Aggregated from the members' cells; nothing is computed for it.
 */
export interface AverageSpec {
  readonly name: string;
  readonly members: readonly { readonly regimen: string; readonly weight: number; readonly replicates: number }[];
}

export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  /** unsigned 32-bit seed; with scenarioKey(stream ?? name) it keys every random number of the scenario */
  readonly seed: number;
  /** the scenario file's random_stream when it differs from name: scenarios sharing it draw the same subjects */
  readonly stream?: string;
  readonly population: PopulationSpec;
  /** human-readable statement of the population assumptions, carried into outputs */
  readonly populationLabel: string;
  /** the threshold as a mass concentration in ng/mL whatever the endpoint (the worker converts it to the output's unit) */
  readonly thresholdNgMl: number;
  /** absent: DEFAULT_QUESTION */
  readonly question?: QuestionSpec;
  /** threshold sweep, ascending, in ng/mL: counts for each from the same trajectories (absent: no sweep) */
  readonly thresholdSweepNgMl?: readonly number[];
  /** joint endpoints: the safety endpoint (absent: efficacy only) */
  readonly safety?: SafetySpec;
  readonly targets: readonly number[];
  readonly replicates: number;
  /** absent: a fixed number of replicates */
  readonly precision?: PrecisionSpec;
  readonly band: { readonly method: BandMethod; readonly level: number };
  readonly regimens: readonly RegimenSpec[];
  /** model averages over this scenario's regimens (absent: none, so the spec and run id are as before) */
  readonly averages?: readonly AverageSpec[];
}

export interface RunSpecJson {
  readonly runId: string;
  readonly codeVersion: string;
  readonly scenarios: readonly ScenarioSpec[];
}
