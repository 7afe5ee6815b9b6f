/**
 * Shards of a run with a threshold sweep and a safety endpoint (issue 19): the extra columns round-trip,
 * a plain run's shard has exactly the plain columns, and verification refuses a shard whose sweep or
 * safety columns were dropped, changed or do not fit its scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeShard } from '../../coordinator/store/shard-reader.js';
import { encodeParquet } from '../../coordinator/store/shard-writer.js';
import { SHARD_COLUMNS, shardTable, type ShardRow } from '../../coordinator/store/shard-schema.js';
import { checkTileShard, tileShardMetadata, tileShardRows } from '../../coordinator/store/tile-shard.js';
import type { PlannedTile } from '../../coordinator/plan/tiles.js';
import { InputError, ShardError } from '../../worker/common/errors.js';
import { cellsDigest, type CellResult } from '../../worker/tile-compute.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

const THRESHOLDS = [2.5, 3, 3.5];
const SAFETY = { endpoint: 'concentration', statistic: 'max', comparison: '<=', thresholdNgMl: 10_000, target: 0.9 } as const;
const spec = (extra: object): RunSpecJson => ({
  runId: 'run-19', codeVersion: '0.1.0+test',
  scenarios: [{ name: 'ka', seed: 7, regimens: [{ name: 'qd', dosesMg: [1, 2, 3], modelSha256: 'ab'.repeat(32) }], ...extra }],
}) as unknown as RunSpecJson;
const JOINT = spec({ thresholdSweepNgMl: THRESHOLDS, safety: SAFETY });
const PLAIN = spec({});
const TILE: PlannedTile = { tileId: 's0-g0-d0-3-r0-2', scenarioIndex: 0, regimenIndex: 0, doseBegin: 0, doseEnd: 3, replicateBegin: 0, replicateEnd: 2 };
const CELLS: CellResult[] = [0, 1].flatMap((replicate) => [0, 1, 2].map((doseIndex) => ({
  doseIndex, replicate, n: 50, k: 10 + 10 * doseIndex, sumMaxQ20: 1000n, sumMaxSqQ12: 2000n,
  kSweep: [5 + 10 * doseIndex, 10 + 10 * doseIndex, 15 + 10 * doseIndex], kSafe: 45 - 10 * doseIndex, kBoth: 8 + replicate,
})));
const plainCells = CELLS.map(({ kSweep: _s, kSafe: _k, kBoth: _b, ...c }) => c);
const bytes = (s: RunSpecJson, cells: readonly CellResult[], meta = tileShardMetadata(s, TILE, cellsDigest(cells))): Uint8Array =>
  encodeParquet(shardTable(tileShardRows(s, TILE, cells), 'test'), meta, 'test');

test('sweep and safety columns round-trip; metadata names the thresholds and the safety endpoint', () => {
  const shard = decodeShard(bytes(JOINT, CELLS), 'x.parquet');
  checkTileShard(shard, JOINT, TILE, 'x.parquet');
  assert.deepEqual(shard.rows.map((r) => [r.k_sweep, r.k_safe, r.k_both]), CELLS.map((c) => [c.kSweep, c.kSafe, c.kBoth]));
  assert.equal(shard.metadata['thresholds_ng_ml'], JSON.stringify(THRESHOLDS));
  assert.equal(JSON.parse(shard.metadata['safety'] ?? '{}').thresholdNgMl, 10_000);
  const plain = decodeShard(bytes(PLAIN, plainCells), 'p.parquet');
  checkTileShard(plain, PLAIN, TILE, 'p.parquet');
  assert.deepEqual(Object.keys(plain.rows[0] ?? {}), SHARD_COLUMNS.map((c) => c.name), 'a plain shard has the plain columns only');
  assert.equal(plain.metadata['thresholds_ng_ml'], undefined);
});

test('verification refuses dropped, altered or foreign sweep and safety columns', () => {
  const refused = (b: Uint8Array, s: RunSpecJson, pattern: RegExp): void =>
    assert.throws(() => checkTileShard(decodeShard(b, 'x.parquet'), s, TILE, 'x.parquet'), (e: unknown) => e instanceof ShardError && pattern.test(e.message), String(pattern));
  // the columns dropped, metadata and digest kept: the layout no longer fits the scenario
  refused(bytes(PLAIN, plainCells, tileShardMetadata(JOINT, TILE, cellsDigest(CELLS))), JOINT, /shard has 0 sweep column\(s\), the run's scenario asks for 3 sweep column\(s\) and the safety columns/);
  // a plain run handed a sweep shard
  refused(bytes(JOINT, CELLS), PLAIN, /shard has 3 sweep column\(s\) and the safety columns, the run's scenario asks for 0 sweep column\(s\)/);
  // one count changed, digest kept
  const altered = CELLS.map((c, i) => (i === 4 ? { ...c, kSweep: [c.kSweep?.[0] ?? 0, 49, c.kSweep?.[2] ?? 0] } : c));
  refused(bytes(JOINT, altered, tileShardMetadata(JOINT, TILE, cellsDigest(CELLS))), JOINT, /rows do not match their digest/);
});

test('rows whose counts cannot come from one set of subjects are not written', () => {
  const rows = tileShardRows(JOINT, TILE, CELLS);
  const bad = (change: Partial<ShardRow>, pattern: RegExp): void =>
    assert.throws(() => shardTable(rows.map((r, i) => (i === 2 ? { ...r, ...change } : r)), 'test'), (e: unknown) => e instanceof InputError && pattern.test(e.message), String(pattern));
  bad({ k_sweep: [1, 2, 51] }, /row 2: k_sweep_2 is 51, expected 0 <= k_sweep_2 <= n \(50\)/);
  bad({ k_both: 40 }, /row 2: k_both is 40, expected max\(0, k \+ k_safe - n\) <= k_both <= min\(k, k_safe\)/);
  bad({ k_sweep: [1, 2] }, /row 2 has other sweep\/safety counts than row 0/);
});
