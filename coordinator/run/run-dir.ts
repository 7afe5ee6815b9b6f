/**
 * The run directory is the durable record of a run (DESIGN.md "Resume"):
 *   DIR/run.json          what the run is: spec, tiling, models (written before any tile)
 *   DIR/shards/<tile>.parquet   one shard per finished tile, written atomically
 *   DIR/curves.parquet, DIR/decisions.json, DIR/manifest.json   written by the aggregator, last
 * A directory that belongs to another run (different id or tiling) is refused, never mixed.
 */
import { readFile, access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { makeDirectory } from '../../worker/common/fs-error.js';
import { cardDigest } from '../../worker/model/card-digest.js';
import { cardPdUnit, DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { AggregationPlan } from '../aggregate/plan.js';

export const RUN_FILE_SCHEMA = 'qusop.run/v1';

export interface RunModelInfo {
  /** sha256 of the ONNX file */
  readonly sha256: string;
  /** cardDigest of the card's content (worker/model/card-digest.ts); checked again by array tasks */
  readonly cardSha256: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly testModel: boolean;
  readonly cardPath: string;
  /** the card's units.pd when it is not ng/mL (biomarker thresholds are in it: the joint report's labels); absent on ng/mL cards */
  readonly pdUnit?: string;
}

export interface RunFile {
  readonly schema: typeof RUN_FILE_SCHEMA;
  readonly runId: string;
  readonly spec: RunSpecJson;
  readonly tiling: { readonly targetTrajectories: number };
  readonly tilesTotal: number;
  readonly models: readonly RunModelInfo[];
  readonly scenarioPath: string;
  readonly dataHashes: Readonly<Record<string, string>>;
}

/** What run.json records about a model (absolute card path: array tasks load it from a shared filesystem). */
export function runModelInfo(m: LoadedModel): RunModelInfo {
  return {
    sha256: m.card.sha256, cardSha256: cardDigest(m.card), name: m.card.name, family: m.card.family, version: m.card.version, testModel: m.card.test_model, cardPath: resolve(m.cardPath),
    ...(cardPdUnit(m.card) === DEFAULT_BIOMARKER_UNIT ? {} : { pdUnit: cardPdUnit(m.card) }),
  };
}

export const shardsDir = (dir: string): string => join(dir, 'shards');
export const shardPath = (dir: string, tileId: string): string => join(shardsDir(dir), `${tileId}.parquet`);

export async function readRunFile(dir: string): Promise<RunFile | undefined> {
  const path = join(dir, 'run.json');
  try {
    await access(path);
  } catch {
    return undefined;
  }
  const raw = JSON.parse(await readFile(path, 'utf8')) as Partial<RunFile>;
  if (raw.schema !== RUN_FILE_SCHEMA || typeof raw.runId !== 'string' || raw.spec === undefined || raw.tiling === undefined) {
    throw new InputError(`${path}: not a qusop run file (expected schema "${RUN_FILE_SCHEMA}" with runId, spec and tiling)`, { details: { file: path } });
  }
  return raw as RunFile;
}

/** Creates DIR (and DIR/shards) for the run, or checks that an existing DIR is this very run. */
export async function prepareRunDir(dir: string, run: RunFile): Promise<void> {
  const existing = await readRunFile(dir);
  if (existing !== undefined) {
    if (existing.runId !== run.runId) {
      throw new InputError(`${join(dir, 'run.json')}: run directory belongs to run ${existing.runId}, not ${run.runId}; choose another --out`, {
        details: { file: join(dir, 'run.json'), field: 'runId' },
      });
    }
    if (existing.tiling.targetTrajectories !== run.tiling.targetTrajectories) {
      throw new InputError(
        `${join(dir, 'run.json')}: run directory was tiled with ${existing.tiling.targetTrajectories} trajectories per tile, not ${run.tiling.targetTrajectories}; resume with the same tiling or choose another --out`,
        { details: { file: join(dir, 'run.json'), field: 'tiling.targetTrajectories' } },
      );
    }
  }
  await makeDirectory(shardsDir(dir));
  // adaptive precision: each round's spec (its replicates, its rounds) replaces the last, so `qusop aggregate` sees the round in progress
  const adaptive = run.spec.scenarios.some((sc) => sc.precision !== undefined);
  if (existing === undefined || adaptive) await writeFileAtomic(join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
}

/** The aggregator's view of a run spec. */
export function aggregationPlan(spec: RunSpecJson): AggregationPlan {
  return {
    scenarios: spec.scenarios.map((sc) => ({
      name: sc.name,
      targets: [...sc.targets],
      band: { method: sc.band.method, level: sc.band.level },
      replicates: sc.replicates,
      subjects: sc.population.subjects,
      regimens: sc.regimens.map((rg) => ({ name: rg.name, dosesMg: [...rg.dosesMg], ...(rg.outcome === 'probability' ? { probability: true } : {}) })),
      ...(sc.thresholdSweepNgMl === undefined ? {} : { thresholdsNgMl: [...sc.thresholdSweepNgMl] }),
      ...(sc.safety === undefined ? {} : { safety: { target: sc.safety.target } }),
      ...(sc.averages === undefined ? {} : { averages: sc.averages.map((a) => ({ name: a.name, members: a.members.map((m) => ({ regimen: m.regimen, replicates: m.replicates })) })) }),
    })),
  };
}
