/**
 * Bad input to the server-side commands (issue 17, items 6, 8, 9, 12): coordinator, worker and watch
 * options, tokens and TLS settings. Every case runs the real CLI and checks the exit code, a message
 * naming the option or variable (never a token's value) and that no run directory was written.
 * Exit codes: 1 run failed, 2 bad input, 3 authentication, 4 coordinator unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli, startCli, withTempDir, type RunningCli } from '../kit/cli.js';
import { makeTestCerts, type TestCerts } from '../kit/certs.js';
import { freePort, TEST_TOKEN } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const TOKEN_ENV = { QUSOP_TOKEN: TEST_TOKEN };

async function serve(args: readonly string[], env: Record<string, string> = TOKEN_ENV): Promise<{ port: number; c: RunningCli }> {
  const port = await freePort();
  const c = startCli(['coordinator', '--listen', `127.0.0.1:${port}`, '--metrics-port', '0', ...args], { env: { ...env, QUSOP_LOG_LEVEL: 'info' }, timeoutMs: 120_000 });
  await c.waitFor(/coordinator listening/);
  return { port, c };
}

async function stop(c: RunningCli): Promise<void> {
  c.child.kill('SIGTERM');
  await c.done;
}

interface Case {
  readonly name: string;
  readonly run: (tmp: string, certs: TestCerts) => Promise<{ code: number | null; stderr: string }>;
  readonly code: number;
  readonly message: RegExp;
  /** text that must not appear in the output (a token's value) */
  readonly secret?: string;
}

const coordinator = (tmp: string, args: readonly string[], env: Record<string, string> = TOKEN_ENV) =>
  runCli(['coordinator', '--listen', '127.0.0.1:0', '--metrics-port', '0', '--out', join(tmp, 'out'), ...args], { env, timeoutMs: 30_000 });
const worker = (port: number, args: readonly string[], env: Record<string, string> = TOKEN_ENV) =>
  runCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--connect-timeout-ms', '20000', ...args], { env, timeoutMs: 30_000 });

