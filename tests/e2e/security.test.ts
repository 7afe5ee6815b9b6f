/**
 * Security (issue 6): workers authenticate with the shared token (refused with a clear error on both
 * sides otherwise), TLS and mTLS work and refuse what they should, a worker of another code version is
 * refused, and the token appears in no log, manifest, run file or metric.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../proto/grpc-adapter.js';
import { WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import { Coordinator } from '../../coordinator/server/coordinator.js';
import { silentLogger } from '../../worker/common/log.js';
import { authMetadata } from '../../worker/rpc/connection.js';
import { withTempDir } from '../kit/cli.js';
import { makeTestCerts } from '../kit/certs.js';
import { freePort, startCoordinator, startWorker, TEST_TOKEN } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const small = (): Record<string, unknown> => knownAnswerScenario({ replicates: 4, subjects: 50, qdStop: 5, qwStop: 50 });

test('a worker with the wrong token is refused, with a clear error on both sides', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    const coordinator = startCoordinator({ scenario, out: join(tmp, 'out'), port });
    await coordinator.waitFor(/coordinator listening/);
    const intruder = await startWorker(port, 'intruder', { QUSOP_TOKEN: 'not-the-token-at-all' }).done;
    assert.equal(intruder.code, 3, intruder.stderr);
    assert.match(intruder.stderr, /AuthError: Register 127\.0\.0\.1:\d+: coordinator refused the worker: invalid token from/);
    await coordinator.waitFor(/refused: invalid token from 127\.0\.0\.1/);
    // the legitimate worker still completes the run
    const w = await startWorker(port, 'ok').done;
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await coordinator.done).code, 0);
  });
});

test('TLS: a worker that trusts the CA completes the run; one that trusts another CA is refused', async () => {
  await withTempDir(async (tmp) => {
    const certs = await makeTestCerts(tmp);
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    const coordinator = startCoordinator({ scenario, out: join(tmp, 'out'), port, extraArgs: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey] });
    await coordinator.waitFor(/coordinator listening/);
    const wrongCa = await startWorker(port, 'wrong-ca', {}, ['--tls-ca', certs.otherCa, '--connect-timeout-ms', '1500']).done;
    assert.notEqual(wrongCa.code, 0, 'a worker that does not trust the server certificate cannot connect');
    assert.match(wrongCa.stderr, /Register 127\.0\.0\.1:\d+: .*(certificate|handshake|No connection established|UNAVAILABLE)/i);
    const plaintext = await startWorker(port, 'plain', {}, ['--connect-timeout-ms', '1500']).done;
    assert.notEqual(plaintext.code, 0, 'a plaintext worker cannot talk to a TLS coordinator');
    const w = await startWorker(port, 'tls', {}, ['--tls-ca', certs.ca]).done;
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await coordinator.done).code, 0);
  });
});

test('mTLS: a worker without a client certificate is refused; with one it completes the run', async () => {
  await withTempDir(async (tmp) => {
    const certs = await makeTestCerts(tmp);
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    const coordinator = startCoordinator({
      scenario, out: join(tmp, 'out'), port, extraArgs: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', certs.ca],
    });
    await coordinator.waitFor(/coordinator listening/);
    const noCert = await startWorker(port, 'no-cert', {}, ['--tls-ca', certs.ca, '--connect-timeout-ms', '1500']).done;
    assert.notEqual(noCert.code, 0, 'no client certificate: refused');
    const w = await startWorker(port, 'mtls', {}, ['--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey]).done;
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await coordinator.done).code, 0);
  });
});

test('a worker of another code version is refused at registration', async () => {
  await withTempDir(async (tmp) => {
    const c = new Coordinator({ listen: '127.0.0.1:0', token: TEST_TOKEN, outRoot: tmp, metricsPort: undefined }, silentLogger);
    await c.start();
    const client = createClient(WorkerService, `127.0.0.1:${c.port}`, grpc.credentials.createInsecure(), authMetadata(TEST_TOKEN));
    try {
      await assert.rejects(client.register({ hostname: 'h', pid: 1, codeVersion: 'qusop/0.0.0-old', executionProvider: 'cpu', workerName: 'old' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.FAILED_PRECONDITION);
        assert.match(err.details, /worker runs qusop\/0\.0\.0-old but the coordinator runs qusop\/\d+\.\d+\.\d+; deploy the same qusop version on both/);
        return true;
      });
    } finally {
      client.close();
      await c.stop();
    }
  });
});

test('the token appears in no log line, run file, manifest or metric', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    const out = join(tmp, 'out');
    const coordinator = startCoordinator({ scenario, out, port, env: { QUSOP_LOG_LEVEL: 'debug' } });
    await coordinator.waitFor(/coordinator listening/);
    const metricsPort = /"metricsPort":(\d+)/.exec(coordinator.stderr())?.[1];
    assert.ok(metricsPort !== undefined, 'the coordinator logged its metrics port');
    const worker = startWorker(port, 'w', { QUSOP_LOG_LEVEL: 'debug' });
    await coordinator.waitFor(/worker registered/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const w = await worker.done;
    const c = await coordinator.done;
    assert.equal(c.code, 0);
    const texts = [c.stdout, c.stderr, w.stdout, w.stderr, metrics];
    assert.match(metrics, /qusop_workers_connected/);
    for (const name of await readdir(out)) if (name.endsWith('.json')) texts.push(await readFile(join(out, name), 'utf8'));
    for (const t of texts) assert.ok(!t.includes(TEST_TOKEN), 'token leaked');
    assert.ok(c.stderr.length > 0 && w.stderr.length > 0, 'there were logs to look at');
  });
});
