/**
 * Roles and confined paths (issue 17, item 8): the worker token runs workers (and may watch runs and
 * read results); only the admin token may SubmitRun or CancelRun, and it cannot act as a worker.
 * Paths a submission names (scenario, run directory, the files the scenario names) must lie under the
 * coordinator's allowed roots, and a refusal reads the same whether the path exists or not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../proto/grpc-adapter.js';
import { RunService } from '../../proto/gen/qusop/v1/run_service_pb.js';
import { WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import { Coordinator } from '../../coordinator/server/coordinator.js';
import { compileCoordinatorOptions } from '../../coordinator/server/options.js';
import { InputError } from '../../worker/common/errors.js';
import { silentLogger } from '../../worker/common/log.js';
import { codeVersion } from '../../worker/common/version.js';
import { authMetadata } from '../../worker/rpc/connection.js';
import { TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { TEST_TOKEN } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const ADMIN = 'admin-token-0123456789abcdef';
const small = (): Record<string, unknown> => knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });

async function withCoordinator(root: string, adminToken: string | undefined, fn: (port: number, c: Coordinator) => Promise<void>): Promise<void> {
  const c = new Coordinator({ listen: '127.0.0.1:0', token: TEST_TOKEN, outRoot: join(root, 'runs'), metricsPort: undefined, allowedRoots: [root, TEST_MODEL_DIR], ...(adminToken === undefined ? {} : { adminToken }) }, silentLogger);
  await c.start();
  try {
    await fn(c.port, c);
  } finally {
    await c.stop();
  }
}

const runClient = (port: number, token: string) => createClient(RunService, `127.0.0.1:${port}`, grpc.credentials.createInsecure(), authMetadata(token));
const code = (expected: grpc.status, details: RegExp) => (err: grpc.ServiceError): boolean => {
  assert.equal(err.code, expected, err.message);
  assert.match(err.details, details);
  return true;
};

test('the worker token cannot submit or cancel; the admin token can, and cannot act as a worker', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    await withCoordinator(tmp, ADMIN, async (port) => {
      const asWorker = runClient(port, TEST_TOKEN);
      const asAdmin = runClient(port, ADMIN);
      const worker = createClient(WorkerService, `127.0.0.1:${port}`, grpc.credentials.createInsecure(), authMetadata(ADMIN));
      try {
        await assert.rejects(asWorker.submitRun({ scenarioPath: scenario, outDir: '' }), code(grpc.status.PERMISSION_DENIED, /SubmitRun needs the admin token \(QUSOP_ADMIN_TOKEN\)/));
        const sub = await asAdmin.submitRun({ scenarioPath: scenario, outDir: join(tmp, 'out') });
        assert.ok(sub.tilesTotal > 0);
        await assert.rejects(asWorker.cancelRun({ runId: sub.runId }), code(grpc.status.PERMISSION_DENIED, /CancelRun needs the admin token/));
        // reading is allowed to both roles
        assert.equal((await asWorker.getResult({ runId: sub.runId })).progress?.runId, sub.runId);
        await asAdmin.cancelRun({ runId: sub.runId });
        await assert.rejects(
          worker.register({ hostname: 'h', pid: 1, codeVersion: codeVersion(), executionProvider: 'cpu', workerName: 'admin' }),
          code(grpc.status.PERMISSION_DENIED, /Register needs the worker token \(QUSOP_TOKEN\)/),
        );
      } finally {
        asWorker.close();
        asAdmin.close();
        worker.close();
      }
    });
  });
});

test('without an admin token SubmitRun and CancelRun are refused; the two tokens must differ', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    await withCoordinator(tmp, undefined, async (port) => {
      const client = runClient(port, TEST_TOKEN);
      try {
        await assert.rejects(client.submitRun({ scenarioPath: scenario, outDir: '' }), code(grpc.status.PERMISSION_DENIED, /SubmitRun is disabled: this coordinator has no admin token/));
      } finally {
        client.close();
      }
    });
    assert.throws(() => compileCoordinatorOptions({ token: TEST_TOKEN, adminToken: TEST_TOKEN }), (e: unknown) => e instanceof InputError && /must differ from the worker token/.test(e.message));
  });
});

test('submitted paths are confined to the allowed roots, and a refusal does not tell whether a path exists', async () => {
  await withTempDir(async (outside) => {
    await withTempDir(async (root) => {
      const existing = await writeScenario(outside, small());
      const missing = join(outside, 'no-such-scenario.yaml');
      const inside = await writeScenario(root, small());
      await symlink(existing, join(root, 'link.yaml'));
      await mkdir(join(root, 'models'));
      // a scenario inside the root whose model card lies outside it
      const foreignModel = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
      const sc = (foreignModel['scenarios'] as Record<string, unknown>[])[0] as { regimens: { model: string }[] };
      for (const rg of sc.regimens) rg.model = join(outside, 'model.json');
      const withForeignModel = await writeScenario(root, foreignModel, 'foreign-model.yaml');
      await writeFile(join(outside, 'model.json'), '{}');
      await withCoordinator(root, ADMIN, async (port, c) => {
        const client = runClient(port, ADMIN);
        try {
          const refusals: string[] = [];
          for (const [scenarioPath, outDir] of [[existing, ''], [missing, ''], [join(root, 'link.yaml'), ''], [inside, join(outside, 'out')], [inside, join(root, '..', 'escape')]] as const) {
            await assert.rejects(client.submitRun({ scenarioPath, outDir }), (err: grpc.ServiceError) => {
              assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.message);
              assert.match(err.details, /^SubmitRun (scenario_path|out_dir) ".*": not under an allowed root of this coordinator \(its --allowed-root options\)$/);
              refusals.push(err.details.replace(/".*"/, 'PATH'));
              return true;
            });
          }
          assert.equal(refusals[0], refusals[1], 'an existing and a missing path outside the roots are refused alike');
          await assert.rejects(client.submitRun({ scenarioPath: withForeignModel, outDir: '' }), code(grpc.status.INVALID_ARGUMENT, /regimens\[0\]\.model ".*model\.json": not under an allowed root/));
          assert.equal(c.runs.size, 0, 'no run was created');
          const ok = await client.submitRun({ scenarioPath: inside, outDir: join(root, 'out') });
          assert.ok(ok.tilesTotal > 0);
        } finally {
          client.close();
        }
      });
    });
  });
});
