/**
 * Run events against a real nats-server (JetStream) and a real `qusop run`: the run publishes typed
 * events into QUSOP_RUNS; `qusop watch` started after half the tiles replays the stream and ends at
 * 100 % with the run's exit status; a re-published tile is stored once; an unreachable NATS never
 * stops a run; and without NATS, `qusop watch --coordinator` follows RunService.WatchRun to 100 %.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { connect } from 'nats';
import { RunEventSchema, type RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { RunState } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { NatsEventBus } from '../../coordinator/events/nats-bus.js';
import { decodeEvent } from '../../coordinator/events/codec.js';
import { RUN_STREAM } from '../../coordinator/events/subjects.js';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { silentLogger } from '../../worker/common/log.js';
import { runCli, startCli, withTempDir, type RunningCli } from '../kit/cli.js';
import { skipWithoutNats, startNatsServer, type NatsServer } from '../kit/nats.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { freePort as closedPort } from '../kit/ports.js';

// 2 regimens x 80 doses x 10 replicates x 100 subjects, 2000 trajectories a tile: 80 small tiles
const SCENARIO = knownAnswerScenario({ replicates: 10, subjects: 100, seed: 11 });
const TILE_TRAJECTORIES = '2000';
const TILES = 80;
const SUCCEEDED = (runId: string): RegExp => new RegExp(`run ${runId} SUCCEEDED: ${TILES}/${TILES} tiles \\(100%\\), 160,000 trajectories`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** HOST:PORT from the coordinator's `listening` line (attach right after startCli: output is async). */
function listeningAddress(c: RunningCli): Promise<string> {
  let text = '';
  return new Promise((ok, fail) => {
    const onData = (b: Buffer): void => {
      text += b.toString();
      const m = /listening (127\.0\.0\.1:\d+)/.exec(text);
      if (m?.[1] !== undefined) {
        c.child.stdout?.off('data', onData);
        ok(m[1]);
      }
    };
    c.child.stdout?.on('data', onData);
    void c.done.then((r) => fail(new Error(`coordinator exited (${r.code}) before listening:\n${r.stderr}`)));
  });
}


test('a run publishes to JetStream; a watcher joining after half the tiles replays it to 100 %', { skip: skipWithoutNats(), timeout: 120_000 }, async (t) => {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    await withTempDir(async (tmp) => {
      const scenario = await writeScenario(tmp, SCENARIO);
      // the test's own live view of the run's events (core NATS, no replay)
      let runId = '';
      let tilesSeen = 0;
      let finishedSeen = false;
      const sub = nc.subscribe('qusop.run.>', {
        callback: (err, m) => {
          if (err !== null) return;
          const e = decodeEvent(m.subject, m.data);
          if (e.event.case === 'started') runId = e.event.value.runId;
          if (e.event.case === 'tile') tilesSeen += 1;
          if (e.event.case === 'finished') finishedSeen = true;
        },
      });
      const t0 = Date.now();
      const run = startCli(['run', scenario, '--out', join(tmp, 'run'), '--workers', '1', '--tile-trajectories', TILE_TRAJECTORIES, '--nats', nats.url, '--quiet'], { timeoutMs: 90_000 });
      while (tilesSeen < TILES / 2 && run.child.exitCode === null) await sleep(10);
      assert.ok(tilesSeen >= TILES / 2, `saw ${tilesSeen} tile events before the run exited`);
      const joinedAt = { tiles: tilesSeen, finished: finishedSeen };
      const watch = startCli(['watch', runId, '--nats', nats.url, '--timeout-s', '60'], { timeoutMs: 70_000 });
      const [r, w] = await Promise.all([run.done, watch.done]);
      t.diagnostic(`run ${Date.now() - t0} ms; watcher joined at ${joinedAt.tiles}/${TILES} tiles (run ${joinedAt.finished ? 'already finished' : 'still running'})`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(w.code, 0, `watch stderr:\n${w.stderr}`);
      assert.match(w.stdout, SUCCEEDED(runId));
      assert.match(w.stderr, /\d+\/80 tiles \(\d+%\)/, 'progress lines on a non-TTY stderr');
      await sub.drain();

      // what the stream holds for this run: one start, one event per tile, one end
      const jsm = await nc.jetstreamManager();
      const count = async (): Promise<Record<string, number>> => (await jsm.streams.info(RUN_STREAM, { subjects_filter: `qusop.run.${runId}.>` })).state.subjects ?? {};
      const stored = await count();
      assert.equal(stored[`qusop.run.${runId}.started`], 1);
      assert.equal(stored[`qusop.run.${runId}.tile`], TILES);
      assert.equal(stored[`qusop.run.${runId}.finished`], 1);
      assert.ok((stored[`qusop.run.${runId}.progress`] ?? 0) >= 2, 'at least the RUNNING and final snapshots');

      // a duplicate completion (same run + tile) is stored once: the stream's dedup window
      const firstTile = await jsm.streams.getMessage(RUN_STREAM, { last_by_subj: `qusop.run.${runId}.tile` });
      const bus = NatsEventBus.open(nats.url, {}, silentLogger);
      bus.publish(decodeEvent(firstTile.subject, firstTile.data));
      await bus.close();
      assert.deepEqual(bus.stats(), { published: 0, duplicates: 1, failed: 0, dropped: 0 });
      assert.equal((await count())[`qusop.run.${runId}.tile`], TILES);

      // watching a finished run replays it from the start and exits at once
      const again = await runCli(['watch', runId, '--nats', nats.url, '--timeout-s', '30', '--quiet'], { timeoutMs: 40_000 });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, SUCCEEDED(runId));

      // and a run that failed makes the watcher fail, with the run's error
      const failed = NatsEventBus.open(nats.url, {}, silentLogger);
      failed.publish(create(RunEventSchema, { event: { case: 'started', value: { runId: 'failedrun1', attemptId: 'x', tilesTotal: 4 } } }));
      failed.publish(create(RunEventSchema, { event: { case: 'finished', value: { runId: 'failedrun1', attemptId: 'x', state: RunState.FAILED, tilesDone: 1, tilesTotal: 4, error: 'tile t2 failed after 3 attempt(s): NaN in pd' } } }));
      await failed.close();
      const wf = await runCli(['watch', 'failedrun1', '--nats', nats.url, '--timeout-s', '30'], { timeoutMs: 40_000 });
      assert.equal(wf.code, 1, wf.stderr);
      assert.match(wf.stdout, /run failedrun1 FAILED: 1\/4 tiles \(25%\).*NaN in pd/);
    });
  } finally {
    await nc.close();
    await nats.dispose();
  }
});

