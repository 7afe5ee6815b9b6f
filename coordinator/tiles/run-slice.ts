/**
 * One SLURM array task without a coordinator: computes its slice of a planned run's tiles in-process,
 * straight into DIR/shards. The shard store is the only shared state: a tile whose shard exists and
 * verifies is skipped (a requeued or re-submitted task redoes only what is missing), a foreign or torn
 * one is removed and recomputed, and shards are written with the same rows, metadata and writer as
 * the coordinator's, so an array run and `qusop run` give the same bytes.
 * `shouldStop` is polled before each tile (SIGTERM from SLURM): the tile in hand is finished and
 * written, then the task ends with a RunError so an unfinished slice never looks complete.
 */
import { access, rm } from 'node:fs/promises';
import { InputError, ModelError, QusopError, RunError, TileError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import { codeVersion } from '../../worker/common/version.js';
import { cellsDigest, computeTile } from '../../worker/tile-compute.js';
import { planTiles, tileTrajectories, type PlannedTile } from '../plan/tiles.js';
import { readRunFile, shardPath, type RunFile } from '../run/run-dir.js';
import { writeShard } from '../store/shard-writer.js';
import { tileShardMetadata, tileShardRows, verifyTileShard } from '../store/tile-shard.js';
import { loadRunModels, type RunModelOptions } from './run-models.js';
import { formatSlice, sliceItems, type Slice } from './slice.js';

export interface SliceSummary {
  readonly runId: string;
  readonly slice: Slice;
  /** tiles in this slice */
  readonly tiles: number;
  /** of which already had a verified shard */
  readonly skipped: number;
  readonly computed: number;
  readonly trajectories: number;
  readonly wallMs: number;
}

export interface RunSliceOptions extends Omit<RunModelOptions, 'logger'> {
  readonly shouldStop?: () => boolean;
}

export async function readPlannedRun(dir: string): Promise<RunFile> {
  const run = await readRunFile(dir);
  if (run === undefined) throw new InputError(`${dir}: no run.json; plan the run first (qusop plan <scenario> --out ${dir})`, { details: { dir } });
  if (run.spec.codeVersion !== codeVersion()) {
    throw new InputError(`${dir}/run.json: run was planned by ${run.spec.codeVersion}, this is ${codeVersion()}; shards must come from the code that planned the run`, {
      details: { file: `${dir}/run.json`, field: 'spec.codeVersion' },
    });
  }
  return run;
}

/** Tiles of the slice that still need computing; shards that exist but do not verify are removed. */
async function pendingTiles(dir: string, run: RunFile, mine: readonly PlannedTile[], log: Logger): Promise<PlannedTile[]> {
  const todo: PlannedTile[] = [];
  for (const t of mine) {
    const path = shardPath(dir, t.tileId);
    try {
      await access(path);
    } catch {
      todo.push(t);
      continue;
    }
    try {
      await verifyTileShard(path, run.spec, t);
    } catch (err) {
      log.warn({ tile: t.tileId, err: (err as Error).message }, 'shard does not verify; removing it and recomputing the tile');
      await rm(path, { force: true });
      todo.push(t);
    }
  }
  return todo;
}

export async function runSlice(dir: string, slice: Slice, opts: RunSliceOptions, log: Logger): Promise<SliceSummary> {
  const started = performance.now();
  const run = await readPlannedRun(dir);
  const tiles = planTiles(run.spec, run.tiling);
  if (tiles.length !== run.tilesTotal) {
    throw new InputError(`${dir}/run.json: tilesTotal is ${run.tilesTotal} but its spec and tiling plan ${tiles.length} tiles`, { details: { field: 'tilesTotal' } });
  }
  const name = formatSlice(slice);
  const mine = sliceItems(tiles, slice);
  const todo = await pendingTiles(dir, run, mine, log);
  log.info({ run: run.runId, slice: name, tiles: mine.length, pending: todo.length }, 'slice planned');
  let trajectories = 0;
  let computed = 0;
  if (todo.length > 0) {
    let loaded;
    try {
      loaded = await loadRunModels(run, { ...opts, logger: log });
    } catch (err) {
      const ids = todo.map((t) => t.tileId);
      const message = `slice ${name} of run ${run.runId}: models could not be loaded, so tiles ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` (+${ids.length - 10} more)` : ''} were not computed: ${(err as Error).message}`;
      throw new ModelError(message, { cause: err, details: { tiles: ids } });
    }
    for (const [i, t] of todo.entries()) {
      if (opts.shouldStop?.() === true) {
        const left = todo.length - i;
        throw new RunError(`slice ${name} of run ${run.runId} interrupted (SIGTERM) with ${left} tile(s) left (first: ${t.tileId}); re-run the task to finish them`, {
          retryable: true,
          details: { left, tile: t.tileId },
        });
      }
      const tileStarted = performance.now();
      try {
        const rg = run.spec.scenarios[t.scenarioIndex]?.regimens[t.regimenIndex];
        const model = rg === undefined ? undefined : loaded.models.get(rg.modelSha256);
        if (model === undefined) throw new ModelError(`run ${run.runId} has no model for scenario ${t.scenarioIndex} regimen ${t.regimenIndex}`);
        const cells = await computeTile(run.spec, t, model);
        await writeShard(shardPath(dir, t.tileId), tileShardRows(run.spec, t, cells), tileShardMetadata(run.spec, t, cellsDigest(cells)));
      } catch (err) {
        const retryable = err instanceof QusopError ? err.retryable : true;
        throw new TileError(`tile ${t.tileId} (slice ${name} of run ${run.runId}) failed: ${(err as Error).message}`, { cause: err, retryable, details: { tile: t.tileId } });
      }
      computed += 1;
      trajectories += tileTrajectories(run.spec, t);
      log.info({ tile: t.tileId, ms: Math.round(performance.now() - tileStarted) }, 'tile written');
    }
  }
  return { runId: run.runId, slice, tiles: mine.length, skipped: mine.length - todo.length, computed, trajectories, wallMs: performance.now() - started };
}
