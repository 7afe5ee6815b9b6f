/**
 * Aggregation on constructed cells whose crossings, flags and moments are worked out by hand (or,
 * for Clopper–Pearson lower bounds, from the incomplete beta directly), plus the completeness errors
 * and the output files (independent readers, byte-identical rewrites, decisions.json layout).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import betainc from '@stdlib/math-base-special-betainc';
import { tableFromIPC } from 'apache-arrow';
import { quantileSorted } from 'd3-array';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { aggregate } from '../../coordinator/aggregate/decisions.js';
import { writeCurvesArrow, writeCurvesParquet, writeDecisionsJson } from '../../coordinator/aggregate/outputs.js';
import type { AggregationPlan } from '../../coordinator/aggregate/plan.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { InputError, ShardError } from '../../worker/common/errors.js';

const PLAN: AggregationPlan = {
  scenarios: [
    {
      name: 'q1', targets: [0.9, 0.5], band: { method: 'clopper-pearson', level: 0.95 }, replicates: 4, subjects: 10,
      regimens: [{ name: 'qd', dosesMg: [1, 2, 5, 10] }, { name: 'qw', dosesMg: [7, 14] }],
    },
    {
      name: 'q2', targets: [0.75], band: { method: 'replicate-quantile', level: 0.5 }, replicates: 3, subjects: 20,
      regimens: [{ name: 'qd', dosesMg: [3, 6, 9] }],
    },
  ],
};

/** k per [dose][replicate] for each scenario/regimen. */
const K: Record<string, number[][]> = {
  'q1/qd': [[2, 3, 1, 2], [6, 5, 7, 6], [9, 10, 8, 9], [10, 10, 10, 10]],
  'q1/qw': [[8, 8, 8, 9], [7, 8, 8, 8]],
  'q2/qd': [[10, 12, 14], [15, 16, 14], [18, 19, 14]],
};

/** Window maxima are multiples of 1/64, so v * 2^20 and v^2 * 2^12 are exact integers. */
function maxima(d: number, rep: number, subjects: number): number[] {
  return Array.from({ length: subjects }, (_, i) => (50 + 3 * d + rep + (i % 7) * 5) / 64);
}

function makeRows(): ShardRow[] {
  const rows: ShardRow[] = [];
  for (const sc of PLAN.scenarios) {
    for (const rg of sc.regimens) {
      rg.dosesMg.forEach((dose_mg, d) => {
        for (let rep = 0; rep < sc.replicates; rep += 1) {
          const v = maxima(d, rep, sc.subjects);
          rows.push({
            scenario: sc.name, regimen: rg.name, dose_index: d, dose_mg, replicate: rep, n: sc.subjects,
            k: K[`${sc.name}/${rg.name}`]?.[d]?.[rep] ?? -1,
            sum_max_q20: v.reduce((s, x) => s + BigInt(x * 2 ** 20), 0n),
            sum_max_sq_q12: v.reduce((s, x) => s + BigInt(x * x * 2 ** 12), 0n),
          });
        }
      });
    }
  }
  return rows;
}

/** Smallest dose whose exact CP lower bound is >= t, using lo >= t  <=>  I_t(K, N-K+1) <= alpha/2. */
function conservativeByBetainc(doses: number[], ks: number[][], m: number, t: number, level: number): number | null {
  for (let d = 0; d < doses.length; d += 1) {
    const reps = ks[d] ?? [];
    const k = reps.reduce((a, b) => a + b, 0);
    const n = reps.length * m;
    if (k > 0 && betainc(t, k, n - k + 1) <= (1 - level) / 2) return doses[d] ?? null;
  }
  return null;
}

