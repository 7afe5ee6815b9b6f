/**
 * Aggregates a run directory, however its shards were made (local run, farm, SLURM array): every
 * planned tile's shard must exist and verify (right run, right tile, rows matching their cells_sha256
 * digest), then curves and decisions are written. A missing, foreign or altered shard is an error
 * naming the tiles or the file; no output is written then.
 * Shards are decoded one at a time into the cell grids, so a run's rows are never all in memory;
 * the files of the next READ_AHEAD shards are read meanwhile, so their I/O overlaps the decoding.
 */
import { access } from 'node:fs/promises';
import { ShardError } from '../../worker/common/errors.js';
import { aggregateCells } from '../aggregate/decisions.js';
import { CellCollector } from '../aggregate/curves.js';
import { validatePlan } from '../aggregate/plan.js';
import { jointAggregate, writeJointOutputs } from '../aggregate/joint-outputs.js';
import { curvesFiles, DECISIONS_JSON, removeStaleCurves, writeCurvesArrow, writeCurvesParquet, writeDecisionsJson } from '../aggregate/outputs.js';
import { decodeShard, readShardBytes } from '../store/shard-reader.js';
import { checkTileShard } from '../store/tile-shard.js';
import { planTiles } from '../plan/tiles.js';
import { aggregationPlan, readRunFile, shardPath, type RunFile } from './run-dir.js';

/** shard files read ahead of the one being decoded (bytes in memory: a few hundred kB at most) */
const READ_AHEAD = 8;

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
  const read = (tileId: string): Promise<Uint8Array> => {
    const bytes = readShardBytes(shardPath(dir, tileId));
    bytes.catch(() => undefined); // a failed read ahead is reported when its turn comes, in plan order
    return bytes;
  };
  // reads in flight, in plan order: the head is tiles[i]'s
  const ahead = tiles.slice(0, READ_AHEAD).map((t) => read(t.tileId));
  for (const [i, t] of tiles.entries()) {
    const path = shardPath(dir, t.tileId);
    const bytes = await (ahead.shift() as Promise<Uint8Array>);
    const next = tiles[i + READ_AHEAD];
    if (next !== undefined) ahead.push(read(next.tileId));
    const shard = decodeShard(bytes, path);
    checkTileShard(shard, run.spec, t, path);
    collector.add(shard.rows);
  }
  const grids = collector.finish();
  const result = aggregateCells(grids);
  const joint = jointAggregate(grids, result.decisions);
  const meta = { run_id: run.runId, code_version: run.spec.codeVersion };
  if (opts.format !== 'arrow') await writeCurvesParquet(dir, result.curves, meta);
  if (opts.format !== 'parquet') await writeCurvesArrow(dir, result.curves);
  await removeStaleCurves(dir, opts.format);
  await writeDecisionsJson(dir, result.decisions);
  const jointFiles = await writeJointOutputs(dir, joint);
  return { ...result, joint, run, tiles: tiles.length, outputs: [...curvesFiles(opts.format), DECISIONS_JSON, ...jointFiles] };
}
