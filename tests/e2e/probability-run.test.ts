/**
 * A p_success card (worker/model/card.ts) through `qusop run`: the question it was trained for runs,
 * its curves are mean probabilities with the replicate band, and 1 and 2 workers with two tile sizes
 * give the same shard cells, curves bytes and decisions (the fixed-point probability sums add exactly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { writeProbabilityModel } from '../kit/probability-model.js';
import { cellTable, outputs } from '../kit/run-dir.js';

const scenario = (card: string): string => `scenarios:
  - name: s
    population: { bw: { uniform: { min_kg: 50, max_kg: 90 } }, comed: { bernoulli: 0.3 } }
    threshold_ng_ml: 3.3
    targets: [0.9, 0.75]
    replicates: 6
    subjects: 60
    seed: 3
    regimens: [{ name: qd, tau_h: 24, model: ${card}, doses_mg: { start: 1, stop: 20, step: 1 } }]
`;

test('p_success card: replicate band, same bytes with 1 and 2 workers and two tile sizes', async () => {
  await withTempDir(async (dir) => {
    const card = await writeProbabilityModel(join(dir, 'model'));
    await writeFile(join(dir, 's.yaml'), scenario(card));
    const shapes = [['--workers', '1'], ['--workers', '2', '--tile-trajectories', '120']];
    const results = [];
    for (const [i, args] of shapes.entries()) {
      const out = join(dir, `out${i}`);
      const r = await runCli(['run', join(dir, 's.yaml'), '--out', out, '--quiet', ...args]);
      assert.equal(r.code, 0, r.stderr);
      results.push({ cells: await cellTable(out), ...(await outputs(out)) });
    }
    const [a, b] = results;
    assert.ok(a !== undefined && b !== undefined);
    assert.deepEqual(b.cells, a.cells);
    assert.ok(b.curves.equals(a.curves), 'curves.parquet bytes');
    assert.equal(b.decisions, a.decisions);
    const decisions = JSON.parse(await readFile(join(dir, 'out0', 'decisions.json'), 'utf8')) as unknown;
    const text = JSON.stringify(decisions);
    assert.match(text, /"method":"replicate-quantile"/);
    assert.doesNotMatch(text, /"method":"clopper-pearson"/);
  });
});
