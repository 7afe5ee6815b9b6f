/**
 * An IV infusion trial of known truth answered on its own regimen (issue 18 §1, "IV bolus and IV
 * infusion"): the test kit's IV generator (tests/kit/iv-trial.ts, one compartment, every dose a 4 h
 * infusion, independent closed forms). `qusop answer` fits it (1cmt-iv / 2cmt-iv by BIC), its cards sweep
 * 4 h infusions (regimen.infusion_h, the grid's window), and the answer to "peak concentration >= 8 mg/L
 * in >= 90 % of a population with body weight uniform on 50-100 kg, QD" covers the true minimal dose: the
 * true model's steady-state peak of a QD 4 h infusion, at the infusion's end, in closed form for 400 000
 * virtual subjects (Monte Carlo sd of p ~ 5e-4, said in the diagnostic if a grid point's p is within 3 sd
 * of 0.9). A bolus regimen's peak is ~12 % higher on this drug, so the bolus-swept answer would sit lower.
 * Seed 3, as iv-truth.test.ts (its realized CL eta variance is close to the truth; the dose design does
 * not change the generator's draws).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { INFUSION_DOSES, IV_TRUTH_1, ivModes } from '../kit/iv-trial.js';
import { writeIvTrial } from '../kit/iv-trial.js';
import { mulberry32 } from '../kit/prng.js';
import { trueMinimalGridDose, assertIntervalCoversTrueDose } from '../kit/true-dose.js';

const PEAK = 8; // mg/L
const INFUSION_H = 4;
const GRID = { start: 10, stop: 800, step: 10 };
const QUESTIONS = `questions:
  - id: QD
    endpoint: concentration
    statistic: max
    comparison: ">="
    threshold: { value: ${PEAK}, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: ${GRID.start}, stop: ${GRID.stop}, step: ${GRID.step} } }]
    populations: [{ name: w50to100, bw: "uniform:50:100" }]
    targets: [0.9]
`;

/** The true smallest grid dose whose steady-state peak (QD 4 h infusion, at its end) >= PEAK in >= 90 %. */
function trueMinimalDose(tau: number): { dose: number; p: number; close: boolean } {
  const n = 400_000;
  const u = mulberry32(2024);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const T = IV_TRUTH_1;
  const per = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const w = (50 + 50 * u()) / 70;
    const [mode] = ivModes(T.CL * w ** 0.75 * Math.exp(T.omegaSd.CL * normal()), T.V1 * w * Math.exp(T.omegaSd.V1 * normal()), 0, 0, 1);
    const { lambda, a } = mode ?? { lambda: NaN, a: NaN };
    // periodic infusion of 1 mg over T: at its end (1 / T) a (1 - e^{-lambda T}) / lambda / (1 - e^{-lambda tau}),
    // the window's maximum (C rises during the infusion, falls after it)
    per[i] = ((a / INFUSION_H) * -Math.expm1(-lambda * INFUSION_H)) / lambda / -Math.expm1(-lambda * tau);
  }
  return trueMinimalGridDose(per, GRID, PEAK);
}

test('IV infusion trial of known truth: cards sweep its 4 h infusions; peak >= 8 mg/L in 90 % answered, the 95 % interval covers the true minimal dose', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await writeIvTrial(join(dir, 'iv.csv'), IV_TRUTH_1, 3, 40, INFUSION_DOSES);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'answer');
    const r = await runCli(['answer', trial, '--questions', join(dir, 'q.yaml'), '--out', out, '--replicates', '100', '--subjects', '400'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /regimens swept: 4 h IV infusions, the trial's/);
    const cards = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('qd.model.json'));
    assert.ok(cards.length > 0, `a QD card under ${out}`);
    for (const c of cards) {
      const card = JSON.parse(await readFile(join(out, c), 'utf8')) as { regimen: { infusion_h?: number }; time_grid_h: number[] };
      assert.equal(card.regimen.infusion_h, INFUSION_H, `${c}: the card sweeps the trial's infusion`);
      assert.notEqual(card.time_grid_h[card.time_grid_h.length - 1], 24, `${c}: the window is the grid's (no bolus jump to close at tau)`);
    }
    // the fit's model file carries the infusion (dosing.DUR), so `qusop model import` sweeps it too
    const modelFiles = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('model.yaml'));
    assert.ok(modelFiles.length > 0, `a model.yaml under ${out}`);
    for (const m of modelFiles) assert.match(await readFile(join(out, m), 'utf8'), new RegExp(`^dosing:\\n\\s+DUR: ${INFUSION_H}$`, 'm'), m);
    await assertIntervalCoversTrueDose(t, out, 'QD', trueMinimalDose(24));
  });
});
