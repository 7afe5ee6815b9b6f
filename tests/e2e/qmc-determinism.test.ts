/**
 * Determinism of quasi-Monte Carlo runs (issue 19 item 6), the determinism.test.ts pattern in small:
 * a `population.sampler: sobol` scenario gives identical cells, curves.parquet bytes and decisions
 * with 1 vs 2 workers, two tile sizes and subjects split into batches of a few rows (so a replicate's
 * subjects are drawn in pieces); the sampler is in the compiled spec (run id, run.json, manifest) and
 * in the population description; the same scenario with philox is a different run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { cellTable, outputs } from '../kit/run-dir.js';

type Obj = Record<string, unknown>;

function withSampler(sampler: 'philox' | 'sobol' | undefined): Obj {
  const o = knownAnswerScenario({ replicates: 6, subjects: 100, seed: 19, qdStop: 6, qwStop: 60 });
  if (sampler !== undefined) (((o['scenarios'] as Obj[])[0] as Obj)['population'] as Obj)['sampler'] = sampler;
  return o;
}

interface Population { sampler?: string }
interface Spec { runId: string; scenarios: Array<{ population: Population; populationLabel: string }> }

test('sobol: 1 vs 2 workers, two tile sizes and split batches give identical cells, curves bytes and decisions', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, withSampler('sobol'), 'sobol.yaml');
    const shapes = [
      { name: 'w1-t20000', args: ['--workers', '1', '--tile-trajectories', '20000'] },
      { name: 'w2-t700-b40', args: ['--workers', '2', '--tile-trajectories', '700', '--max-batch-rows', '40'] },
    ];
    const results = [];
    for (const s of shapes) {
      const out = join(tmp, s.name);
      const r = await runCli(['run', scenario, '--out', out, '--quiet', ...s.args]);
      assert.equal(r.code, 0, `${s.name} failed:\n${r.stderr}`);
      results.push({ name: s.name, out, cells: await cellTable(out), ...(await outputs(out)) });
    }
    const [a, b] = results;
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(a.cells.length, 6 * (12 + 12), 'one cell per (regimen, dose, replicate)');
    assert.deepEqual(b.cells, a.cells, 'cells differ between execution shapes');
    assert.ok(b.curves.equals(a.curves), 'curves.parquet bytes differ');
    assert.equal(b.decisions, a.decisions, 'decisions differ');
    assert.notEqual((a.manifest['tiles'] as { total: number }).total, (b.manifest['tiles'] as { total: number }).total, 'the tilings really differ');

    // the sampler is part of the compiled run and of the population description
    const runJson = JSON.parse(await readFile(join(a.out, 'run.json'), 'utf8')) as { spec: Spec };
    const manifestSpec = a.manifest['spec'] as Spec;
    for (const spec of [runJson.spec, manifestSpec]) {
      assert.equal(spec.scenarios[0]?.population.sampler, 'sobol');
      assert.match(spec.scenarios[0]?.populationLabel ?? '', /scrambled Sobol' points/);
    }

    // philox (explicit or by default) is another run: another run id and other cells
    const philox = join(tmp, 'philox');
    const explicit = join(tmp, 'philox-explicit');
    assert.equal((await runCli(['run', await writeScenario(tmp, withSampler(undefined), 'p.yaml'), '--out', philox, '--quiet', '--workers', '1'])).code, 0);
    assert.equal((await runCli(['run', await writeScenario(tmp, withSampler('philox'), 'pe.yaml'), '--out', explicit, '--quiet', '--workers', '1'])).code, 0);
    const ids = await Promise.all([a.out, philox, explicit].map(async (d) => (JSON.parse(await readFile(join(d, 'manifest.json'), 'utf8')) as { run_id: string }).run_id));
    assert.notEqual(ids[0], ids[1], 'sobol and philox runs have different run ids');
    assert.equal(ids[1], ids[2], 'sampler: philox is the default: same run id as no sampler');
    const philoxSpec = (JSON.parse(await readFile(join(philox, 'manifest.json'), 'utf8')) as { spec: Spec }).spec;
    assert.equal(philoxSpec.scenarios[0]?.population.sampler, undefined, 'philox stays out of the spec');
    assert.notDeepEqual(await cellTable(philox), a.cells);
  });
});
