/**
 * Tokens (issue 17, item 6): no log line at any level contains a token, whatever its bytes. The rule,
 * the same on coordinator and worker: surrounding whitespace is trimmed (a secret from a file ends in
 * a newline); what is left must be printable ASCII (gRPC metadata), else exit 2 naming the variable,
 * never the value. Real coordinator and worker processes at debug level, all output captured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../kit/cli.js';
import { freePort, startCoordinator, startWorker } from '../kit/farm.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const small = (): Record<string, unknown> => knownAnswerScenario({ replicates: 2, subjects: 20, qdStop: 2, qwStop: 20 });
const DEBUG = { QUSOP_LOG_LEVEL: 'debug' };

/** every output of both processes, and the bytes no output may hold */
function assertNoTokenBytes(texts: readonly string[], secrets: readonly string[]): void {
  for (const secret of secrets) {
    const forms = [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('latin1')];
    for (const t of texts) for (const f of forms) assert.ok(!t.includes(f), `token bytes ${JSON.stringify(f)} leaked into:\n${t.slice(0, 2000)}`);
  }
}

for (const [label, raw] of [
  ['a trailing newline', 'file-token-0123456789abcdef\n'],
  ['surrounding spaces', '  spaced-token-0123456789abcdef '],
] as const) {
  test(`a token with ${label} is trimmed alike on both sides: the run completes and no output holds it`, { timeout: 120_000 }, async () => {
    await withTempDir(async (tmp) => {
      const scenario = await writeScenario(tmp, small());
      const port = await freePort();
      const coordinator = startCoordinator({ scenario, out: join(tmp, 'out'), port, env: { ...DEBUG, QUSOP_TOKEN: raw } });
      await coordinator.waitFor(/coordinator listening/);
      const w = await startWorker(port, 'w', { ...DEBUG, QUSOP_TOKEN: raw }).done;
      const c = await coordinator.done;
      assert.equal(w.code, 0, w.stderr);
      assert.equal(c.code, 0, c.stderr);
      assert.match(w.stderr, /"level":20/, 'debug lines were on');
      assertNoTokenBytes([c.stdout, c.stderr, w.stdout, w.stderr], [raw.trim()]);
    });
  });
}

test('a token that is not printable ASCII is refused with exit 2 by both sides, naming the variable, not the value', { timeout: 60_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    for (const bad of ['sécrét-0123456789abcdef', 'inner\nnewline-0123456789abcdef', 'tab\tinside-0123456789abcdef']) {
      const c = await startCoordinator({ scenario, out: join(tmp, 'out'), port, env: { ...DEBUG, QUSOP_TOKEN: bad } }).done;
      assert.equal(c.code, 2, c.stderr);
      assert.match(c.stderr, /QUSOP_TOKEN \(the workers' token\): the token holds a character that is not printable ASCII.*value not shown/);
      const w = await startWorker(port, 'w', { ...DEBUG, QUSOP_TOKEN: bad }).done;
      assert.equal(w.code, 2, w.stderr);
      assert.match(w.stderr, /QUSOP_TOKEN \(the coordinator's worker token\): the token holds a character that is not printable ASCII/);
      assertNoTokenBytes([c.stdout, c.stderr, w.stdout, w.stderr], [bad, ...bad.split(/\s/).filter((p) => p.length >= 8)]);
    }
    await assert.rejects(access(join(tmp, 'out')), 'nothing was written');
  });
});

test('a worker whose token differs only by inner bytes gets exit 3, and neither token is logged', { timeout: 60_000 }, async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, small());
    const port = await freePort();
    const good = 'right-token-0123456789abcdef';
    const wrong = 'wrong-token-0123456789abcdef';
    const coordinator = startCoordinator({ scenario, out: join(tmp, 'out'), port, env: { ...DEBUG, QUSOP_TOKEN: good } });
    await coordinator.waitFor(/coordinator listening/);
    const w = await startWorker(port, 'intruder', { ...DEBUG, QUSOP_TOKEN: wrong }).done;
    assert.equal(w.code, 3, w.stderr);
    await coordinator.waitFor(/refused: invalid token/);
    coordinator.child.kill('SIGTERM');
    const c = await coordinator.done;
    assertNoTokenBytes([c.stdout, c.stderr, w.stdout, w.stderr], [good, wrong]);
  });
});
