/**
 * Issue 17 item 15: the shipped scenarios/five-questions.yaml and `npm start` (`qusop answer
 * data/EstData.csv`, which writes its own scenario file for round 0) must be the same sweep, band
 * included: the shipped cards carry parameter draws, for which `qusop answer` reads the
 * replicate-quantile band; a pooled Clopper-Pearson band of that mixture is far too narrow and gave
 * lower conservative doses than `npm start`. Both files go through the ordinary compiler and every
 * compiled field but the free-text description is compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, withTempDir } from '../kit/cli.js';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { THRESHOLD_NG_ML } from '../../analysis/answer-command.js';
import { shippedModelFor } from '../../analysis/answer/fit-model.js';
import { loadAnswerModels } from '../../analysis/answer/models.js';
import { bandFor, scenarioDocument, writeScenarioFile, type ScenarioCell } from '../../analysis/answer/scenario-file.js';
import { DEFAULT_GRIDS } from '../../analysis/answer/grid-extension.js';
import { DEFAULT_BW, DEFAULT_COMED } from '../../analysis/answer/populations.js';
import { POPULATIONS, REGIMENS, TARGETS } from '../../analysis/answer/questions.js';
import { sha256Hex } from '../../worker/model/load-card.js';
import { readFile } from 'node:fs/promises';
import type { ScenarioSpec } from '../../worker/run-spec.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
/** `qusop answer`'s defaults for R, M and seed (cli/commands/answer.ts) */
const ANSWER_DEFAULTS = { replicates: 200, subjects: 500, seed: 20251121 };

const comparable = ({ description: _d, ...rest }: ScenarioSpec): Omit<ScenarioSpec, 'description'> => rest;

test('scenarios/five-questions.yaml is the sweep npm start runs: same populations, R, M, seeds, grids, models and band', async () => {
  const shipped = await compileScenarioFile(join(ROOT, 'scenarios', 'five-questions.yaml'));
  const cards = await shippedModelFor(sha256Hex(await readFile(ESTDATA)));
  assert.ok(cards !== undefined, 'npm start uses the shipped fit of EstData');
  const models = await loadAnswerModels(cards);
  assert.equal(bandFor(models).method, 'replicate-quantile', 'the shipped cards carry parameter draws');
  await withTempDir(async (tmp) => {
    const cells: ScenarioCell[] = POPULATIONS.flatMap((population) => REGIMENS.map((regimen) => ({ population, regimen, model: models[0]!, grid: DEFAULT_GRIDS[regimen] })));
    const settings = { trial: ESTDATA, base: { bw: DEFAULT_BW, comed: DEFAULT_COMED }, thresholdNgMl: THRESHOLD_NG_ML, targets: TARGETS, models, ...ANSWER_DEFAULTS };
    const path = join(tmp, 'scenarios.yaml');
    await writeScenarioFile(path, scenarioDocument(cells, settings, tmp), []);
    const answer = await compileScenarioFile(path);
    assert.deepEqual(shipped.spec.scenarios.map((s) => s.name), answer.spec.scenarios.map((s) => s.name));
    for (const [i, sc] of shipped.spec.scenarios.entries()) {
      const theirs = answer.spec.scenarios[i]!;
      assert.deepEqual(sc.band, theirs.band, `${sc.name}: band of the shipped scenario vs qusop answer`);
      assert.deepEqual(comparable(sc), comparable(theirs), `${sc.name}: compiled scenario`);
    }
  });
});
