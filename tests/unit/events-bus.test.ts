/**
 * The event bus contract on the in-process backend: what a run publishes (observeRun), that a publisher
 * is never hurt by its bus, and that a late watcher (busProgress) replays the run to its end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { create } from '@bufbuild/protobuf';
import { Registry } from 'prom-client';
import { RunEventSchema, type RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { RunState } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { observeRun, type TileAcceptedInfo } from '../../coordinator/events/attach.js';
import type { EventBus } from '../../coordinator/events/bus.js';
import { MemoryEventBus } from '../../coordinator/events/memory-bus.js';
import { registerEventBusMetrics } from '../../coordinator/events/metrics.js';
import type { RunPhase, RunProgressInfo } from '../../coordinator/run/run-controller.js';
import { busProgress } from '../../coordinator/watch/sources.js';

/** A stand-in for RunController: the same events, counts driven by the test. */
class FakeRun extends EventEmitter {
  readonly runId = 'fake01';
  phase: RunPhase = 'PREPARED';
  done = 0;
  trajectories = 0;
  error = '';
  constructor(readonly total: number, readonly resumed = 0) {
    super();
    this.done = resumed;
  }
  progress(): RunProgressInfo {
    return { runId: this.runId, phase: this.phase, tilesTotal: this.total, tilesDone: this.done, tilesLeased: 1, tilesResumed: this.resumed, trajectories: this.trajectories, error: this.error };
  }
  start(): void {
    this.phase = 'RUNNING';
    this.emit('progress', this.progress());
  }
  accept(tileId: string): void {
    this.done += 1;
    this.trajectories += 100;
    this.emit('tile-accepted', { tileId, workerId: 'w1', trajectories: 100, computeMs: 1 } satisfies TileAcceptedInfo);
    this.emit('progress', this.progress());
  }
  end(phase: RunPhase, error = ''): void {
    this.phase = phase;
    this.error = error;
    this.emit('progress', this.progress());
    this.emit('done', this.progress());
  }
}

const INFO = { outDir: '/runs/fake01', scenarioPath: '/s.yaml', trajectoriesTotal: 1000 };

async function collect(bus: EventBus, runId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  const ac = new AbortController();
  const it = bus.replay(runId, { signal: ac.signal });
  setImmediate(() => ac.abort());
  for await (const { event } of it) out.push(event);
  return out;
}

test('a run publishes started, one event per accepted tile, throttled snapshots and finished, then lets go', async () => {
  const bus = new MemoryEventBus();
  const run = new FakeRun(10);
  let clock = 0;
  observeRun(run, INFO, bus, { attemptId: 'A', progressIntervalMs: 1_000, nowMs: () => clock });
  run.emit('progress', run.progress()); // PREPARED: nothing yet
  run.start();
  for (let i = 0; i < 10; i += 1) {
    clock += 300;
    run.accept(`t${i}`);
  }
  run.end('SUCCEEDED');
  run.accept('late'); // after 'done' the observer is detached
  const events = await collect(bus, run.runId);
  const kinds = events.map((e) => e.event.case);
  assert.equal(kinds[0], 'started');
  assert.equal(kinds.at(-1), 'finished');
  assert.equal(kinds.filter((k) => k === 'tile').length, 10);
  // 3 s of tiles at <= 1 snapshot/s, plus the RUNNING and SUCCEEDED phase changes
  const snapshots = kinds.filter((k) => k === 'progress').length;
  assert.ok(snapshots >= 3 && snapshots <= 5, `${snapshots} snapshots`);
  const s = events[0]?.event;
  assert.ok(s?.case === 'started');
  assert.deepEqual([s.value.attemptId, s.value.tilesTotal, s.value.trajectoriesTotal, s.value.outDir], ['A', 10, 1000n, '/runs/fake01']);
  const f = events.at(-1)?.event;
  assert.ok(f?.case === 'finished');
  assert.deepEqual([f.value.state, f.value.tilesDone, f.value.trajectories, f.value.durationMs], [RunState.SUCCEEDED, 10, 1000n, 3000]);
  const last = events.filter((e) => e.event.case === 'tile').at(-1)?.event;
  assert.ok(last?.case === 'tile');
  assert.deepEqual([last.value.tileId, last.value.tilesDone, last.value.trajectoriesDone], ['t9', 10, 1000n]);
});

test('a bus that throws (a broken backend) never reaches the run', () => {
  const broken: EventBus = {
    kind: 'memory',
    publish: () => { throw new Error('socket on fire'); },
    replay: () => { throw new Error('unused'); },
    stats: () => ({ published: 0, duplicates: 0, failed: 0, dropped: 0 }),
    close: async () => undefined,
  };
  const run = new FakeRun(2);
  observeRun(run, INFO, broken);
  assert.doesNotThrow(() => {
    run.start();
    run.accept('t0');
    run.end('FAILED', 'boom');
  });
});

