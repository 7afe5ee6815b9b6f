/**
 * Threshold sweep (issue 19 item 2) on the known-answer TEST model: the counts for each sweep threshold
 * equal, cell by cell, those of a separate run with that single threshold (same seed: the same
 * trajectories), so the sweep's curves and minimal doses are exactly those runs' ones; through the real
 * CLI (2 workers over gRPC, small tiles) the shards carry them, verify, and re-aggregate to the same
 * bytes; and the question's own decisions.json is byte for byte that of the run without the sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { runInProcess } from '../kit/engine.js';
import type { SweepCurveRow, SweepDecision, SweepResult } from '../../coordinator/aggregate/threshold-sweep.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;
const SWEEP = [3.0, 3.3, 3.6];
const scenario = (threshold: number, sweep?: unknown): Obj => {
  const o = knownAnswerScenario({ replicates: 4, subjects: 60, qdStop: 12, qwStop: 120, seed: 19 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  sc['threshold_ng_ml'] = threshold;
  if (sweep !== undefined) sc['threshold_sweep'] = sweep;
  return o;
};
const cellKey = (r: { regimen: string; dose_index: number; replicate: number }): string => `${r.regimen}/${r.dose_index}/${r.replicate}`;
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test('each sweep threshold counts exactly what a single-threshold run of it counts, and gives its decisions', async () => {
  await withTempDir(async (dir) => {
    const swept = await runInProcess(await writeScenario(dir, scenario(3.3, { start: 3.0, stop: 3.6, step: 0.3 }), 'sweep.yaml'), { tileTrajectories: 3_000 });
    assert.deepEqual(swept.spec.scenarios[0]?.thresholdSweepNgMl, SWEEP);
    const sweep: SweepResult | undefined = swept.joint.sweep;
    if (sweep === undefined) throw new Error('a sweep run has a sweep result');
    for (const [h, thr] of SWEEP.entries()) {
      const single = await runInProcess(await writeScenario(dir, scenario(thr), `t${h}.yaml`));
      assert.equal(single.joint.sweep, undefined, 'no sweep, no sweep result');
      assert.ok(single.rows.every((r) => r.k_sweep === undefined && r.k_safe === undefined), 'plain rows');
      const k = new Map(single.rows.map((r) => [cellKey(r), r.k]));
      assert.equal(swept.rows.length, single.rows.length);
      for (const r of swept.rows) assert.equal(r.k_sweep?.[h], k.get(cellKey(r)), `threshold ${thr}, cell ${cellKey(r)}`);
      const mine: SweepDecision[] = sweep.decisions.filter((d) => d.threshold_ng_ml === thr);
      assert.deepEqual(mine.map((d) => [d.regimen, d.target, d.mean_crossing, d.conservative, d.replicate_median, d.flags]),
        single.decisions.map((d) => [d.regimen, d.target, d.mean_crossing, d.conservative, d.replicate_median, d.flags]), `decisions at ${thr}`);
      const curve: SweepCurveRow[] = sweep.curves.filter((c) => c.threshold_ng_ml === thr);
      assert.deepEqual(curve.map((c) => [c.dose, c.k, c.band_lo, c.band_hi]), single.curves.map((c) => [c.dose, c.k, c.band_lo, c.band_hi]), `curve at ${thr}`);
    }
    // more permissive thresholds never count fewer subjects (the same statistic, one comparison)
    for (const r of swept.rows) assert.ok((r.k_sweep ?? []).every((k, h, a) => h === 0 || k >= (a[h - 1] ?? 0)), cellKey(r));
    const crossings = sweep.decisions.filter((d) => d.regimen === 'qd' && d.target === 0.75).map((d) => d.mean_crossing ?? Infinity);
    assert.ok(crossings[0]! >= crossings[1]! && crossings[1]! >= crossings[2]!, `a higher threshold needs no more drug: ${crossings}`);
  });
});

test('CLI: a sweep run with 2 workers writes sweep shards that verify and re-aggregate to the same bytes; decisions.json as without the sweep', async () => {
  await withTempDir(async (dir) => {
    const plain = join(dir, 'plain');
    const swept = join(dir, 'swept');
    const a = await runCli(['run', await writeScenario(dir, scenario(3.3), 'plain.yaml'), '--out', plain, '--workers', '1', '--quiet'], { timeoutMs: 120_000 });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(['run', await writeScenario(dir, scenario(3.3, SWEEP), 'sweep.yaml'), '--out', swept, '--workers', '2', '--tile-trajectories', '2000', '--quiet'], { timeoutMs: 120_000 });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(await readFile(join(swept, 'decisions.json'), 'utf8'), await readFile(join(plain, 'decisions.json'), 'utf8'), 'the question\'s decisions do not depend on the sweep');
    assert.equal(await exists(join(plain, 'threshold-sweep.json')), false, 'no sweep file without the sweep');
    const first = await readFile(join(swept, 'threshold-sweep.json'), 'utf8');
    const table = JSON.parse(first) as { decisions: { threshold_ng_ml: number }[] };
    assert.deepEqual([...new Set(table.decisions.map((d) => d.threshold_ng_ml))], SWEEP);
    const c = await runCli(['aggregate', swept], { timeoutMs: 60_000 });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(await readFile(join(swept, 'threshold-sweep.json'), 'utf8'), first, 'qusop aggregate re-reads the sweep columns of every shard');
  });
});
