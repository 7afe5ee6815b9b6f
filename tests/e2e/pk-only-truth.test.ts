/**
 * A PK-only trial of known truth (issue 16's acceptance: "a PK-only trial is answered for trough >= MEC
 * in >= 90 % of subjects, QD and QW"): the test kit's one-compartment trial (seed 1, EstData's design)
 * with its biomarker rows removed. `qusop answer` fits the PK structures (one compartment chosen) and
 * answers trough >= 4 mg/L in >= 90 % of a population with body weight uniform on 50-100 kg, QD and QW.
 * The truth: the generator's model (tests/kit/one-compartment-trial.ts), the steady-state trough in
 * closed form for 400 000 virtual subjects of that population; the true minimal dose is the smallest grid
 * dose whose true p(d) >= 0.9 (Monte Carlo sd of p ~ 5e-4; the test says so if a grid point's p is
 * within 3 sd of 0.9). Each answer's 95 % interval must contain it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { ONE_CMT_TRUTH, writeOneCompartmentTrial } from '../kit/one-compartment-trial.js';
import { mulberry32 } from '../kit/prng.js';
import { trueMinimalGridDose, assertIntervalCoversTrueDose } from '../kit/true-dose.js';
import { dropBiomarkerRows } from '../kit/estdata-design.js';

const MEC = 4; // mg/L
const REGIMENS = { qd: { tau: 24, start: 0.5, stop: 40, step: 0.5 }, qw: { tau: 168, start: 5, stop: 400, step: 5 } } as const;

const QUESTIONS = `questions:
  - id: QD
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: ${MEC}, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: 0.5, stop: 40, step: 0.5 } }]
    populations: [{ name: w50to100, bw: "uniform:50:100" }]
    targets: [0.9]
  - id: QW
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: ${MEC}, unit: mg/L }
    regimens: [{ name: qw, tau_h: 168, doses_mg: { start: 5, stop: 400, step: 5 } }]
    populations: [{ name: w50to100, bw: "uniform:50:100" }]
    targets: [0.9]
`;

/** Steady-state trough per mg of dose for each virtual subject of the true model (1-cmt oral, closed form). */
function troughsPerMg(tau: number, n: number): Float64Array {
  const u = mulberry32(2024);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const T = ONE_CMT_TRUTH;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const w = (50 + 50 * u()) / 70;
    const cl = T.CL * w ** 0.75 * Math.exp(T.omegaSd.CL * normal());
    const v = T.V * w * Math.exp(T.omegaSd.V * normal());
    const ka = T.KA * Math.exp(T.omegaSd.KA * normal());
    const k = cl / v;
    out[i] = (ka / (v * (ka - k))) * (Math.exp(-k * tau) / -Math.expm1(-k * tau) - Math.exp(-ka * tau) / -Math.expm1(-ka * tau));
  }
  return out;
}

function trueMinimalDose(r: (typeof REGIMENS)[keyof typeof REGIMENS]): { dose: number; p: number; close: boolean } {
  return trueMinimalGridDose(troughsPerMg(r.tau, 400_000), r, MEC);
}

test('PK-only trial of known truth: trough >= MEC in 90 % answered QD and QW, each 95 % interval covers the true minimal dose', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const full = await writeOneCompartmentTrial(join(dir, 'full.csv'), 1);
    await dropBiomarkerRows(full, join(dir, 'pk.csv'));
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'answer');
    const r = await runCli(['answer', join(dir, 'pk.csv'), '--questions', join(dir, 'q.yaml'), '--out', out, '--replicates', '100', '--subjects', '400', '--quiet'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: 1cmt-oral BIC -?[\d.]+ \(chosen\)/);
    for (const [id, regimen] of [['QD', REGIMENS.qd], ['QW', REGIMENS.qw]] as const) await assertIntervalCoversTrueDose(t, out, id, trueMinimalDose(regimen));
  });
});
