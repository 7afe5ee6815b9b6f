/**
 * Planning a run without computing it (`qusop plan`, `qusop submit slurm`): compile the scenario,
 * describe the run as run.json and prepare its directory. Array tasks later read everything they
 * need from run.json on the shared filesystem, so it records the absolute model card paths.
 */
import { resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { compileScenarioFile, type CompiledRun } from '../scenario/compile.js';
import { DEFAULT_TILE_TRAJECTORIES, planTiles, type PlannedTile } from '../plan/tiles.js';
import { prepareRunDir, RUN_FILE_SCHEMA, runModelInfo, type RunFile } from '../run/run-dir.js';

/** run.json for a compiled run; the same fields RunController writes, so either can resume the other. */
export function runFileFor(compiled: CompiledRun, targetTrajectories: number): RunFile {
  const tiles = planTiles(compiled.spec, { targetTrajectories });
  return {
    schema: RUN_FILE_SCHEMA,
    runId: compiled.spec.runId,
    spec: compiled.spec,
    tiling: { targetTrajectories },
    tilesTotal: tiles.length,
    models: [...compiled.models.values()].map(runModelInfo),
    scenarioPath: compiled.scenarioPath,
    dataHashes: compiled.dataHashes,
  };
}

export interface PlannedRun {
  readonly dir: string;
  readonly runFile: RunFile;
  readonly tiles: readonly PlannedTile[];
}

export interface PlanOptions {
  readonly tileTrajectories?: number | undefined;
}

/** Compiles `scenarioPath` and prepares `outDir` (refusing a directory that holds another run or tiling). */
export async function planRun(scenarioPath: string, outDir: string, opts: PlanOptions = {}): Promise<PlannedRun> {
  const target = opts.tileTrajectories ?? DEFAULT_TILE_TRAJECTORIES;
  if (!Number.isSafeInteger(target) || target < 1) {
    throw new InputError(`--tile-trajectories ${target}: expected a positive integer (trajectories per tile)`, { details: { field: 'tile-trajectories' } });
  }
  const compiled = await compileScenarioFile(resolve(scenarioPath));
  const runFile = runFileFor(compiled, target);
  const dir = resolve(outDir);
  await prepareRunDir(dir, runFile);
  return { dir, runFile, tiles: planTiles(runFile.spec, runFile.tiling) };
}
