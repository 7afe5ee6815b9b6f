/**
 * `qusop answer --questions Q.yaml` end to end (real CLI): a question other than max PD (mean PD <=
 * 3.3 ng/mL on the known-answer TEST model) is answered with the exact minimal dose within one grid
 * step; the shipped file of the five EstData questions gives the same decisions and answers as no file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { exactAttainment, exactMinimalDose } from '../../models/testmodel/exact.js';
import { ROOT, runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const MODELS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];

interface CustomAnswer { question: string; population: string; regimen: string; target: number; statistic: string; mean_crossing: number | null; dose: number | null }

test('answer --questions: mean PD <= 3.3 ng/mL on the known-answer model gives the exact minimal dose within one grid step', async () => {
  await withTempDir(async (tmp) => {
    const grid = { start: 0.5, stop: 20, step: 0.5 };
    await writeFile(join(tmp, 'q.yaml'), stringify({
      questions: [{
        id: 'mean-pd', text: 'time-average PD <= 3.3 ng/mL', statistic: 'mean', threshold: { value: 3.3, unit: 'ng/mL' },
        regimens: [{ name: 'qd', tau_h: 24, doses_mg: grid }], populations: [{ name: 'base' }], targets: [0.9, 0.75],
      }],
    }));
    const r = await runCli(['answer', ESTDATA, ...MODELS, '--questions', join(tmp, 'q.yaml'), '--bw', 'uniform:51:100', '--comed', 'bernoulli:0.5',
      '--replicates', '10', '--subjects', '500', '--workers', '2', '--seed', '11', '--quiet', '--out', join(tmp, 'out')], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    const answers = (JSON.parse(await readFile(join(tmp, 'out', 'answers.json'), 'utf8')) as { answers: CustomAnswer[] }).answers;
    assert.deepEqual(answers.map((a) => [a.question, a.population, a.regimen, a.target, a.statistic]), [['mean-pd', 'base', 'qd', 0.9, 'mean'], ['mean-pd', 'base', 'qd', 0.75, 'mean']]);
    const qd = KNOWN_ANSWER_REGIMENS.qd;
    const doses = Array.from({ length: 40 }, (_, i) => 0.5 * (i + 1));
    const population = { bw: { kind: 'uniform', minKg: 51, maxKg: 100 }, comed: { kind: 'bernoulli', p: 0.5 } } as const;
    const p = doses.map((d) => exactAttainment(KNOWN_ANSWER_PARAMS, { ...qd, smin: (1 + qd.smin) / 2 }, d, population, 3.3));
    for (const a of answers) {
      const exact = exactMinimalDose(doses, p, a.target);
      assert.ok(exact !== null && a.mean_crossing !== null && Math.abs(a.mean_crossing - exact) <= grid.step + 1e-9, `target ${a.target}: ${a.mean_crossing} mg vs exact ${exact} mg`);
    }
    const scenario = await readFile(join(tmp, 'out', 'scenarios.yaml'), 'utf8');
    assert.match(scenario, /statistic: mean/);
  });
});

test('answer --questions scenarios/questions/estdata.yaml gives the same decisions and answers as the default', async () => {
  await withTempDir(async (tmp) => {
    const settings = [...MODELS, '--replicates', '4', '--subjects', '40', '--workers', '2', '--seed', '5', '--quiet'];
    const plain = await runCli(['answer', ESTDATA, ...settings, '--out', join(tmp, 'a')], { timeoutMs: 150_000 });
    assert.equal(plain.code, 0, plain.stderr);
    const filed = await runCli(['answer', ESTDATA, ...settings, '--questions', join(ROOT, 'scenarios', 'questions', 'estdata.yaml'), '--out', join(tmp, 'b')], { timeoutMs: 150_000 });
    assert.equal(filed.code, 0, filed.stderr);
    assert.equal(await readFile(join(tmp, 'b', 'decisions.json'), 'utf8'), await readFile(join(tmp, 'a', 'decisions.json'), 'utf8'));
    const answers = async (d: string) => JSON.stringify((JSON.parse(await readFile(join(tmp, d, 'answers.json'), 'utf8')) as { answers: unknown }).answers);
    assert.equal(await answers('b'), await answers('a'));
    assert.equal(filed.stdout, plain.stdout, 'the same table');
  });
});
