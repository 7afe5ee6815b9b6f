/**
 * Verification copies (schedule/verification.ts): the sample is a pure function of (run, tile,
 * fraction); a copy goes to another worker while one is active, to the same worker only when it is
 * alone; lost, failed and expired copies go back to the queue; a different digest is a mismatch
 * naming both digests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerificationQueue, verifiedTile } from '../../coordinator/schedule/verification.js';

const tiles = Array.from({ length: 2000 }, (_, i) => `s0-g0-d0-4-r${i}-${i + 1}`);

test('the sample depends only on run, tile and fraction, and has about the asked size', () => {
  const pick = (run: string, f: number) => tiles.filter((t) => verifiedTile(run, t, f));
  assert.deepEqual(pick('run-a', 0.1), pick('run-a', 0.1));
  assert.notDeepEqual(pick('run-a', 0.1), pick('run-b', 0.1), 'another run samples other tiles');
  const n = pick('run-a', 0.1).length;
  assert.ok(n > 150 && n < 250, `${n} of 2000 at 0.1`);
  assert.equal(pick('run-a', 0).length, 0);
  assert.equal(pick('run-a', 1).length, tiles.length);
  assert.ok(pick('run-a', 0.1).every((t) => verifiedTile('run-a', t, 0.2)), 'a larger fraction keeps the smaller sample');
});

test('a copy goes to another worker while one is active; to the same worker only when it is alone', () => {
  const q = new VerificationQueue('r', 1, 1000);
  q.seen('A', 0);
  q.seen('B', 0);
  q.accepted('t1', 'A', 'd1');
  assert.equal(q.outstanding, 1);
  assert.equal(q.lease('A', 100), undefined, 'A computed it and B is active');
  assert.equal(q.lease('B', 100), 't1');
  assert.equal(q.lease('B', 100), undefined, 'held');
  assert.deepEqual(q.complete('B', 't1', 'd1'), { outcome: 'verified', sameWorker: false });
  assert.equal(q.outstanding, 0);
  q.accepted('t2', 'A', 'd2');
  assert.equal(q.lease('A', 1050), undefined, 'B asked within the lease period (at 100)');
  assert.equal(q.lease('A', 1200), 't2', 'B silent for longer than a lease: A verifies its own tile');
  assert.deepEqual(q.complete('A', 't2', 'd2'), { outcome: 'verified', sameWorker: true });
  assert.deepEqual([q.verified, q.sameWorker], [2, 1]);
});

test('a different digest is a mismatch naming the first worker and digest; only the holder completes a copy', () => {
  const q = new VerificationQueue('r', 1, 1000);
  q.seen('A', 0);
  q.accepted('t1', 'A', 'aaa');
  assert.equal(q.lease('B', 10), 't1');
  assert.equal(q.complete('A', 't1', 'aaa'), undefined, 'A does not hold the copy');
  assert.deepEqual(q.complete('B', 't1', 'bbb'), { outcome: 'mismatch', firstWorker: 'A', firstDigest: 'aaa' });
});

test('expired, lost and failed copies go back to the queue; a copy failing maxAttempts times is reported', () => {
  const q = new VerificationQueue('r', 1, 1000, 3);
  q.seen('A', 0);
  q.accepted('t1', 'A', 'd');
  assert.equal(q.lease('B', 0), 't1');
  q.heartbeat('B', 't1', 900);
  assert.equal(q.expire(1500), undefined);
  assert.ok(q.holds('B', 't1'), 'the heartbeat extended the lease');
  assert.equal(q.expire(1900), undefined);
  assert.equal(q.holds('B', 't1'), false, 'expired: back in the queue');
  assert.equal(q.lease('C', 1900), 't1');
  assert.equal(q.workerLost('C'), undefined);
  assert.equal(q.lease('B', 1900), 't1');
  assert.equal(q.release('B', 't1', false), undefined, 'handed back unstarted: no attempt counted');
  assert.equal(q.lease('B', 1900), 't1');
  assert.match(q.release('B', 't1') ?? '', /verification copy of tile t1 failed 3 times/);
  assert.equal(q.outstanding, 1);
});

test('tiles outside the sample are not queued', () => {
  const q = new VerificationQueue('r', 0, 1000);
  q.accepted('t1', 'A', 'd');
  assert.equal(q.outstanding, 0);
  assert.equal(q.lease('B', 0), undefined);
});
