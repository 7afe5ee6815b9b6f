/**
 * Grid extension: the pure verdict (resolved / still rising -> doubled stop / plateau / limit), and the
 * orchestrator's rounds against a synthetic engine whose curves are known: a target beyond the asked
 * grid is found by doubling exactly as if the long grid had been asked for; a flat curve and a curve
 * beyond 2^MAX_EXTENSIONS x the grid stay unanswered with the reason stated; differing counts at doses
 * two rounds share are a determinism alarm. The scenario files each round writes are compiled by the
 * ordinary scenario compiler, so they are valid `qusop run` input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extendedGrid, extensionVerdict, MAX_EXTENSIONS, MIN_RISE, topQuarterRise } from '../../analysis/answer/grid-extension.js';
import { answerFiveQuestions, type AnswerPlan, type RunExecutor } from '../../analysis/answer/orchestrate.js';
import { loadAnswerModels } from '../../analysis/answer/models.js';
import { buildAnswers } from '../../analysis/answer/answers.js';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { aggregate } from '../../coordinator/aggregate/decisions.js';
import { aggregationPlan } from '../../coordinator/run/run-dir.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { packageRoot } from '../../worker/common/version.js';
import { DeterminismError } from '../../worker/common/errors.js';
import { runInProcess } from '../kit/engine.js';

const resolved = { mean_crossing: 10, conservative: 11, replicate_hi: 12 };
const open = { mean_crossing: null, conservative: null, replicate_hi: null };
const rising = Array.from({ length: 8 }, (_, i) => ({ p_hat: 0.1 * i }));
const flat = Array.from({ length: 8 }, (_, i) => ({ p_hat: i < 4 ? 0.2 * i : 0.6 + 0.001 * (i - 4) }));

test('extension verdict: resolved, still rising (stop doubled on the step lattice), plateau, limit', () => {
  const grid = { start: 0.5, stop: 40, step: 0.5 };
  assert.deepEqual(extensionVerdict(grid, rising, [resolved, resolved], 0), { extend: false, reason: 'resolved' });
  const v = extensionVerdict(grid, rising, [resolved, { ...resolved, replicate_hi: null }], 0);
  assert.equal(v.extend, true);
  assert.deepEqual(v.extend && v.grid, { start: 0.5, stop: 80, step: 0.5 });
  assert.deepEqual(extensionVerdict(grid, flat, [open], 0), { extend: false, reason: 'plateau' });
  assert.deepEqual(extensionVerdict(grid, rising, [open], MAX_EXTENSIONS), { extend: false, reason: 'limit' });
  assert.ok(Math.abs(topQuarterRise(rising) - (0.7 - 0.5)) < 1e-12, 'rise from index floor(3*7/4)=5 to 7');
  assert.ok(topQuarterRise(flat) < MIN_RISE);
  const floor = Array.from({ length: 8 }, () => ({ p_hat: 0.001 }));
  assert.equal(extensionVerdict(grid, floor, [open], 1).extend, true, 'a curve that has not left the floor yet: grid too low');
  assert.equal(topQuarterRise([{ p_hat: 0.3 }]), 0);
  assert.deepEqual(extendedGrid({ start: 5, stop: 400, step: 5 }), { start: 5, stop: 800, step: 5 });
  assert.deepEqual(extendedGrid({ start: 0.5, stop: 3.2, step: 0.5 }), { start: 0.5, stop: 6, step: 0.5 }, 'kept on start + k step');
});

const ROOT = packageRoot();
const M = 200;
const R = 4;
/** Synthetic attainment: logistic in dose with a per-cell midpoint; `cap` < 1 makes a plateau. */
const CURVES: Record<string, { mid: number; scale: number; cap: number }> = {
  'base/qd': { mid: 10, scale: 1.5, cap: 1 }, 'base/qw': { mid: 20, scale: 4, cap: 1 },
  'heavy/qd': { mid: 100, scale: 2, cap: 1 }, 'heavy/qw': { mid: 20, scale: 4, cap: 1 },
  'nocomed/qd': { mid: 2, scale: 0.5, cap: 1 }, 'nocomed/qw': { mid: 10, scale: 3, cap: 0.8 },
};
const pOf = (key: string, dose: number): number => {
  const c = CURVES[key]!;
  return c.cap / (1 + Math.exp(-(dose - c.mid) / c.scale));
};

function syntheticExecutor(perturbRound = -1): { execute: RunExecutor; scenarios: string[] } {
  const scenarios: string[] = [];
  const execute: RunExecutor = async (scenarioPath, dir, round) => {
    scenarios.push(scenarioPath);
    const { spec } = await compileScenarioFile(scenarioPath);
    const rows: ShardRow[] = [];
    for (const sc of spec.scenarios) for (const rg of sc.regimens) rg.dosesMg.forEach((dose, d) => {
      for (let r = 0; r < R; r += 1) {
        const k = Math.round(M * pOf(`${sc.name}/${rg.name}`, dose)) + (round === perturbRound && d === 0 ? 1 : 0);
        rows.push({ scenario: sc.name, regimen: rg.name, dose_index: d, dose_mg: dose, replicate: r, n: M, k: Math.min(M, k), sum_max_q20: 0n, sum_max_sq_q12: 0n });
      }
    });
    return { runId: spec.runId, dir, spec, ...aggregate(aggregationPlan(spec), rows) };
  };
  return { execute, scenarios };
}

