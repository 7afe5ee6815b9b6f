/** Run events on the wire: the subject scheme, dedup ids, and a lossless proto3-JSON round trip per kind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RunEventSchema, type RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { RunState } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { decodeEvent, encodeEvent } from '../../coordinator/events/codec.js';
import { eventMsgId, parseRunSubject, runFilter, runSubject } from '../../coordinator/events/subjects.js';
import { InputError } from '../../worker/common/errors.js';

const RUN = '0123456789abcdef';
const time = timestampFromMs(1_700_000_000_123);

const samples: RunEvent[] = [
  create(RunEventSchema, { event: { case: 'started', value: { runId: RUN, attemptId: 'a1', tilesTotal: 160, tilesResumed: 3, trajectoriesTotal: 2n ** 40n + 7n, outDir: '/r', scenarioPath: '/s.yaml', time } } }),
  create(RunEventSchema, { event: { case: 'tile', value: { runId: RUN, attemptId: 'a1', tileId: 's0-g1-d0-80-r3-4', workerId: 'w1-x-9', trajectories: 16_000n, computeMs: 12.5, tilesDone: 4, tilesTotal: 160, trajectoriesDone: 16_000n, time } } }),
  create(RunEventSchema, { event: { case: 'progress', value: { attemptId: 'a1', tilesResumed: 3, time, progress: { runId: RUN, state: RunState.AGGREGATING, tilesTotal: 160, tilesDone: 160, tilesLeased: 0, trajectories: 9_007_199_254_740_993n } } } }),
  create(RunEventSchema, { event: { case: 'finished', value: { runId: RUN, attemptId: 'a1', state: RunState.FAILED, error: 'tile s0 failed after 3 attempt(s): boom', tilesDone: 7, tilesTotal: 160, trajectories: 1n, durationMs: 1234.5, outDir: '/r', time } } }),
];

test('each event kind has its own subject under qusop.run.<run>', () => {
  assert.deepEqual(samples.map((e) => encodeEvent(e).subject), ['started', 'tile', 'progress', 'finished'].map((k) => `qusop.run.${RUN}.${k}`));
  assert.equal(runFilter(RUN), `qusop.run.${RUN}.>`);
  assert.deepEqual(parseRunSubject(`qusop.run.${RUN}.tile`), { runId: RUN, kind: 'tile' });
  for (const bad of ['qusop.run.x', `qusop.run.${RUN}.tiles`, `other.run.${RUN}.tile`, `qusop.run.${RUN}.tile.extra`]) assert.equal(parseRunSubject(bad), undefined, bad);
});

test('run ids that would break the subject scheme are refused with the field named', () => {
  for (const bad of ['', 'a.b', 'a*', '>', 'a b', 'x'.repeat(129)]) {
    assert.throws(() => runSubject(bad, 'tile'), (e: unknown) => e instanceof InputError && /run id/.test(e.message), JSON.stringify(bad));
  }
});

test('every kind survives encode -> decode unchanged (64-bit counts and timestamps included)', () => {
  for (const e of samples) {
    const enc = encodeEvent(e);
    const back = decodeEvent(enc.subject, enc.data);
    assert.ok(equals(RunEventSchema, back, e), `${e.event.case} round trip`);
    assert.match(enc.type, /^qusop\.v1\.(RunStarted|TileCompleted|RunProgressSnapshot|RunFinished)$/);
  }
  // the payload is plain proto3 JSON: readable without qusop
  const json = JSON.parse(new TextDecoder().decode(encodeEvent(samples[1] as RunEvent).data)) as Record<string, unknown>;
  assert.equal(json['tileId'], 's0-g1-d0-80-r3-4');
  assert.equal(json['trajectories'], '16000');
  assert.equal(json['time'], '2023-11-14T22:13:20.123Z');
});

test('dedup ids: a tile is keyed by run + tile (any attempt), lifecycle events by attempt, snapshots not at all', () => {
  const [started, tile, progress, finished] = samples as [RunEvent, RunEvent, RunEvent, RunEvent];
  assert.equal(eventMsgId(tile), `${RUN}.s0-g1-d0-80-r3-4`);
  const otherAttempt = create(RunEventSchema, { event: { case: 'tile', value: { ...(tile.event.value as object), attemptId: 'a2' } } });
  assert.equal(eventMsgId(otherAttempt), eventMsgId(tile));
  assert.equal(eventMsgId(started), `${RUN}.started.a1`);
  assert.equal(eventMsgId(finished), `${RUN}.finished.a1`);
  assert.equal(eventMsgId(progress), undefined);
});

test('foreign subjects and payloads that are not the subject kind are InputErrors naming the subject', () => {
  const data = new TextEncoder().encode('{"tileId": 5}');
  assert.throws(() => decodeEvent(`qusop.run.${RUN}.tile`, data), (e: unknown) => e instanceof InputError && e.message.includes(`qusop.run.${RUN}.tile`) && e.message.includes('TileCompleted'));
  assert.throws(() => decodeEvent('qusop.jobs.x', new Uint8Array()), InputError);
  assert.throws(() => encodeEvent(create(RunEventSchema, {})), InputError);
});
