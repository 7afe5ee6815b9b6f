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
}

export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  /** unsigned 32-bit seed; with scenarioKey(name) it keys every random number of the scenario */
  readonly seed: number;
  readonly population: PopulationSpec;
  /** human-readable statement of the population assumptions, carried into outputs */
  readonly populationLabel: string;
  readonly thresholdNgMl: number;
  readonly targets: readonly number[];
  readonly replicates: number;
  readonly band: { readonly method: BandMethod; readonly level: number };
  readonly regimens: readonly RegimenSpec[];
}

export interface RunSpecJson {
  readonly runId: string;
  readonly codeVersion: string;
  readonly scenarios: readonly ScenarioSpec[];
}
