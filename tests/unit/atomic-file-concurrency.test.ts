/**
 * writeFileAtomic under concurrency, as a coordinator uses it (one shard per accepted tile, many at
 * once): the directory is made on demand, concurrent writers share directory fsyncs, and every file
 * ends up complete under its final name with no temp file left, burst after burst.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';

const bytesFor = (i: number): Uint8Array => new TextEncoder().encode(`file ${i} `.repeat(1 + (i % 7)));

test('concurrent atomic writes into a directory that does not exist yet: all complete, no temp files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'qusop-atomic-'));
  try {
    const dir = join(root, 'a', 'shards');
    for (const burst of [0, 1]) {
      const names = Array.from({ length: 150 }, (_, i) => `b${burst}-${i}.parquet`);
      await Promise.all(names.map((n, i) => writeFileAtomic(join(dir, n), bytesFor(i))));
      for (const [i, n] of names.entries()) assert.deepEqual(new Uint8Array(await readFile(join(dir, n))), bytesFor(i), n);
    }
    const left = await readdir(dir);
    assert.equal(left.length, 300);
    assert.deepEqual(left.filter((n) => n.startsWith('.')), []);
    // a lone write after the bursts still completes (no stale group state)
    await writeFileAtomic(join(dir, 'last.json'), 'x');
    assert.equal(await readFile(join(dir, 'last.json'), 'utf8'), 'x');
    // the directory is removed and recreated between writes: made again on demand
    await rm(join(root, 'a'), { recursive: true });
    await writeFileAtomic(join(dir, 'again.json'), 'y');
    assert.equal(await readFile(join(dir, 'again.json'), 'utf8'), 'y');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
