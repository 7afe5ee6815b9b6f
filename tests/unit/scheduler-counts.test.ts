/**
 * TileScheduler.counts(): the O(1) view the run controller reads on every lease and completion. It
 * must agree with snapshot() (which also computes the median) after any sequence of events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TileScheduler } from '../../coordinator/schedule/scheduler.js';
import { mulberry32 as prng } from '../kit/prng.js';

test('counts() equals the matching fields of snapshot() through random events, backups included', () => {
  for (const seed of [3, 17, 99]) {
    const rand = prng(seed);
    const ids = Array.from({ length: 120 }, (_, i) => `t${i}`);
    const s = new TileScheduler(ids, ids.filter(() => rand() < 0.1), { leaseMs: 40, maxAttempts: 1_000, backupAfterMedianFactor: 1.5, backupMinMs: 5 });
    const held = new Map<string, string[]>();
    let now = 0;
    for (let step = 0; step < 20_000 && s.counts().run === 'running'; step++) {
      now += Math.floor(rand() * 8);
      const w = `w${Math.floor(rand() * 4)}`;
      const mine = held.get(w) ?? [];
      held.set(w, mine);
      const r = rand();
      if (r < 0.4) mine.push(...s.lease(w, 1 + Math.floor(rand() * 3), now).tiles.map((t) => t.tileId));
      else if (r < 0.8 && mine.length > 0) s.complete(w, mine.splice(Math.floor(rand() * mine.length), 1)[0] as string, 'd', now);
      else if (r < 0.9) s.expire(now);
      else s.heartbeat(w, mine, now);
      const c = s.counts();
      const snap = s.snapshot();
      assert.deepEqual(c, {
        run: snap.run, tilesTotal: snap.tilesTotal, pending: snap.pending, leased: snap.leased, done: snap.done, failed: snap.failed, backupsWon: snap.backupsWon,
      });
    }
    assert.equal(s.counts().run, 'succeeded', `seed ${seed}`);
  }
});

test('counts() follows a backup win', () => {
  const s = new TileScheduler(['a', 'b'], [], { leaseMs: 10_000, backupMinMs: 0, backupAfterMedianFactor: 1 });
  s.lease('w1', 2, 0);
  s.complete('w1', 'b', 'd', 10); // median tile time 10 ms
  const backup = s.lease('w2', 1, 50).tiles[0];
  assert.equal(backup?.backup, true);
  assert.equal(s.complete('w2', 'a', 'd', 60).outcome, 'accepted');
  assert.deepEqual(s.counts(), { run: 'succeeded', tilesTotal: 2, pending: 0, leased: 0, done: 2, failed: 0, backupsWon: 1 });
  assert.equal(s.snapshot().backupsWon, 1);
});
