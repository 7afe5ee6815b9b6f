/**
 * Determinism across execution shapes (issue 2 acceptance): the same scenario with 1 and 3 workers
 * and with two different tile sizes gives identical (dose, replicate, n, k) tables, identical
 * curves.parquet bytes and identical decisions. Real CLI, real worker processes, real gRPC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { cellTable, outputs } from '../kit/run-dir.js';

test('1 vs 3 workers and two tile sizes give identical cells, curves bytes and decisions', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 12, subjects: 150, seed: 11 }));
    const shapes = [
      { name: 'w1-t20000', args: ['--workers', '1', '--tile-trajectories', '20000'] },
      { name: 'w3-t20000', args: ['--workers', '3', '--tile-trajectories', '20000'] },
      { name: 'w2-t3000', args: ['--workers', '2', '--tile-trajectories', '3000'] },
    ];
    const results = [];
    for (const s of shapes) {
      const out = join(tmp, s.name);
      const r = await runCli(['run', scenario, '--out', out, '--quiet', ...s.args]);
      assert.equal(r.code, 0, `${s.name} failed:\n${r.stderr}`);
      results.push({ name: s.name, out, cells: await cellTable(out), ...(await outputs(out)) });
    }
    const [a, ...rest] = results;
    assert.ok(a !== undefined);
    for (const r of results) {
      // the coordinator's own CPU (worker processes excluded): milliseconds, at most wall x cores
      const t = r.manifest['timings'] as { wall_ms: number; coordinator_process_cpu_ms: number };
      assert.ok(Number.isInteger(t.coordinator_process_cpu_ms) && t.coordinator_process_cpu_ms > 0, `${r.name}: coordinator_process_cpu_ms ${t.coordinator_process_cpu_ms}`);
      assert.ok(t.coordinator_process_cpu_ms <= t.wall_ms * cpus().length, `${r.name}: ${t.coordinator_process_cpu_ms} ms CPU in ${t.wall_ms} ms wall on ${cpus().length} cores`);
    }
    assert.equal(a.cells.length, 12 * (80 + 80), 'one cell per (regimen, dose, replicate)');
    for (const b of rest) {
      assert.deepEqual(b.cells, a.cells, `${b.name} cells differ from ${a.name}`);
      assert.ok(b.curves.equals(a.curves), `${b.name} curves.parquet bytes differ from ${a.name}`);
      assert.equal(b.decisions, a.decisions, `${b.name} decisions differ from ${a.name}`);
    }
    // an independent Parquet reader (hyparquet) reads the curve table with the documented columns
    const buf = new Uint8Array(a.curves).buffer;
    const rows = await parquetReadObjects({ file: buf });
    assert.equal(rows.length, 160);
    for (const col of ['scenario', 'regimen', 'dose', 'n', 'k', 'p_hat', 'cp_lo', 'cp_hi', 'wilson_lo', 'wilson_hi', 'rq_lo', 'rq_hi']) {
      assert.ok(col in (rows[0] ?? {}), `curves.parquet has column ${col}`);
    }
    for (const r of rows) assert.ok(Number(r['cp_lo']) <= Number(r['p_hat']) && Number(r['p_hat']) <= Number(r['cp_hi']));
    // the tilings really were different
    const tiles = results.map((r) => (r.manifest['tiles'] as { total: number }).total);
    assert.notEqual(tiles[0], tiles[2]);
  });
});
