/**
 * Shard store: round trip, byte-identical rewrites, an independent reader (hyparquet) for values and
 * key-value metadata, torn/garbage files, readable files whose values break the schema, metadata
 * verification, listing, and atomicity when the write fails half-way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Int64, Table, Uint32, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { isTempName, writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { decodeShard, listShards, readShard, verifyShard } from '../../coordinator/store/shard-reader.js';
import { shardRows } from '../../coordinator/store/shard-schema.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { encodeParquet, writeShard } from '../../coordinator/store/shard-writer.js';
import { InputError, ShardError } from '../../worker/common/errors.js';

const ROWS: ShardRow[] = [0, 1, 2].flatMap((d) =>
  [0, 1].map((rep) => ({
    scenario: 'q1-qd',
    regimen: 'qd',
    dose_index: d,
    dose_mg: 2.5 * (d + 1),
    replicate: 10 + rep,
    n: 1000,
    k: 400 + 100 * d + rep,
    // beyond 2^53 so a lossy Number conversion anywhere would show
    sum_max_q20: 2n ** 60n + BigInt(d * 7 + rep),
    sum_max_sq_q12: -(2n ** 55n) - BigInt(d),
  })),
);

const META = {
  run_id: 'run-1f2e',
  tile_id: 's0-g0-d0-3-r10-12',
  seed: '20240611',
  model_sha256: 'ab'.repeat(32),
  code_version: '0.1.0+abc',
  scenario: 'q1-qd',
  notes: 'ünïcode ✓',
};

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'qusop-shard-'));
}

function arrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

test('round trip: rows (exact int64) and metadata', async () => {
  const dir = await tempDir();
  const path = join(dir, 'tile.parquet');
  await writeShard(path, ROWS, META);
  const shard = await readShard(path);
  assert.deepEqual(shard.rows, ROWS);
  assert.deepEqual(shard.metadata, META);
  await rm(dir, { recursive: true });
});

test('same rows + metadata give byte-identical files, whatever the metadata insertion order', async () => {
  const dir = await tempDir();
  const reversed = Object.fromEntries(Object.entries(META).reverse());
  const files: Buffer[] = [];
  for (let i = 0; i < 6; i += 1) {
    const path = join(dir, `t${i}.parquet`);
    await writeShard(path, ROWS, i % 2 === 0 ? META : reversed);
    files.push(await readFile(path));
  }
  for (const f of files) assert.ok(f.equals(files[0] ?? Buffer.alloc(0)), 'every rewrite is byte-identical');
  await writeShard(join(dir, 'other.parquet'), ROWS, { ...META, seed: '1' });
  assert.ok(!(await readFile(join(dir, 'other.parquet'))).equals(files[0] ?? Buffer.alloc(0)), 'different metadata, different bytes');
  await rm(dir, { recursive: true });
});

test('hyparquet (an independent reader) reads the values and the key-value metadata', async () => {
  const dir = await tempDir();
  const path = join(dir, 'tile.parquet');
  await writeShard(path, ROWS, META);
  const file = arrayBuffer(await readFile(path));
  const kv = Object.fromEntries((parquetMetadata(file).key_value_metadata ?? []).map((e) => [e.key, e.value]));
  for (const [key, value] of Object.entries(META)) assert.equal(kv[key], value, `metadata ${key}`);
  const rows = await parquetReadObjects({ file });
  assert.equal(rows.length, ROWS.length);
  rows.forEach((row, i) => {
    const want = ROWS[i];
    assert.ok(want !== undefined);
    assert.equal(row['scenario'], want.scenario);
    assert.equal(row['regimen'], want.regimen);
    assert.equal(Number(row['dose_index']), want.dose_index);
    assert.equal(row['dose_mg'], want.dose_mg);
    assert.equal(Number(row['replicate']), want.replicate);
    assert.equal(Number(row['n']), want.n);
    assert.equal(Number(row['k']), want.k);
    assert.equal(BigInt(row['sum_max_q20'] as bigint), want.sum_max_q20);
    assert.equal(BigInt(row['sum_max_sq_q12'] as bigint), want.sum_max_sq_q12);
  });
  await rm(dir, { recursive: true });
});

test('torn, garbage, empty and missing files throw ShardError naming the path', async () => {
  const dir = await tempDir();
  const good = join(dir, 'good.parquet');
  await writeShard(good, ROWS, META);
  const bytes = await readFile(good);
  const cases: [string, Buffer][] = [
    ['torn.parquet', bytes.subarray(0, bytes.length - 100)],
    ['short.parquet', bytes.subarray(0, 8)],
    ['garbage.parquet', Buffer.alloc(4096, 0x5a)],
    ['empty.parquet', Buffer.alloc(0)],
  ];
  // a file with intact framing but a damaged data page
  const damaged = Buffer.from(bytes);
  for (let i = 20; i < 60; i += 1) damaged[i] = 0xff;
  cases.push(['damaged.parquet', damaged]);
  for (const [name, content] of cases) {
    const path = join(dir, name);
    await writeFile(path, content);
    await assert.rejects(readShard(path), (e: unknown) => e instanceof ShardError && e.message.includes(path), name);
  }
  await assert.rejects(readShard(join(dir, 'absent.parquet')), (e: unknown) => e instanceof ShardError && /absent\.parquet: cannot read \(ENOENT\)/.test(e.message));
  await rm(dir, { recursive: true });
});

test('verifyShard names the key, the expected and the found value', async () => {
  const dir = await tempDir();
  const path = join(dir, 'tile.parquet');
  await writeShard(path, ROWS, META);
  const shard = await verifyShard(path, { run_id: META.run_id, tile_id: META.tile_id });
  assert.equal(shard.rows.length, ROWS.length);
  await assert.rejects(verifyShard(path, { run_id: 'run-other' }), (e: unknown) =>
    e instanceof ShardError && e.message === `shard ${path}: metadata run_id is "run-1f2e", expected "run-other"`);
  await assert.rejects(verifyShard(path, { attempt: '1' }), (e: unknown) =>
    e instanceof ShardError && e.message === `shard ${path}: metadata attempt is (missing), expected "1"`);
  await rm(dir, { recursive: true });
});

test('listShards ignores temp files and other names; a missing store lists nothing', async () => {
  const dir = await tempDir();
  await writeShard(join(dir, 'b.parquet'), ROWS, META);
  await writeShard(join(dir, 'a.parquet'), ROWS, META);
  await writeFile(join(dir, '.c.parquet.123.abc.tmp'), 'partial');
  await writeFile(join(dir, 'notes.txt'), 'x');
  assert.deepEqual(await listShards(dir), [join(dir, 'a.parquet'), join(dir, 'b.parquet')]);
  assert.deepEqual(await listShards(join(dir, 'nope')), []);
  await rm(dir, { recursive: true });
});

test('a write that fails half-way leaves no partial file and keeps the old one', async () => {
  const dir = await tempDir();
  const path = join(dir, 'tile.parquet');
  await writeShard(path, ROWS, META);
  const before = await readFile(path);
  let sawTemp = '';
  const failing = writeShard(path, ROWS, { ...META, seed: 'other' }, {
    chunkBytes: 64,
    onChunk: async (tempPath, written) => {
      if (written < 128) return;
      sawTemp = tempPath;
      assert.ok(isTempName(tempPath.slice(dir.length + 1)), 'temp name is hidden and ends in .tmp');
      assert.equal((await stat(tempPath)).size, 128, 'the temp file holds the partial write');
      throw new Error('injected failure');
    },
  });
  await assert.rejects(failing, /injected failure/);
  assert.notEqual(sawTemp, '');
  assert.deepEqual(await readdir(dir), ['tile.parquet'], 'temp file removed, nothing else left');
  assert.ok((await readFile(path)).equals(before), 'the old shard is untouched');
  // a fresh name: nothing appears under it at all
  await assert.rejects(writeFileAtomic(join(dir, 'new.parquet'), before, { chunkBytes: 10, onChunk: () => { throw new Error('boom'); } }), /boom/);
  assert.deepEqual(await readdir(dir), ['tile.parquet']);
  await rm(dir, { recursive: true });
});

test('invalid rows are refused before anything is written', async () => {
  const dir = await tempDir();
  const path = join(dir, 'bad.parquet');
  const bad = [{ ...ROWS[0], k: 1001 } as ShardRow];
  await assert.rejects(writeShard(path, bad, META), (e: unknown) => e instanceof InputError && /row 0: k is 1001, expected 0 <= k <= n \(1000\)/.test(e.message));
  const notBig = [{ ...ROWS[0], sum_max_q20: 5 } as unknown as ShardRow];
  await assert.rejects(writeShard(path, notBig, META), (e: unknown) => e instanceof InputError && /row 0 column sum_max_q20: expected an int64 \(bigint\), got 5/.test(e.message));
  await assert.rejects(writeShard(path, ROWS, { 'ARROW:schema': 'x' }), InputError);
  assert.deepEqual(await readdir(dir), []);
  // truncating a good shard in place is detected on read
  await writeShard(path, ROWS, META);
  await truncate(path, 200);
  await assert.rejects(readShard(path), ShardError);
  await rm(dir, { recursive: true });
});

/** `rows` (default ROWS) as Arrow vectors of the shard's types, with `change` replacing the columns it names. */
function shardTableWith(change: Record<string, Vector>, rows: readonly ShardRow[] = ROWS): Table {
  const col = <K extends keyof ShardRow>(k: K): ShardRow[K][] => rows.map((r) => r[k]);
  return new Table({
    scenario: vectorFromArray(col('scenario'), new Utf8()),
    regimen: vectorFromArray(col('regimen'), new Utf8()),
    dose_index: vectorFromArray(col('dose_index'), new Uint32()),
    dose_mg: vectorFromArray(col('dose_mg'), new Float64()),
    replicate: vectorFromArray(col('replicate'), new Int32()),
    n: vectorFromArray(col('n'), new Int32()),
    k: vectorFromArray(col('k'), new Int32()),
    sum_max_q20: vectorFromArray(col('sum_max_q20'), new Int64()),
    sum_max_sq_q12: vectorFromArray(col('sum_max_sq_q12'), new Int64()),
    ...change,
  });
}