async function plan(outDir: string, grids = { qd: { start: 0.5, stop: 4, step: 0.5 }, qw: { start: 5, stop: 40, step: 5 } }): Promise<AnswerPlan> {
  const models = await loadAnswerModels([join(ROOT, 'models', 'testmodel', 'artifacts')]);
  return {
    outDir, trial: join(ROOT, 'data', 'EstData.csv'), base: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } },
    thresholdNgMl: 3.3, targets: [0.9, 0.75], replicates: R, subjects: M, seed: 5, models, grids,
  };
}

test('orchestrator: short grids are doubled until answered, exactly as if the long grid had been asked; plateau and limit stay null', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'qusop-answer-ext-'));
  try {
    const { execute, scenarios } = syntheticExecutor();
    const run = await answerFiveQuestions(await plan(join(tmp, 'a')), execute);
    const cell = (p: string, r: string) => run.cells.find((c) => c.population === p && c.regimen === r)!;
    // base/qd needs ~13.3 mg at 90 %: 4 -> 8 -> 16
    assert.equal(cell('base', 'qd').grid.stop, 16);
    assert.equal(cell('base', 'qd').round, 2);
    assert.equal(cell('base', 'qd').verdict, 'resolved');
    assert.equal(cell('nocomed', 'qd').round, 0, 'answered on the asked grid');
    assert.equal(cell('nocomed', 'qw').verdict, 'plateau', 'capped at 80 %: 90 % is not reachable');
    assert.equal(cell('heavy', 'qd').verdict, 'limit', 'needs > 2^3 x 4 mg');
    assert.equal(cell('heavy', 'qd').grid.stop, 4 * 2 ** MAX_EXTENSIONS);
    assert.equal(run.rounds.length, 1 + MAX_EXTENSIONS);
    assert.deepEqual(scenarios, [join(tmp, 'a', 'scenarios.yaml'), ...[1, 2, 3].map((k) => join(tmp, 'a', `extend-${k}`, 'scenarios.yaml'))]);
    const answers = buildAnswers(run);
    const find = (p: string, r: string, t: number) => answers.find((a) => a.population === p && a.regimen === r && a.target === t)!;
    assert.equal(find('nocomed', 'qw', 0.9).dose, null);
    assert.notEqual(find('nocomed', 'qw', 0.75).dose, null, 'the 75 % target under the plateau is answered');
    assert.equal(find('heavy', 'qd', 0.9).dose, null);
    assert.equal(find('heavy', 'qd', 0.9).grid.stop_reason, 'limit');
    // the same questions asked on the long grid from the start give the same answers
    const direct = await answerFiveQuestions(await plan(join(tmp, 'b'), { qd: { start: 0.5, stop: 16, step: 0.5 }, qw: { start: 5, stop: 40, step: 5 } }), syntheticExecutor().execute);
    const d = direct.cells.find((c) => c.population === 'base' && c.regimen === 'qd')!;
    assert.equal(d.round, 0);
    assert.deepEqual(d.decisions, cell('base', 'qd').decisions);
    assert.deepEqual(d.curve.map((c) => c.k), cell('base', 'qd').curve.map((c) => c.k));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('orchestrator: counts that differ at a dose two rounds share are a determinism alarm', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'qusop-answer-ext-'));
  try {
    await assert.rejects(answerFiveQuestions(await plan(tmp), syntheticExecutor(1).execute), (e: unknown) => e instanceof DeterminismError && /common random numbers/.test(e.message));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('real engine (known-answer TEST model, in process): extension rounds reproduce round 0 at shared doses and reach the answer', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'qusop-answer-ext-'));
  try {
    const execute: RunExecutor = async (scenarioPath, dir) => {
      const r = await runInProcess(scenarioPath, { threads: 1 });
      return { runId: r.spec.runId, dir, spec: r.spec, curves: r.curves, decisions: r.decisions };
    };
    // QD 0.5-4 mg: the TEST model needs ~12-13 mg for 90 % of BW U(51, 100) kg, so 4 -> 8 -> 16 mg
    const run = await answerFiveQuestions({ ...(await plan(tmp)), replicates: 4, subjects: 100 }, execute);
    const base = run.cells.find((c) => c.population === 'base' && c.regimen === 'qd')!;
    assert.equal(base.round, 2);
    assert.equal(base.verdict, 'resolved');
    for (const a of buildAnswers(run).filter((x) => x.target === 0.9)) assert.ok(a.dose !== null && a.dose <= a.grid.stop, `${a.population}/${a.regimen}: ${a.dose} mg on a grid to ${a.grid.stop}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