test('the in-process bus stores a tile once (same dedup rule as JetStream) and drops after close', async () => {
  const bus = new MemoryEventBus();
  const tile = create(RunEventSchema, { event: { case: 'tile', value: { runId: 'r', attemptId: 'a', tileId: 't0' } } });
  bus.publish(tile);
  bus.publish(create(RunEventSchema, { event: { case: 'tile', value: { runId: 'r', attemptId: 'b', tileId: 't0' } } }));
  await bus.close();
  bus.publish(create(RunEventSchema, { event: { case: 'tile', value: { runId: 'r', attemptId: 'a', tileId: 't1' } } }));
  assert.deepEqual(bus.stats(), { published: 1, duplicates: 1, failed: 0, dropped: 1 });
});

test('a watcher that joins after half the tiles follows the run live to 100 % and ends with it', async () => {
  const bus = new MemoryEventBus();
  const run = new FakeRun(8);
  observeRun(run, INFO, bus);
  run.start();
  for (let i = 0; i < 4; i += 1) run.accept(`t${i}`);
  const seen: RunProgressInfo[] = [];
  const watching = (async () => {
    for await (const p of busProgress(bus, run.runId)) seen.push(p);
  })();
  await new Promise((r) => setImmediate(r));
  assert.equal(seen.at(-1)?.tilesDone, 4, 'caught up with the first half');
  for (let i = 4; i < 8; i += 1) run.accept(`t${i}`);
  run.end('SUCCEEDED');
  await watching; // ends by itself: the run finished
  assert.deepEqual([seen.at(-1)?.phase, seen.at(-1)?.tilesDone, seen.at(-1)?.tilesTotal], ['SUCCEEDED', 8, 8]);
  for (let i = 1; i < seen.length; i += 1) assert.ok((seen[i]?.tilesDone ?? 0) >= (seen[i - 1]?.tilesDone ?? 0), 'progress never goes back');
});

test('replaying a run that failed and was resumed does not stop at the first end', async () => {
  const bus = new MemoryEventBus();
  const first = new FakeRun(4);
  observeRun(first, INFO, bus, { attemptId: 'A' });
  first.start();
  first.accept('t0');
  first.end('FAILED', 'tile t1 failed after 3 attempt(s)');
  const second = new FakeRun(4, 1);
  observeRun(second, INFO, bus, { attemptId: 'B' });
  second.start();
  for (const id of ['t1', 't2', 't3']) second.accept(id);
  second.end('SUCCEEDED');
  const seen: RunProgressInfo[] = [];
  for await (const p of busProgress(bus, 'fake01')) seen.push(p);
  assert.deepEqual([seen.at(-1)?.phase, seen.at(-1)?.tilesDone], ['SUCCEEDED', 4]);

  const failedOnly = new MemoryEventBus();
  const third = new FakeRun(4);
  observeRun(third, INFO, failedOnly);
  third.start();
  third.end('FAILED', 'boom');
  const last: RunProgressInfo[] = [];
  for await (const p of busProgress(failedOnly, 'fake01')) last.push(p);
  assert.deepEqual([last.at(-1)?.phase, last.at(-1)?.error], ['FAILED', 'boom']);
});

test('a watcher of a run that never publishes is told once, and stops when aborted', async () => {
  const bus = new MemoryEventBus();
  const ac = new AbortController();
  let quiet = 0;
  const seen: RunProgressInfo[] = [];
  setTimeout(() => ac.abort(), 80);
  for await (const p of busProgress(bus, 'nobody', { signal: ac.signal, quietMs: 20, onQuiet: () => (quiet += 1) })) seen.push(p);
  assert.equal(seen.length, 0);
  assert.equal(quiet, 1);
});

test('bus outcomes are exported as qusop_events_total{bus,result}', async () => {
  const registry = new Registry();
  const bus = new MemoryEventBus();
  registerEventBusMetrics(registry, bus);
  const tile = (id: string): RunEvent => create(RunEventSchema, { event: { case: 'tile', value: { runId: 'r', attemptId: 'a', tileId: id } } });
  bus.publish(tile('t0'));
  bus.publish(tile('t1'));
  bus.publish(tile('t1'));
  const text = await registry.metrics();
  assert.match(text, /qusop_events_total\{bus="memory",result="published"\} 2\n/);
  assert.match(text, /qusop_events_total\{bus="memory",result="duplicates"\} 1\n/);
  assert.match(text, /qusop_events_total\{bus="memory",result="failed"\} 0\n/);
  bus.publish(tile('t2'));
  assert.match(await registry.metrics(), /result="published"\} 3\n/, 'the counter follows the bus between scrapes');
});
