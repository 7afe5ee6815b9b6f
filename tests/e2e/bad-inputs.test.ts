/**
 * Bad inputs exit non-zero with a message naming the problem and write no decisions (issue 2
 * acceptance): unknown scenario field, missing model file, ONNX whose inputs don't match the card,
 * a dose grid with step <= 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

async function expectRefused(tmp: string, scenario: Record<string, unknown> | string, message: RegExp): Promise<void> {
  const path = await writeScenario(tmp, scenario);
  const out = join(tmp, 'out');
  const r = await runCli(['run', path, '--out', out, '--workers', '1', '--quiet']);
  assert.equal(r.code, 2, `exit code 2 for bad input; stderr:\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.equal(await exists(join(out, 'decisions.json')), false, 'no decisions written');
}

test('unknown scenario field: file, line and field named', async () => {
  await withTempDir(async (tmp) => {
    const text = stringify(knownAnswerScenario()).replace('threshold_ng_ml: 3.3', 'threshold_ng_ml: 3.3\n    treshold: 3');
    const line = text.split('\n').findIndex((l) => l.includes('treshold:')) + 1;
    await expectRefused(tmp, text, new RegExp(`scenario\\.yaml:${line}: scenarios\\[0\\]\\.treshold: unknown field "treshold"`));
  });
});

test('dose grid with step <= 0 is refused naming the field', async () => {
  await withTempDir(async (tmp) => {
    const text = stringify(knownAnswerScenario()).replace('step: 0.5', 'step: 0');
    await expectRefused(tmp, text, /scenarios\[0\]\.regimens\[0\]\.doses_mg\.step: must be > 0/);
  });
});

test('missing model file is refused naming the card path', async () => {
  await withTempDir(async (tmp) => {
    const text = stringify(knownAnswerScenario()).replace(join(TEST_MODEL_DIR, 'qw.model.json'), join(tmp, 'nowhere', 'qw.model.json'));
    await expectRefused(tmp, text, /nowhere\/qw\.model\.json: cannot read model card \(ENOENT\)/);
  });
});

test('ONNX whose inputs do not match the card is refused before any tile runs', async () => {
  await withTempDir(async (tmp) => {
    // a card that declares a fourth covariate the graph does not have (sha256 still matches the bytes)
    await copyFile(join(TEST_MODEL_DIR, 'qd.onnx'), join(tmp, 'qd.onnx'));
    const card = JSON.parse(await readFile(join(TEST_MODEL_DIR, 'qd.model.json'), 'utf8')) as { inputs: { covariates: string[] } };
    card.inputs.covariates.push('age');
    await writeFile(join(tmp, 'qd.model.json'), JSON.stringify(card));
    const text = stringify(knownAnswerScenario()).replace(join(TEST_MODEL_DIR, 'qd.model.json'), join(tmp, 'qd.model.json'));
    await expectRefused(tmp, text, /qd\.model\.json: .*no input "age", which the card declares in inputs\.covariates/);
  });
});

test('ONNX bytes that do not match the card sha256 are refused', async () => {
  await withTempDir(async (tmp) => {
    await copyFile(join(TEST_MODEL_DIR, 'qw.onnx'), join(tmp, 'qd.onnx'));
    await copyFile(join(TEST_MODEL_DIR, 'qd.model.json'), join(tmp, 'qd.model.json'));
    const text = stringify(knownAnswerScenario()).replace(join(TEST_MODEL_DIR, 'qd.model.json'), join(tmp, 'qd.model.json'));
    await expectRefused(tmp, text, /qd\.model\.json: field sha256: card says [0-9a-f]{64} but .*qd\.onnx hashes to [0-9a-f]{64}/);
  });
});

test('a run directory that belongs to another run is refused', async () => {
  await withTempDir(async (tmp) => {
    const a = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }), 'a.yaml');
    const b = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10, seed: 99 }), 'b.yaml');
    const out = join(tmp, 'out');
    assert.equal((await runCli(['run', a, '--out', out, '--workers', '1', '--quiet'])).code, 0);
    const r = await runCli(['run', b, '--out', out, '--workers', '1', '--quiet']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /run\.json: run directory belongs to run [0-9a-f]{16}, not [0-9a-f]{16}; choose another --out/);
  });
});
