/**
 * The sweep engine in one process — compile, plan, compute every tile with the worker's own code
 * (population draws, ONNX session + reduction head), aggregate — with no gRPC, processes or files.
 * The same numbers as a real run (same tiles, same random numbers); for studies that need many small
 * sweeps (statistical tests, simulation–re-estimation) and benchmarks of the compute path.
 */
import { compileScenarioFile } from '../scenario/compile.js';
import { planTiles } from '../plan/tiles.js';
import { aggregateCells } from '../aggregate/decisions.js';
import { collectCells } from '../aggregate/curves.js';
import { validatePlan } from '../aggregate/plan.js';
import { jointAggregate } from '../aggregate/joint-outputs.js';
import { aggregationPlan } from '../run/run-dir.js';
import { tileShardRows } from '../store/tile-shard.js';
import type { ShardRow } from '../store/shard-schema.js';
import { silentLogger } from '../../worker/common/log.js';
import { DEFAULT_MAX_BATCH_ROWS, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { computeTile, type LoadedRunner } from '../../worker/tile-compute.js';

export async function runInProcess(scenarioPath: string, opts: { tileTrajectories?: number; threads?: number } = {}) {
  const compiled = await compileScenarioFile(scenarioPath);
  const runners = new Map<string, LoadedRunner>();
  for (const [sha, m] of compiled.models) {
    const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: 'cpu', maxBatchRows: DEFAULT_MAX_BATCH_ROWS, intraOpThreads: opts.threads ?? 2, logger: silentLogger });
    runners.set(sha, { card: m.card, runner });
  }
  const rows: ShardRow[] = [];
  for (const tile of planTiles(compiled.spec, { targetTrajectories: opts.tileTrajectories ?? 500_000 })) {
    const sha = compiled.spec.scenarios[tile.scenarioIndex]?.regimens[tile.regimenIndex]?.modelSha256 ?? '';
    const model = runners.get(sha);
    if (model === undefined) throw new Error(`no model ${sha}`);
    rows.push(...tileShardRows(compiled.spec, tile, await computeTile(compiled.spec, tile, model)));
  }
  for (const r of runners.values()) await r.runner.release();
  const grids = collectCells(validatePlan(aggregationPlan(compiled.spec)), rows);
  const result = aggregateCells(grids);
  return { spec: compiled.spec, ...result, joint: jointAggregate(grids, result.decisions), rows };
}
