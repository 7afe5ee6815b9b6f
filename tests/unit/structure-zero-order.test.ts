// Zero-order absorption (issue 18 §1, NONMEM RATE = -2 with an estimated duration D1): the simulator
// gives every dose to the central compartment over D1 (against an independent closed form); the
// steady-state graphs of 1cmt-zo and 2cmt-zo against the multiple-dose history (random subjects and
// durations, QD and QW), their bolus (D1 -> 0) and constant-rate (D1 = tau) limits, finiteness at the
// limits; the RATE = -2 records reaching the Trial, D1's bounds, and the MODEL.yaml round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, nodeTimesH } from '../../models/export/time-grid.js';
import { individualParameters, packTheta, type PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { candidatesFor, ONE_COMPARTMENT_IV, ONE_COMPARTMENT_ZO, takesRoute, TWO_COMPARTMENT_IV, TWO_COMPARTMENT_ZO, type Structure } from '../../models/structures/structure.js';
import { D1_LOWER_H, SHORTEST_REGIMEN_TAU_H } from '../../models/structures/zero-order-structures.js';
import { parseTrial, trialRoute } from '../../models/ingest/trial.js';
import { d1Bounds, d1Start } from '../../models/estimate/zero-order-fit.js';
import { popmodelProblem } from '../../models/estimate/popmodel-problem.js';
import { parseModelFile } from '../../models/import/model-file.js';
import { modelFileText } from '../../models/import/write-model-file.js';
import { uncertaintyDraws } from '../../models/estimate/uncertainty.js';
import { runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';
import { mulberry32 } from '../kit/prng.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { KA: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
// a fast two-compartment drug (t1/2 alpha ~ 0.6 h) and a slow one-compartment one (t1/2 ~ 2 d)
const POP_2: PopulationParameters = { fixed: { CL: 4, V1: 20, Q: 6, V2: 60, ...NO_PD, D1: 3 }, omega: diag([0.09, 0.04]), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 } };
const POP_1: PopulationParameters = { ...POP_2, fixed: { ...POP_2.fixed, CL: 1, V1: 70, Q: 0 } };
const withD1 = (pop: PopulationParameters, D1: number): PopulationParameters => ({ ...pop, fixed: { ...pop.fixed, D1 } });

/** Independent closed form: the single mode k = CL / V, each dose an input of amt / D over D hours. */
function oneCompartmentZeroOrder(cl: number, v: number, d: number, doses: readonly { timeH: number; amountMg: number }[], t: number): number {
  const k = cl / v;
  return doses.reduce((c, x) => {
    const u = t - x.timeH;
    if (u <= 0) return c;
    return c + ((x.amountMg / d) / v) * (-Math.expm1(-k * Math.min(u, d))) * Math.exp(-k * Math.max(u - d, 0)) / k;
  }, 0);
}

test('zero-order in double precision: every dose (depot or central) enters the central compartment over D1', () => {
  const p = individualParameters(withD1(POP_1, 2.5).fixed, 70, 0, [0.1, -0.2], ONE_COMPARTMENT_ZO);
  assert.equal(p.D1, 2.5);
  assert.equal(individualParameters(POP_1.fixed, 70, 0, [0, 0], ONE_COMPARTMENT_IV).D1, undefined, 'a structure without D1 has none');
  const history = [{ timeH: 0, amountMg: 100 }, { timeH: 1, amountMg: 50, route: 'central' as const }, { timeH: 24, amountMg: 80 }];
  const times = [0.5, 1, 1.5, 2.5, 3, 3.5, 12, 24.1, 26.5, 30, 48];
  const got = concentrations(p, history, times);
  times.forEach((t, i) => {
    const ref = oneCompartmentZeroOrder(p.CL, p.V1, 2.5, history, t);
    assert.ok(Math.abs((got[i] ?? NaN) / ref - 1) < 1e-12, `t=${t}: ${got[i]} vs ${ref}`);
  });
});

async function graphAgainstReference(s: Structure, pop: PopulationParameters, grid: (typeof REGIMEN_GRIDS)['qd'], seed: number, d1s: readonly number[]): Promise<void> {
  const art = populationArtifact(grid, pop, [], {}, {}, s);
  assert.equal(art.card.family, s.family);
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (const d1 of d1s) {
    rows.dose.push(1 + 500 * u());
    rows.bw.push(40 + 100 * u());
    rows.comed.push(0);
    rows.z.push([normal(), normal()]);
    rows.theta.push(packTheta(withD1(pop, d1), s));
  }
  const { conc } = await runGraph(art.onnxBytes, rows, s);
  const T = grid.timesH.length;
  rows.dose.forEach((dose, b) => {
    const p = subjectOf(rows, b, s);
    // t_0 = 0 is evaluated as tau (time-grid.ts nodeTimesH); the reference is the long history's last window
    const ref = repeatedDosingWindow(p, Math.fround(dose), grid.tauH, nodeTimesH(grid).slice(0, T), { iv: { durationH: p.D1 ?? NaN } }).conc;
    grid.timesH.forEach((t, n) => {
      const c = ref[n] ?? NaN;
      const got = conc[b * T + n] ?? NaN;
      // float32 inputs and arithmetic: a few eps32 (6e-8) per operation; the bound is 1e-4 relative
      assert.ok(Math.abs(got / c - 1) <= 1e-4, `${s.id} ${grid.name} D1 ${p.D1} t=${t}: conc ${got} vs ${c} (${got / c - 1})`);
    });
  });
}

test('zero-order graphs (1 and 2 cmt): conc agrees with the multiple-dose reference to 1e-4 relative (random subjects, doses, durations; QD and QW)', async () => {
  let seed = 1800;
  for (const [pop, s] of [[POP_1, ONE_COMPARTMENT_ZO], [POP_2, TWO_COMPARTMENT_ZO]] as const) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const u = mulberry32((seed += 1));
      // log-uniform over the fit's whole range of D1 [1e-3, 0.99 * 24] h, plus the ends and grid points
      const d1s = [D1_LOWER_H, 0.05, 1, 6, 0.99 * SHORTEST_REGIMEN_TAU_H, ...Array.from({ length: 11 }, () => D1_LOWER_H * Math.exp(Math.log((0.99 * SHORTEST_REGIMEN_TAU_H) / D1_LOWER_H) * u()))];
      await graphAgainstReference(s, pop, grid, seed * 7, d1s);
    }
  }
});

