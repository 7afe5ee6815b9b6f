/**
 * Joint endpoints (issue 19 item 1) on the shipped EstData QD card, which outputs pd and conc: the
 * question (max pd <= 3.3 ng/mL) and a safety endpoint (max conc <= 10 mg/L, target 90 %) in one pass.
 * Exact checks against separate runs of the same seed (the same subjects): k is the plain run's k, and
 * k_safe is the k of a run whose question is the safety endpoint itself; k_both is consistent with both
 * (both <= min(k, k_safe), k + k_safe - both <= n). Through the real CLI (2 workers, small tiles) the
 * window file re-aggregates to the same bytes and decisions.json is that of the run without safety.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { runInProcess } from '../kit/engine.js';
import { writeScenario } from '../kit/scenarios.js';
import { maximalSafeDose } from '../../coordinator/aggregate/therapeutic-window.js';

type Obj = Record<string, unknown>;
const SAFETY = { endpoint: 'concentration', statistic: 'max', comparison: '<=', threshold: { value: 10, unit: 'mg/L' }, target: 0.9 };

function scenario(change: (s: Obj) => void = () => undefined): Obj {
  const s: Obj = {
    name: 'joint',
    population: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } },
    threshold: { value: 3.3, unit: 'ng/mL' },
    targets: [0.9, 0.5],
    replicates: 3,
    subjects: 40,
    seed: 23,
    regimens: [{ name: 'qd', tau_h: 24, model: join(ROOT, 'models', 'estdata', 'qd.model.json'), doses_mg: { start: 1, stop: 16, step: 1 } }],
  };
  change(s);
  return { scenarios: [s] };
}
const cellKey = (r: { dose_index: number; replicate: number }): string => `${r.dose_index}/${r.replicate}`;
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

test('efficacy, safety and both counted in one pass equal the separate runs, and decide the window', async () => {
  await withTempDir(async (dir) => {
    const joint = await runInProcess(await writeScenario(dir, scenario((s) => { s['safety'] = SAFETY; }), 'joint.yaml'), { tileTrajectories: 300 });
    const plain = await runInProcess(await writeScenario(dir, scenario(), 'plain.yaml'));
    const safetyAsQuestion = await runInProcess(await writeScenario(dir, scenario((s) => {
      s['endpoint'] = 'concentration';
      s['threshold'] = SAFETY.threshold;
    }), 'safety.yaml'));
    const k = new Map(plain.rows.map((r) => [cellKey(r), r.k]));
    const kSafe = new Map(safetyAsQuestion.rows.map((r) => [cellKey(r), r.k]));
    assert.equal(joint.rows.length, plain.rows.length);
    let strictlyBetween = 0;
    for (const r of joint.rows) {
      const both = r.k_both ?? -1;
      const safe = r.k_safe ?? -1;
      assert.equal(r.k, k.get(cellKey(r)), `efficacy ${cellKey(r)}`);
      assert.equal(safe, kSafe.get(cellKey(r)), `safety ${cellKey(r)}`);
      assert.ok(both >= 0 && both <= Math.min(r.k, safe) && r.k + safe - both <= r.n, `both ${cellKey(r)}: k ${r.k} safe ${safe} both ${both}`);
      if (safe > 0 && safe < r.n && r.k > 0 && r.k < r.n) strictlyBetween += 1;
    }
    assert.ok(strictlyBetween > 0, 'some cells have both endpoints undecided, so k_both is a real joint count');
    assert.deepEqual(joint.decisions, plain.decisions, 'the question\'s decisions do not depend on the safety endpoint');
    const result = joint.joint.window;
    assert.ok(result !== undefined);
    const doses = joint.spec.scenarios[0]?.regimens[0]?.dosesMg ?? [];
    const safeCurve = safetyAsQuestion.curves;
    const maxSafe = maximalSafeDose(doses, (d) => (safeCurve[d]?.p_hat ?? 0) >= SAFETY.target);
    assert.ok(maxSafe !== null && maxSafe < 16, `the cap binds inside the grid (${maxSafe} mg)`);
    for (const w of result.windows) {
      const q = plain.decisions.find((d) => d.target === w.target);
      assert.equal(w.mean.minimal_efficacious, q?.mean_crossing);
      assert.equal(w.conservative.minimal_efficacious, q?.conservative);
      assert.equal(w.mean.maximal_safe, maxSafe);
      const lo = w.mean.minimal_efficacious;
      assert.deepEqual(w.mean.window, lo !== null && maxSafe !== null && lo <= maxSafe ? [lo, maxSafe] : null);
    }
    // sweep and safety together in one head: the same safety counts, the sweep's 3.3 column is k
    const both = await runInProcess(await writeScenario(dir, scenario((s) => { s['safety'] = SAFETY; s['threshold_sweep'] = [3, 3.3, 3.6]; }), 'both.yaml'));
    const jointRow = new Map(joint.rows.map((r) => [cellKey(r), r]));
    for (const r of both.rows) {
      const j = jointRow.get(cellKey(r));
      assert.deepEqual([r.k, r.k_safe, r.k_both, r.k_sweep?.[1]], [j?.k, j?.k_safe, j?.k_both, j?.k], cellKey(r));
    }
    assert.deepEqual(both.joint.window, joint.joint.window);
  });
});

test('CLI: a joint run with 2 workers writes therapeutic-window.json that re-aggregates to the same bytes', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'joint');
    const plainOut = join(dir, 'plain');
    const a = await runCli(['run', await writeScenario(dir, scenario((s) => { s['safety'] = SAFETY; }), 'joint.yaml'), '--out', out, '--workers', '2', '--tile-trajectories', '400', '--quiet'], { timeoutMs: 180_000 });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(['run', await writeScenario(dir, scenario(), 'plain.yaml'), '--out', plainOut, '--workers', '1', '--quiet'], { timeoutMs: 180_000 });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(await readFile(join(out, 'decisions.json'), 'utf8'), await readFile(join(plainOut, 'decisions.json'), 'utf8'));
    assert.equal(await exists(join(plainOut, 'therapeutic-window.json')), false);
    const first = await readFile(join(out, 'therapeutic-window.json'), 'utf8');
    const parsed = JSON.parse(first) as { windows: { target: number; safety_target: number }[]; curves: { p_exceed: number; p_safe: number }[] };
    assert.deepEqual(parsed.windows.map((w) => [w.target, w.safety_target]), [[0.9, 0.9], [0.5, 0.9]]);
    assert.ok(parsed.curves.every((c) => c.p_exceed === 1 - c.p_safe));
    const c = await runCli(['aggregate', out], { timeoutMs: 60_000 });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(await readFile(join(out, 'therapeutic-window.json'), 'utf8'), first);
  });
});
