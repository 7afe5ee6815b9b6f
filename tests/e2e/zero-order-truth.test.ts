/**
 * Zero-order absorption of known truth (issue 18's library, NONMEM RATE = -2): the kit's trial
 * (tests/kit/zero-order-trial.ts, seed 1: one compartment, D1 = 3 h, doses written with RATE = -2).
 * - `qusop fit` fits the zero-order candidates (the defaults of a RATE = -2 trial), chooses 1cmt-zo, and
 *   D1's 95 % Wald interval (log scale, as the estimator's) holds the truth; the card carries log D1.
 * - The same doses written as plain oral records, `--structure 1cmt-oral,1cmt-zo`: BIC chooses zero-order.
 * - `qusop answer` answers a concentration question (trough >= 1 mg/L in 90 %, QD); its 95 % interval
 *   holds the true minimal dose (the generator's model in closed form over 400 000 virtual subjects:
 *   Monte Carlo sd of p ~ 5e-4, tests/kit/true-dose.ts).
 * (Measured on seed 1: D1 2.965, se 0.0236; -2LL -256.1 zero-order vs 531.4 first-order; true minimal
 * dose 275 mg, answer 310 mg, mean crossing 235 mg, interval [175, 310].)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { writeZeroOrderTrial, ZO_TRUTH, zeroOrderTroughPerMg } from '../kit/zero-order-trial.js';
import { assertIntervalCoversTrueDose, trueMinimalGridDose } from '../kit/true-dose.js';

interface Row { readonly group: string; readonly key: string; readonly estimate: number; readonly se: number }

const MEC = 1; // mg/L
const GRID = { start: 5, stop: 600, step: 5 } as const;
const QUESTIONS = `questions:
  - id: QD
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: ${MEC}, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: ${GRID.start}, stop: ${GRID.stop}, step: ${GRID.step} } }]
    populations: [{ name: w50to100, bw: "uniform:50:100" }]
    targets: [0.9]
`;

test('a RATE = -2 trial chooses 1cmt-zo and recovers D1 within its 95 % interval', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await writeZeroOrderTrial(join(dir, 'zo.csv'), 1);
    const r = await runCli(['fit', trial, '--out', join(dir, 'fit'), '--parallel', '2', '--draws', '20'], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: 1cmt-zo BIC -?[\d.]+ \(chosen\); 2cmt-zo BIC/);
    const fit = JSON.parse(await readFile(join(dir, 'fit', 'fit.json'), 'utf8')) as { fit: { structure: string; table: Row[] } };
    assert.equal(fit.fit.structure, '1cmt-zo');
    const d1 = fit.fit.table.find((x) => x.group === 'theta' && x.key === 'D1');
    assert.ok(d1 !== undefined && d1.se > 0);
    const seLog = d1.se / d1.estimate;
    const [lo, hi] = [Math.log(d1.estimate) - 1.96 * seLog, Math.log(d1.estimate) + 1.96 * seLog];
    assert.ok(lo <= Math.log(ZO_TRUTH.D1) && Math.log(ZO_TRUTH.D1) <= hi, `D1 ${d1.estimate} (se ${d1.se}): [${Math.exp(lo)}, ${Math.exp(hi)}] vs ${ZO_TRUTH.D1}`);
    const card = JSON.parse(await readFile(join(dir, 'fit', 'qd.model.json'), 'utf8')) as { family: string; inputs: { theta: { names: string[] } } };
    assert.equal(card.family, 'mechanistic-1cmt-zo');
    assert.deepEqual(card.inputs.theta.names.slice(0, 3), ['log CL', 'log V1', 'log D1']);
  });
});

test('the same doses as oral records: --structure 1cmt-oral,1cmt-zo chooses zero-order absorption', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await writeZeroOrderTrial(join(dir, 'oral.csv'), 1, { oral: true });
    const r = await runCli(['fit', trial, '--out', join(dir, 'fit'), '--parallel', '2', '--draws', '20', '--structure', '1cmt-oral,1cmt-zo'], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: 1cmt-oral BIC -?[\d.]+.*; 1cmt-zo BIC -?[\d.]+ \(chosen\)/);
  });
});

test('qusop answer on the RATE = -2 trial: trough >= 1 mg/L in 90 % (QD), the 95 % interval covers the true minimal dose', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await writeZeroOrderTrial(join(dir, 'zo.csv'), 1);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'answer');
    const r = await runCli(['answer', trial, '--questions', join(dir, 'q.yaml'), '--out', out, '--replicates', '100', '--subjects', '400', '--quiet'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: 1cmt-zo BIC -?[\d.]+ \(chosen\)/);
    await assertIntervalCoversTrueDose(t, out, 'QD', trueMinimalGridDose(zeroOrderTroughPerMg(24, 400_000), GRID, MEC));
  });
});
