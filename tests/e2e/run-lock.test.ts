/**
 * Issue 17 item 13: two `qusop run` on one --out both computed every tile. The run directory is locked
 * (coordinator/run/run-lock.ts): a second real, concurrent `qusop run` is refused with exit 2 naming the
 * holder's pid; a holder killed with SIGKILL leaves a stale lock that the next run breaks (its pid is
 * gone on this host), resumes the killed run's shards and releases the lock when it finishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test('qusop run: a second run on a locked --out is refused naming the holder; a stale lock (holder killed) is broken and the run resumes', { timeout: 240_000 }, async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    // enough tiles that the first run is still computing when the second starts
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 64, subjects: 2000 }));
    const args = ['run', scenario, '--out', out];
    const first = startCli([...args, '--workers', '1']);
    await first.waitFor(/run [0-9a-f]+: \d+ tiles/);
    const holder = JSON.parse(await readFile(join(out, 'run.lock'), 'utf8')) as { pid: number; host: string };
    assert.deepEqual([holder.pid, holder.host], [first.child.pid, hostname()]);

    const second = await runCli([...args, '--workers', '1', '--quiet']);
    assert.equal(second.code, 2, `second run on the same --out: exit ${second.code}\n${second.stderr}`);
    assert.match(second.stderr, new RegExp(`out[/\\\\]run\\.lock: run directory \\S+ is in use by pid ${first.child.pid} on ${hostname()} \\(since [^)]+\\)`));
    assert.equal(await exists(join(out, 'decisions.json')), false);

    const shards = async (): Promise<number> => (await readdir(join(out, 'shards'))).filter((n) => n.endsWith('.parquet')).length;
    for (let i = 0; i < 300 && (await shards()) === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(await exists(join(out, 'run.lock')), true, 'a killed holder leaves its lock behind');
    const shardsBefore = await shards();
    assert.ok(shardsBefore > 0, 'the killed holder had finished some tiles');

    const third = await runCli([...args, '--workers', '2']);
    assert.equal(third.code, 0, third.stderr);
    const m = /run [0-9a-f]+: (\d+) tiles \((\d+) already done\)/.exec(third.stderr);
    assert.ok(m !== null, third.stderr);
    assert.equal(Number(m[2]), shardsBefore, 'the killed run\'s finished tiles are resumed');
    assert.equal(await exists(join(out, 'decisions.json')), true);
    assert.equal(await exists(join(out, 'run.lock')), false, 'released when the run ends');
    process.stdout.write(`# lock test: ${m[1]} tiles, ${shardsBefore} finished by the killed holder\n`);
  });
});
