/**
 * The quantum-kernel regressor as a model family through the real CLI: `qusop train qkernel` on
 * EstData with the shipped fit, then `qusop answer --model` with it
 * (tiny sizes, real workers): the five questions answered, monotone-consistent, by a model whose card
 * says what it is, its residual variability and its held-out comparison. Numbers are not fixed here:
 * bench/qkernel records them. Same bytes for a seed: tests/unit/qkernel-train.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import type { Answer } from '../../analysis/answer/answers.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');
const FIT = join(ROOT, 'models', 'estdata');

interface Score { eta: string; subjects: number; r2: number; rmse: number }

test('qusop train qkernel, then qusop answer --model: the five questions answered by the kernel model', { timeout: 90_000 }, async () => {
  await withTempDir(async (tmp) => {
    const dirs = [join(tmp, 'model')];
    const t = await runCli(['train', 'qkernel', TRIAL, '--fit', FIT, '--out', dirs[0]!, '--seed', '3']);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(t.stdout.trim().split('\n'), ['qd', 'qw'].map((g) => join(dirs[0]!, `qkernel-${g}.model.json`)));
    assert.match(t.stderr, /held-out R\^2 quantum \[CL -?\d/);
    assert.deepEqual((await readdir(dirs[0]!)).sort(), ['qkernel-qd.model.json', 'qkernel-qd.onnx', 'qkernel-qw.model.json', 'qkernel-qw.onnx', 'qkernel.params.json']);

    const card = JSON.parse(await readFile(join(dirs[0]!, 'qkernel-qd.model.json'), 'utf8')) as { family: string; description: string; provenance: { residual_variability: string; kernel: { qubits: number; support: number } }; diagnostics: { held_out: { plain: Score[]; quantum: Score[]; rbf: Score[] } } };
    assert.equal(card.family, 'quantum-kernel-ridge');
    assert.match(card.description, /4 qubits, depth 14, 16 two-qubit gates per kernel entry/);
    assert.match(card.provenance.residual_variability, /fitted Omega is kept unchanged/);
    assert.deepEqual([card.provenance.kernel.qubits, card.provenance.kernel.support], [4, 48]);
    for (const k of ['plain', 'quantum', 'rbf'] as const) {
      assert.deepEqual(card.diagnostics.held_out[k].map((s) => s.eta), ['CL', 'V1', 'KA', 'R0', 'KOUT', 'IC50']);
      assert.ok(card.diagnostics.held_out[k].every((s) => Number.isFinite(s.r2) && s.rmse > 0 && s.subjects > 0), k);
    }

    const out = join(tmp, 'answer');
    const r = await runCli(['answer', TRIAL, '--model', dirs[0]!, '--replicates', '3', '--subjects', '40', '--workers', '2', '--seed', '5', '--out', out, '--quiet'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: Answer[]; models: { model: string; family: string }[] };
    assert.deepEqual(doc.models.map((m) => [m.model, m.family]), [['qkernel', 'quantum-kernel-ridge']]);
    assert.equal(doc.answers.length, 12, '12 question cells');
    assert.deepEqual([...new Set(doc.answers.map((a) => a.question))].sort(), [1, 2, 3, 4, 5]);
    const key = (a: Answer): string => JSON.stringify([a.population, a.regimen]);
    const at90 = new Map(doc.answers.filter((a) => a.target === 0.9).map((a) => [key(a), a]));
    for (const a of doc.answers.filter((x) => x.target === 0.75)) {
      const b = at90.get(key(a));
      assert.ok(b !== undefined && (a.dose ?? Infinity) <= (b.dose ?? Infinity), `${key(a)}: 75 % dose ${a.dose} <= 90 % dose ${b?.dose}`);
    }
    assert.ok(doc.answers.every((a) => a.dose !== null), 'every cell reaches its target on the grid');
  });
});
