/**
 * The scenario file `qusop answer` writes for each round into its run directory, so every number in
 * answers.json can be reproduced with `qusop run <that file>`. Paths inside are relative to the file when they lie
 * inside its directory (a fitted model in DIR/model/), absolute otherwise.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { stringify } from 'yaml';
import type { GridSpec } from './grid-extension.js';
import { regimenKey, type AnswerModel } from './models.js';
import { POPULATION_DESCRIPTIONS, populationBlocks, type BwOption, type ComedOption } from './populations.js';
import { POPULATIONS, REGIMEN_TEXT, type PopulationName, type RegimenName } from './questions.js';

export interface ScenarioSettings {
  /** absolute path of the trial CSV (EstData layout) */
  readonly trial: string;
  /** absolute path of its dataset spec, when one maps it */
  readonly dataSpec?: string;
  readonly base: { readonly bw: BwOption; readonly comed: ComedOption };
  readonly thresholdNgMl: number;
  readonly targets: readonly number[];
  readonly replicates: number;
  readonly subjects: number;
  readonly seed: number;
  readonly models: readonly AnswerModel[];
}

/** One (population, regimen, model) curve to compute on a grid. */
export interface ScenarioCell {
  readonly population: PopulationName;
  readonly regimen: RegimenName;
  readonly model: AnswerModel;
  readonly grid: GridSpec;
}

const posix = (p: string): string => p.split('\\').join('/');

/** Relative to the file when the target lies inside the file's directory (moves with it), else absolute. */
export function pathForFile(fileDir: string, target: string): string {
  const rel = relative(fileDir, target);
  return rel.startsWith('..') || isAbsolute(rel) ? posix(target) : posix(rel);
}

/**
 * The band the conservative dose is read from. With parameter-uncertainty draws (replicate r uses draw r)
 * the pooled Clopper–Pearson band only measures Monte Carlo error of the mixture and is far too narrow
 * (SCIENCE.md "Cautions"); the replicate-quantile band spans the draws, so it is the honest one then.
 */
export function bandFor(models: readonly AnswerModel[]): { method: 'clopper-pearson' | 'replicate-quantile'; level: number } {
  const drawn = models.some((m) => Object.values(m.cards).some((c) => (c.card.inputs.theta?.draws.length ?? 0) > 1));
  return { method: drawn ? 'replicate-quantile' : 'clopper-pearson', level: 0.95 };
}

/** The scenario-file object (validated later by the ordinary loader); cells grouped by population. */
export function scenarioDocument(cells: readonly ScenarioCell[], s: ScenarioSettings, fileDir: string): { scenarios: Record<string, unknown>[] } {
  const blocks = populationBlocks(s.base, pathForFile(fileDir, s.trial), s.dataSpec === undefined ? undefined : pathForFile(fileDir, s.dataSpec));
  const scenarios: Record<string, unknown>[] = [];
  for (const population of POPULATIONS) {
    const mine = cells.filter((c) => c.population === population);
    if (mine.length === 0) continue;
    scenarios.push({
      name: population,
      description: POPULATION_DESCRIPTIONS[population],
      population: blocks[population],
      threshold_ng_ml: s.thresholdNgMl,
      targets: [...s.targets],
      replicates: s.replicates,
      subjects: s.subjects,
      seed: s.seed,
      band: bandFor(s.models),
      regimens: mine.map((c) => ({
        name: regimenKey(c.regimen, c.model, s.models),
        tau_h: REGIMEN_TEXT[c.regimen].tauH,
        model: pathForFile(fileDir, c.model.cards[c.regimen].cardPath),
        doses_mg: { start: c.grid.start, stop: c.grid.stop, step: c.grid.step },
      })),
    });
  }
  return { scenarios };
}

export async function writeScenarioFile(path: string, doc: { scenarios: Record<string, unknown>[] }, header: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const comment = header.map((l) => `# ${l}`.trimEnd()).join('\n');
  await writeFile(path, `${comment}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`);
}
