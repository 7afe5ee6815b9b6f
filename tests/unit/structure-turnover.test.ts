// Indirect responses II-IV and the direct stimulatory Emax (issue 18 §1): the double-precision simulator
// against RK4 of each ODE; each new structure's steady-state graph against the independent multiple-dose
// reference (the history run to steady state in double precision, repeatedDosingWindow) over random
// subjects, doses and both regimens, window max and min to 1e-4; finite at the degenerate limits a fit
// can reach (SMAX -> 0 and large, IC50 -> 0, KOUT large and small, IMAX -> 1); the quasi-steady limit of
// a fast turnover; the shipped EstData graphs unchanged by the new parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { populationArtifact } from '../../models/export/population-model.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { directBiomarker } from '../../models/structures/direct-effect.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { biomarker } from '../../models/structures/pd.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow, steadyStateBiomarker } from '../../models/structures/steady-state.js';
import { structureDirection } from '../../analysis/fit/effect-direction.js';
import { EMAX_STRUCTURES, INDIRECT_RESPONSE_STRUCTURES, STRUCTURES, candidatesFor, structureById, type Structure } from '../../models/structures/structure.js';
import { STRUCTURE_OF_NAME, nameOfStructure } from '../../models/import/model-file.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';
import { rk4Turnover, sigmoidOccupancy } from '../kit/turnover-rk4.js';

