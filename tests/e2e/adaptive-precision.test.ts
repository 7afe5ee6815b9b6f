/**
 * Adaptive precision (issue 19 item 5) on the known-answer TEST model: `qusop run --half-width H
 * --max-replicates N` adds replicates in rounds until the Clopper-Pearson band at each decision dose
 * (conservative and mean-crossing, per target) has half-width <= H, or the budget stops it.
 * Checked from the shards' counts, not from what the run says about itself: the rule holds at the
 * final R and fails at the previous round's R; the cells and decisions equal a one-shot run at the
 * final R; worker count and tile size change nothing; an interrupted run resumes to the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clopperPearson } from '../../coordinator/aggregate/bands.js';
import { aggregate } from '../../coordinator/aggregate/decisions.js';
import { aggregationPlan, readRunFile } from '../../coordinator/run/run-dir.js';
import { readShard } from '../../coordinator/store/shard-reader.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { runCli, withTempDir } from '../kit/cli.js';
import { cellTable, outputs } from '../kit/run-dir.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

interface PrecisionRecord {
  scenario: string;
  rounds: number[];
  stop_reason: string;
  trajectories_used: number;
  trajectories_budget: number;
  half_widths: Array<{ half_width: number }>;
}

const H = 0.02;
const SCENARIO = { replicates: 4, subjects: 100, qdStop: 12, qwStop: 120, seed: 5 };
const DOSES = 24 + 24;

async function run(scenario: string, out: string, extra: string[]): Promise<void> {
  const r = await runCli(['run', scenario, '--out', out, '--quiet', ...extra], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
}

async function shardRows(dir: string): Promise<ShardRow[]> {
  const rows: ShardRow[] = [];
  for (const name of (await readdir(join(dir, 'shards'))).filter((n) => n.endsWith('.parquet'))) rows.push(...(await readShard(join(dir, 'shards', name))).rows);
  return rows;
}

/**
 * The largest exact Clopper-Pearson half-width at any decision dose when only replicates [0, R) of the
 * run's cells are pooled: decisions from the aggregator's pure function, counts summed here.
 */
async function worstHalfWidth(dir: string, R: number): Promise<number> {
  const runFile = await readRunFile(dir);
  assert.ok(runFile !== undefined);
  const plan = aggregationPlan({ ...runFile.spec, scenarios: runFile.spec.scenarios.map((sc) => ({ ...sc, replicates: R })) });
  const rows = (await shardRows(dir)).filter((r) => r.replicate < R);
  const { decisions } = aggregate(plan, rows);
  const regimens = plan.scenarios[0]?.regimens ?? [];
  let worst = 0;
  let checked = 0;
  for (const d of decisions) {
    const doses = regimens.find((g) => g.name === d.regimen)?.dosesMg ?? [];
    for (const dose of [d.conservative, d.mean_crossing]) {
      if (dose === null) continue;
      const at = rows.filter((r) => r.regimen === d.regimen && r.dose_index === doses.indexOf(dose));
      const k = at.reduce((s, r) => s + r.k, 0);
      const n = at.reduce((s, r) => s + r.n, 0);
      assert.equal(n, R * SCENARIO.subjects);
      const band = clopperPearson(k, n, 0.95);
      worst = Math.max(worst, (band.hi - band.lo) / 2);
      checked += 1;
    }
  }
  assert.ok(checked > 0, 'some decision dose is reached on the grid');
  return worst;
}

const precisionOf = async (dir: string): Promise<PrecisionRecord> => {
  const p = (await outputs(dir)).manifest['precision'] as PrecisionRecord[] | undefined;
  assert.ok(p !== undefined && p.length === 1, 'manifest.precision records the rounds');
  return p[0] as PrecisionRecord;
};

