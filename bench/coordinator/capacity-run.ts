/**
 * What the capacity benchmark feeds the coordinator: a run of many one-cell tiles on the known-answer
 * TEST model, and valid results for them. Results are either synthetic (n = subjects, k = 0, sums 0:
 * free to make, so the clients cost nothing and the coordinator's own cost is what is measured) or
 * computed with the worker's own code (for correctness checks: the run must then equal a normal run).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { create } from '@bufbuild/protobuf';
import { TileResultSchema, type Tile, type TileResult } from '../../proto/gen/qusop/v1/tile_pb.js';
import { silentLogger } from '../../worker/common/log.js';
import { packageRoot } from '../../worker/common/version.js';
import { loadTrajectoryModel } from '../../worker/onnx/session.js';
import { jointToWire } from '../../worker/joint-totals.js';
import { cellsDigest, computeTile, type CellResult, type LoadedRunner, type TileRange } from '../../worker/tile-compute.js';
import type { CompiledRun } from '../../coordinator/scenario/compile.js';
import type { PlannedTile } from '../../coordinator/plan/tiles.js';

/** Doses per regimen (QD 0.5..40 by 0.5, QW 5..400 by 5): one replicate is 160 one-cell tiles. */
export const DOSES_PER_REPLICATE = 160;

/**
 * Writes a scenario with at least `tilesWanted` tiles when planned at `subjects` trajectories per
 * tile (one dose x one replicate each). Returns its path.
 */
export async function writeCapacityScenario(dir: string, tilesWanted: number, subjects: number, name = 'capacity.yaml', seed = 11): Promise<string> {
  const models = join(packageRoot(), 'models', 'testmodel', 'artifacts');
  const scenario = {
    scenarios: [{
      name: 'capacity',
      population: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } },
      threshold_ng_ml: 3.3,
      targets: [0.9, 0.75],
      replicates: Math.max(1, Math.ceil(tilesWanted / DOSES_PER_REPLICATE)),
      subjects,
      seed,
      regimens: [
        { name: 'qd', tau_h: 24, model: join(models, 'qd.model.json'), doses_mg: { start: 0.5, stop: 40, step: 0.5 } },
        { name: 'qw', tau_h: 168, model: join(models, 'qw.model.json'), doses_mg: { start: 5, stop: 400, step: 5 } },
      ],
    }],
  };
  const path = join(dir, name);
  await writeFile(path, stringify(scenario));
  return path;
}

/** A valid result for any tile of a scenario with `subjects` subjects: nobody attains, sums 0. */
export function syntheticCells(tile: TileRange, subjects: number): CellResult[] {
  const cells: CellResult[] = [];
  for (let r = tile.replicateBegin; r < tile.replicateEnd; r += 1) {
    for (let d = tile.doseBegin; d < tile.doseEnd; d += 1) cells.push({ doseIndex: d, replicate: r, n: subjects, k: 0, sumMaxQ20: 0n, sumMaxSqQ12: 0n });
  }
  return cells;
}

/** Every planned tile computed with the worker's code (population draws, ONNX, reduction head). */
export async function computedCells(compiled: CompiledRun, tiles: readonly PlannedTile[]): Promise<Map<string, CellResult[]>> {
  const runners = new Map<string, LoadedRunner>();
  for (const [sha, m] of compiled.models) {
    const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: 'cpu', maxBatchRows: 65_536, intraOpThreads: 1, logger: silentLogger });
    runners.set(sha, { card: m.card, runner });
  }
  const out = new Map<string, CellResult[]>();
  try {
    for (const tile of tiles) {
      const sha = compiled.spec.scenarios[tile.scenarioIndex]?.regimens[tile.regimenIndex]?.modelSha256 ?? '';
      const model = runners.get(sha);
      if (model === undefined) throw new Error(`capacity bench: no model ${sha} for tile ${tile.tileId}`);
      out.set(tile.tileId, await computeTile(compiled.spec, tile, model));
    }
  } finally {
    for (const r of runners.values()) await r.runner.release();
  }
  return out;
}

/** The Complete request's result for a leased tile, as a worker sends it. */
export function tileResult(tile: Tile, cells: readonly CellResult[]): TileResult {
  return create(TileResultSchema, {
    tile,
    cells: cells.map((c) => ({ doseIndex: c.doseIndex, replicate: c.replicate, n: c.n, k: c.k, sumMaxQ20: c.sumMaxQ20, sumMaxSqQ12: c.sumMaxSqQ12, ...jointToWire(c) })),
    digest: cellsDigest(cells),
    computeMs: 0,
    trajectories: BigInt(cells.reduce((s, c) => s + c.n, 0)),
  });
}