test('curves: counts, p-hat, bands and moments of the window maxima', () => {
  const { curves } = aggregate(PLAN, makeRows());
  assert.deepEqual(curves.map((c) => `${c.scenario}/${c.regimen}@${c.dose}`), ['q1/qd@1', 'q1/qd@2', 'q1/qd@5', 'q1/qd@10', 'q1/qw@7', 'q1/qw@14', 'q2/qd@3', 'q2/qd@6', 'q2/qd@9']);
  const q1qd = curves.slice(0, 4);
  assert.deepEqual(q1qd.map((c) => [c.n, c.k, c.p_hat]), [[40, 8, 0.2], [40, 24, 0.6], [40, 36, 0.9], [40, 40, 1]]);
  assert.equal(q1qd[3]?.cp_hi, 1);
  assert.ok(Math.abs((q1qd[3]?.cp_lo ?? 0) - 0.025 ** (1 / 40)) < 1e-12, 'k = n lower bound (alpha/2)^(1/n)');
  for (const c of q1qd) assert.deepEqual([c.band_lo, c.band_hi], [c.cp_lo, c.cp_hi], 'CP is the chosen band');
  // q2 uses the replicate-quantile band at level 0.5: the 25 % and 75 % type-7 quantiles
  const q2 = curves.slice(6);
  q2.forEach((c, d) => {
    const pHats = (K['q2/qd']?.[d] ?? []).map((k) => k / 20).sort((a, b) => a - b);
    assert.equal(c.rq_lo, quantileSorted(pHats, 0.25));
    assert.equal(c.rq_hi, quantileSorted(pHats, 0.75));
    assert.deepEqual([c.band_lo, c.band_hi], [c.rq_lo, c.rq_hi]);
    assert.equal(c.rep_p_q50, quantileSorted(pHats, 0.5));
    assert.equal(c.rep_p_q025, quantileSorted(pHats, 0.025));
    assert.equal(c.rep_p_q975, quantileSorted(pHats, 0.975));
    assert.ok(c.wilson_lo < c.p_hat && c.p_hat < c.wilson_hi);
  });
  // moments against the subject-level values, two-pass
  curves.forEach((c) => {
    const sc = PLAN.scenarios.find((s) => s.name === c.scenario);
    const d = sc?.regimens.find((r) => r.name === c.regimen)?.dosesMg.indexOf(c.dose) ?? -1;
    const all = Array.from({ length: sc?.replicates ?? 0 }, (_, rep) => maxima(d, rep, sc?.subjects ?? 0)).flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / (all.length - 1));
    assert.ok(Math.abs(c.mean_max_ng_ml - mean) < 1e-12 * mean, `mean ${c.mean_max_ng_ml} vs ${mean}`);
    assert.ok(Math.abs((c.sd_max_ng_ml ?? Number.NaN) - sd) < 1e-9 * sd, `sd ${c.sd_max_ng_ml} vs ${sd}`);
  });
});

test('decisions: crossings, conservative dose, replicate quantiles, flags and nulls', () => {
  const { decisions } = aggregate(PLAN, makeRows());
  const cp95 = { method: 'clopper-pearson', level: 0.95 };
  assert.deepEqual(decisions, [
    {
      scenario: 'q1', regimen: 'qd', target: 0.9, mean_crossing: 5, conservative: conservativeByBetainc([1, 2, 5, 10], K['q1/qd'] ?? [], 10, 0.9, 0.95),
      // per-replicate minimal doses [5, 5, 5, 10]; type-1 quantiles take order statistics ceil(n p): 2, 1, 4
      replicate_median: 5, replicate_lo: 5, replicate_hi: 10, flags: [], non_monotone_steps: 0, band: cp95,
    },
    {
      scenario: 'q1', regimen: 'qd', target: 0.5, mean_crossing: 2, conservative: conservativeByBetainc([1, 2, 5, 10], K['q1/qd'] ?? [], 10, 0.5, 0.95),
      replicate_median: 2, replicate_lo: 2, replicate_hi: 2, flags: [], non_monotone_steps: 0, band: cp95,
    },
    {
      // 33/40 then 31/40: one decreasing step; only replicate 3 ever reaches 0.9 -> [7, inf, inf, inf]
      scenario: 'q1', regimen: 'qw', target: 0.9, mean_crossing: null, conservative: null,
      replicate_median: null, replicate_lo: 7, replicate_hi: null,
      flags: ['non-monotone', 'not-reached', 'conservative-not-reached', 'replicates-not-reached'], non_monotone_steps: 1, band: cp95,
    },
    {
      scenario: 'q1', regimen: 'qw', target: 0.5, mean_crossing: 7, conservative: conservativeByBetainc([7, 14], K['q1/qw'] ?? [], 10, 0.5, 0.95),
      replicate_median: 7, replicate_lo: 7, replicate_hi: 7, flags: ['non-monotone'], non_monotone_steps: 1, band: cp95,
    },
    {
      // p-hats 0.6, 0.75, 0.85; lower replicate-quantile band 0.55, 0.725, 0.8; minimal doses [6, 6, inf]
      scenario: 'q2', regimen: 'qd', target: 0.75, mean_crossing: 6, conservative: 9,
      replicate_median: 6, replicate_lo: 6, replicate_hi: null,
      flags: ['replicates-not-reached'], non_monotone_steps: 0, band: { method: 'replicate-quantile', level: 0.5 },
    },
  ]);
  // the betainc-derived conservative doses are the ones worked out by hand
  assert.deepEqual(decisions.map((d) => d.conservative), [10, 5, null, 7, 9]);
});

