/**
 * Tile planning: each (scenario, regimen) is cut into dose blocks x replicate blocks sized so a tile
 * holds about `targetTrajectories` trajectories. Tiling never changes a result (random numbers are
 * keyed by subject, not by tile); it only trades scheduling overhead against latency and memory.
 */
import { InputError } from '../../worker/common/errors.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import type { TileRange } from '../../worker/tile-compute.js';

export interface TilePlanOptions {
  /** aim for this many trajectories (doses x replicates x subjects) per tile */
  readonly targetTrajectories: number;
}

/** A tile of the plan: its id and its ranges (the worker's TileRange). */
export interface PlannedTile extends TileRange {
  readonly tileId: string;
}

export const DEFAULT_TILE_TRAJECTORIES = 200_000;

/**
 * Most tiles one run may have: each is a scheduler entry in the coordinator's memory and a shard file
 * in one directory. bench/README.md measures ~400 MiB of coordinator heap per 10^6 tiles; a plan with
 * --tile-trajectories 1 asked for billions and exhausted the heap (4.6 GB) instead of being refused.
 */
export const MAX_TILES = 1_000_000;

/** Block sizes for one regimen: all doses of a replicate together when they fit, else dose blocks. */
export function blockSizes(doses: number, replicates: number, subjects: number, target: number): { doseBlock: number; replicateBlock: number } {
  const perReplicate = doses * subjects;
  if (perReplicate <= target) return { doseBlock: doses, replicateBlock: Math.min(replicates, Math.max(1, Math.floor(target / perReplicate))) };
  return { doseBlock: Math.max(1, Math.min(doses, Math.floor(target / subjects))), replicateBlock: 1 };
}

export function tileId(t: TileRange): string {
  return `s${t.scenarioIndex}-g${t.regimenIndex}-d${t.doseBegin}-${t.doseEnd}-r${t.replicateBegin}-${t.replicateEnd}`;
}

/**
 * The replicate segments a scenario is tiled in: [0, R) for a fixed run; with adaptive precision one
 * segment per round ([0, R_0), [R_0, R_1), ...), so a later round only adds tiles and the shards of
 * earlier rounds keep their ids. Block sizes are those of round 0 (R_0) in every round.
 */
function replicateSegments(sc: RunSpecJson['scenarios'][number]): { blockReplicates: number; edges: number[] } {
  const rounds = sc.precision?.rounds ?? [sc.replicates];
  return { blockReplicates: rounds[0] ?? sc.replicates, edges: [0, ...rounds] };
}

function replicateBlocks(edges: readonly number[], block: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < edges.length; i += 1) {
    const end = edges[i] ?? 0;
    for (let r0 = edges[i - 1] ?? 0; r0 < end; r0 += block) out.push([r0, Math.min(end, r0 + block)]);
  }
  return out;
}

/** How many tiles planTiles would make, without making them. */
export function countTiles(spec: RunSpecJson, targetTrajectories: number): number {
  let n = 0;
  for (const sc of spec.scenarios) {
    const { blockReplicates, edges } = replicateSegments(sc);
    for (const rg of sc.regimens) {
      const doses = rg.dosesMg.length;
      const { doseBlock, replicateBlock } = blockSizes(doses, blockReplicates, sc.population.subjects, targetTrajectories);
      let reps = 0;
      for (let i = 1; i < edges.length; i += 1) reps += Math.ceil(((edges[i] ?? 0) - (edges[i - 1] ?? 0)) / replicateBlock);
      n += reps * Math.ceil(doses / doseBlock);
    }
  }
  return n;
}

export function planTiles(spec: RunSpecJson, opts: TilePlanOptions): PlannedTile[] {
  const count = countTiles(spec, opts.targetTrajectories);
  if (count > MAX_TILES) {
    let enough = opts.targetTrajectories;
    while (countTiles(spec, enough) > MAX_TILES) enough *= 2;
    throw new InputError(
      `--tile-trajectories ${opts.targetTrajectories}: the plan would have ${count} tiles; the limit is ${MAX_TILES} (each tile is a scheduler entry and a shard file): use --tile-trajectories ${enough} or more`,
      { details: { field: 'tile-trajectories', tiles: count, limit: MAX_TILES } },
    );
  }
  const tiles: PlannedTile[] = [];
  spec.scenarios.forEach((sc, scenarioIndex) => {
    const { blockReplicates, edges } = replicateSegments(sc);
    sc.regimens.forEach((rg, regimenIndex) => {
      const doses = rg.dosesMg.length;
      const { doseBlock, replicateBlock } = blockSizes(doses, blockReplicates, sc.population.subjects, opts.targetTrajectories);
      for (const [r0, r1] of replicateBlocks(edges, replicateBlock)) {
        for (let d0 = 0; d0 < doses; d0 += doseBlock) {
          const t = { scenarioIndex, regimenIndex, doseBegin: d0, doseEnd: Math.min(doses, d0 + doseBlock), replicateBegin: r0, replicateEnd: r1 };
          tiles.push({ tileId: tileId(t), ...t });
        }
      }
    });
  });
  return tiles;
}

export function tileTrajectories(spec: RunSpecJson, t: PlannedTile): number {
  const sc = spec.scenarios[t.scenarioIndex];
  return sc === undefined ? 0 : (t.doseEnd - t.doseBegin) * (t.replicateEnd - t.replicateBegin) * sc.population.subjects;
}
