/**
 * Model averaging (issue 18 §3) below the CLI: the largest-remainder allotment of R replicates to
 * weighted members, the scenario field compiled into the spec (and so the run id), and the aggregator's
 * average grid (replicate r copied from the member it is allotted to) on constructed cells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestRemainder } from '../../coordinator/scenario/model-average.js';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { aggregate } from '../../coordinator/aggregate/decisions.js';
import type { AggregationPlan } from '../../coordinator/aggregate/plan.js';
import type { ShardRow } from '../../coordinator/store/shard-schema.js';
import { withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { mulberry32 } from '../kit/prng.js';

type Obj = Record<string, unknown>;

test('largest remainder: worked cases, ties to the earlier member', () => {
  // 40 x (0.876, 0.124) = (35.04, 4.96): floors 35 + 4, the one left to the larger remainder 0.96
  assert.deepEqual(largestRemainder([0.876, 0.124], 40), [35, 5]);
  assert.deepEqual(largestRemainder([1, 1, 1], 10), [4, 3, 3]);
  assert.deepEqual(largestRemainder([1, 1], 1), [1, 0]);
  assert.deepEqual(largestRemainder([3, 1], 10), [8, 2], 'weights of any scale: 7.5 / 2.5, the tie to the first');
  assert.deepEqual(largestRemainder([0.999, 0.001], 20), [20, 0], 'a small weight may get no replicate');
});

test('largest remainder: sums to R, each member within one of its quota, same answer every time (random weights, fixed seed)', () => {
  const u = mulberry32(18);
  for (let trial = 0; trial < 500; trial += 1) {
    const m = 1 + Math.floor(u() * 5);
    const w = Array.from({ length: m }, () => u() + 1e-3);
    const R = 1 + Math.floor(u() * 300);
    const seats = largestRemainder(w, R);
    const total = w.reduce((a, b) => a + b, 0);
    assert.equal(seats.reduce((a, b) => a + b, 0), R, `${w} R=${R}: ${seats}`);
    seats.forEach((n, i) => {
      const q = (w[i]! / total) * R;
      assert.ok(n === Math.floor(q) || n === Math.floor(q) + 1, `member ${i}: ${n} replicates for quota ${q}`);
    });
    assert.deepEqual(largestRemainder(w, R), seats);
  }
});

/** The known-answer scenario with a second QD regimen on the same card and grid, and an average over both. */
function averaged(members?: readonly Obj[]): Obj {
  const o = knownAnswerScenario({ replicates: 10, subjects: 10, qdStop: 2, qwStop: 10 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  const [qd, qw] = sc['regimens'] as Obj[];
  sc['regimens'] = [qd, { ...qd, name: 'qd2' }, qw];
  if (members !== undefined) sc['model_average'] = [{ name: 'qd.average', members }];
  return o;
}

test('model_average compiles to the allotment in the spec; absent, the spec has no averages; weights are part of the run id', async () => {
  await withTempDir(async (dir) => {
    const plain = await compileScenarioFile(await writeScenario(dir, averaged(), 'a.yaml'));
    const threeToOne = await compileScenarioFile(await writeScenario(dir, averaged([{ regimen: 'qd', weight: 3 }, { regimen: 'qd2', weight: 1 }]), 'b.yaml'));
    const even = await compileScenarioFile(await writeScenario(dir, averaged([{ regimen: 'qd', weight: 1 }, { regimen: 'qd2', weight: 1 }]), 'c.yaml'));
    assert.equal('averages' in (plain.spec.scenarios[0] ?? {}), false);
    assert.deepEqual(threeToOne.spec.scenarios[0]?.averages, [{ name: 'qd.average', members: [{ regimen: 'qd', weight: 0.75, replicates: 8 }, { regimen: 'qd2', weight: 0.25, replicates: 2 }] }]);
    assert.deepEqual(even.spec.scenarios[0]?.averages?.[0]?.members.map((m) => m.replicates), [5, 5]);
    assert.notEqual(threeToOne.spec.runId, plain.spec.runId);
    assert.notEqual(threeToOne.spec.runId, even.spec.runId, 'another allotment is another run');
  });
});

const R = 4, M = 10;
const DOSES = [1, 2, 5];
/** k per [dose][replicate]: member a, member b */
const K: Record<string, number[][]> = { a: [[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 10, 10]], b: [[0, 0, 1, 0], [2, 3, 2, 1], [6, 7, 5, 8]] };

function plan(members: readonly { regimen: string; replicates: number }[]): AggregationPlan {
  return {
    scenarios: [{
      name: 's', targets: [0.5], band: { method: 'replicate-quantile', level: 0.5 }, replicates: R, subjects: M,
      regimens: [{ name: 'a', dosesMg: DOSES }, { name: 'b', dosesMg: DOSES }], averages: [{ name: 'avg', members }],
    }],
  };
}

function rows(): ShardRow[] {
  return Object.entries(K).flatMap(([regimen, byDose]) => byDose.flatMap((ks, d) => ks.map((k, replicate) => ({
    scenario: 's', regimen, dose_index: d, dose_mg: DOSES[d]!, replicate, n: M, k, sum_max_q20: BigInt(k) << 20n, sum_max_sq_q12: BigInt(k * k) << 12n,
  }))));
}

test('the average grid takes replicate r from its member: pooled k is the sum over the allotted replicates, p between the members\' allotted p', () => {
  const { curves, decisions } = aggregate(plan([{ regimen: 'a', replicates: 3 }, { regimen: 'b', replicates: 1 }]), rows());
  const avg = curves.filter((c) => c.regimen === 'avg');
  assert.deepEqual(curves.map((c) => c.regimen), ['a', 'a', 'a', 'b', 'b', 'b', 'avg', 'avg', 'avg'], 'each scenario: its regimens, then its averages');
  DOSES.forEach((_, d) => {
    const ka = K['a']![d]!.slice(0, 3), kb = K['b']![d]!.slice(3);
    const k = [...ka, ...kb].reduce((s, x) => s + x, 0);
    assert.equal(avg[d]?.k, k, `dose ${d}`);
    assert.equal(avg[d]?.n, R * M);
    const pa = ka.reduce((s, x) => s + x, 0) / (3 * M), pb = kb.reduce((s, x) => s + x, 0) / M;
    assert.ok(Math.min(pa, pb) <= avg[d]!.p_hat && avg[d]!.p_hat <= Math.max(pa, pb));
  });
  // replicate minimal doses for target 0.5 (k / 10 >= 0.5): a's replicates 0-2 reach it at 2 mg (k 5, 6, 7); b's replicate 3 only at 5 mg (k 1, then 8)
  const d = decisions.find((x) => x.regimen === 'avg');
  assert.equal(d?.replicate_median, 2);
  assert.equal(d?.replicate_hi, 5, "b's replicate is in the average's replicate distribution");
});

test('an average of one member is that member, cell for cell: its curve rows and decisions but for the name', () => {
  const { curves, decisions } = aggregate(plan([{ regimen: 'a', replicates: R }]), rows());
  const strip = (x: object): string => JSON.stringify({ ...x, regimen: '' }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  assert.deepEqual(curves.filter((c) => c.regimen === 'avg').map(strip), curves.filter((c) => c.regimen === 'a').map(strip));
  assert.deepEqual(decisions.filter((c) => c.regimen === 'avg').map(strip), decisions.filter((c) => c.regimen === 'a').map(strip));
});