test('zero-order graphs: D1 -> 0 is the IV bolus graph, D1 = tau the constant rate dose / (tau CL)', async () => {
  for (const [pop, zo, bolus] of [[POP_1, ONE_COMPARTMENT_ZO, ONE_COMPARTMENT_IV], [POP_2, TWO_COMPARTMENT_ZO, TWO_COMPARTMENT_IV]] as const) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const rows = (d1: number | undefined, s: Structure): Rows => ({ dose: [100], bw: [70], comed: [0], z: [[0, 0]], theta: [packTheta(d1 === undefined ? pop : withD1(pop, d1), s)] });
      const { conc: ivConc } = await runGraph(populationArtifact(grid, pop, [], {}, {}, bolus).onnxBytes, rows(undefined, bolus), bolus);
      const { conc: tiny } = await runGraph(populationArtifact(grid, pop, [], {}, {}, zo).onnxBytes, rows(1e-7, zo), zo);
      // a 1e-7 h input differs from a bolus by ~ alpha D1 / 2 ~ 1e-7 relative; float32 adds a few eps32
      // the bolus outputs close the window at tau (time-grid.ts outputTimesH): its trough is the last value,
      // the zero-order graph's the first (t_0 evaluated as tau); the other grid times are the same
      const T = grid.timesH.length;
      assert.equal(ivConc.length, T + 1);
      grid.timesH.forEach((_, n) => {
        const c = ivConc[n === 0 ? T : n] ?? NaN;
        assert.ok(Math.abs((tiny[n] ?? NaN) / c - 1) < 1e-5, `${zo.id} ${grid.name} n=${n}: D1 1e-7 ${tiny[n]} vs bolus ${c}`);
      });
      const { conc: flat } = await runGraph(populationArtifact(grid, pop, [], {}, {}, zo).onnxBytes, rows(grid.tauH, zo), zo);
      const level = 100 / grid.tauH / pop.fixed.CL;
      flat.forEach((c, n) => assert.ok(Math.abs(c / level - 1) < 1e-5, `${zo.id} ${grid.name} n=${n}: D1 = tau ${c} vs ${level}`));
    }
  }
});

test('zero-order graphs are finite and >= 0 at the limits (D1 tiny, underflowing, near and past tau; extreme CL, Q, doses)', async () => {
  const limits: PopulationParameters[] = [];
  for (const d1 of [1e-30, 1e-9, D1_LOWER_H, 23.99, 24, 167.9, 168, 1e4, 1e30]) limits.push(withD1(POP_2, d1));
  for (const fixed of [{ CL: 1e-4 }, { CL: 1e3 }, { Q: 1e-6 }, { Q: 1e3, V2: 1e4 }]) limits.push(withD1({ ...POP_2, fixed: { ...POP_2.fixed, ...fixed } }, 2));
  for (const s of [ONE_COMPARTMENT_ZO, TWO_COMPARTMENT_ZO]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const art = populationArtifact(grid, POP_2, [], {}, {}, s);
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const pop of limits) for (const dose of [1e-3, 1e4]) { rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push([3, -3]); rows.theta.push(packTheta(pop, s)); }
      const { conc } = await runGraph(art.onnxBytes, rows, s);
      assert.ok(Array.from(conc).every((c) => Number.isFinite(c) && c >= 0), `${s.id} ${grid.name}: ${Array.from(conc).find((c) => !Number.isFinite(c) || c < 0)}`);
    }
  }
});

test('the grids\' shortest interval is the one D1 is bounded by', () => {
  assert.equal(SHORTEST_REGIMEN_TAU_H, Math.min(REGIMEN_GRIDS.qd.tauH, REGIMEN_GRIDS.qw.tauH));
});