const CASES: Case[] = [
  { name: 'coordinator --tls-cert without --tls-key', run: (t, k) => coordinator(t, ['--tls-cert', k.serverCert]), code: 2, message: /coordinator option --tls-cert needs --tls-key/ },
  { name: 'coordinator --tls-key without --tls-cert', run: (t, k) => coordinator(t, ['--tls-key', k.serverKey]), code: 2, message: /coordinator option --tls-key needs --tls-cert/ },
  {
    name: 'coordinator --listen on a port in use',
    run: async (t) => {
      const busy = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      const port = (busy.address() as { port: number }).port;
      try {
        return await runCli(['coordinator', '--listen', `127.0.0.1:${port}`, '--metrics-port', '0', '--out', join(t, 'out')], { env: TOKEN_ENV, timeoutMs: 30_000 });
      } finally {
        busy.close();
      }
    },
    code: 2,
    message: /--listen 127\.0\.0\.1:\d+: cannot listen: the address is already in use .*EADDRINUSE/,
  },
  {
    name: 'coordinator admin token equal to the worker token',
    run: (t) => coordinator(t, [], { QUSOP_TOKEN: TEST_TOKEN, QUSOP_ADMIN_TOKEN: TEST_TOKEN }),
    code: 2, message: /adminToken \(QUSOP_ADMIN_TOKEN\) must differ from the worker token/, secret: TEST_TOKEN,
  },
  {
    name: 'coordinator admin token too short',
    run: (t) => coordinator(t, [], { QUSOP_TOKEN: TEST_TOKEN, QUSOP_ADMIN_TOKEN: 'short-admin' }),
    code: 2, message: /QUSOP_ADMIN_TOKEN \(the submitters' token\): the token must be at least 16 characters.*value not shown/, secret: 'short-admin',
  },
  { name: 'coordinator token of whitespace only', run: (t) => coordinator(t, [], { QUSOP_TOKEN: ' \n' }), code: 2, message: /QUSOP_TOKEN \(the workers' token\) is not set \(or only whitespace\)/ },
  { name: 'worker token not ASCII', run: () => worker(1, [], { QUSOP_TOKEN: 'sécrét-0123456789abcdef' }), code: 2, message: /QUSOP_TOKEN .*not printable ASCII.*value not shown/, secret: 'sécrét' },
  { name: 'worker --tls-cert without --tls-key', run: (_t, k) => worker(1, ['--tls-ca', k.ca, '--tls-cert', k.clientCert]), code: 2, message: /--tls-cert needs --tls-key/ },
  {
    name: 'plaintext worker, TLS coordinator',
    run: async (_t, k) => {
      const { port, c } = await serve(['--tls-cert', k.serverCert, '--tls-key', k.serverKey]);
      try { return await worker(port, []); } finally { await stop(c); }
    },
    code: 3, message: /Register 127\.0\.0\.1:\d+: the coordinator at 127\.0\.0\.1:\d+ serves TLS but this client connects in plaintext: give --tls-ca/,
  },
  {
    name: 'TLS worker, plaintext coordinator',
    run: async (_t, k) => {
      const { port, c } = await serve([]);
      try { return await worker(port, ['--tls-ca', k.ca]); } finally { await stop(c); }
    },
    code: 3, message: /does not speak TLS \(it serves plaintext gRPC\): drop --tls-ca, or start it with --tls-cert\/--tls-key/,
  },
  {
    name: 'worker without a client certificate, mTLS coordinator',
    run: async (_t, k) => {
      const { port, c } = await serve(['--tls-cert', k.serverCert, '--tls-key', k.serverKey, '--tls-client-ca', k.ca]);
      try { return await worker(port, ['--tls-ca', k.ca]); } finally { await stop(c); }
    },
    code: 3, message: /requires a client certificate \(mTLS\): give --tls-cert and --tls-key/,
  },
  {
    name: 'worker trusting another CA',
    run: async (_t, k) => {
      const { port, c } = await serve(['--tls-cert', k.serverCert, '--tls-key', k.serverKey]);
      try { return await worker(port, ['--tls-ca', k.otherCa]); } finally { await stop(c); }
    },
    code: 3, message: /the coordinator's certificate at 127\.0\.0\.1:\d+ is not signed by the CA given with --tls-ca/,
  },
];

test('server-side bad input: exit code, a message naming the option or variable, nothing written', { timeout: 300_000 }, async (t) => {
  await withTempDir(async (tmp) => {
    const certs = await makeTestCerts(tmp);
    for (const c of CASES) {
      await t.test(c.name, async () => {
        const started = Date.now();
        const r = await c.run(tmp, certs);
        assert.equal(r.code, c.code, `${c.name}: exit ${String(r.code)}\n${r.stderr}`);
        assert.match(r.stderr, c.message);
        assert.doesNotMatch(r.stderr, /RangeError|Maximum call stack|at .*\.js:\d+/);
        if (c.secret !== undefined) assert.ok(!r.stderr.includes(c.secret), 'the token value is not shown');
        // a mismatch is named at once, not after the 20 s connect timeout
        assert.ok(Date.now() - started < 15_000, `${c.name}: answered in ${Date.now() - started} ms`);
        await assert.rejects(access(join(tmp, 'out')), 'no run directory was written');
      });
    }
  });
});

test('qusop watch --coordinator: unknown run id, wrong token, TLS, --timeout-s and SIGTERM', { timeout: 180_000 }, async () => {
  await withTempDir(async (tmp) => {
    const certs = await makeTestCerts(tmp);
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }));
    // a run that has tiles and no worker: it stays RUNNING while we watch it
    const { port, c } = await serve(['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--scenario', scenario, '--out', join(tmp, 'run')]);
    try {
      await c.waitFor(/run submitted/);
      const addr = `127.0.0.1:${port}`;
      const tls = ['--tls-ca', certs.ca];
      const runId = /"run":"([0-9a-f]+)"[^\n]*"msg":"run submitted"/.exec(c.stderr())?.[1] ?? '';
      assert.notEqual(runId, '');
      const watch = (args: readonly string[], env: Record<string, string> = TOKEN_ENV) => runCli(['watch', ...args], { env, timeoutMs: 30_000 });

      let started = Date.now();
      const unknown = await watch(['abc123', '--coordinator', addr, ...tls]);
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.match(unknown.stderr, /coordinator 127\.0\.0\.1:\d+ has no run abc123/);
      assert.ok(Date.now() - started < 10_000, 'an unknown run id is answered at once');

      const wrong = await watch([runId, '--coordinator', addr, ...tls], { QUSOP_TOKEN: 'wrong-token-0123456789abcdef' });
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.match(wrong.stderr, /invalid token/);

      const plaintext = await watch([runId, '--coordinator', addr]);
      assert.equal(plaintext.code, 3, plaintext.stderr);
      assert.match(plaintext.stderr, /serves TLS but this client connects in plaintext/);

      started = Date.now();
      const timedOut = await watch([runId, '--coordinator', addr, ...tls, '--timeout-s', '2']);
      assert.equal(timedOut.code, 1, timedOut.stderr);
      assert.match(timedOut.stderr, new RegExp(`run ${runId}: no end seen on coordinator 127\\.0\\.0\\.1:\\d+ \\(stopped; last seen run ${runId} RUNNING`));
      assert.doesNotMatch(timedOut.stderr, /RangeError|Maximum call stack/);
      assert.ok(Date.now() - started < 15_000);

      const following = startCli(['watch', runId, '--coordinator', addr, ...tls], { env: TOKEN_ENV, timeoutMs: 30_000 });
      await following.waitFor(/tiles/);
      following.child.kill('SIGTERM');
      const term = await following.done;
      assert.equal(term.code, 1, term.stderr);
      assert.match(term.stderr, /no end seen .*\(stopped;/);
      assert.doesNotMatch(term.stderr, /RangeError|Maximum call stack/);
    } finally {
      await stop(c);
    }
  });
});
