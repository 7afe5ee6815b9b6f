/**
 * A 3-compartment IV trial of known truth (issue 18 §1): the test kit's generator
 * (tests/kit/three-compartment-trial.ts: a bolus and a 2 h infusion per subject, rich sampling to 240 h,
 * modes by Jacobi eigen-decomposition, independent of the structures' cubic). `qusop fit --structure
 * 2cmt-iv,3cmt-iv` ranks both by BIC, chooses 3cmt-iv and recovers the typical values, and its MODEL.yaml
 * imports back to the same cards; `qusop answer`
 * answers trough >= 1 mg/L in >= 90 % of a population with body weight uniform on 50-100 kg on a QD IV
 * bolus regimen, and its 95 % interval covers the true minimal dose (the true model's steady-state
 * trough for 400 000 virtual subjects, closed form per mode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { IV_TRUTH_3, threeCompartmentModes, writeThreeCompartmentTrial, type ThreeCompartmentTruth } from '../kit/three-compartment-trial.js';
import { mulberry32 } from '../kit/prng.js';
import { trueMinimalGridDose, assertIntervalCoversTrueDose } from '../kit/true-dose.js';

interface FitRecord { fit: { structure: string; population: { fixed: Record<string, number> }; se: { fixed: Record<string, number> } } }

test('3-compartment IV trial of known truth: qusop fit --structure 2cmt-iv,3cmt-iv chooses 3cmt-iv and recovers the typical values', async () => {
  await withTempDir(async (dir) => {
    const trial = await writeThreeCompartmentTrial(join(dir, 'iv3.csv'), IV_TRUTH_3, 1);
    const out = join(dir, 'fit');
    const r = await runCli(['fit', trial, '--out', out, '--structure', '2cmt-iv,3cmt-iv', '--draws', '20', '--vpc-replicates', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: .*3cmt-iv BIC -?[\d.]+ \(chosen\)/);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as FitRecord;
    assert.equal(record.fit.structure, '3cmt-iv');
    // each typical value within 4 of its own SEs of the truth (a 4-SE miss has probability ~6e-5 per
    // parameter for a consistent estimator with its linearised SE), and within 25 % besides: 40 subjects
    // with IIV sd 0.3 (CL) give SE(log CL) ~ 0.05; the peripheral parameters rest on 25 samples per subject
    for (const name of ['CL', 'V1', 'Q', 'V2', 'Q3', 'V3'] as const) {
      const got = record.fit.population.fixed[name] ?? NaN;
      const se = record.fit.se.fixed[name] ?? NaN;
      const want = IV_TRUTH_3[name];
      assert.ok(Math.abs(got - want) <= 4 * se && Math.abs(got / want - 1) <= 0.25, `${name}: ${got} (SE ${se}) vs true ${want}`);
    }
    const card = JSON.parse(await readFile(join(out, 'qd.model.json'), 'utf8')) as { family: string; outputs: { pd: string | null } };
    assert.deepEqual([card.family, card.outputs.pd], ['mechanistic-3cmt-iv', null]);
    assert.match(await readFile(join(out, 'model.yaml'), 'utf8'), /^structure: three-compartment-iv$/m);
    // MODEL.yaml round trip: imported, it gives the fit's own graphs and draws bit for bit (the cards' provenance differs)
    const imported = join(dir, 'imported');
    const back = await runCli(['model', 'import', join(out, 'model.yaml'), '--out', imported]);
    assert.equal(back.code, 0, back.stderr);
    for (const tag of ['qd', 'qw']) {
      assert.ok((await readFile(join(imported, `${tag}.onnx`))).equals(await readFile(join(out, `${tag}.onnx`))), `${tag}.onnx: the imported graph differs from the fit's`);
      const [a, b] = await Promise.all([join(imported, `${tag}.model.json`), join(out, `${tag}.model.json`)].map(async (f) => JSON.parse(await readFile(f, 'utf8')) as { family: string; inputs: { theta: { names: string[]; draws: number[][] } } }));
      assert.deepEqual([a?.family, a?.inputs.theta.names, a?.inputs.theta.draws], [b?.family, b?.inputs.theta.names, b?.inputs.theta.draws], `${tag}: the imported card's family, theta names or draws differ from the fit's`);
    }
  });
});

const MEC = 1; // mg/L
const GRID = { start: 10, stop: 800, step: 10 };
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

/** The true smallest grid dose whose steady-state trough (QD IV bolus, just before a dose) >= MEC in >= 90 %. */
function trueMinimalDose(truth: ThreeCompartmentTruth, tau: number): { dose: number; p: number; close: boolean } {
  const n = 400_000;
  const u = mulberry32(2024);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const per = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const w = (50 + 50 * u()) / 70;
    const modes = threeCompartmentModes(truth.CL * w ** 0.75 * Math.exp(truth.omegaSd.CL * normal()), truth.V1 * w * Math.exp(truth.omegaSd.V1 * normal()), truth.Q * w ** 0.75, truth.V2 * w, truth.Q3 * w ** 0.75, truth.V3 * w);
    // periodic bolus: sum over past doses of a e^{-lambda (tau + j tau)} = a e^{-lambda tau} / (1 - e^{-lambda tau})
    per[i] = modes.reduce((s, m) => s + (m.a * Math.exp(-m.lambda * tau)) / -Math.expm1(-m.lambda * tau), 0);
  }
  return trueMinimalGridDose(per, GRID, MEC);
}

test('3-compartment IV trial of known truth: qusop answer answers trough >= MEC in 90 % on a QD bolus regimen, the 95 % interval covers the true minimal dose', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await writeThreeCompartmentTrial(join(dir, 'iv3.csv'), IV_TRUTH_3, 2);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'answer');
    const r = await runCli(['answer', trial, '--structure', '3cmt-iv', '--questions', join(dir, 'q.yaml'), '--out', out, '--replicates', '100', '--subjects', '400', '--quiet'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    await assertIntervalCoversTrueDose(t, out, 'QD', trueMinimalDose(IV_TRUTH_3, 24));
  });
});