test('a readable Parquet file whose values break the shard schema is refused, naming the file, row and column', () => {
  const refused = (table: Table, message: RegExp, details: Record<string, unknown>): void => {
    assert.throws(() => decodeShard(encodeParquet(table, META), 'x.parquet'), (e: unknown) => {
      assert.ok(e instanceof ShardError, String(e));
      assert.match(e.message, message);
      for (const [key, value] of Object.entries(details)) assert.equal((e.details as Record<string, unknown>)[key], value, key);
      return true;
    });
  };
  assert.deepEqual(decodeShard(encodeParquet(shardTableWith({}), META), 'x.parquet').rows, ROWS, 'the unchanged table reads back');
  refused(shardTableWith({ dose_mg: vectorFromArray([2.5, 2.5, 5, Number.NaN, 7.5, 7.5], new Float64()) }),
    /^shard x\.parquet: row 3 column dose_mg: expected a finite number, got NaN$/, { file: 'shard x.parquet', row: 3, field: 'dose_mg' });
  refused(shardTableWith({ k: vectorFromArray([400, 401, null, 501, 600, 601], new Int32()) }),
    /^shard x\.parquet: row 2 column k: expected an int32, got null$/, { row: 2, field: 'k' });
  refused(shardTableWith({ regimen: vectorFromArray(['qd', 'qd', null, 'qd', 'qd', 'qd'], new Utf8()) }),
    /^shard x\.parquet: row 2 column regimen: expected a string, got null$/, { row: 2, field: 'regimen' });
  refused(shardTableWith({ dose_mg: vectorFromArray([1, 1, 2, 2, 3, 3], new Int32()) }),
    /^shard x\.parquet: column dose_mg has type Int32, expected Float64$/, { field: 'dose_mg' });
});

test('rows come back per chunk: strings that change within and across record batches', () => {
  // two batches with their own buffers (as two Parquet row groups read back), offsets starting at 0 in each
  const names = ['e', 'x', 'c', 'c', 'd', 'c'];
  const batch = (from: number, to: number): Table =>
    shardTableWith({ scenario: vectorFromArray(names.slice(from, to), new Utf8()) }, ROWS.slice(from, to));
  const split = new Table([...batch(0, 2).batches, ...batch(2, 6).batches]);
  assert.equal(split.batches.length, 2);
  const rows = shardRows(split, 'split');
  assert.deepEqual(rows.map((r) => r.scenario), names);
  assert.deepEqual(rows.map((r) => r.sum_max_q20), ROWS.map((r) => r.sum_max_q20));
});
