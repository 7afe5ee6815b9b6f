/**
 * `qusop qae RUN_DIR` end to end (real CLI) on a small finished run of the known-answer TEST model:
 * one simulated-QAE record per curve cell with p = k/n (curves read back by an independent Parquet
 * reader), every interval within the half-width, Monte Carlo samples meeting their definition, "simulated"
 * on every output, and the same bytes for the same seed (another seed, other measurements).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { cpHalfWidth } from '../../analysis/amplitude/mc-samples.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

interface Cell {
  scenario: string; regimen: string; dose: number; n: number; k: number; p: number;
  simulated_qae_estimate: number; simulated_qae_lo: number; simulated_qae_hi: number; simulated_qae_oracle_queries: number; mc_samples: number;
}
interface QaeJson { simulated: boolean; title: string; run_id: string; options: { half_width: number; alpha: number; seed: number }; cells: Cell[] }

const FILES = ['qae-simulated.json', 'qae-simulated.md', 'qae-simulated.png'];
const read = async (dir: string): Promise<Buffer[]> => Promise.all(FILES.map((f) => readFile(join(dir, f))));

test('qae on a finished known-answer run: per-cell simulated QAE vs Monte Carlo, labelled simulated, deterministic', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 25, qdStop: 3, qwStop: 15 }));
    const out = join(tmp, 'out');
    const run = await runCli(['run', scenario, '--out', out, '--workers', '1', '--quiet'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);

    const r = await runCli(['qae', out, '--half-width', '0.02', '--seed', '5'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /simulated/);
    const json = JSON.parse(await readFile(join(out, 'qae-simulated.json'), 'utf8')) as QaeJson;
    assert.equal(json.simulated, true);
    assert.match(json.title, /simulated/);
    assert.deepEqual(json.options, { ...json.options, half_width: 0.02, alpha: 0.05, seed: 5 });
    const runFile = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { runId: string };
    assert.equal(json.run_id, runFile.runId);

    // the curve cells, read by hyparquet, not by the code under test
    const bytes = await readFile(join(out, 'curves.parquet'));
    const curves = await parquetReadObjects({ file: new Uint8Array(bytes).buffer });
    assert.equal(json.cells.length, curves.length);
    assert.equal(curves.length, 6 + 3, 'QD 0.5..3 by 0.5 and QW 5..15 by 5');
    for (const [i, c] of json.cells.entries()) {
      const row = curves[i] ?? {};
      assert.deepEqual([c.scenario, c.regimen, c.dose, c.n, c.k], [row['scenario'], row['regimen'], Number(row['dose']), Number(row['n']), Number(row['k'])]);
      assert.equal(c.n, 50);
      assert.equal(c.p, c.k / c.n);
      assert.ok(c.simulated_qae_hi - c.simulated_qae_lo <= 2 * 0.02 * (1 + 1e-12), `cell ${i}: interval wider than the half-width`);
      assert.ok(c.simulated_qae_lo <= c.simulated_qae_estimate && c.simulated_qae_estimate <= c.simulated_qae_hi);
      assert.ok(Number.isInteger(c.simulated_qae_oracle_queries) && c.simulated_qae_oracle_queries >= 100);
      // Monte Carlo's count: the exact interval at n reaches the half-width, at n - 1 it does not
      assert.ok(cpHalfWidth(c.p, c.mc_samples, 0.05) <= 0.02 && cpHalfWidth(c.p, c.mc_samples - 1, 0.05) > 0.02, `cell ${i}: mc_samples ${c.mc_samples}`);
    }
    assert.ok(json.cells.some((c) => c.k > 0 && c.k < c.n), 'some cell is neither 0 nor 1');

    const md = await readFile(join(out, 'qae-simulated.md'), 'utf8');
    assert.match(md, /^# .*simulated/);
    const header = md.split('\n').find((l) => l.startsWith('| scenario')) ?? '';
    assert.match(header, /simulated QAE oracle queries/);
    assert.match(header, /Monte Carlo samples/);
    // counts only: no duration anywhere (a number followed by a time unit). The run's own paths are
    // blanked first: a random temporary folder name such as qusop-test-LVXf4S reads as '4 s'.
    for (const raw of [md, await readFile(join(out, 'qae-simulated.json'), 'utf8'), r.stdout]) {
      const text = raw.split(tmp).join('<tmp>');
      assert.doesNotMatch(text, /\d\s*(ms|s|sec|seconds?|min|minutes?|h|hours?)\b/i);
    }
    const png = await readFile(join(out, 'qae-simulated.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');

    // determinism: the same seed gives the same bytes; another seed other measurements
    const first = await read(out);
    const again = await runCli(['qae', out, '--half-width', '0.02', '--seed', '5'], { timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    const second = await read(out);
    for (const [i, f] of FILES.entries()) assert.ok(first[i]?.equals(second[i] ?? Buffer.alloc(0)), `${f} bytes differ between two runs with seed 5`);
    const other = await runCli(['qae', out, '--half-width', '0.02', '--seed', '6'], { timeoutMs: 120_000 });
    assert.equal(other.code, 0, other.stderr);
    const json6 = JSON.parse(await readFile(join(out, 'qae-simulated.json'), 'utf8')) as QaeJson;
    assert.notDeepEqual(json6.cells.map((c) => c.simulated_qae_estimate), json.cells.map((c) => c.simulated_qae_estimate));
    assert.deepEqual(json6.cells.map((c) => c.mc_samples), json.cells.map((c) => c.mc_samples), 'Monte Carlo counts do not depend on the seed');
  });
});