const CSV = (rate: string, cmt = '1'): string => ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT',
  `1,0,100,${rate},.,1,1,${cmt},70`, '1,1,.,.,1.2,0,0,1,70', '1,2,.,.,2.1,0,0,1,70', '1,4,.,.,1.6,0,0,1,70', '1,8,.,.,1.0,0,0,1,70',
  `1,12,100,${rate},.,1,1,${cmt},70`, '1,14,.,.,2.5,0,0,1,70',
  `2,0,100,${rate},.,1,1,${cmt},60`, '2,1,.,.,1.4,0,0,1,60', '2,3,.,.,2.4,0,0,1,60', '2,6,.,.,1.5,0,0,1,60', ''].join('\n');

test('RATE = -2 records reach the Trial as zero-order doses over D1; the defaults are the zero-order structures', () => {
  const trial = parseTrial(CSV('-2'), 'zo.csv');
  assert.deepEqual(trial.subjects[0]?.doses, [
    { timeH: 0, amtMg: 100, cmt: 1, line: 2, route: 'central', durationModel: 'D1' },
    { timeH: 12, amtMg: 100, cmt: 1, line: 7, route: 'central', durationModel: 'D1' },
  ]);
  assert.equal(trialRoute(trial), 'zero-order');
  assert.deepEqual(candidatesFor(false, 'zero-order').map((s) => s.id), ['1cmt-zo', '2cmt-zo']);
  // into a depot CMT too (the dose still enters the central compartment over D1)
  assert.equal(trialRoute(parseTrial(CSV('-2', '2'), 'zo.csv')), 'zero-order');
  // forced on an oral trial: allowed (depot doses as zero-order input); never on an IV one
  assert.equal(takesRoute(ONE_COMPARTMENT_ZO, 'oral'), true);
  assert.equal(takesRoute(ONE_COMPARTMENT_ZO, 'iv'), false);
  assert.equal(candidatesFor(false).some((s) => s.route === 'zero-order'), false, 'not a default candidate of oral trials');
  // D1 bounded below the trial's shortest interval (12 h) and the grids' (24 h); its start is the first peak's time
  assert.deepEqual(d1Bounds(trial), { name: 'D1', lower: D1_LOWER_H, upper: 0.99 * 12 });
  assert.equal(d1Bounds(parseTrial(CSV('-2').replace('1,12,100,-2,.,1,1,1,70\n', ''), 'zo.csv')).upper, 0.99 * 24, 'single doses: the grid interval');
  assert.equal(d1Start(trial), 2.5);
  // the fit's problem carries that range on D1's (log) entry, so an estimate there is named at-bound
  const problem = popmodelProblem(trial, undefined, ONE_COMPARTMENT_ZO);
  assert.deepEqual(problem.thetaNames, ['CL', 'V1', 'D1']);
  assert.deepEqual(problem.thetaBounds, [{ index: 2, lower: Math.log(D1_LOWER_H), upper: Math.log(0.99 * 12) }]);
});

test('RATE = -1 stays refused, naming what is supported', () => {
  assert.throws(() => parseTrial(CSV('-1'), 'zo.csv'), (e: Error) => e.name === 'InputError' && /zo\.csv:2: column RATE: expected 0 \(bolus\), > 0 .* or -2 \(zero-order absorption over the duration D1 .*1cmt-zo, 2cmt-zo\); a rate the model defines \(RATE = -1, R1\) is not supported, found -1/.test(e.message));
});

test('a zero-order fit written as MODEL.yaml reads back with D1 and its draws', () => {
  const pop = withD1(POP_2, 1.7);
  const parameters = [
    ...['CL', 'V1', 'Q', 'V2', 'D1'].map((name, i) => ({ name, group: 'theta' as const, index: [i], value: Math.log(pop.fixed[name as 'CL']) })),
    { name: 'omega CL', group: 'omega' as const, index: [0, 0], value: 0.09 }, { name: 'omega V1', group: 'omega' as const, index: [1, 1], value: 0.04 },
    { name: 'pk additive', group: 'sigma' as const, index: [0], value: 0.01 }, { name: 'pk proportional', group: 'sigma' as const, index: [1], value: 0.1 },
  ];
  const est = { structure: '2cmt-zo', population: pop, omegaStructure: 'diagonal' as const, covariance: { parameters, matrix: diag(parameters.map(() => 1e-3)) } };
  const text = modelFileText(est, { draws: 10, seed: 3, source: {} }) ?? '';
  const doc = parse(text) as { structure: string; theta: Record<string, { value: number; unit: string }> };
  assert.equal(doc.structure, 'two-compartment-zero-order');
  assert.deepEqual(doc.theta['D1'], { value: 1.7, unit: 'h' });
  const m = parseModelFile(text, 'zo.yaml');
  assert.equal(m.structure, '2cmt-zo');
  assert.equal(m.population.fixed.D1, 1.7);
  assert.deepEqual(uncertaintyDraws(m, 10, 3), uncertaintyDraws(est, 10, 3));
});
