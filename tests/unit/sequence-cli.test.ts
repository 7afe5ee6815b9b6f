/**
 * `qusop train` (cli/commands/train.ts) through the real CLI: a tiny BiLSTM run writes
 * two loadable cards and prints their paths, the seed makes the ONNX bytes reproducible, and bad
 * input exits 2 with a message that names the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../../worker/model/load-card.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { repoFile } from '../kit/sequence-trial.js';

const TINY = ['--epochs', '2', '--hidden', '4', '--quiet'];

test('qusop train lstm: writes bilstm-qd/-qw, prints the card paths; the same seed gives the same bytes', async () => {
  await withTempDir(async (dir) => {
    const run = (out: string) => runCli(['train', 'lstm', repoFile('data/EstData.csv'), '--out', join(dir, out), '--seed', '9', ...TINY], { timeoutMs: 120_000 });
    const a = await run('a');
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(a.stdout.trim().split('\n'), [join(dir, 'a', 'bilstm-qd.model.json'), join(dir, 'a', 'bilstm-qw.model.json')]);
    assert.match(a.stderr, /bilstm: \d+ trainable parameters, best epoch \d\/2/);
    for (const tag of ['qd', 'qw']) {
      const m = await loadModel(join(dir, 'a', `bilstm-${tag}.model.json`));
      assert.equal(m.card.family, 'bilstm');
      assert.equal((m.card.provenance['seeds'] as { seed: number }).seed, 9);
    }
    const b = await run('b');
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(await readFile(join(dir, 'b', 'bilstm-qd.onnx')), await readFile(join(dir, 'a', 'bilstm-qd.onnx')));
  });
});

test('qusop train: a missing trial file exits 2 naming it; an unknown family is refused', async () => {
  await withTempDir(async (dir) => {
    const missing = await runCli(['train', 'lstm', join(dir, 'nope.csv'), '--out', dir, ...TINY]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv: cannot read the trial CSV \(ENOENT\)/);
    const family = await runCli(['train', 'gru', repoFile('data/EstData.csv'), '--out', dir]);
    assert.notEqual(family.code, 0);
    assert.match(family.stderr, /Invalid values|Argument: family/);
  });
});
