/**
 * `qusop answer data/EstData.csv --model models/qcnn-estdata` (the shipped QCNN p_success cards): the
 * five questions are answered (a dose or "not reached" each), every decision uses the replicate band,
 * and 1 and 2 workers (two tile sizes) give the same shard cells, curves bytes and decisions.
 * Small replicates and subjects keep it short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { cellTable, outputs } from '../kit/run-dir.js';

const TRIAL = join(ROOT, 'data', 'EstData.csv');
const MODEL = join(ROOT, 'models', 'qcnn-estdata');

test('qcnn answers the five questions with the same bytes on 1 and 2 workers', async () => {
  await withTempDir(async (dir) => {
    const shapes = [['--workers', '1'], ['--workers', '2', '--tile-trajectories', '400']];
    const results = [];
    for (const [i, args] of shapes.entries()) {
      const out = join(dir, `out${i}`);
      const r = await runCli(['answer', TRIAL, '--model', MODEL, '--replicates', '4', '--subjects', '40', '--out', out, ...args]);
      assert.equal(r.code, 0, r.stderr);
      results.push({ out, cells: await cellTable(out), ...(await outputs(out)) });
    }
    const [a, b] = results;
    assert.ok(a !== undefined && b !== undefined);
    assert.ok(a.cells.length > 0);
    assert.deepEqual(b.cells, a.cells, 'shard cells');
    assert.ok(b.curves.equals(a.curves), 'curves.parquet bytes');
    assert.equal(b.decisions, a.decisions, 'decisions.json');
    const { decisions } = JSON.parse(a.decisions) as { decisions: { band: { method: string } }[] };
    assert.ok(decisions.length >= 10);
    for (const d of decisions) assert.equal(d.band.method, 'replicate-quantile');
    const answers = JSON.parse(await readFile(join(a.out, 'answers.json'), 'utf8')) as unknown;
    assert.match(JSON.stringify(answers), /qcnn/);
  });
});
