/**
 * Aggregates a run directory, however its shards were made (local run, farm, SLURM array): every
 * planned tile's shard must exist and verify (right run, right tile), then curves and decisions are
 * written. A missing or foreign shard is an error listing the tiles; no output is written then.
 * Shards are read one at a time into the cell grids, so a run's rows are never all in memory.
 */
import { access } from 'node:fs/promises';
import { ShardError } from '../../worker/common/errors.js';
import { aggregateCells } from '../aggregate/decisions.js';
import { CellCollector } from '../aggregate/curves.js';
import { validatePlan } from '../aggregate/plan.js';
import { writeCurvesArrow, writeCurvesParquet, writeDecisionsJson } from '../aggregate/outputs.js';
import { readShard } from '../store/shard-reader.js';
import { planTiles } from '../plan/tiles.js';
import { aggregationPlan, readRunFile, shardPath, type RunFile } from './run-dir.js';

export interface AggregateOptions {
  readonly format: 'parquet' | 'arrow' | 'both';
}

export async function aggregateRunDir(dir: string, opts: AggregateOptions = { format: 'parquet' }, known?: RunFile) {
  const run = known ?? (await readRunFile(dir));
  if (run === undefined) throw new ShardError(`${dir}: no run.json; not a qusop run directory`, { details: { dir } });
  const tiles = planTiles(run.spec, run.tiling);
  const missing: string[] = [];
  for (const t of tiles) {
    try {
      await access(shardPath(dir, t.tileId));
    } catch {
      missing.push(t.tileId);
    }
  }
  if (missing.length > 0) {
    throw new ShardError(`${dir}: ${missing.length} of ${tiles.length} tile shards are missing (first: ${missing.slice(0, 5).join(', ')}); nothing aggregated`, {
      details: { dir, missing: missing.slice(0, 100) },
    });
  }
  const plan = validatePlan(aggregationPlan(run.spec));
  const collector = new CellCollector(plan);
  for (const t of tiles) {
    const path = shardPath(dir, t.tileId);
    const shard = await readShard(path);
    if (shard.metadata['run_id'] !== run.runId || shard.metadata['tile_id'] !== t.tileId) {
      throw new ShardError(`${path}: shard belongs to run ${shard.metadata['run_id']} tile ${shard.metadata['tile_id']}, expected run ${run.runId} tile ${t.tileId}`, {
        details: { file: path },
      });
    }
    collector.add(shard.rows);
  }
  const result = aggregateCells(collector.finish());
  const meta = { run_id: run.runId, code_version: run.spec.codeVersion };
  if (opts.format !== 'arrow') await writeCurvesParquet(dir, result.curves, meta);
  if (opts.format !== 'parquet') await writeCurvesArrow(dir, result.curves);
  await writeDecisionsJson(dir, result.decisions);
  return { ...result, run, tiles: tiles.length };
}
