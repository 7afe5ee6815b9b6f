/**
 * A success-surrogate card (the shipped logistic baseline, models/baselines-estdata/logistic-qd.model.json:
 * biomarker <= 3.3 ng/mL only) asked another question through `qusop run` (no `qusop answer` in between):
 * refused at compile with the scenario field and the card named, exit 2, nothing written; the one
 * question it answers runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const CARD = join(ROOT, 'models', 'baselines-estdata', 'logistic-qd.model.json');
const scenario = (extra: string): string => `scenarios:
  - name: s
    population: { bw: { uniform: { min_kg: 50, max_kg: 90 } }, comed: { bernoulli: 0.3 } }
${extra}
    targets: [0.9]
    replicates: 4
    subjects: 50
    seed: 1
    regimens: [{ name: qd, tau_h: 24, model: ${CARD}, doses_mg: { start: 1, stop: 20, step: 1 } }]
`;

const CASES = [
  { name: 'another threshold', extra: '    threshold_ng_ml: 3.0', message: /scenarios\[0\]\.threshold: model .*logistic-qd\.model\.json \(.*\) outputs a success surrogate that answers only biomarker <= 3\.3 ng\/mL; this scenario asks 3 ng\/mL/ },
  { name: 'the other comparison', extra: '    threshold_ng_ml: 3.3\n    comparison: ">="', message: /scenarios\[0\]\.comparison: .*success surrogate .*; this scenario asks biomarker >=/ },
  { name: 'a threshold sweep', extra: '    threshold_ng_ml: 3.3\n    threshold_sweep: [2, 3.3, 4]', message: /scenarios\[0\]\.threshold_sweep: .*success surrogate .*; a threshold sweep reads it at other thresholds/ },
] as const;

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad surrogate question through qusop run: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 's.yaml'), scenario(c.extra));
      const r = await runCli(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--quiet']);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(join(dir, 'out')), false, 'nothing written');
    });
  });
}

test('the question the surrogate answers runs through qusop run', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 's.yaml'), scenario('    threshold_ng_ml: 3.3'));
    const r = await runCli(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await exists(join(dir, 'out', 'decisions.json')), true);
  });
});