test('completeness: missing, duplicated, unknown and short cells are refused with exact messages', () => {
  const rows = makeRows();
  const without = rows.filter((r) => !(r.scenario === 'q1' && r.regimen === 'qd' && r.dose_index === 1 && r.replicate === 2) && !(r.scenario === 'q2' && r.dose_index === 0 && r.replicate === 0));
  assert.throws(() => aggregate(PLAN, without), (e: unknown) =>
    e instanceof ShardError && e.message === 'aggregate: 2 of 33 cells missing: q1/qd dose_index=1 replicate=2; q2/qd dose_index=0 replicate=0');
  assert.throws(() => aggregate(PLAN, rows.filter((r) => r.scenario !== 'q1' || r.regimen !== 'qd')), (e: unknown) =>
    e instanceof ShardError && e.message.startsWith('aggregate: 16 of 33 cells missing: q1/qd dose_index=0 replicate=0; q1/qd dose_index=0 replicate=1; ') && e.message.endsWith('; ...'));
  const dup = rows.find((r) => r.regimen === 'qw' && r.dose_index === 1 && r.replicate === 3);
  assert.ok(dup !== undefined);
  assert.throws(() => aggregate(PLAN, [...rows, dup]), (e: unknown) =>
    e instanceof ShardError && e.message === 'aggregate: 1 duplicated cell(s): q1/qw dose_index=1 replicate=3');
  assert.throws(() => aggregate(PLAN, [...rows, { ...dup, regimen: 'bid' }]), (e: unknown) =>
    e instanceof ShardError && e.message === 'aggregate: row 33: regimen "bid" is not in scenario "q1" (plan has "qd", "qw")');
  assert.throws(() => aggregate(PLAN, [{ ...dup, scenario: 'q9' }, ...rows]), (e: unknown) =>
    e instanceof ShardError && e.message === 'aggregate: row 0: scenario "q9" is not in the plan (plan has "q1", "q2")');
  assert.throws(() => aggregate(PLAN, [...rows, { ...dup, replicate: 4 }]), (e: unknown) =>
    e instanceof ShardError && e.message === "aggregate: row 33 (q1/qw dose_index=1 replicate=4): replicate outside the plan's 0..3");
  assert.throws(() => aggregate(PLAN, [...rows.slice(1), { ...rows[0] as ShardRow, dose_mg: 1.5 }]), (e: unknown) =>
    e instanceof ShardError && e.message === "aggregate: row 32 (q1/qd dose_index=0 replicate=0): dose_mg 1.5 differs from the plan's 1");
  const short = rows.map((r) => (r.scenario === 'q2' && r.dose_index === 2 && r.replicate === 1 ? { ...r, n: 19 } : r));
  assert.throws(() => aggregate(PLAN, short), (e: unknown) =>
    e instanceof ShardError && e.message === 'aggregate: 1 cell(s) with n != subjects per replicate (q1: 10, q2: 20): q2/qd dose_index=2 replicate=1 has n=19');
});

test('an invalid plan is an InputError naming the field', () => {
  const bad = { scenarios: [{ ...PLAN.scenarios[0], regimens: [{ name: 'qd', dosesMg: [1, 5, 2] }] }] } as AggregationPlan;
  assert.throws(() => aggregate(bad, []), (e: unknown) =>
    e instanceof InputError && e.message === 'aggregation plan: scenarios[0].regimens[0].dosesMg: doses must be strictly increasing');
});

test('outputs: readable by independent readers, byte-identical on rewrite, decisions.json layout', async () => {
  const { curves, decisions } = aggregate(PLAN, makeRows());
  const meta = { run_id: 'run-9', code_version: '0.1.0', plan_sha256: 'cd'.repeat(32) };
  const dirs = [await mkdtemp(join(tmpdir(), 'qusop-agg-')), await mkdtemp(join(tmpdir(), 'qusop-agg-'))];
  for (const dir of dirs) {
    await writeCurvesParquet(dir, curves, meta);
    await writeCurvesArrow(dir, curves);
    await writeDecisionsJson(dir, decisions);
  }
  const [a, b] = dirs as [string, string];
  for (const name of ['curves.parquet', 'curves.arrow', 'decisions.json']) {
    assert.ok((await readFile(join(a, name))).equals(await readFile(join(b, name))), `${name} is byte-identical`);
  }
  const pq = await readFile(join(a, 'curves.parquet'));
  const file = pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer;
  const kv = Object.fromEntries((parquetMetadata(file).key_value_metadata ?? []).map((e) => [e.key, e.value]));
  assert.equal(kv['run_id'], 'run-9');
  assert.equal(kv['plan_sha256'], 'cd'.repeat(32));
  const rows = await parquetReadObjects({ file });
  assert.equal(rows.length, curves.length);
  rows.forEach((row, i) => {
    const c = curves[i];
    assert.ok(c !== undefined);
    for (const [key, value] of Object.entries(c)) {
      assert.equal(typeof value === 'number' && (key === 'n' || key === 'k') ? Number(row[key]) : row[key], value, `row ${i} ${key}`);
    }
  });
  const arrow = tableFromIPC(await readFile(join(a, 'curves.arrow')));
  assert.equal(arrow.numRows, curves.length);
  assert.deepEqual(arrow.getChild('band_lo')?.toArray(), Float64Array.from(curves, (c) => c.band_lo));
  const text = await readFile(join(a, 'decisions.json'), 'utf8');
  assert.ok(text.endsWith('}\n') && text.startsWith('{\n  "decisions": [\n    {\n      "scenario": "q1",\n'));
  const parsed = JSON.parse(text) as { decisions: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(parsed.decisions[0] ?? {}), ['scenario', 'regimen', 'target', 'mean_crossing', 'conservative', 'replicate_median', 'replicate_lo', 'replicate_hi', 'flags', 'non_monotone_steps', 'band']);
  assert.deepEqual(parsed.decisions, JSON.parse(JSON.stringify(decisions)));
  for (const dir of dirs) await rm(dir, { recursive: true });
});
