/**
 * The tile scheduler as a pure state machine: events in, decisions out, no sockets or timers.
 * Times are plain numbers; every scenario is spelled out so a wrong decision fails loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TileScheduler } from '../../coordinator/schedule/scheduler.js';
import { compileSchedulerOptions, schedulerDefaults } from '../../coordinator/schedule/options.js';
import type { SchedulerOptions } from '../../coordinator/schedule/options.js';
import type { SchedulerSnapshot } from '../../coordinator/schedule/events.js';
import { InputError } from '../../worker/common/errors.js';
import { mulberry32 as prng } from '../kit/prng.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`);
const LEASE = 1_000;
const make = (n: number, opts: SchedulerOptions = {}, done: string[] = []): TileScheduler =>
  new TileScheduler(ids(n), done, { leaseMs: LEASE, backups: false, ...opts });
const tileIds = (d: { tiles: readonly { tileId: string }[] }): string[] => d.tiles.map((t) => t.tileId);

function assertConsistent(s: SchedulerSnapshot): void {
  assert.equal(s.pending + s.leased + s.done + s.failed, s.tilesTotal, 'states partition the tiles');
  assert.ok(s.leasesLive >= s.leased && s.leasesLive <= 2 * s.leased, 'one or two holders per leased tile');
}

test('leases pending tiles in plan order, at most maxTiles per call', () => {
  const s = make(5);
  const a = s.lease('w1', 2, 0);
  assert.deepEqual(tileIds(a), ['t0', 't1']);
  assert.deepEqual(a.tiles.map((t) => [t.attempt, t.deadlineMs, t.backup]), [[1, LEASE, false], [1, LEASE, false]]);
  assert.deepEqual(tileIds(s.lease('w2', 10, 5)), ['t2', 't3', 't4']);
  const idle = s.lease('w3', 4, 6);
  assert.deepEqual(idle.tiles, []);
  assert.equal(idle.finished, false);
  assert.ok(idle.retryAfterMs > 0 && idle.retryAfterMs <= schedulerDefaults.idleRetryMs);
  assert.deepEqual(s.lease('w3', 0, 7).tiles, []);
  assert.throws(() => s.lease('w3', -1, 7), InputError);
});

test('resume: done tiles are never leased and count as done', () => {
  const s = make(4, {}, ['t0', 't2']);
  assert.deepEqual(tileIds(s.lease('w', 10, 0)), ['t1', 't3']);
  const snap = s.snapshot();
  assert.equal(snap.resumedDone, 2);
  assert.equal(snap.done, 2);
  assert.equal(s.complete('w', 't0', 'x', 1).outcome, 'duplicate', 'a resumed tile has a verified shard');
  assert.equal(new TileScheduler(ids(2), ['t0', 't1']).lease('w', 1, 0).finished, true);
  assert.throws(() => make(2, {}, ['t9']), /t9.*not in the plan/);
  assert.throws(() => new TileScheduler(['a', 'b', 'a']), /"a" appears twice/);
});

test('heartbeat extends held leases and cancels the rest', () => {
  const s = make(3);
  s.lease('w1', 2, 0);
  const hb = s.heartbeat('w1', ['t0', 't1', 't2', 'nope'], 600);
  assert.deepEqual(hb.extended, ['t0', 't1']);
  assert.deepEqual(hb.cancelled, ['t2', 'nope']);
  assert.equal(hb.deadlineMs, 600 + LEASE);
  assert.equal(s.nextDeadline(), 600 + LEASE);
  assert.deepEqual(s.expire(1_000).ended, [], 'the old deadline no longer applies');
  assert.equal(s.expire(1_600).ended.length, 2);
});

test('nextDeadline is the earliest live deadline, and follows heartbeats', () => {
  const s = make(3);
  assert.equal(s.nextDeadline(), null);
  s.lease('w1', 1, 0);
  s.lease('w2', 1, 100);
  assert.equal(s.nextDeadline(), LEASE);
  s.heartbeat('w1', ['t0'], 200);
  assert.equal(s.nextDeadline(), 100 + LEASE);
});

test('expiry requeues the tile (attempt counted) and the next lease is attempt 2', () => {
  const s = make(2);
  s.lease('w1', 1, 0);
  assert.deepEqual(s.expire(LEASE - 1).ended, []);
  const d = s.expire(LEASE);
  assert.deepEqual(d.requeued, ['t0']);
  assert.equal(d.ended[0]?.workerId, 'w1');
  assert.match(d.ended[0]?.reason ?? '', /lease expired/);
  const snap = s.snapshot();
  assert.deepEqual([snap.leaseExpiries, snap.retries, snap.failedAttempts, snap.pending], [1, 1, 1, 2]);
  const again = s.lease('w2', 2, LEASE + 1);
  assert.deepEqual(again.tiles.map((t) => [t.tileId, t.attempt]), [['t0', 2], ['t1', 1]], 're-queued tiles first');
  assert.deepEqual(s.heartbeat('w1', ['t0'], LEASE + 2).cancelled, ['t0']);
});

test('a tile that uses up maxAttempts fails the run with its id and last error', () => {
  const s = make(3, { maxAttempts: 2 });
  s.lease('w1', 1, 0);
  s.fail('w1', 't0', 'onnx session crashed', true, 10);
  assert.equal(s.snapshot().run, 'running');
  assert.deepEqual(tileIds(s.lease('w2', 1, 20)), ['t0']);
  s.lease('w3', 1, 30); // t1, still running when the run fails
  const d = s.expire(20 + LEASE);
  assert.deepEqual(d.failure, { tileId: 't0', attempts: 2, lastError: 'lease expired (worker w2)' });
  assert.deepEqual(d.cancelled, [{ workerId: 'w3', tileId: 't1' }]);
  assert.equal(d.finished, true);
  const snap = s.snapshot();
  assert.equal(snap.run, 'failed');
  assert.equal(snap.failed, 1);
  assertConsistent(snap);
  assert.deepEqual(s.lease('w4', 5, 40), { tiles: [], retryAfterMs: 0, finished: true });
  assert.deepEqual(s.heartbeat('w3', ['t1'], 41).cancelled, ['t1']);
  assert.equal(s.nextDeadline(), null);
});

test('a non-retryable failure fails the run at once', () => {
  const s = make(3, { maxAttempts: 5 });
  s.lease('w1', 2, 0);
  const d = s.fail('w1', 't1', 'NaN in pd at subject 17', false, 5);
  assert.deepEqual(d.failure, { tileId: 't1', attempts: 1, lastError: 'NaN in pd at subject 17' });
  assert.deepEqual(d.requeued, []);
  assert.deepEqual(d.cancelled, [{ workerId: 'w1', tileId: 't0' }]);
  assert.equal(s.snapshot().run, 'failed');
});

test('a retryable failure requeues; a stale failure report changes nothing', () => {
  const s = make(1);
  s.lease('w1', 1, 0);
  assert.deepEqual(s.fail('w1', 't0', 'oom', true, 1).requeued, ['t0']);
  const stale = s.fail('w1', 't0', 'oom again', false, 2);
  assert.deepEqual([stale.ended, stale.failure], [[], null]);
  assert.equal(s.snapshot().failedAttempts, 1);
});

test('release hands an unstarted tile back: re-queued first, no attempt counted; a stale release changes nothing', () => {
  const s = make(3, { maxAttempts: 1 });
  assert.deepEqual(tileIds(s.lease('w1', 2, 0)), ['t0', 't1']);
  const d = s.release('w1', 't1', 5);
  assert.deepEqual([d.requeued, d.ended.map((e) => e.reason), d.failure], [['t1'], ['released unstarted'], null]);
  assert.deepEqual(s.heartbeat('w1', ['t0', 't1'], 6).cancelled, ['t1'], 'the released tile is no longer held');
  assert.deepEqual(s.release('w1', 't1', 7).ended, [], 'a second release is stale');
  assert.deepEqual(s.release('w2', 't0', 7).ended, [], 'only the holder can release');
  const again = s.lease('w2', 1, 8);
  assert.deepEqual(tileIds(again), ['t1'], 'served before the fresh tile t2');
  assert.equal(again.tiles[0]?.attempt, 2);
  const snap = s.snapshot();
  assert.deepEqual([snap.run, snap.failedAttempts, snap.retries, snap.released, snap.leased], ['running', 0, 0, 1, 2], 'maxAttempts 1 is not used up by a release');
});

test('release with a backup still holding the tile does not re-queue it', () => {
  const s2 = make(2, { backups: true, backupAfterMedianFactor: 1, backupMinMs: 0 });
  s2.lease('w1', 1, 0);
  s2.complete('w1', 't0', 'd0', 10); // median 10 ms
  s2.lease('w1', 1, 10); // t1
  const backup = s2.lease('w2', 1, 30); // t1 is 20 ms old > 1 x median: backup
  assert.deepEqual(tileIds(backup), ['t1']);
  assert.deepEqual(s2.release('w1', 't1', 31).requeued, [], 'w2 keeps computing it');
  assert.deepEqual([s2.snapshot().leased, s2.snapshot().released], [1, 1]);
});

test('complete: accept once, duplicate with the same digest, conflict with another, unknown tile', () => {
  const s = make(2);
  s.lease('w1', 2, 0);
  assert.equal(s.complete('w1', 't0', 'abc', 10).outcome, 'accepted');
  assert.equal(s.complete('w1', 't0', 'abc', 11).outcome, 'duplicate');
  assert.equal(s.complete('w2', 't0', 'xyz', 12).outcome, 'conflict');
  assert.equal(s.complete('w2', 't0', 'abc', 13).outcome, 'duplicate', 'the first result stands');
  assert.equal(s.complete('w1', 'zz', 'abc', 14).outcome, 'unknown');
  const snap = s.snapshot();
  assert.deepEqual([snap.done, snap.duplicates, snap.conflicts, snap.leased], [1, 2, 1, 1]);
  assert.equal(snap.medianTileMs, 10);
});

test('a late completion after expiry is accepted and the re-lease is cancelled on its next heartbeat', () => {
  const s = make(1);
  s.lease('w1', 1, 0);
  s.expire(LEASE);
  assert.deepEqual(tileIds(s.lease('w2', 1, LEASE + 10)), ['t0']);
  const d = s.complete('w1', 't0', 'abc', LEASE + 20);
  assert.equal(d.outcome, 'accepted');
  assert.deepEqual(d.cancelled, [{ workerId: 'w2', tileId: 't0' }]);
  assert.equal(d.finished, true);
  assert.deepEqual(s.heartbeat('w2', ['t0'], LEASE + 30), { extended: [], cancelled: ['t0'], deadlineMs: LEASE + 30 + LEASE });
  assert.equal(s.complete('w2', 't0', 'abc', LEASE + 40).outcome, 'duplicate');
  assert.equal(s.snapshot().run, 'succeeded');
});

test('a late completion of a requeued (pending) tile is accepted and the tile is not leased again', () => {
  const s = make(2);
  s.lease('w1', 1, 0);
  s.expire(LEASE);
  assert.equal(s.complete('w1', 't0', 'abc', LEASE + 1).outcome, 'accepted');
  assert.deepEqual(tileIds(s.lease('w2', 5, LEASE + 2)), ['t1']);
});

test('backups: only once the queue is empty and a lease is older than max(backupMinMs, k x median)', () => {
  const s = make(4, { leaseMs: 100_000, backups: true, backupAfterMedianFactor: 3, backupMinMs: 50 });
  s.lease('fast', 2, 0);
  s.complete('fast', 't0', 'd0', 100);
  s.complete('fast', 't1', 'd1', 100); // median 100 ms -> threshold 300 ms
  s.lease('slow', 1, 100); // t2, the straggler-to-be
  assert.deepEqual(tileIds(s.lease('other', 1, 200)), ['t3'], 'pending work first');
  assert.deepEqual(s.lease('fast', 1, 399).tiles, [], 't2 is 299 ms old: not a straggler yet');
  assert.deepEqual(s.lease('slow', 1, 400).tiles, [], 'never a backup of your own tile');
  const b = s.lease('fast', 3, 400);
  assert.deepEqual(b.tiles.map((t) => [t.tileId, t.backup, t.attempt]), [['t2', true, 2]]);
  assert.deepEqual(s.lease('idle', 1, 900).tiles.map((t) => t.tileId), ['t3'], 'one backup per tile: t3 next');
  assert.deepEqual(s.lease('idle2', 1, 900).tiles, [], 'both stragglers already backed up');
  const won = s.complete('fast', 't2', 'd2', 450);
  assert.deepEqual(won.cancelled, [{ workerId: 'slow', tileId: 't2' }]);
  assert.equal(s.complete('slow', 't2', 'd2', 500).outcome, 'duplicate');
  const snap = s.snapshot();
  assert.deepEqual([snap.backupsIssued, snap.backupsWon], [2, 1]);
  assertConsistent(snap);
});

test('backups: off by option, and none before any tile has completed', () => {
  for (const backups of [false, true]) {
    const s = make(2, { backups, backupMinMs: 0 });
    s.lease('a', 2, 0);
    assert.deepEqual(s.lease('b', 1, 5).tiles, [], 'no median yet');
    s.complete('a', 't0', 'd', 10);
    assert.deepEqual(s.lease('b', 1, 999).tiles.map((t) => t.tileId), backups ? ['t1'] : []);
  }
});

test('backups: the backupMinMs floor holds when k x median is small', () => {
  const s = make(3, { leaseMs: 100_000, backups: true, backupAfterMedianFactor: 2, backupMinMs: 1_000 });
  s.lease('a', 2, 0);
  s.complete('a', 't0', 'd', 10);
  assert.deepEqual(s.lease('b', 1, 10).tiles.map((t) => t.tileId), ['t2']);
  assert.deepEqual(s.lease('c', 1, 999).tiles, []);
  assert.deepEqual(s.lease('c', 1, 1_000).tiles.map((t) => [t.tileId, t.backup]), [['t1', true]]);
});

test('the original holder winning cancels the backup; a backup expiring alone does not requeue', () => {
  const s = make(2, { leaseMs: 1_000, backups: true, backupAfterMedianFactor: 1, backupMinMs: 0 });
  s.lease('a', 2, 0);
  s.complete('a', 't0', 'd', 10);
  s.lease('b', 1, 500); // backup of t1
  s.heartbeat('a', ['t1'], 900);
  const d = s.expire(1_500); // b's backup lapses, a still holds t1
  assert.deepEqual([d.ended.map((e) => [e.workerId, e.backup]), d.requeued], [[['b', true]], []]);
  const won = s.complete('a', 't1', 'd', 1_600);
  assert.deepEqual(won.cancelled, []);
  assert.equal(s.snapshot().backupsWon, 0);
});

test('workerLost requeues that worker\'s tiles, counting an attempt each', () => {
  const s = make(4);
  s.lease('w1', 2, 0);
  s.lease('w2', 1, 0);
  const d = s.workerLost('w1', 10);
  assert.deepEqual(d.requeued, ['t0', 't1']);
  assert.deepEqual(s.workerLost('w1', 11).ended, [], 'nothing left to lose');
  assert.deepEqual(s.heartbeat('w1', ['t0'], 12).cancelled, ['t0']);
  assert.deepEqual(tileIds(s.lease('w3', 3, 13)), ['t0', 't1', 't3']);
  const snap = s.snapshot();
  assert.deepEqual([snap.workersLost, snap.failedAttempts, snap.leaseExpiries], [1, 2, 0]);
});

test('finished only when every tile is done', () => {
  const s = make(2);
  s.lease('w', 2, 0);
  assert.equal(s.complete('w', 't0', 'a', 1).finished, false);
  assert.equal(s.lease('w', 1, 2).finished, false);
  assert.equal(s.complete('w', 't1', 'b', 3).finished, true);
  assert.deepEqual(s.lease('w', 1, 4), { tiles: [], retryAfterMs: 0, finished: true });
  assert.equal(s.snapshot().run, 'succeeded');
  assert.equal(new TileScheduler([]).snapshot().run, 'succeeded', 'an empty plan is done');
});

test('cancel stops leasing and returns every live lease', () => {
  const s = make(3);
  s.lease('w1', 1, 0);
  s.lease('w2', 1, 0);
  const d = s.cancel('user pressed ctrl-c');
  assert.deepEqual(d.cancelled, [{ workerId: 'w1', tileId: 't0' }, { workerId: 'w2', tileId: 't1' }]);
  assert.equal(d.finished, true);
  const snap = s.snapshot();
  assert.deepEqual([snap.run, snap.cancelReason, snap.leased, snap.pending], ['cancelled', 'user pressed ctrl-c', 0, 3]);
  assert.equal(s.lease('w3', 1, 1).finished, true);
  assert.deepEqual(s.expire(10 * LEASE).ended, []);
  assert.deepEqual(s.cancel('again').cancelled, []);
});

test('time never runs backwards: an earlier nowMs reads as the latest seen', () => {
  const s = make(2);
  s.lease('w1', 1, 500);
  assert.equal(s.lease('w2', 1, 100).tiles[0]?.deadlineMs, 500 + LEASE);
  assert.throws(() => s.expire(Number.NaN), InputError);
});

test('options: defaults fill in, bad values name the field', () => {
  assert.deepEqual(compileSchedulerOptions({ leaseMs: 5 }), { ...schedulerDefaults, leaseMs: 5 });
  assert.throws(() => compileSchedulerOptions({ leaseMs: 0 }), /field "leaseMs"/);
  assert.throws(() => compileSchedulerOptions({ maxAttempts: 1.5 }), /field "maxAttempts"/);
  assert.throws(() => compileSchedulerOptions({ backupAfterMedianFactor: 0.5 }), /field "backupAfterMedianFactor"/);
  assert.throws(() => compileSchedulerOptions({ leaseMS: 5 } as SchedulerOptions), /field "leaseMS"/);
});


test('property: random interleavings end with every tile accepted exactly once', () => {
  for (const seed of [1, 2, 3, 42, 2024]) {
    const rand = prng(seed);
    const n = 200;
    const resumed = ids(n).filter(() => rand() < 0.1);
    const s = new TileScheduler(ids(n), resumed, { leaseMs: 50, maxAttempts: 1_000, backups: true, backupAfterMedianFactor: 1.5, backupMinMs: 5 });
    const workers = ['w0', 'w1', 'w2', 'w3', 'w4'];
    const held = new Map<string, Set<string>>(workers.map((w) => [w, new Set()]));
    const accepted = new Map<string, number>(resumed.map((id) => [id, 1]));
    let now = 0;
    let ended = 0;
    let requeued = 0;
    let released = 0;
    for (let step = 0; step < 50_000 && s.snapshot().run === 'running'; step++) {
      now += Math.floor(rand() * 10);
      const w = workers[Math.floor(rand() * workers.length)] as string;
      const mine = held.get(w) as Set<string>;
      const r = rand();
      if (r < 0.3) {
        for (const t of s.lease(w, 1 + Math.floor(rand() * 4), now).tiles) mine.add(t.tileId);
      } else if (r < 0.7 && mine.size > 0) {
        const tile = [...mine][Math.floor(rand() * mine.size)] as string;
        mine.delete(tile);
        const d = s.complete(w, tile, `digest-${tile}`, now);
        assert.notEqual(d.outcome, 'conflict');
        if (d.outcome === 'accepted') accepted.set(tile, (accepted.get(tile) ?? 0) + 1);
        for (const c of d.cancelled) held.get(c.workerId)?.delete(c.tileId);
      } else if (r < 0.8) {
        const hb = s.heartbeat(w, [...mine], now);
        for (const c of hb.cancelled) mine.delete(c);
      } else if (r < 0.9) {
        const d = s.expire(now);
        [ended, requeued] = [ended + d.ended.length, requeued + d.requeued.length];
      } else if (r < 0.93) {
        const d = s.workerLost(w, now);
        [ended, requeued] = [ended + d.ended.length, requeued + d.requeued.length];
        mine.clear();
      } else if (mine.size > 0 && r < 0.96) {
        const tile = [...mine][0] as string;
        mine.delete(tile);
        const d = s.fail(w, tile, 'flaky', true, now);
        [ended, requeued] = [ended + d.ended.length, requeued + d.requeued.length];
      } else if (mine.size > 0 && r < 0.98) {
        const tile = [...mine][0] as string;
        mine.delete(tile);
        released += s.release(w, tile, now).ended.length;
      }
      const snap = s.snapshot();
      assertConsistent(snap);
      assert.equal(snap.done, accepted.size, 'done counts accepted tiles');
    }
    const snap = s.snapshot();
    assert.equal(snap.run, 'succeeded', `seed ${seed}`);
    assert.deepEqual([snap.done, snap.pending, snap.leased, snap.failed, snap.leasesLive], [n, 0, 0, 0, 0]);
    assert.ok([...accepted.values()].every((k) => k === 1), 'no tile accepted twice');
    assert.equal(snap.resumedDone, resumed.length);
    assert.ok(snap.backupsWon <= snap.backupsIssued);
    assert.ok(snap.leasesIssued >= n - resumed.length);
    assert.deepEqual([snap.failedAttempts, snap.retries, snap.released], [ended, requeued, released], 'counters match the decisions');
    assert.ok(snap.retries > 0 && snap.backupsIssued > 0, 'the interleavings exercised requeues and backups');
  }
});
