/**
 * Bad input for `qusop train qnn-moe` (models/moe): each case runs the real CLI and checks the exit
 * code (2), the located message (file or option, and what was expected) and that nothing was
 * written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');

/** EstData without its concentration rows (DVID 1): a PD-only trial. */
async function withoutPk(dir: string): Promise<string> {
  const lines = (await readFile(ESTDATA, 'utf8')).split('\n');
  const kept = lines.filter((l, i) => i === 0 || l.split(',')[10] !== '1');
  assert.ok(kept.length < lines.length - 100, 'concentration rows removed');
  const path = join(dir, 'pd-only.csv');
  await writeFile(path, kept.join('\n'));
  return path;
}

interface Case {
  readonly name: string;
  readonly args: (dir: string, out: string) => Promise<string[]>;
  readonly message: RegExp;
}

const train = (trial: string, out: string, ...extra: string[]) => ['train', 'qnn-moe', trial, '--out', out, '--quiet', ...extra];

const CASES: Case[] = [
  { name: 'more qubits than the exact simulation allows', args: async (_d, out) => train(ESTDATA, out, '--qubits', '9'), message: /qubits \(9\) must be an integer in \[2, 8\]/ },
  { name: 'a single-qubit circuit (no entangling gate)', args: async (_d, out) => train(ESTDATA, out, '--qubits', '1'), message: /qubits \(1\) must be an integer in \[2, 8\]/ },
  {
    name: 'a trial without concentration observations (the PK stage has nothing to learn)',
    args: async (d, out) => train(await withoutPk(d), out),
    message: /pd-only\.csv: no dosed training subject has concentration \(DVID 1\) observations spanning its last dosing window \[0, 24\] h; the cascade's PK stage needs them/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad qnn-moe input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(await c.args(dir, out));
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written under --out');
    });
  });
}
