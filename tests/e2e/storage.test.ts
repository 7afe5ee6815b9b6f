/**
 * Real full and read-only file systems (issue 17 item 11): a small tmpfs, mounted for the test (root
 * only; skipped with the reason otherwise). The simulated disk-full of the bad-input corpus injects
 * the error in the shard writer; these go through the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';

const run = promisify(execFile);
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Mounts a tmpfs of `size` at `dir`; returns why it cannot when not root or not permitted. */
async function mountTmpfs(dir: string, options: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed here: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
  }
}

const umount = (dir: string): Promise<unknown> => run('umount', [dir]).catch(() => undefined);

const scenario = stringify(knownAnswerScenario({ replicates: 20, subjects: 10, qdStop: 20, qwStop: 100 }));

test('a disk that fills up mid-run: exit 74 naming the file and the reason; after space is freed the run resumes', { timeout: 120_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const fs = join(dir, 'small-fs');
    const why = await mountTmpfs(fs, 'size=64k');
    if (why !== undefined) return t.skip(why);
    try {
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, scenario);
      const args = ['run', scenarioPath, '--out', join(fs, 'out'), '--workers', '1', '--quiet', '--tile-trajectories', '50'];
      const full = await runCli(args, { timeoutMs: 90_000 });
      assert.equal(full.code, 74, `exit code; stderr:\n${full.stderr}`);
      assert.match(full.stderr, /qusop: StorageError: \S+\/out\/\S+: cannot write: no space left on device \(ENOSPC\); free space there/);
      assert.equal(await exists(join(fs, 'out', 'decisions.json')), false, 'no decisions written');
      await run('mount', ['-o', 'remount,size=8m', fs]);
      const resumed = await runCli(args, { timeoutMs: 90_000 });
      assert.equal(resumed.code, 0, `resume after freeing space; stderr:\n${resumed.stderr}`);
      assert.match(resumed.stderr + resumed.stdout, /\(([1-9]\d*) already done\)/, 'the shards written before the disk filled were kept');
      assert.equal(await exists(join(fs, 'out', 'decisions.json')), true);
    } finally {
      await umount(fs);
    }
  });
});

test('a new --out on a read-only file system: exit 74 naming the directory that cannot be created', { timeout: 60_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const fs = join(dir, 'ro-fs');
    const why = await mountTmpfs(fs, 'size=64k,ro');
    if (why !== undefined) return t.skip(why);
    try {
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, scenario);
      for (const args of [['plan', scenarioPath, '--out', join(fs, 'a', 'b')], ['run', scenarioPath, '--out', join(fs, 'out'), '--workers', '1', '--quiet']]) {
        const r = await runCli(args, { timeoutMs: 30_000 });
        assert.equal(r.code, 74, `${args[0]}: exit code; stderr:\n${r.stderr}`);
        assert.match(r.stderr, new RegExp(`qusop: StorageError: ${fs}/(a|out): cannot create the directory: read-only file system \\(EROFS\\)`));
      }
    } finally {
      await umount(fs);
    }
  });
});
