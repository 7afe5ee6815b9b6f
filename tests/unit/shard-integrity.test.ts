/**
 * Shard integrity (issue 17, item 2): a shard read back must be exactly what its tile's writer made.
 * Every bit of one small shard is flipped in turn (25,080 flips of a 3,135-byte shard); each damaged
 * file must be refused (ShardError naming it) or be provably harmless: decoded, by the very reader that
 * resume and aggregation use, to exactly the rows and metadata written. The aggregator sees nothing of
 * a shard but those rows and metadata, so such a flip cannot change a curve. The harmless flips sit in
 * bytes that parquet-rs writes and no value depends on: the page index (ColumnIndex / OffsetIndex
 * between the column chunks and the footer), min/max statistics and level-encoding fields of required
 * columns in page headers and column metadata, and the footer's created_by string (measured: about a
 * third of the flips; the test asserts equality for each, it does not skip them). Anything a value
 * depends on is covered by cells_sha256 (n, k, sums) or by the tile's expected metadata and columns.
 * A rewritten row with its metadata kept, an edited metadata entry and a foreign tile's shard are
 * refused with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlannedTile } from '../../coordinator/plan/tiles.js';
import { decodeShard, type Shard } from '../../coordinator/store/shard-reader.js';
import { encodeParquet } from '../../coordinator/store/shard-writer.js';
import { shardTable } from '../../coordinator/store/shard-schema.js';
import { checkTileShard, tileShardMetadata, tileShardRows, verifyTileShard } from '../../coordinator/store/tile-shard.js';
import { ShardError } from '../../worker/common/errors.js';
import { cellsDigest, type CellResult } from '../../worker/tile-compute.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

// the fields of a run spec that a shard's rows and metadata depend on
const SPEC = {
  runId: 'run-5a1d',
  codeVersion: '0.1.0+test',
  scenarios: [{ name: 'ka', seed: 7, regimens: [{ name: 'qd', dosesMg: [0.5, 1, 1.5, 2, 2.5], modelSha256: 'cd'.repeat(32) }] }],
} as unknown as RunSpecJson;
const TILE: PlannedTile = { tileId: 's0-g0-d1-4-r2-5', scenarioIndex: 0, regimenIndex: 0, doseBegin: 1, doseEnd: 4, replicateBegin: 2, replicateEnd: 5 };
const CELLS: CellResult[] = [2, 3, 4].flatMap((replicate) =>
  [1, 2, 3].map((doseIndex) => ({
    doseIndex, replicate, n: 100, k: 20 * doseIndex + replicate,
    sumMaxQ20: BigInt(Math.round((300 - 40 * doseIndex + replicate) * 100 * 2 ** 20)), sumMaxSqQ12: BigInt(Math.round((300 - 40 * doseIndex) ** 2 * 100 * 2 ** 12)) + BigInt(replicate),
  })),
);

const shardBytes = (cells: readonly CellResult[], metadata = tileShardMetadata(SPEC, TILE, cellsDigest(cells))): Uint8Array =>
  encodeParquet(shardTable(tileShardRows(SPEC, TILE, cells), 'test shard'), metadata, 'test shard');

/** decode + check, as resume and aggregation do; the shard when it verifies */
const verify = (bytes: Uint8Array): Shard => {
  const shard = decodeShard(bytes, 'x.parquet');
  checkTileShard(shard, SPEC, TILE, 'x.parquet');
  return shard;
};

test('every flipped bit of a shard is refused or provably harmless (decodes to the very rows and metadata written)', (t) => {
  const good = shardBytes(CELLS);
  const original = verify(good);
  assert.ok(good.byteLength > 1000 && good.byteLength < 8000, `a small shard (${good.byteLength} bytes)`);
  let refused = 0;
  let harmless = 0;
  for (let byte = 0; byte < good.byteLength; byte += 1) {
    for (let bit = 0; bit < 8; bit += 1) {
      const bad = good.slice();
      bad[byte] = (bad[byte] as number) ^ (1 << bit);
      let shard: Shard;
      try {
        shard = verify(bad);
      } catch (err) {
        assert.ok(err instanceof ShardError, `byte ${byte} bit ${bit}: ${String(err)} is a ShardError`);
        assert.match(err.message, /x\.parquet/, `byte ${byte} bit ${bit}: the error names the file`);
        refused += 1;
        continue;
      }
      // accepted: then it must be the same data, so no curve can change
      assert.deepEqual(shard.rows, original.rows, `byte ${byte} bit ${bit}: accepted but the rows changed`);
      assert.deepEqual(shard.metadata, original.metadata, `byte ${byte} bit ${bit}: accepted but the metadata changed`);
      harmless += 1;
    }
  }
  assert.equal(refused + harmless, good.byteLength * 8);
  assert.ok(refused > harmless, `${refused} flips refused, ${harmless} harmless`);
  t.diagnostic(`${good.byteLength}-byte shard: ${refused} of ${good.byteLength * 8} single-bit flips refused, ${harmless} decode to the same rows and metadata`);
});

test('rows rewritten with the metadata kept (k = n) are refused naming the digest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-integrity-'));
  try {
    const path = join(dir, `${TILE.tileId}.parquet`);
    const forged = CELLS.map((c) => ({ ...c, k: c.n }));
    await writeFile(path, shardBytes(forged, tileShardMetadata(SPEC, TILE, cellsDigest(CELLS))));
    await assert.rejects(verifyTileShard(path, SPEC, TILE), (e: unknown) =>
      e instanceof ShardError && e.message.includes(path) && /rows do not match their digest/.test(e.message) && e.message.includes(cellsDigest(CELLS)));
    // the honest shard of the same cells verifies
    await writeFile(path, shardBytes(CELLS));
    assert.deepEqual((await verifyTileShard(path, SPEC, TILE)).rows, tileShardRows(SPEC, TILE, CELLS));
    assert.ok((await readFile(path)).byteLength > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('metadata that differs from what the tile writes, or a foreign tile, is refused naming the entry', () => {
  const meta = tileShardMetadata(SPEC, TILE, cellsDigest(CELLS));
  assert.throws(() => verify(shardBytes(CELLS, { ...meta, seed: '8' })), /metadata seed is "8", expected "7"/);
  assert.throws(() => verify(shardBytes(CELLS, { ...meta, extra: 'x' })), /metadata extra is "x", expected \(none\)/);
  const { model_sha256: _dropped, ...missing } = meta;
  assert.throws(() => verify(shardBytes(CELLS, missing)), /metadata model_sha256 is \(missing\)/);
  assert.throws(() => verify(shardBytes(CELLS, { ...meta, tile_id: 's0-g0-d0-1-r0-1' })), /shard belongs to run run-5a1d tile s0-g0-d0-1-r0-1, expected run run-5a1d tile s0-g0-d1-4-r2-5/);
});
