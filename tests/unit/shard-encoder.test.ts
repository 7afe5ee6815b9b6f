/**
 * Shards encoded on the encoder thread (compiled runs; shard-encoder.ts) are the bytes the in-thread
 * encoder makes, bad rows still fail in the caller with the in-thread InputError, and many shards in
 * flight at once all land complete — which is what the coordinator relies on per accepted tile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readShard } from '../../coordinator/store/shard-reader.js';
import { shardColumns, shardTable, type ShardRow } from '../../coordinator/store/shard-schema.js';
import { encodeParquet, writeShard } from '../../coordinator/store/shard-writer.js';
import { InputError } from '../../worker/common/errors.js';

const rows = (tile: number, cells: number): ShardRow[] =>
  Array.from({ length: cells }, (_, i) => ({
    scenario: 'cap', regimen: i % 2 === 0 ? 'qd' : 'qw', dose_index: tile + i, dose_mg: 0.5 * (tile + i + 1), replicate: i, n: 100,
    k: (tile * 7 + i) % 101, sum_max_q20: 2n ** 58n + BigInt(tile * 1000 + i), sum_max_sq_q12: BigInt(-tile - i),
  }));
const meta = (tile: number): Record<string, string> => ({ run_id: 'r1', tile_id: `t${tile}`, seed: '7', cells_sha256: `${tile}`.padStart(64, '0') });

test('many shards in flight at once: each file is the in-thread encoding of its rows, and reads back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-encoder-'));
  try {
    const tiles = Array.from({ length: 120 }, (_, t) => t);
    await Promise.all(tiles.map((t) => writeShard(join(dir, `t${t}.parquet`), rows(t, 1 + (t % 5)), meta(t))));
    for (const t of tiles) {
      const path = join(dir, `t${t}.parquet`);
      const inThread = encodeParquet(shardTable(rows(t, 1 + (t % 5)), `shard ${path}`), meta(t), `shard ${path}`);
      assert.deepEqual(new Uint8Array(await readFile(path)), inThread, `t${t}: same bytes as the in-thread encoder`);
      assert.deepEqual((await readShard(path)).rows, rows(t, 1 + (t % 5)));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad rows fail in the caller with the same InputError as building the table, and nothing is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-encoder-'));
  try {
    const good = rows(1, 2);
    const bad: ShardRow[][] = [
      [],
      [{ ...good[0] as ShardRow, k: 101 }],
      [good[0] as ShardRow, { ...good[1] as ShardRow, n: 0, k: 0 }],
      [{ ...good[0] as ShardRow, sum_max_q20: 5 as unknown as bigint }],
      [{ ...good[0] as ShardRow, regimen: 3 as unknown as string, dose_mg: Number.NaN }],
    ];
    for (const [i, r] of bad.entries()) {
      const what = `shard ${join(dir, `b${i}.parquet`)}`;
      const expected = (() => { try { shardTable(r, what); } catch (err) { return err as Error; } return undefined; })();
      assert.ok(expected instanceof InputError, `case ${i}: shardTable refuses it`);
      assert.throws(() => shardColumns(r, what), (e: unknown) => e instanceof InputError && e.message === expected.message, `case ${i}`);
      await assert.rejects(writeShard(join(dir, `b${i}.parquet`), r, meta(i)), (e: unknown) => e instanceof InputError && e.message === expected.message);
    }
    await assert.rejects(readFile(join(dir, 'b1.parquet')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
