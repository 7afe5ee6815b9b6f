/**
 * `qusop answer --average` end to end on a PK-only trial whose two candidate structures both get BIC
 * weight (tests/kit/two-compartment-trial.ts: a mild peripheral compartment; measured there, weights
 * about 0.88 for 2cmt-oral and 0.12 for 1cmt-oral with the default seed).
 *
 * What is tested, and why it is exact: the average's replicate r is its member's replicate r (the
 * member allotted r by the largest-remainder apportionment in run.json), so at every dose the average's
 * pooled k is the sum of the members' k over their allotted replicates, and its p lies between the
 * members' p over those same replicates. (Against the members' full curves, over all R replicates,
 * the relation holds only up to Monte Carlo error of the replicate subsets, so it is shown, not asserted.)
 * With one credible structure the average is that structure: the same curve rows as its regimen, and
 * the same cells as a run without --average.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { runCli, withTempDir } from '../kit/cli.js';
import { cellTable } from '../kit/run-dir.js';
import { writeTwoCompartmentPkTrial } from '../kit/two-compartment-trial.js';
import { largestRemainder } from '../../coordinator/scenario/model-average.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

const QUESTIONS = `questions:
  - id: QD
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: 4, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: 0.5, stop: 40, step: 0.5 } }]
    populations: [{ name: w50to100, bw: "uniform:50:100" }]
    targets: [0.9, 0.5]
`;
const R = 40;
const ARGS = ['--replicates', String(R), '--subjects', '200', '--quiet'];

type Curve = { scenario: string; regimen: string; dose: number; k: bigint | number; n: bigint | number; p_hat: number } & Record<string, unknown>;

async function curves(dir: string): Promise<Curve[]> {
  const pq = await readFile(join(dir, 'curves.parquet'));
  return (await parquetReadObjects({ file: pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer })) as Curve[];
}

/** k per [dose index][replicate] of one regimen, from the shards. */
async function cells(dir: string, regimen: string): Promise<number[][]> {
  const out: number[][] = [];
  for (const line of await cellTable(dir)) {
    const [, rg, d, rep, , k] = line.split('|');
    if (rg !== regimen) continue;
    (out[Number(d)] ??= [])[Number(rep)] = Number(k);
  }
  return out;
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
const rowText = (c: Curve): string => JSON.stringify({ ...c, regimen: '' }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

test('--average: two credible structures, allotment by largest remainder, the average pooled from the allotted replicates and between them; re-aggregation gives the same bytes', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await writeTwoCompartmentPkTrial(join(dir, 'pk.csv'), 1);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'avg');
    const r = await runCli(['answer', trial, '--questions', join(dir, 'q.yaml'), '--average', '--out', out, ...ARGS], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /model averaging over 2cmt-oral \(weight 0\.\d+\), 1cmt-oral \(weight 0\.\d+\)/);
    const report = JSON.parse(await readFile(join(out, 'model-average.json'), 'utf8')) as { weights: { structure: string; weight: number }[]; answers: { target: number; carried_by: string; average: { dose: number | null }; structures: { dose: number | null }[] }[] };
    t.diagnostic(`weights: ${report.weights.map((w) => `${w.structure} ${w.weight.toFixed(4)}`).join(', ')}`);
    assert.deepEqual(report.weights.map((w) => w.structure), ['2cmt-oral', '1cmt-oral']);
    assert.ok(report.weights.every((w) => w.weight >= 0.01), 'both credible');
    assert.ok(Math.abs(report.weights.reduce((s, w) => s + w.weight, 0) - 1) < 1e-12);

    const spec = (JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { spec: RunSpecJson }).spec;
    const avg = spec.scenarios[0]?.averages?.[0];
    assert.ok(avg !== undefined && avg.name === 'qd.average');
    const seats = avg.members.map((m) => m.replicates);
    assert.equal(seats.reduce((a, b) => a + b, 0), R, 'the allotment sums to R');
    assert.deepEqual(seats, largestRemainder(report.weights.map((w) => w.weight), R), 'largest remainder of the reported weights');
    assert.deepEqual(avg.members.map((m) => m.regimen), ['qd.2cmt-oral', 'qd.1cmt-oral']);

    const rows = await curves(out);
    const averaged = rows.filter((c) => c.regimen === 'qd.average');
    const kOf = await Promise.all(avg.members.map((m) => cells(out, m.regimen)));
    const full = avg.members.map((m) => rows.filter((c) => c.regimen === m.regimen));
    assert.equal(averaged.length, 80);
    let outside = 0;
    averaged.forEach((c, d) => {
      let k = 0, start = 0;
      const allottedP = avg.members.map((m, i) => {
        const ks = kOf[i]![d]!.slice(start, start + m.replicates);
        start += m.replicates;
        const sum = ks.reduce((s, x) => s + x, 0);
        k += sum;
        return m.replicates === 0 ? undefined : sum / (m.replicates * 200);
      }).filter((p): p is number => p !== undefined);
      assert.equal(Number(c.k), k, `${c.dose} mg: pooled k from the allotted replicates`);
      assert.ok(Math.min(...allottedP) <= c.p_hat && c.p_hat <= Math.max(...allottedP), `${c.dose} mg: p ${c.p_hat} between ${allottedP}`);
      const fp = full.map((f) => f[d]!.p_hat);
      if (c.p_hat < Math.min(...fp) || c.p_hat > Math.max(...fp)) outside += 1;
    });
    t.diagnostic(`doses where the average lies outside the members' full-R curves (replicate-subset Monte Carlo error): ${outside} of ${averaged.length}`);
    assert.ok(await exists(join(out, 'plots', 'average-w50to100-qd.average.png')));
    assert.match(await readFile(join(out, 'model-average.md'), 'utf8'), /\| QD \| w50to100 \| qd \| 90 % \| .* \| (2cmt-oral|1cmt-oral) \|/);
    assert.equal(report.answers.length, 2);
    // the page: both structures' weights, the average's dose per answer, the carrier, the figure inline
    const html = await readFile(join(out, 'model-average.html'), 'utf8');
    for (const w of report.weights) assert.ok(html.includes(`<td>${w.structure}</td><td>${w.weight.toFixed(3)}</td>`), `weights row of ${w.structure}`);
    for (const a of report.answers) assert.ok(html.includes(`<strong>${a.average.dose === null ? 'not reached' : `${a.average.dose} mg`}</strong>`), `average dose ${a.average.dose}`);
    assert.match(html, /<figure><svg[\s\S]*<\/svg><figcaption>average-w50to100-qd\.average<\/figcaption>/);

    const decisions = await readFile(join(out, 'decisions.json'));
    const again = await runCli(['aggregate', out]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(decisions.equals(await readFile(join(out, 'decisions.json'))), 'qusop aggregate recomputes the averages from the shards, byte for byte');
  });
});

