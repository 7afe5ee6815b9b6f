/**
 * A tile's result as a shard: rows (one per (dose, replicate) cell) and provenance metadata. Shared by
 * every path that writes shards (coordinator acceptance, SLURM array tasks) so they are the same bytes,
 * and by every path that reads them back (resume, SLURM slices, aggregation) so they are checked alike.
 */
import { ShardError } from '../../worker/common/errors.js';
import { cellsDigest, type CellResult } from '../../worker/tile-compute.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import type { PlannedTile } from '../plan/tiles.js';
import { readShard, type Shard } from './shard-reader.js';
import type { ShardRow } from './shard-schema.js';
import { rowLayout, sameLayout, type ShardLayout } from './shard-layout.js';

export const SHARD_FORMAT = 'v1';

export function tileShardRows(spec: RunSpecJson, tile: PlannedTile, cells: readonly CellResult[]): ShardRow[] {
  const sc = spec.scenarios[tile.scenarioIndex];
  const rg = sc?.regimens[tile.regimenIndex];
  return cells.map((c) => ({
    scenario: sc?.name ?? '', regimen: rg?.name ?? '', dose_index: c.doseIndex, dose_mg: rg?.dosesMg[c.doseIndex] ?? NaN, replicate: c.replicate,
    n: c.n, k: c.k, sum_max_q20: c.sumMaxQ20, sum_max_sq_q12: c.sumMaxSqQ12,
    ...(c.kSweep === undefined ? {} : { k_sweep: c.kSweep }),
    ...(c.kSafe === undefined ? {} : { k_safe: c.kSafe, k_both: c.kBoth ?? 0 }),
  }));
}

/** Provenance in the Parquet key-value metadata; run_id and tile_id are what resume verifies. */
export function tileShardMetadata(spec: RunSpecJson, tile: PlannedTile, cellsDigest: string): Record<string, string> {
  const sc = spec.scenarios[tile.scenarioIndex];
  const rg = sc?.regimens[tile.regimenIndex];
  return {
    'qusop.shard': SHARD_FORMAT, run_id: spec.runId, tile_id: tile.tileId, scenario: sc?.name ?? '', regimen: rg?.name ?? '',
    dose_range: `${tile.doseBegin}-${tile.doseEnd}`, replicate_range: `${tile.replicateBegin}-${tile.replicateEnd}`,
    seed: String(sc?.seed ?? ''), model_sha256: rg?.modelSha256 ?? '', code_version: spec.codeVersion, cells_sha256: cellsDigest,
    ...(sc?.thresholdSweepNgMl === undefined ? {} : { thresholds_ng_ml: JSON.stringify(sc.thresholdSweepNgMl) }),
    ...(sc?.safety === undefined ? {} : { safety: JSON.stringify(sc.safety) }),
  };
}

/** The sweep and safety columns the scenario of `tile` asks for. */
export function tileLayout(spec: RunSpecJson, tile: PlannedTile): ShardLayout {
  const sc = spec.scenarios[tile.scenarioIndex];
  return { sweep: sc?.thresholdSweepNgMl?.length ?? 0, safety: sc?.safety !== undefined };
}

export function shardCells(rows: readonly ShardRow[]): CellResult[] {
  return rows.map((r) => ({
    doseIndex: r.dose_index, replicate: r.replicate, n: r.n, k: r.k, sumMaxQ20: r.sum_max_q20, sumMaxSqQ12: r.sum_max_sq_q12,
    ...(r.k_sweep === undefined ? {} : { kSweep: r.k_sweep }),
    ...(r.k_safe === undefined ? {} : { kSafe: r.k_safe, kBoth: r.k_both ?? 0 }),
  }));
}

/**
 * Throws a ShardError naming `path` unless the shard is exactly what this tile's writer makes: the
 * run and tile it belongs to, every metadata entry (nothing missing, nothing extra), the descriptive
 * columns of every row (scenario, regimen, dose_mg), and the cells hashing to `cells_sha256`. The
 * digest covers what the metadata cannot predict (n, k and the sums), so a changed value anywhere is
 * refused: a rewritten row, a flipped bit that still decodes.
 */
export function checkTileShard(shard: Shard, spec: RunSpecJson, tile: PlannedTile, path: string): void {
  const found = shard.metadata;
  if (found['run_id'] !== spec.runId || found['tile_id'] !== tile.tileId) {
    throw new ShardError(`${path}: shard belongs to run ${found['run_id']} tile ${found['tile_id']}, expected run ${spec.runId} tile ${tile.tileId}`, { details: { file: path } });
  }
  const want = tileLayout(spec, tile);
  const has = rowLayout(shard.rows[0]);
  if (!sameLayout(want, has)) {
    const say = (l: ShardLayout): string => `${l.sweep} sweep column(s)${l.safety ? ' and the safety columns' : ''}`;
    throw new ShardError(`${path}: shard has ${say(has)}, the run's scenario asks for ${say(want)}`, { details: { file: path } });
  }
  const cells = shardCells(shard.rows);
  const digest = cellsDigest(cells);
  if (found['cells_sha256'] !== digest) {
    throw new ShardError(`${path}: shard rows do not match their digest (cells_sha256 ${found['cells_sha256'] ?? '(missing)'}, rows hash to ${digest}): the file was altered or damaged`, {
      details: { file: path, field: 'cells_sha256', expected: found['cells_sha256'] ?? null, found: digest },
    });
  }
  const expected = tileShardMetadata(spec, tile, digest);
  for (const key of new Set([...Object.keys(expected), ...Object.keys(found)])) {
    if (found[key] !== expected[key]) {
      throw new ShardError(`${path}: metadata ${key} is ${JSON.stringify(found[key]) ?? '(missing)'}, expected ${JSON.stringify(expected[key]) ?? '(none)'}`, {
        details: { file: path, field: key, expected: expected[key] ?? null, found: found[key] ?? null },
      });
    }
  }
  tileShardRows(spec, tile, cells).forEach((want, i) => {
    const row = shard.rows[i] as ShardRow;
    for (const column of ['scenario', 'regimen', 'dose_mg'] as const) {
      if (!Object.is(row[column], want[column])) {
        throw new ShardError(`${path}: row ${i} ${column} is ${JSON.stringify(row[column])}, expected ${JSON.stringify(want[column])}`, { details: { file: path, row: i, field: column } });
      }
    }
  });
}

/** Reads the shard of `tile` and checks it (checkTileShard); returns it when it verifies. */
export async function verifyTileShard(path: string, spec: RunSpecJson, tile: PlannedTile): Promise<Shard> {
  const shard = await readShard(path);
  checkTileShard(shard, spec, tile, path);
  return shard;
}