type Fixed = PopulationParameters['fixed'];
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// EstData-like slow PK (2-compartment; the 1-compartment structures read V1 = 8 L alone: t1/2 ~ 110 h)
const SLOW: Fixed = { CL: 0.05, V1: 8, Q: 0.06, V2: 5.5, KA: 1, R0: 10.6, BETA_COMED_R0: -0.33, KOUT: 0.015, IMAX: 0.86, IC50: 0.9, GAMMA: 1.4, KE0: 0.03, SMAX: 3, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const population = (s: Structure, fixed: Fixed): PopulationParameters => ({
  fixed, omega: diag(s.etaNames.map(() => 0.09)), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
});
const zeros = (s: Structure): number[] => new Array<number>(s.etaNames.length).fill(0);

test('indirect responses II-IV in double precision: the simulator equals RK4 of each ODE (any dosing history)', () => {
  const fixed: Fixed = { ...SLOW, CL: 2.8, V1: 32, Q: 4, V2: 20, KA: 1.5, KOUT: 0.3, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3 };
  const doses = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 50 }, { timeH: 30, amountMg: 80 }];
  const checkpoints = [5, 12, 20, 36];
  const rhs: Record<string, (p: ReturnType<typeof individualParameters>, occupancy: number, R: number) => number> = {
    '2cmt-oral-idr2': (p, o, R) => p.KIN - p.KOUT * (1 - p.IMAX * o) * R,
    '2cmt-oral-idr3': (p, o, R) => p.KIN * (1 + (p.SMAX ?? NaN) * o) - p.KOUT * R,
    '2cmt-oral-idr4': (p, o, R) => p.KIN - p.KOUT * (1 + (p.SMAX ?? NaN) * o) * R,
  };
  for (const [id, f] of Object.entries(rhs)) {
    const s = structureById(id);
    const p = individualParameters(fixed, 70, 0, zeros(s), s);
    // RK4, h = 2e-3 h on steps aligned to the doses: global error O(h^4) ~ 1e-10 relative
    const want = rk4Turnover((o, R) => f(p, o, R), sigmoidOccupancy(p, doses), p.R0, checkpoints, 2e-3);
    const got = biomarker(p, doses, checkpoints);
    checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-7, `${id} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
    // the periodic steady state (its own algebra) equals the long history's last window
    const times = [0, 0.5, 2, 8, 20];
    const ss = steadyStateBiomarker(p, 100, 24, times);
    const ref = repeatedDosingWindow(p, 100, 24, times).pd;
    times.forEach((t, i) => assert.ok(Math.abs((ss[i] ?? NaN) / (ref[i] ?? NaN) - 1) < 1e-8, `${id} steady state t=${t}: ${ss[i]} vs ${ref[i]}`));
  }
  // direct stimulatory Emax, plasma-driven: R0 (1 + SMAX C^g / (IC50^g + C^g))
  const s = structureById('2cmt-oral-emax');
  const p = individualParameters(fixed, 70, 1, zeros(s), s);
  const c = concentrations(p, doses, [3, 40]);
  const e = directBiomarker(p, doses, [3, 40]);
  c.forEach((ci, i) => {
    const want = p.R0 * (1 + (fixed.SMAX * ci ** p.GAMMA) / (p.IC50 ** p.GAMMA + ci ** p.GAMMA));
    assert.ok(Math.abs((e[i] ?? NaN) / want - 1) < 1e-13, `Emax at ${i}: ${e[i]} vs ${want}`);
  });
});

const maxOf = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, x), -Infinity);
const minOf = (xs: readonly number[]): number => xs.reduce((m, x) => Math.min(m, x), Infinity);

test('II-IV and Emax graphs: window max and min within 1e-4 of the multiple-dose reference (10 structures, both regimens, random subjects)', async () => {
  let seed = 4101;
  for (const s of [...INDIRECT_RESPONSE_STRUCTURES, ...EMAX_STRUCTURES]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      // draws: the population; a steep, strong effect with faster turnover; a weak effect near IMAX -> 1
      // (QW keeps the slow turnover: its 24 h panels were chosen for EstData's kinetics, models/structures/README.md)
      const draws = [SLOW, { ...SLOW, SMAX: 20, GAMMA: 2.5, KOUT: grid.tauH === 24 ? 0.3 : 0.03, KE0: 0.5 }, { ...SLOW, SMAX: 0.1, IMAX: 0.97, KOUT: 0.005 }];
      const pop = population(s, SLOW);
      const art = populationArtifact(grid, pop, [], {}, {}, s);
      assert.equal(art.card.family, s.family);
      const rows = randomRows((seed += 1), 6, grid, draws.map((f) => packTheta(population(s, f), s)), s, grid.tauH === 24 ? [0.5, 400] : [5, 4000]);
      const { pd } = await runGraph(art.onnxBytes, rows, s);
      const T = grid.timesH.length;
      rows.dose.forEach((dose, b) => {
        const ref = Array.from(repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, grid.timesH).pd);
        const row = Array.from(pd.subarray(b * T, (b + 1) * T));
        const what = `${s.id} ${grid.name} row ${b} (dose ${dose.toPrecision(3)})`;
        // float32 inputs and arithmetic (~1e-6) plus the grid's quadrature (measured <= 6e-5 here)
        assert.ok(Math.abs(maxOf(row) / maxOf(ref) - 1) <= 1e-4, `${what}: window max ${maxOf(row)} vs ${maxOf(ref)}`);
        assert.ok(Math.abs(minOf(row) / minOf(ref) - 1) <= 1e-4, `${what}: window min ${minOf(row)} vs ${minOf(ref)}`);
        row.forEach((v, n) => assert.ok(Math.abs(v / (ref[n] ?? NaN) - 1) <= 1e-3, `${what} t=${grid.timesH[n]}: ${v} vs ${ref[n]}`));
      });
    }
  }
});

test('II-IV and Emax graphs: finite at the limits a fit can reach (SMAX -> 0 and large, IC50 -> 0, KOUT large and small, IMAX -> 1)', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const cases: Partial<Fixed>[] = [
    { SMAX: 1e-6 }, { SMAX: 1e4 }, { IC50: 1e-6 }, { IC50: 1e-6, SMAX: 1e4, GAMMA: 5 }, { KOUT: 1e3 }, { KOUT: 1e3, SMAX: 1e4 },
    { KOUT: 1e-6 }, { KOUT: 1e-30 }, { IMAX: 0.999999, GAMMA: 5 }, { KA: 1e3, CL: 1e3, V1: 1 }, { KE0: 1e-30 }, { KE0: 1e30 },
  ];
  for (const s of [...INDIRECT_RESPONSE_STRUCTURES, ...EMAX_STRUCTURES]) {
    const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
    for (const c of cases) {
      for (const dose of [1e-3, 1e4]) {
        rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(zeros(s));
        rows.theta.push(packTheta(population(s, { ...SLOW, ...c }), s));
      }
    }
    const { pd, conc } = await runGraph(populationArtifact(grid, population(s, SLOW), [], {}, {}, s).onnxBytes, rows, s);
    const bad = Array.from(pd).findIndex((v) => !Number.isFinite(v) || v <= 0);
    assert.equal(bad, -1, `${s.id}: pd[${bad}] = ${pd[bad]} (case ${JSON.stringify(cases[Math.floor(bad / grid.timesH.length / 2)])})`);
    assert.ok(Array.from(conc).every(Number.isFinite), `${s.id}: conc finite`);
  }
});

test('fast turnover (KOUT -> infinity): II and IV graphs reach the quasi-steady state R0 / (1 -+ effect(C))', async () => {
  const grid = REGIMEN_GRIDS.qd;
  for (const id of ['2cmt-oral-idr2', '2cmt-oral-idr4']) {
    const s = structureById(id);
    const fixed: Fixed = { ...SLOW, KOUT: 1e4 };
    const rows: Rows = { dose: [20, 200], bw: [70, 70], comed: [0, 0], z: [zeros(s), zeros(s)], theta: [0, 1].map(() => packTheta(population(s, fixed), s)) };
    const { pd, conc } = await runGraph(populationArtifact(grid, population(s, fixed), [], {}, {}, s).onnxBytes, rows, s);
    Array.from(conc).forEach((c, i) => {
      const o = 1 / (1 + (SLOW.IC50 / c) ** SLOW.GAMMA);
      const want = SLOW.R0 / (id === '2cmt-oral-idr2' ? 1 - SLOW.IMAX * o : 1 + SLOW.SMAX * o);
      // R lags C by ~1 / (KOUT (1 + h)) = 1e-4 h: relative lag ~ 1e-4 h x |dC/dt| / C, at most ~1e-4 here
      assert.ok(Math.abs((pd[i] ?? NaN) / want - 1) < 2e-4, `${id} at ${i}: ${pd[i]} vs quasi-steady ${want}`);
    });
  }
});

test('the new structures join the default PK/PD candidates by the biomarker\'s direction, and the shipped EstData graphs are byte-identical with SMAX appended', () => {
  // not in the type-I pool; each has a direction, which is how a trial's defaults take it (effect-direction.ts)
  const typeOne = candidatesFor(true).map((s) => s.id);
  for (const s of [...INDIRECT_RESPONSE_STRUCTURES, ...EMAX_STRUCTURES]) {
    assert.ok(!typeOne.includes(s.id), `${s.id} not a type-I candidate`);
    assert.notEqual(structureDirection(s), undefined, `${s.id} has a direction`);
  }
  assert.deepEqual(structureById('2cmt-oral-idr3').fixedEffects.map((f) => f.name), ['CL', 'V1', 'Q', 'V2', 'KA', 'R0', 'BETA_COMED_R0', 'KOUT', 'IC50', 'GAMMA', 'SMAX']);
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  for (const tag of ['qd', 'qw'] as const) {
    assert.equal(sha(encodeModel(buildTrajectoryGraph(REGIMEN_GRIDS[tag]))), sha(readFileSync(`models/estdata/${tag}.onnx`)), tag);
  }
});

test('every library structure has its own MODEL.yaml name (a fit of IDR III writes and reads back IDR III)', () => {
  for (const s of STRUCTURES) {
    const name = nameOfStructure(s);
    assert.ok(name !== undefined, `${s.id} has no model-file name`);
    assert.equal(STRUCTURE_OF_NAME[name], s, `${s.id} is written as ${name}`);
  }
  assert.equal(nameOfStructure(structureById('2cmt-oral-idr3')), 'two-compartment-oral-indirect-response-iii');
});
