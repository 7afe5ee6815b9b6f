/**
 * `qusop answer --data-spec` (issue 16): EstData with renamed columns (SUBJ, TAD, CONC, TYPE, WT) and a
 * spec mapping them is the same trial, so with the same model and settings the five questions get the
 * same answers as from data/EstData.csv; the populations resample the trial through the spec
 * (the scenario file names it as subjects_spec).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, TEST_MODEL_DIR, runCli, withTempDir } from '../kit/cli.js';
import { estDataLayouts } from '../kit/trial-layouts.js';
import type { Answer } from '../../analysis/answer/answers.js';

const SETTINGS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json'), '--replicates', '4', '--subjects', '60', '--workers', '2', '--seed', '5', '--quiet'];

test('answers from a renamed layout with --data-spec equal the answers from EstData itself', { timeout: 180_000 }, async () => {
  await withTempDir(async (tmp) => {
    const layout = (await estDataLayouts()).layouts.find((l) => l.name === 'renamed columns with a spec');
    assert.ok(layout?.spec !== undefined);
    await writeFile(join(tmp, 'renamed.csv'), layout.csv);
    await writeFile(join(tmp, 'spec.yaml'), layout.spec);
    const plain = await runCli(['answer', join(ROOT, 'data', 'EstData.csv'), ...SETTINGS, '--out', join(tmp, 'a')], { timeoutMs: 150_000 });
    assert.equal(plain.code, 0, plain.stderr);
    const mapped = await runCli(['answer', join(tmp, 'renamed.csv'), '--data-spec', join(tmp, 'spec.yaml'), ...SETTINGS, '--out', join(tmp, 'b')], { timeoutMs: 150_000 });
    assert.equal(mapped.code, 0, mapped.stderr);
    const answers = async (d: string) => (JSON.parse(await readFile(join(tmp, d, 'answers.json'), 'utf8')) as { answers: Answer[] }).answers.map((x) => [x.question, x.population, x.regimen, x.target, x.dose, x.mean_crossing, x.interval]);
    assert.deepEqual(await answers('b'), await answers('a'));
    const scenario = await readFile(join(tmp, 'b', 'scenarios.yaml'), 'utf8');
    assert.match(scenario, /subjects_spec: .*spec\.yaml/);
    const request = JSON.parse(await readFile(join(tmp, 'b', 'answer-request.json'), 'utf8')) as { data_spec: { sha256: string } | null };
    assert.match(request.data_spec?.sha256 ?? '', /^[0-9a-f]{64}$/);
  });
});
