/**
 * Bad input for QLSTM / QK-LSTM (`qusop train qlstm|qk-lstm`): each case runs the real CLI and checks
 * the exit code (2), the located message (the option and what was expected) and that nothing was
 * written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');

interface Case {
  readonly name: string;
  readonly args: (out: string) => string[];
  readonly message: RegExp;
}

const train = (family: string, out: string, ...extra: string[]) => ['train', family, ESTDATA, '--out', out, '--quiet', '--epochs', '1', ...extra];

const CASES: Case[] = [
  { name: 'qlstm with 9 qubits (above the exact-simulation limit)', args: (out) => train('qlstm', out, '--qubits', '9'), message: /--qubits 9: expected an integer in \[2, 8\]/ },
  { name: 'qk-lstm with 1 qubit (no entangler)', args: (out) => train('qk-lstm', out, '--qubits', '1'), message: /--qubits 1: expected an integer in \[2, 8\]/ },
  {
    name: 'qk-lstm with more landmarks than distinct training inputs',
    args: (out) => train('qk-lstm', out, '--landmarks', '5000'),
    message: /--landmarks 5000: expected at most \d+, the number of distinct training inputs/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad quantum-LSTM input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(c.args(out));
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written under --out');
    });
  });
}
