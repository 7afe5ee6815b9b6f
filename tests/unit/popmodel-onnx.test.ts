// The population model's steady-state ONNX graphs (models/export): the card/graph
// contract, agreement of the window maximum with an independent multiple-dose reference (pd.ts run to
// steady state) for random subjects, doses and both regimens, ka at the PK eigenvalues, sufficiency
// of the time grids, finiteness at the extremes, and the worker's session path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact, THETA_NAMES } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, refinedTimesH } from '../../models/export/time-grid.js';
import { ETA_NAMES, individualParameters, K_ETA, packTheta, P_THETA } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { pkRates } from '../../models/structures/pk.js';
import { repeatedDosingWindow, steadyStateBiomarker, steadyStateConcentrations } from '../../models/structures/steady-state.js';
import { InputError } from '../../worker/common/errors.js';
import { silentLogger } from '../../worker/common/log.js';
import { ModelCardSchema } from '../../worker/model/card.js';
import { checkGraphAgainstCard, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { decodeModel } from '../../worker/onnx/graph-builder.js';
import { mulberry32 } from '../kit/prng.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);

const SIGMA = { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 };
/** IIV variances (CL, V1, KA, R0, KOUT, IC50), CL-V1 correlation 0.5. */
function omega(): number[][] {
  const v = [0.09, 0.04, 0.25, 0.04, 0.16, 0.16];
  return v.map((a, i) => v.map((b, j) => (i === j ? a : (i === 0 && j === 1) || (i === 1 && j === 0) ? 0.5 * Math.sqrt(a * b) : 0)));
}
// EstData orders of magnitude (terminal half-life ~6 days, C ~1 mg/L per mg QD, IC50 ~1 mg/L) and the issue's set.
const DATA_LIKE: PopulationParameters = {
  fixed: { CL: 0.05, V1: 2.5, Q: 0.06, V2: 5.5, KA: 1, R0: 10.6, BETA_COMED_R0: -0.33, KOUT: 0.015, IMAX: 0.86, IC50: 0.9, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: omega(),
  sigma: SIGMA,
};
const ISSUE_SET: PopulationParameters = {
  fixed: { CL: 3, V1: 30, Q: 5, V2: 60, KA: 1, R0: 15, BETA_COMED_R0: -0.29, KOUT: 0.02, IMAX: 0.9, IC50: 0.05, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: omega(),
  sigma: SIGMA,
};
/** A second draw per population: every fixed effect moved, GAMMA != 1, so rows with different theta differ. */
const otherDraw = (pop: PopulationParameters): number[] =>
  packTheta({ ...pop, fixed: { ...pop.fixed, CL: pop.fixed.CL * 1.2, KA: pop.fixed.KA * 0.7, KOUT: pop.fixed.KOUT * 1.5, IC50: pop.fixed.IC50 * 0.8, GAMMA: 1.4 } });

/**
 * conc is a float32 sum of exponentials whose amplitudes grow like 1 / |ka / lambda - 1| (the graph
 * interpolates in ka within 1 % of alpha and beta): its error scales with the window's peak, which
 * shows at deep troughs (measured <= 4e-5 of the peak there; README.md).
 */
const concClose = (got: number, want: number, peak: number): boolean => Math.abs(got - want) <= 1e-4 * Math.abs(want) + 1e-4 * peak;

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

test('cards and graphs honour the trajectory-model contract', () => {
  const draws = [packTheta(DATA_LIKE), otherDraw(DATA_LIKE)];
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const { onnxBytes, card } = populationArtifact(grid, DATA_LIKE, draws, { fit: 'test' }, { ofv: 1 });
    assert.doesNotThrow(() => ModelCardSchema.parse(card));
    assert.doesNotThrow(() => checkGraphAgainstCard(card, decodeModel(onnxBytes)));
    assert.equal(card.family, 'mechanistic-2cmt-idr');
    assert.equal(card.test_model, false);
    assert.deepEqual(card.inputs.eta, { dim: 6, distribution: 'standard-normal', names: [...ETA_NAMES] });
    assert.equal(card.inputs.theta?.dim, P_THETA);
    assert.deepEqual(card.inputs.theta?.draws, draws);
    assert.equal(THETA_NAMES.length, P_THETA);
    assert.deepEqual(card.time_grid_h, grid.timesH);
    assert.equal(card.regimen.tau_h, grid.tauH);
    assert.equal(card.outputs.conc, 'conc');
    assert.equal(card.provenance['fit'], 'test');
  }
  const point = populationArtifact(REGIMEN_GRIDS.qd, DATA_LIKE, [], {}).card.inputs.theta?.draws;
  assert.deepEqual(point, [packTheta(DATA_LIKE)]);
  assert.throws(() => populationArtifact(REGIMEN_GRIDS.qd, DATA_LIKE, [[1, 2]], {}), (e: unknown) => e instanceof InputError && /draws\[0\] has 2 entries/.test(e.message));
  const bad = packTheta(DATA_LIKE);
  bad[3] = NaN;
  assert.throws(() => populationArtifact(REGIMEN_GRIDS.qd, DATA_LIKE, [bad], {}), /draws\[0\]\[3\] \(log V2\) is NaN/);
});

test('window maximum agrees with a multiple-dose reference to 1e-3 (random subjects, doses, draws, both regimens)', async () => {
  let seed = 11;
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    for (const pop of [DATA_LIKE, ISSUE_SET]) {
      const rows = randomRows((seed += 1), 5, grid, [packTheta(pop), otherDraw(pop)]);
      const { pd, conc } = await runGraph(populationArtifact(grid, pop, [], {}).onnxBytes, rows);
      const T = grid.timesH.length;
      const fine = refinedTimesH(grid, 10);
      rows.dose.forEach((dose, b) => {
        const p = subjectOf(rows, b);
        const ref = repeatedDosingWindow(p, Math.fround(dose), grid.tauH, fine); // every 10th point is a grid point
        const row = pd.subarray(b * T, (b + 1) * T);
        const what = `${grid.name} ${pop === DATA_LIKE ? 'data-like' : 'issue-set'} row ${b} dose ${dose.toFixed(2)}`;
        const relMax = Math.abs(maxOf(row) / maxOf(ref.pd) - 1);
        assert.ok(relMax <= 1e-3, `${what}: window max ${maxOf(row)} vs reference ${maxOf(ref.pd)} (${relMax})`);
        const cPeak = maxOf(ref.conc);
        grid.timesH.forEach((t, n) => {
          const r = ref.pd[10 * n] ?? NaN, c = ref.conc[10 * n] ?? NaN;
          assert.ok(Math.abs((row[n] ?? NaN) / r - 1) <= 1e-3, `${what} t=${t}: pd ${row[n]} vs ${r}`);
          assert.ok(concClose(conc[b * T + n] ?? NaN, c, cPeak), `${what} t=${t}: conc ${conc[b * T + n]} vs ${c}`);
        });
      });
    }
  }
});

test('ka equal or close to alpha or beta loses no accuracy', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const base = individualParameters(ISSUE_SET.fixed, 70, 0, [0, 0, 0, 0, 0, 0]);
  const { alpha, beta } = pkRates(base);
  const kas = [alpha, beta, alpha * (1 + 1e-6), alpha * (1 - 0.004), alpha * (1 + 0.0099), alpha * (1 - 0.0101), beta * (1 + 1e-5), beta * (1 - 0.006)];
  const draws = kas.map((KA) => packTheta({ ...ISSUE_SET, fixed: { ...ISSUE_SET.fixed, KA } }));
  const rows: Rows = { dose: kas.map(() => 100), bw: kas.map(() => 70), comed: kas.map(() => 0), z: kas.map(() => [0, 0, 0, 0, 0, 0]), theta: draws };
  const { pd, conc } = await runGraph(populationArtifact(grid, ISSUE_SET, [], {}).onnxBytes, rows);
  const T = grid.timesH.length;
  kas.forEach((_, b) => {
    const p = subjectOf(rows, b);
    const c = steadyStateConcentrations(p, 100, grid.tauH, grid.timesH);
    const r = steadyStateBiomarker(p, 100, grid.tauH, grid.timesH);
    const cPeak = maxOf(steadyStateConcentrations(p, 100, grid.tauH, refinedTimesH(grid, 10)));
    grid.timesH.forEach((t, n) => {
      assert.ok(concClose(conc[b * T + n] ?? NaN, c[n] ?? NaN, cPeak), `KA=${p.KA} t=${t}: conc ${conc[b * T + n]} vs ${c[n]}`);
      assert.ok(Math.abs((pd[b * T + n] ?? NaN) / (r[n] ?? NaN) - 1) <= 2e-4, `KA=${p.KA} t=${t}: pd ${pd[b * T + n]} vs ${r[n]}`);
    });
  });
});