test('--average with one credible structure: the average is that structure, cell for cell, and the same cells as without --average', { timeout: 600_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await writeTwoCompartmentPkTrial(join(dir, 'pk.csv'), 1);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const one = join(dir, 'one');
    const plain = join(dir, 'plain');
    // 1cmt-oral's weight (~0.12) is under 0.5: only the chosen 2cmt-oral is credible
    const r1 = await runCli(['answer', trial, '--questions', join(dir, 'q.yaml'), '--average', '--average-min-weight', '0.5', '--out', one, ...ARGS], { timeoutMs: 580_000 });
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, /model averaging over 2cmt-oral \(weight 1\.000\): one credible structure/);
    const r2 = await runCli(['answer', trial, '--questions', join(dir, 'q.yaml'), '--out', plain, ...ARGS], { timeoutMs: 580_000 });
    assert.equal(r2.code, 0, r2.stderr);
    const rows = await curves(one);
    const averaged = rows.filter((c) => c.regimen === 'qd.average').map(rowText);
    assert.equal(averaged.length, 80);
    assert.deepEqual(averaged, rows.filter((c) => c.regimen === 'qd').map(rowText), 'the average of one structure is its curve');
    assert.deepEqual(averaged, (await curves(plain)).map(rowText), 'and the curve of the run without --average');
    assert.deepEqual(await cellTable(one), await cellTable(plain), 'the same shard cells');
    type A = { answers: { model: string; dose: number | null; mean_crossing: number | null; interval: unknown }[] };
    const a1 = JSON.parse(await readFile(join(one, 'answers.json'), 'utf8')) as A;
    const a2 = JSON.parse(await readFile(join(plain, 'answers.json'), 'utf8')) as A;
    const pick = (x: A['answers'][number]): unknown => [x.dose, x.mean_crossing, x.interval];
    assert.deepEqual(a1.answers.filter((x) => x.model === 'average').map(pick), a2.answers.map(pick));
  });
});
