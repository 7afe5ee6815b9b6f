/**
 * Rebuilding a run's progress from its event stream (RunReplay): once per tile, counts only grow,
 * the final event is authoritative, and a resumed run (a new attempt) restarts from its resumed tiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { RunEventSchema, type RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { RunState } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { RunReplay } from '../../coordinator/watch/run-replay.js';

const RUN = 'r1';
const started = (attemptId: string, tilesTotal: number, tilesResumed = 0): RunEvent =>
  create(RunEventSchema, { event: { case: 'started', value: { runId: RUN, attemptId, tilesTotal, tilesResumed, trajectoriesTotal: BigInt(tilesTotal * 100) } } });
const tile = (attemptId: string, tileId: string, tilesDone: number, tilesTotal: number): RunEvent =>
  create(RunEventSchema, { event: { case: 'tile', value: { runId: RUN, attemptId, tileId, trajectories: 100n, tilesDone, tilesTotal, trajectoriesDone: BigInt(tilesDone * 100) } } });
const snapshot = (attemptId: string, state: RunState, tilesDone: number, tilesTotal: number): RunEvent =>
  create(RunEventSchema, { event: { case: 'progress', value: { attemptId, progress: { runId: RUN, state, tilesDone, tilesTotal, tilesLeased: 2, trajectories: BigInt(tilesDone * 100) } } } });
const finished = (attemptId: string, state: RunState, tilesDone: number, tilesTotal: number, error = ''): RunEvent =>
  create(RunEventSchema, { event: { case: 'finished', value: { runId: RUN, attemptId, state, tilesDone, tilesTotal, trajectories: BigInt(tilesDone * 100), error } } });

const replay = (events: RunEvent[]): RunReplay => {
  const r = new RunReplay(RUN);
  for (const e of events) r.apply(e);
  return r;
};

test('a full stream ends at 100 % and SUCCEEDED', () => {
  const events = [started('a', 4), tile('a', 't0', 1, 4), tile('a', 't1', 2, 4), snapshot('a', RunState.RUNNING, 2, 4), tile('a', 't2', 3, 4), tile('a', 't3', 4, 4), snapshot('a', RunState.AGGREGATING, 4, 4), finished('a', RunState.SUCCEEDED, 4, 4)];
  const r = replay(events);
  assert.equal(r.finished, true);
  assert.deepEqual(r.progress(), { runId: RUN, phase: 'SUCCEEDED', tilesTotal: 4, tilesDone: 4, tilesLeased: 0, tilesResumed: 0, trajectories: 400, error: '' });
});

test('the same tile twice counts once; counts never go backwards', () => {
  const r = replay([started('a', 4), tile('a', 't0', 1, 4), tile('a', 't0', 1, 4), tile('a', 't1', 2, 4)]);
  assert.equal(r.progress().tilesDone, 2);
  assert.equal(r.progress().trajectories, 200);
  r.apply(snapshot('a', RunState.RUNNING, 1, 4)); // an older snapshot arriving late
  assert.equal(r.progress().tilesDone, 2);
  assert.equal(r.finished, false);
});

test('lost tile events: snapshots and the final event still bring a finished run to 100 %', () => {
  const r = replay([started('a', 10), tile('a', 't0', 1, 10), snapshot('a', RunState.RUNNING, 6, 10)]);
  assert.equal(r.progress().tilesDone, 6);
  r.apply(finished('a', RunState.SUCCEEDED, 10, 10));
  assert.equal(r.progress().tilesDone, 10);
  assert.equal(r.progress().phase, 'SUCCEEDED');
});

test('a failed run reports FAILED with its error', () => {
  const r = replay([started('a', 5), tile('a', 't0', 1, 5), finished('a', RunState.FAILED, 1, 5, 'tile t1 failed after 3 attempt(s): NaN in pd')]);
  assert.equal(r.progress().phase, 'FAILED');
  assert.match(r.progress().error, /NaN in pd/);
  r.apply(tile('a', 't4', 2, 5)); // a straggler after the end does not reopen the attempt
  assert.equal(r.progress().tilesDone, 1);
});

test('a resumed run (new attempt) restarts from the tiles it found on disk', () => {
  const r = replay([started('a', 6), tile('a', 't0', 1, 6), tile('a', 't1', 2, 6), finished('a', RunState.CANCELLED, 2, 6, 'interrupted')]);
  assert.equal(r.progress().phase, 'CANCELLED');
  r.apply(started('b', 6, 2));
  assert.equal(r.finished, false);
  assert.deepEqual([r.progress().phase, r.progress().tilesDone, r.progress().tilesResumed, r.progress().error], ['RUNNING', 2, 2, '']);
  for (const [i, id] of ['t2', 't3', 't4', 't5'].entries()) r.apply(tile('b', id, 3 + i, 6));
  r.apply(finished('b', RunState.SUCCEEDED, 6, 6));
  assert.deepEqual([r.progress().phase, r.progress().tilesDone, r.progress().trajectories], ['SUCCEEDED', 6, 600]);
});

test('joining a stream whose RunStarted was trimmed adopts the attempt from its first event', () => {
  const r = replay([tile('a', 't7', 8, 10), tile('a', 't8', 9, 10)]);
  assert.deepEqual([r.progress().tilesDone, r.progress().tilesTotal, r.progress().phase], [9, 10, 'RUNNING']);
});
