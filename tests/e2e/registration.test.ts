/**
 * Registration is enforced (issue 17, item 7): every Lease, Heartbeat, Complete, Fail and Release must
 * come from a worker id this coordinator registered (Register checks the token and the code version),
 * and a worker whose coordinator restarted registers again by itself and carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../proto/grpc-adapter.js';
import { WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import { Coordinator } from '../../coordinator/server/coordinator.js';
import { silentLogger } from '../../worker/common/log.js';
import { codeVersion } from '../../worker/common/version.js';
import { authMetadata } from '../../worker/rpc/connection.js';
import { withTempDir } from '../kit/cli.js';
import { freePort, startCoordinator, startWorker, TEST_TOKEN, waitUntil } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const refusedAsUnregistered = (err: grpc.ServiceError): boolean => {
  assert.equal(err.code, grpc.status.FAILED_PRECONDITION, err.message);
  assert.match(err.details, /worker w-never-registered is not registered with this coordinator/);
  assert.equal(err.metadata.get('qusop-reason')[0], 'unregistered');
  return true;
};

test('a worker id the coordinator never registered is refused on every worker call', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }));
    const c = new Coordinator({ listen: '127.0.0.1:0', token: TEST_TOKEN, outRoot: tmp, metricsPort: undefined }, silentLogger);
    await c.start();
    const run = await c.submit(scenario, join(tmp, 'out'));
    const client = createClient(WorkerService, `127.0.0.1:${c.port}`, grpc.credentials.createInsecure(), authMetadata(TEST_TOKEN));
    try {
      const workerId = 'w-never-registered';
      await assert.rejects(client.lease({ workerId, maxTiles: 1 }), refusedAsUnregistered);
      await assert.rejects(client.heartbeat({ workerId, tileIds: [run.tiles[0]?.tileId ?? ''] }), refusedAsUnregistered);
      await assert.rejects(client.complete({ workerId, result: { tile: run.tiles[0], cells: [], digest: '' } }), refusedAsUnregistered);
      await assert.rejects(client.fail({ workerId, runId: run.runId, tileId: run.tiles[0]?.tileId ?? '', reason: 'x', retryable: true }), refusedAsUnregistered);
      await assert.rejects(client.release({ workerId, runId: run.runId, tileIds: [] }), refusedAsUnregistered);
      assert.equal(run.progress().tilesLeased, 0, 'nothing was leased to the unregistered id');
      // a registered worker of the same version leases normally
      const reg = await client.register({ hostname: 'h', pid: 1, codeVersion: codeVersion(), executionProvider: 'cpu', workerName: 'ok' });
      const lease = await client.lease({ workerId: reg.workerId, maxTiles: 1 });
      assert.equal(lease.tiles.length, 1);
    } finally {
      client.close();
      await c.stop();
    }
  });
});

test('a worker whose coordinator restarted registers again by itself and finishes the run', { timeout: 180_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 20, subjects: 50, seed: 5 }));
    const out = join(tmp, 'out');
    const port = await freePort();
    const shards = async (): Promise<number> => (await readdir(join(out, 'shards')).catch(() => [] as string[])).filter((n) => n.endsWith('.parquet')).length;
    let coordinator = startCoordinator({ scenario, out, port, leaseMs: 2_000, tileTrajectories: 8_000 });
    await coordinator.waitFor(/coordinator listening/);
    // slow tiles keep the run going while the coordinator is replaced
    const worker = startWorker(port, 'survivor', { QUSOP_TEST_SLOW_TILE_MS: '150' });
    await waitUntil('3 tiles done', async () => (await shards()) >= 3, 60_000, 20);
    coordinator.child.kill('SIGKILL');
    await coordinator.done;
    coordinator = startCoordinator({ scenario, out, port, leaseMs: 2_000, tileTrajectories: 8_000 });
    const c = await coordinator.done;
    const w = await worker.done;
    assert.equal(c.code, 0, `restarted coordinator:\n${c.stderr}`);
    assert.equal(w.code, 0, `worker:\n${w.stderr}`);
    assert.match(w.stderr, /registered again: the coordinator did not know this worker/);
    // the restarted coordinator leased only to the worker it registered itself
    assert.match(c.stderr, /"msg":"worker registered"/);
    const ids = new Set([...c.stderr.matchAll(/"worker":"([^"]+)"/g)].map((m) => m[1]));
    const registered = new Set([...c.stderr.matchAll(/"worker":"([^"]+)"[^\n]*"msg":"worker registered"/g)].map((m) => m[1]));
    for (const id of ids) assert.ok(registered.has(id), `worker id ${id} in the restarted coordinator's log was registered there`);
  });
});