test('rounds stop when the half-width is met: met at the final R, not at the previous; same cells and decisions as a one-shot run, on any worker count and tile size; resume gives the same bytes', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario(SCENARIO), 'a.yaml');
    const policy = ['--half-width', String(H), '--max-replicates', '64'];
    const a = join(tmp, 'a');
    await run(scenario, a, ['--workers', '2', ...policy]);
    const pa = await precisionOf(a);
    assert.equal(pa.stop_reason, 'half-width-met');
    assert.ok(pa.rounds.length >= 2, `more than one round: ${pa.rounds.join(', ')}`);
    const final = pa.rounds[pa.rounds.length - 1] as number;
    const previous = pa.rounds[pa.rounds.length - 2] as number;
    assert.equal(pa.trajectories_used, final * SCENARIO.subjects * DOSES);
    assert.equal(pa.trajectories_budget, 64 * SCENARIO.subjects * DOSES);
    assert.ok((await worstHalfWidth(a, final)) <= H, 'the rule holds at the final R');
    assert.ok((await worstHalfWidth(a, previous)) > H, 'and not at the previous round');
    assert.ok(Math.max(...pa.half_widths.map((w) => w.half_width)) <= H);

    // another worker count and tile size: the same rounds, cells and decisions
    const b = join(tmp, 'b');
    await run(scenario, b, ['--workers', '1', '--tile-trajectories', '5000', ...policy]);
    assert.deepEqual(await precisionOf(b), pa);
    assert.deepEqual(await cellTable(b), await cellTable(a));
    assert.equal((await outputs(b)).decisions, (await outputs(a)).decisions);

    // a one-shot run at the final R pools the same cells into the same decisions
    const oneShot = await writeScenario(tmp, knownAnswerScenario({ ...SCENARIO, replicates: final }), 'one-shot.yaml');
    const c = join(tmp, 'c');
    await run(oneShot, c, ['--workers', '2']);
    assert.deepEqual(await cellTable(c), await cellTable(a));
    assert.equal((await outputs(c)).decisions, (await outputs(a)).decisions);

    // interrupted in the last round (its outputs not written, part of its shards and one of round 1 missing): resume
    const resumed = join(tmp, 'resumed');
    await cp(a, resumed, { recursive: true });
    for (const f of ['curves.parquet', 'decisions.json', 'manifest.json']) await rm(join(resumed, f));
    const shards = (await readdir(join(resumed, 'shards'))).filter((n) => n.endsWith('.parquet'));
    const begin = (n: string): number => Number(/-r(\d+)-\d+\.parquet$/.exec(n)?.[1]);
    const lastRound = shards.filter((n) => begin(n) >= previous).sort();
    const firstLater = shards.filter((n) => begin(n) >= (pa.rounds[0] as number) && begin(n) < (pa.rounds[1] as number)).sort();
    const removed = [...lastRound.slice(0, Math.ceil(lastRound.length / 2)), firstLater[0] as string];
    for (const n of new Set(removed)) await rm(join(resumed, 'shards', n));
    await run(scenario, resumed, ['--workers', '2', ...policy]);
    const [x, y] = [await outputs(resumed), await outputs(a)];
    assert.ok(x.curves.equals(y.curves), 'curves.parquet byte-identical after resume');
    assert.equal(x.decisions, y.decisions);
    assert.deepEqual(await precisionOf(resumed), pa);
    // the manifest's tiles are the last round's: its missing tiles were computed, nothing else (round 1's was redone in its replay)
    assert.equal((x.manifest['tiles'] as Record<string, number>)['computed_now'], [...new Set(removed)].filter((n) => begin(n) >= previous).length);
  });
});

test('a budget stops the rounds and is recorded', async () => {
  await withTempDir(async (tmp) => {
    const scenario = await writeScenario(tmp, knownAnswerScenario(SCENARIO), 'a.yaml');
    const out = join(tmp, 'out');
    await run(scenario, out, ['--workers', '2', '--half-width', '0.005', '--max-replicates', '10']);
    const p = await precisionOf(out);
    assert.equal(p.stop_reason, 'budget');
    assert.equal(p.rounds[p.rounds.length - 1], 10);
    assert.equal(p.trajectories_used, p.trajectories_budget);
    assert.ok((await worstHalfWidth(out, 10)) > 0.005, 'the target was not met within the budget');
    const runFile = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { spec: { scenarios: Array<{ replicates: number }> } };
    assert.equal(runFile.spec.scenarios[0]?.replicates, 10, 'run.json holds the last round, so qusop aggregate re-aggregates it');
  });
});
