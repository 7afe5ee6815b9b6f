/**
 * Bad input for p_success cards (the QCNN's contract, worker/model/card.ts): a question other than the
 * card's success_event, and malformed p_success contracts (pd not null, no success_event, a [B, 1]
 * output). Each through the real CLI (`qusop run`; the shipped QCNN through `qusop answer --questions`):
 * exit 2, the file and field named, nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { writeProbabilityModel } from '../kit/probability-model.js';

const scenario = (card: string, extra: string): string => `scenarios:
  - name: s
    population: { bw: { uniform: { min_kg: 50, max_kg: 90 } }, comed: { bernoulli: 0.3 } }
${extra}
    targets: [0.9]
    replicates: 4
    subjects: 50
    seed: 1
    regimens: [{ name: qd, tau_h: 24, model: ${card}, doses_mg: { start: 1, stop: 20, step: 1 } }]
`;

const ASKED = /outputs P\(success\) for biomarker max <= 3\.3 ng\/mL only/;
const CASES = [
  { name: 'another threshold', extra: '    threshold_ng_ml: 3.0', message: new RegExp(`scenarios\\[0\\]\\.threshold: model .*qd\\.model\\.json \\(test-probability\\) ${ASKED.source}; this scenario asks 3 ng/mL`) },
  { name: 'another statistic', extra: '    threshold_ng_ml: 3.3\n    statistic: mean', message: new RegExp(`scenarios\\[0\\]\\.statistic: .*${ASKED.source}; this scenario asks statistic mean`) },
  { name: 'another endpoint', extra: '    threshold_ng_ml: 3.3\n    endpoint: concentration', message: new RegExp(`scenarios\\[0\\]\\.endpoint: .*${ASKED.source}; this scenario asks endpoint concentration`) },
  { name: 'a threshold sweep', extra: '    threshold_ng_ml: 3.3\n    threshold_sweep: [2, 3.3, 4]', message: /scenarios\[0\]\.threshold_sweep: .*a threshold sweep reads it at other thresholds/ },
  { name: 'pd beside p_success', patch: { outputs: { pd: 'pd', p_success: 'p_success' } }, message: /qd\.model\.json: field outputs\.pd: a p_success card outputs a probability instead of a biomarker trajectory: outputs\.pd must be null/ },
  { name: 'no success_event', patch: { success_event: undefined }, message: /qd\.model\.json: field success_event: outputs\.p_success and success_event come together/ },
  { name: 'p_success of rank 2', rank2: true, message: /qd\.model\.json: .*ONNX output "p_success" has rank 2, the contract needs rank 1/ },
] as const;

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad p_success input through qusop run: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const card = await writeProbabilityModel(join(dir, 'model'), { rank2: 'rank2' in c, ...('patch' in c ? { patch: c.patch } : {}) });
      await writeFile(join(dir, 's.yaml'), scenario(card, 'extra' in c ? c.extra : '    threshold_ng_ml: 3.3'));
      const r = await runCli(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--quiet']);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(join(dir, 'out')), false, 'nothing written');
    });
  });
}

const QUESTIONS = `questions:
  - id: Q1
    text: the shipped QCNN asked another threshold
    endpoint: biomarker
    statistic: max
    comparison: "<="
    threshold: { value: 3.0, unit: ng/mL }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: 0.5, stop: 40, step: 0.5 } }]
    populations: [{ name: base }]
    targets: [0.9]
`;

test('bad p_success input through qusop answer: the shipped QCNN asked another threshold', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const r = await runCli(['answer', join(ROOT, 'data', 'EstData.csv'), '--model', join(ROOT, 'models', 'qcnn-estdata'), '--questions', join(dir, 'q.yaml'), '--replicates', '4', '--subjects', '20', '--out', join(dir, 'out')]);
    assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /q\.yaml: questions\[0\]: question Q1 asks biomarker <= 3 ng\/mL, but --model .*qcnn-qd\.model\.json \(qcnn-success\) outputs P\(success\) of an event and answers only biomarker <= 3\.3 ng\/mL/);
    assert.equal(await exists(join(dir, 'out')), false, 'nothing written');
  });
});