test('slow and fast turnover (KOUT 1e-4 .. 3 /h: both branches of the quadrature weights) stay accurate', async () => {
  const kouts = [1e-4, 3e-3, 0.03, 0.1, 0.5, 3];
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const dose = grid.tauH === 24 ? 5 : 50;
    const rows: Rows = {
      dose: kouts.map(() => dose), bw: kouts.map(() => 80), comed: kouts.map(() => 1), z: kouts.map(() => [0.5, -0.5, 0.3, 0, 0, -0.2]),
      theta: kouts.map((KOUT) => packTheta({ ...DATA_LIKE, fixed: { ...DATA_LIKE.fixed, KOUT } })),
    };
    const { pd } = await runGraph(populationArtifact(grid, DATA_LIKE, [], {}).onnxBytes, rows);
    const T = grid.timesH.length;
    kouts.forEach((_, b) => {
      const p = subjectOf(rows, b);
      const r = steadyStateBiomarker(p, dose, grid.tauH, grid.timesH);
      grid.timesH.forEach((t, n) => {
        assert.ok(Math.abs((pd[b * T + n] ?? NaN) / (r[n] ?? NaN) - 1) <= 1e-3, `${grid.name} KOUT=${p.KOUT} t=${t}: pd ${pd[b * T + n]} vs ${r[n]}`);
      });
    });
  }
});

