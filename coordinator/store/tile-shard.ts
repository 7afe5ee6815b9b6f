/**
 * A tile's result as a shard: rows (one per (dose, replicate) cell) and provenance metadata. Shared by
 * every path that writes shards (coordinator acceptance, SLURM array tasks) so they are the same bytes.
 */
import type { CellResult } from '../../worker/tile-compute.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import type { PlannedTile } from '../plan/tiles.js';
import type { ShardRow } from './shard-schema.js';

export const SHARD_FORMAT = 'v1';

export function tileShardRows(spec: RunSpecJson, tile: PlannedTile, cells: readonly CellResult[]): ShardRow[] {
  const sc = spec.scenarios[tile.scenarioIndex];
  const rg = sc?.regimens[tile.regimenIndex];
  return cells.map((c) => ({
    scenario: sc?.name ?? '', regimen: rg?.name ?? '', dose_index: c.doseIndex, dose_mg: rg?.dosesMg[c.doseIndex] ?? NaN, replicate: c.replicate,
    n: c.n, k: c.k, sum_max_q20: c.sumMaxQ20, sum_max_sq_q12: c.sumMaxSqQ12,
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
  };
}