test('a NATS restart mid-stream: events wait in the backlog and are all stored once it is back', { skip: skipWithoutNats(), timeout: 60_000 }, async () => {
  const nats = await startNatsServer();
  const tile = (i: number): RunEvent => create(RunEventSchema, { event: { case: 'tile', value: { runId: 'outage1', attemptId: 'a', tileId: `t${i}`, tilesDone: i + 1, tilesTotal: 40 } } });
  const bus = NatsEventBus.open(nats.url, { publishTimeoutMs: 10_000 }, silentLogger);
  let restarted: NatsServer | undefined;
  try {
    assert.equal(await bus.ready(5_000), true);
    for (let i = 0; i < 20; i += 1) bus.publish(tile(i));
    await sleep(200);
    await nats.stop(); // the store directory stays: the stream survives the restart
    await sleep(300);
    for (let i = 20; i < 40; i += 1) bus.publish(tile(i)); // never throws, never waits
    restarted = await startNatsServer({ port: nats.port, storeDir: nats.storeDir });
    await bus.close(10_000);
    const s = bus.stats();
    assert.deepEqual({ ...s }, { published: 40, duplicates: 0, failed: 0, dropped: 0 }, JSON.stringify(s));
    const nc = await connect({ servers: restarted.url });
    const info = await (await nc.jetstreamManager()).streams.info(RUN_STREAM, { subjects_filter: 'qusop.run.outage1.>' });
    await nc.close();
    assert.equal(info.state.subjects?.['qusop.run.outage1.tile'], 40);
  } finally {
    await bus.close(0);
    await restarted?.stop();
    await nats.dispose();
  }
});

test('an unreachable NATS never stops a run, and `qusop watch --nats` alone says which URL failed', { timeout: 90_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 50, seed: 3 }));
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['run', scenario, '--out', join(tmp, 'run'), '--workers', '1', '--nats', url, '--quiet'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /NATS unreachable/);
    assert.ok(existsSync(join(tmp, 'run', 'decisions.json')));
    const w = await runCli(['watch', 'abc123', '--nats', url], { timeoutMs: 30_000 });
    assert.equal(w.code, 4, w.stderr);
    assert.ok(w.stderr.includes(url), w.stderr);
  });
});

test('without NATS, `qusop watch --coordinator` follows RunService.WatchRun to 100 %', { timeout: 120_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, SCENARIO);
    const runId = (await compileScenarioFile(scenario)).spec.runId;
    const env = { QUSOP_TOKEN: 'watch-test-token-0123456789' };
    const out = join(tmp, 'run');
    const coord = startCli(['coordinator', '--listen', '127.0.0.1:0', '--scenario', scenario, '--out', out, '--metrics-port', '0', '--tile-trajectories', TILE_TRAJECTORIES, '--lease-ms', '10000', '--exit-when-done'], { env, timeoutMs: 90_000 });
    let worker: RunningCli | undefined;
    try {
      const addr = await listeningAddress(coord);
      worker = startCli(['worker', '--coordinator', addr, '--name', 'w-watch'], { env, timeoutMs: 90_000 });
      // the run is registered once its first shard exists (leases come from registered runs only)
      while (!(await readdir(join(out, 'shards')).catch(() => [])).some((n) => n.endsWith('.parquet'))) await sleep(10);
      const w = await runCli(['watch', runId, '--coordinator', addr, '--timeout-s', '60'], { env, timeoutMs: 70_000 });
      assert.equal(w.code, 0, `watch stderr:\n${w.stderr}`);
      assert.match(w.stdout, SUCCEEDED(runId));
      const [c, wk] = await Promise.all([coord.done, worker.done]);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(wk.code, 0, wk.stderr);
    } finally {
      // on a failure, nothing may keep writing into the temp dir being removed
      for (const p of [worker, coord]) if (p !== undefined && p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all([coord.done, worker?.done]);
    }
  });
});