test('time grids are sufficient: window max on the grid within 1e-3 of a 10x finer grid', () => {
  const u = mulberry32(5);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const sd = [0.5, 0.4, 0.9, 0.3, 0.8, 0.8]; // wider than plausible IIV
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const fine = refinedTimesH(grid, 10);
    let worst = 0;
    for (let i = 0; i < 40; i += 1) {
      const pop = i % 2 === 0 ? DATA_LIKE : ISSUE_SET;
      const p = individualParameters(pop.fixed, 40 + 100 * u(), u() < 0.5 ? 1 : 0, sd.map((s) => s * normal()));
      const dose = grid.tauH === 24 ? 0.5 * Math.exp(Math.log(80) * u()) : 5 * Math.exp(Math.log(80) * u());
      const onGrid = maxOf(steadyStateBiomarker(p, dose, grid.tauH, grid.timesH));
      worst = Math.max(worst, maxOf(steadyStateBiomarker(p, dose, grid.tauH, fine)) / onGrid - 1);
    }
    assert.ok(worst <= 1e-3, `${grid.name}: grid max below the 10x finer max by ${worst}`);
  }
});

test('extreme doses, turnover and potency stay finite and within [R0 (1 - IMAX), R0]', async () => {
  const cases: { dose: number; fixed: Partial<PopulationParameters['fixed']>; z: number }[] = [
    { dose: 0, fixed: {}, z: 0 },
    { dose: 1e-6, fixed: {}, z: 6 },
    { dose: 1e6, fixed: {}, z: -6 },
    { dose: 10, fixed: { KOUT: 1e-6 }, z: 0 }, // KOUT tau ~ 1e-5..1e-4
    { dose: 10, fixed: { KOUT: 20 }, z: 3 }, // KOUT tau ~ 500..3000
    { dose: 10, fixed: { KA: 50, IMAX: 0.999999, GAMMA: 5 }, z: 0 },
    { dose: 10, fixed: { KA: 1e-3, GAMMA: 0.2, IC50: 1e-6 }, z: -3 },
    { dose: 10, fixed: { CL: 1e-4, Q: 1e-6 }, z: 2 },
  ];
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
    for (const [i, c] of cases.entries()) {
      rows.dose.push(c.dose);
      rows.bw.push(i % 2 === 0 ? 40 : 140);
      rows.comed.push(i % 2);
      rows.z.push(Array.from({ length: K_ETA }, (_, k) => (k % 2 === 0 ? c.z : -c.z)));
      rows.theta.push(packTheta({ ...DATA_LIKE, fixed: { ...DATA_LIKE.fixed, ...c.fixed } }));
    }
    const { pd, conc } = await runGraph(populationArtifact(grid, DATA_LIKE, [], {}).onnxBytes, rows);
    const T = grid.timesH.length;
    cases.forEach((c, b) => {
      const p = subjectOf(rows, b);
      for (let n = 0; n < T; n += 1) {
        const r = pd[b * T + n] ?? NaN, cc = conc[b * T + n] ?? NaN;
        const what = `${grid.name} case ${b} (${JSON.stringify(c)}) t=${grid.timesH[n]}`;
        assert.ok(Number.isFinite(r) && Number.isFinite(cc) && cc >= 0, `${what}: pd ${r}, conc ${cc}`);
        assert.ok(r <= p.R0 * (1 + 1e-5) && r >= p.R0 * (1 - p.IMAX) * (1 - 1e-3), `${what}: pd ${r} outside [${p.R0 * (1 - p.IMAX)}, ${p.R0}]`);
      }
    });
    assert.ok(Array.from(pd.subarray(0, T)).every((r) => Math.abs(r / (subjectOf(rows, 0).R0) - 1) < 1e-6), 'no drug: pd = R0');
  }
});

test('the worker session loads the exported model and counts rows at or below the threshold', async () => {
  const grid = REGIMEN_GRIDS.qd;
  const draws = [packTheta(DATA_LIKE), otherDraw(DATA_LIKE)];
  const { onnxBytes, card } = populationArtifact(grid, DATA_LIKE, draws, {});
  const rows = randomRows(3, 40, grid, draws);
  const { pd } = await runGraph(onnxBytes, rows);
  const T = grid.timesH.length;
  const threshold = 3.3;
  const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 16, logger: silentLogger });
  const result = await runner.evaluate(
    { dose: f32(rows.dose), bw: f32(rows.bw), comed: f32(rows.comed), eta: f32(rows.z.flat()), theta: f32(rows.theta.flat()) },
    2,
    20,
    threshold,
  );
  await runner.release();
  const expected = [0, 1].map((g) => rows.dose.slice(g * 20, (g + 1) * 20).filter((_, i) => maxOf(pd.subarray((g * 20 + i) * T, (g * 20 + i + 1) * T)) <= Math.fround(threshold)).length);
  assert.deepEqual(result.k, expected);
  assert.ok(expected.some((k) => k > 0 && k < 20), `threshold splits the rows: ${expected}`);
});
