/** Slice partitioning for SLURM array tasks: every planned tile in exactly one slice, for any N. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSlice, parseSlice, sliceItems } from '../../coordinator/tiles/slice.js';
import { planTiles } from '../../coordinator/plan/tiles.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { InputError } from '../../worker/common/errors.js';

test('parseSlice accepts I/N with 0 <= I < N and names the flag otherwise', () => {
  assert.deepEqual(parseSlice('0/1'), { index: 0, count: 1 });
  assert.deepEqual(parseSlice(' 7/8 '), { index: 7, count: 8 });
  assert.equal(formatSlice(parseSlice('3/5')), '3/5');
  for (const bad of ['', '1', '8/8', '9/8', '0/0', '-1/4', '1.5/4', 'a/b', '1/4/2']) {
    assert.throws(() => parseSlice(bad), (e: unknown) => e instanceof InputError && e.message.startsWith('--slice'), bad);
  }
});

test('slices partition the items: each in exactly one slice, sizes differ by at most one', () => {
  for (let length = 0; length <= 23; length += 1) {
    const items = Array.from({ length }, (_, i) => `t${i}`);
    for (let count = 1; count <= 9; count += 1) {
      const slices = Array.from({ length: count }, (_, index) => sliceItems(items, { index, count }));
      const seen = slices.flat();
      assert.equal(seen.length, length, `length ${length} / ${count}: no item twice`);
      assert.deepEqual([...seen].sort(), [...items].sort(), `length ${length} / ${count}: every item once`);
      const sizes = slices.map((s) => s.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes.join(',')}`);
    }
  }
});

test("a real run's tile plan splits into disjoint slices covering every tile", () => {
  const spec = {
    runId: 'r', codeVersion: 'v',
    scenarios: [
      { name: 'a', replicates: 7, population: { subjects: 40 }, regimens: [{ dosesMg: Array.from({ length: 30 }, (_, i) => i + 1) }, { dosesMg: [1, 2, 3] }] },
      { name: 'b', replicates: 3, population: { subjects: 500 }, regimens: [{ dosesMg: Array.from({ length: 11 }, (_, i) => i + 1) }] },
    ],
  } as unknown as RunSpecJson;
  const tiles = planTiles(spec, { targetTrajectories: 900 }).map((t) => t.tileId);
  assert.ok(tiles.length > 20, `enough tiles to matter (${tiles.length})`);
  for (const count of [1, 2, 5, tiles.length, tiles.length + 3]) {
    const owner = new Map<string, number>();
    for (let index = 0; index < count; index += 1) {
      for (const id of sliceItems(tiles, { index, count })) {
        assert.ok(!owner.has(id), `tile ${id} in slices ${owner.get(id)} and ${index} of ${count}`);
        owner.set(id, index);
      }
    }
    assert.equal(owner.size, tiles.length, `${count} slices cover all ${tiles.length} tiles`);
  }
});
