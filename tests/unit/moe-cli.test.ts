/**
 * `qusop train qnn-moe` (cli/commands/train.ts -> models/moe) through the real CLI: a tiny run writes
 * two loadable cards and prints their paths, the options reach the card (experts, qubits), and the
 * same seed gives the same ONNX bytes in another process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../../worker/model/load-card.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { repoFile } from '../kit/sequence-trial.js';

const TINY = ['--epochs', '2', '--hidden', '4', '--experts', '2', '--qubits', '3', '--quiet'];

test('qusop train qnn-moe: writes qnn-moe-qd/-qw, prints the card paths; the same seed gives the same bytes', async () => {
  await withTempDir(async (dir) => {
    const run = (out: string) => runCli(['train', 'qnn-moe', repoFile('data/EstData.csv'), '--out', join(dir, out), '--seed', '9', ...TINY], { timeoutMs: 120_000 });
    const a = await run('a');
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(a.stdout.trim().split('\n'), [join(dir, 'a', 'qnn-moe-qd.model.json'), join(dir, 'a', 'qnn-moe-qw.model.json')]);
    assert.match(a.stderr, /qnn-moe: \d+ trainable parameters, PK best epoch \d\/2, PD best epoch \d\/2/);
    for (const tag of ['qd', 'qw']) {
      const m = await loadModel(join(dir, 'a', `qnn-moe-${tag}.model.json`));
      assert.equal(m.card.family, 'qnn-moe');
      assert.equal((m.card.provenance['seeds'] as { seed: number }).seed, 9);
      assert.equal((m.card.provenance['network'] as { experts: number }).experts, 2);
      assert.equal(m.card.diagnostics['qubits'], 3);
    }
    const b = await run('b');
    assert.equal(b.code, 0, b.stderr);
    for (const tag of ['qd', 'qw']) assert.deepEqual(await readFile(join(dir, 'b', `qnn-moe-${tag}.onnx`)), await readFile(join(dir, 'a', `qnn-moe-${tag}.onnx`)));
  });
});
