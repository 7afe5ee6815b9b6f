/**
 * computeTile chunks subjects so a worker holds at most max(maxBatchRows, D) input rows at once: the
 * cells must not depend on the batch size (including a partial last chunk and batches smaller than
 * the tile's dose count), and no session.run may see more rows than that bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_ANSWER_REGIMENS as R } from '../../models/testmodel/known-answer.js';
import { knownAnswerArtifact } from '../../models/testmodel/write.js';
import { silentLogger } from '../../worker/common/log.js';
import { loadTrajectoryModel } from '../../worker/onnx/session.js';
import type { TrajectoryRunner } from '../../worker/onnx/session.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { computeTile, repeatRow } from '../../worker/tile-compute.js';
import type { CellResult, TileRange } from '../../worker/tile-compute.js';

const M = 53; // prime: every batch size below leaves a partial last chunk
const DOSES_MG = [1, 2, 4, 8, 16, 32];

function spec(modelSha256: string): RunSpecJson {
  return {
    runId: 'tile-compute-test',
    codeVersion: 'test',
    scenarios: [
      {
        name: 'chunking',
        description: '',
        seed: 11,
        population: { subjects: M, bw: { kind: 'uniform', minKg: 40, maxKg: 120 }, comed: { kind: 'bernoulli', p: 0.4 } },
        populationLabel: '',
        thresholdNgMl: 3.3,
        targets: [0.9],
        replicates: 4,
        band: { method: 'clopper-pearson', level: 0.95 },
        regimens: [{ name: 'qd', tauH: 24, dosesMg: DOSES_MG, modelSha256 }],
      },
    ],
  };
}

const TILE: TileRange = { scenarioIndex: 0, regimenIndex: 0, doseBegin: 1, doseEnd: 6, replicateBegin: 1, replicateEnd: 4 };

async function cellsWithBatch(maxBatchRows: number): Promise<{ cells: CellResult[]; largestRun: number }> {
  const { onnxBytes, card } = knownAnswerArtifact(R.qd);
  const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows, logger: silentLogger });
  let largestRun = 0;
  // count the rows handed to each evaluate call (each is one or more session.run of <= maxBatchRows)
  const counting: TrajectoryRunner = {
    ...runner,
    evaluate: (x, groups, perGroup, thr) => {
      largestRun = Math.max(largestRun, groups * perGroup);
      return runner.evaluate(x, groups, perGroup, thr);
    },
  };
  const cells = await computeTile(spec(card.sha256), TILE, { card, runner: counting });
  await runner.release();
  return { cells, largestRun };
}

test('cells are identical for any batch size; inputs held at once stay within max(maxBatchRows, doses)', async () => {
  const D = TILE.doseEnd - TILE.doseBegin;
  const reference = await cellsWithBatch(100_000);
  assert.equal(reference.cells.length, D * (TILE.replicateEnd - TILE.replicateBegin));
  assert.equal(reference.largestRun, D * M, 'a batch larger than the tile takes every subject at once');
  assert.ok(reference.cells.some((c) => c.k > 0) && reference.cells.some((c) => c.k < M), 'doses span the threshold, so counts are informative');
  for (const rows of [3, 7, 40, 64, 5 * M - 1]) {
    const got = await cellsWithBatch(rows);
    assert.deepEqual(got.cells, reference.cells, `maxBatchRows ${rows}`);
    assert.ok(got.largestRun <= Math.max(rows, D), `maxBatchRows ${rows}: an evaluate call held ${got.largestRun} rows`);
  }
});

test('repeatRow fills every row, including a final partial doubling', () => {
  for (const rows of [1, 2, 3, 5, 8, 13]) {
    const out = new Float32Array(rows * 3).fill(NaN);
    repeatRow(out, [1.5, -2, 7], 3);
    assert.deepEqual([...out], Array.from({ length: rows }, () => [1.5, -2, 7]).flat(), `${rows} rows`);
  }
  const short = new Float32Array(6);
  repeatRow(short, [4], 2);
  assert.deepEqual([...short], [4, 0, 4, 0, 4, 0], 'missing entries are 0');
});
