// Direct linear PD and the transit-delay chain (issue 18 §1, QDose's last two PD classes): the transit
// simulator against an independent RK4 solve of the chain ODE (any dosing history) and its periodic
// steady state against the long history; the product-integration weights' two float32 branches against
// their closed form; each new structure's steady-state graph against the independent multiple-dose
// reference (repeatedDosingWindow) over random subjects, doses and both regimens, window max and min to
// 1e-4; finite at the limits a fit can reach (KTR -> 0 and -> infinity, SMAX, IC50, SLOPE extreme),
// with KTR -> infinity giving the drive itself; the linear response clipped at 0; the shipped EstData
// graphs unchanged by the appended SLOPE and KTR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { populationArtifact } from '../../models/export/population-model.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { transitWeights } from '../../models/export/pd-transit.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { biomarker } from '../../models/structures/pd.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow, steadyStateBiomarker } from '../../models/structures/steady-state.js';
import { LINEAR_EFFECT_STRUCTURES, TRANSIT_STRUCTURES, candidatesFor, structureById, type Structure } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

type Fixed = PopulationParameters['fixed'];
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// EstData-like slow PK; a rising biomarker (transit: SMAX 3) or a falling one (linear: SLOPE -2 per mg/L)
const SLOW: Fixed = { CL: 0.05, V1: 8, Q: 0.06, V2: 5.5, KA: 1, R0: 10.6, BETA_COMED_R0: -0.33, KOUT: 0.015, IMAX: 0.86, IC50: 0.9, GAMMA: 1.4, KE0: 0.03, SMAX: 3, ALAG: 0, D1: 0, SLOPE: -2, KTR: 0.05, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const population = (s: Structure, fixed: Fixed): PopulationParameters => ({
  fixed, omega: diag(s.etaNames.map(() => 0.09)), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
});
const zeros = (s: Structure): number[] => new Array<number>(s.etaNames.length).fill(0);
const maxOf = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, x), -Infinity);
const minOf = (xs: readonly number[]): number => xs.reduce((m, x) => Math.min(m, x), Infinity);

test('transit chain in double precision: the simulator equals RK4 of the 3-compartment chain ODE (any dosing history), and its periodic steady state the long history', () => {
  const doses = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 50 }, { timeH: 30, amountMg: 80 }];
  const checkpoints = [1, 5, 12, 20, 36, 60];
  const s = structureById('2cmt-oral-transit');
  // KTR slow, near the PK rates, fast (the drive nearly passes through)
  for (const KTR of [0.05, 0.4, 6]) {
    const p = individualParameters({ ...SLOW, CL: 2.8, V1: 32, Q: 4, V2: 20, KA: 1.5, IC50: 1.5, GAMMA: 1.3, KTR }, 70, 1, zeros(s), s);
    const drive = (t: number): number => {
      const c = concentrations(p, doses, [t])[0] ?? NaN;
      return p.R0 * (1 + (c > 0 ? (p.SMAX ?? NaN) / (1 + (p.IC50 / c) ** p.GAMMA) : 0));
    };
    // RK4 on the chain A1..A3 (A_i(0) = R0), h = 2e-3 h on steps aligned to the doses: the drive is
    // smooth between doses, so the global error is O((h KTR)^4 + h^4 |C''''|) ~ 1e-10 relative
    const h = 2e-3;
    let A = [p.R0, p.R0, p.R0];
    const want: number[] = [];
    const f = (t: number, a: readonly number[]): number[] => {
      const k = KTR;
      return [k * (drive(t) - (a[0] ?? 0)), k * ((a[0] ?? 0) - (a[1] ?? 0)), k * ((a[1] ?? 0) - (a[2] ?? 0))];
    };
    for (let n = 0, t = 0; want.length < checkpoints.length; n += 1, t = n * h) {
      if (Math.abs(t - (checkpoints[want.length] ?? NaN)) < h / 2) want.push(A[2] ?? NaN);
      const add = (a: readonly number[], b: readonly number[], c: number): number[] => a.map((x, i) => x + c * (b[i] ?? 0));
      const k1 = f(t, A), k2 = f(t + h / 2, add(A, k1, h / 2)), k3 = f(t + h / 2, add(A, k2, h / 2)), k4 = f(t + h, add(A, k3, h));
      A = A.map((x, i) => x + (h / 6) * ((k1[i] ?? 0) + 2 * (k2[i] ?? 0) + 2 * (k3[i] ?? 0) + (k4[i] ?? 0)));
    }
    const got = biomarker(p, doses, checkpoints);
    checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-7, `KTR ${KTR} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
    // the periodic steady state (closed-form periodic start) equals the long history's last window
    const times = [0, 0.5, 2, 8, 20];
    const ss = steadyStateBiomarker(p, 100, 24, times);
    const ref = repeatedDosingWindow(p, 100, 24, times).pd;
    times.forEach((t, i) => assert.ok(Math.abs((ss[i] ?? NaN) / (ref[i] ?? NaN) - 1) < 1e-8, `KTR ${KTR} steady state t=${t}: ${ss[i]} vs ${ref[i]}`));
  }
});

test('direct linear in double precision: max(0, R0 + SLOPE C), either sign, clipped at 0', () => {
  const s = structureById('1cmt-oral-linear');
  const doses = [{ timeH: 0, amountMg: 100 }, { timeH: 24, amountMg: 100 }];
  const times = [0.5, 3, 30, 100];
  for (const SLOPE of [-2, 0, 3.5, -1e4]) {
    const p = individualParameters({ ...SLOW, SLOPE }, 60, 1, [0.1, -0.2, 0.3, 0.2], s);
    const c = concentrations(p, doses, times);
    const r = biomarker(p, doses, times);
    c.forEach((ci, i) => assert.equal(r[i], Math.max(0, p.R0 + SLOPE * ci), `SLOPE ${SLOPE} t=${times[i]}`));
  }
  assert.ok(Array.from(biomarker(individualParameters({ ...SLOW, SLOPE: -1e4 }, 70, 0, [0, 0, 0, 0], s), doses, [3])).every((v) => v === 0), 'a steep falling line is clipped at 0');
});

test('transit product-integration weights: from the incomplete gamma functions (tail series below x = 2, closed form above) they equal the defining integral', () => {
  // W_jq(x) = x^{j+1} / j! int_0^1 L_q(1 - u) u^j e^{-x u} du by composite Simpson, 4000 panels
  // (error ~ x^4 / 4000^4 relative, below 1e-11 up to x = 50), independent of both branches
  const lagrange = [(v: number): number => 2 * (v - 0.5) * (v - 1), (v: number): number => -4 * v * (v - 1), (v: number): number => 2 * v * (v - 0.5)];
  const integral = (x: number, j: number, q: number): number => {
    const n = 4000;
    let sum = 0;
    for (let i = 0; i <= n; i += 1) {
      const u = i / n;
      const f = (lagrange[q] ?? ((): number => NaN))(1 - u) * u ** j * Math.exp(-x * u);
      sum += (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * f;
    }
    return (x ** (j + 1) / (j === 2 ? 2 : 1)) * (sum / (3 * n));
  };
  for (const x of [1e-6, 0.01, 0.3, 1, 1.99, 2, 5, 50]) {
    const got = transitWeights(x);
    got.forEach((v, r) => {
      const want = integral(x, Math.floor(r / 3), r % 3);
      assert.ok(Math.abs(v - want) <= 1e-9 * Math.abs(want) + 1e-13, `x ${x} weight (j ${Math.floor(r / 3)}, q ${r % 3}): ${v} vs ${want}`);
    });
  }
  // x -> infinity: every F_j takes the panel's end value (weights of the end node 1, the others 0);
  // the approach is O(1/x) with coefficients up to (m+j)!/j! |c_qm| <= 12, so within 2e-5 at the clamp 1e6
  const far = transitWeights(1e6);
  far.forEach((v, r) => assert.ok(Math.abs(v - (r % 3 === 2 ? 1 : 0)) < 2e-5, `x 1e6 weight ${r}: ${v}`));
});

test('linear and transit graphs: window max and min within 1e-4 of the multiple-dose reference (4 structures, both regimens, random subjects)', async (t) => {
  let seed = 1801;
  const worst: Record<string, number> = {};
  for (const s of [...LINEAR_EFFECT_STRUCTURES, ...TRANSIT_STRUCTURES]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      // draws: the population; a steep strong drive with a fast chain (QD) or a rising slope; a slow chain, weak drive
      const draws = [SLOW, { ...SLOW, SMAX: 20, GAMMA: 2.5, KTR: grid.tauH === 24 ? 1.5 : 0.2, SLOPE: 4 }, { ...SLOW, SMAX: 0.1, KTR: 0.005, SLOPE: -0.3 }];
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
        // float32 inputs and arithmetic (~1e-6) plus the grid's quadrature of the drive (transit)
        const scale = Math.max(maxOf(ref), subjectOf(rows, b, s).R0);
        worst[s.id] = Math.max(worst[s.id] ?? 0, Math.abs(maxOf(row) - maxOf(ref)) / scale, Math.abs(minOf(row) - minOf(ref)) / scale);
        assert.ok(Math.abs(maxOf(row) - maxOf(ref)) <= 1e-4 * scale, `${what}: window max ${maxOf(row)} vs ${maxOf(ref)}`);
        assert.ok(Math.abs(minOf(row) - minOf(ref)) <= 1e-4 * scale, `${what}: window min ${minOf(row)} vs ${minOf(ref)}`);
        row.forEach((v, n) => assert.ok(Math.abs(v - (ref[n] ?? NaN)) <= 1e-3 * scale, `${what} t=${grid.timesH[n]}: ${v} vs ${ref[n]}`));
      });
    }
  }
  t.diagnostic(`worst window max/min error relative to the window's scale: ${JSON.stringify(worst)}`);
});

test('linear and transit graphs: finite at the limits a fit can reach (KTR -> 0 and infinity, SMAX and IC50 extreme, SLOPE large either way); KTR 1e-6 and 1e4 match the double steady state, KTR -> infinity is the drive', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const cases: Partial<Fixed>[] = [
    { KTR: 1e-30 }, { KTR: 1e-6 }, { KTR: 1e30 }, { KTR: 1e4 }, { SMAX: 1e-6 }, { SMAX: 1e4, KTR: 1e3 }, { IC50: 1e-6, GAMMA: 5 },
    { KA: 1e3, CL: 1e3, V1: 1, KTR: 1e3 }, { SLOPE: 1e6 }, { SLOPE: -1e6 }, { SLOPE: 0 },
  ];
  for (const s of [...LINEAR_EFFECT_STRUCTURES, ...TRANSIT_STRUCTURES]) {
    const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
    for (const c of cases) {
      for (const dose of [1e-3, 1e4]) {
        rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(zeros(s));
        rows.theta.push(packTheta(population(s, { ...SLOW, ...c }), s));
      }
    }
    const { pd, conc } = await runGraph(populationArtifact(grid, population(s, SLOW), [], {}, {}, s).onnxBytes, rows, s);
    const bad = Array.from(pd).findIndex((v) => !Number.isFinite(v) || v < 0);
    assert.equal(bad, -1, `${s.id}: pd[${bad}] = ${pd[bad]} (case ${JSON.stringify(cases[Math.floor(bad / grid.timesH.length / 2)])})`);
    assert.ok(Array.from(conc).every(Number.isFinite), `${s.id}: conc finite`);
    if (s.transit === undefined) continue;
    const T = grid.timesH.length;
    // KTR = 1e-6 and 1e4 /h (rows 2, 3 and 6, 7): the periodic steady state in double (steady-state.ts) agrees
    for (const b of [2, 3, 6, 7]) {
      const want = steadyStateBiomarker(subjectOf(rows, b, s), Math.fround(rows.dose[b] ?? NaN), grid.tauH, grid.timesH);
      for (let n = 0; n < T; n += 1) assert.ok(Math.abs((pd[b * T + n] ?? NaN) / (want[n] ?? NaN) - 1) < 1e-4, `${s.id} row ${b} t=${grid.timesH[n]}: ${pd[b * T + n]} vs ${want[n]}`);
    }
    // KTR = 1e30 (capped at 1e6 /h, rows 4, 5): the chain passes the drive R0 (1 + S(C)) through at once
    for (let i = 0; i < 2 * T; i += 1) {
      const c = conc[4 * T + i] ?? NaN;
      const want = SLOW.R0 * (1 + SLOW.SMAX / (1 + (SLOW.IC50 / c) ** SLOW.GAMMA));
      assert.ok(Math.abs((pd[4 * T + i] ?? NaN) / want - 1) < 1e-4, `${s.id} KTR -> infinity at ${i}: ${pd[4 * T + i]} vs the drive ${want}`);
    }
  }
});

test('linear and transit structures are reachable with --structure only, and the shipped EstData graphs are byte-identical with SLOPE and KTR appended', () => {
  const defaults = candidatesFor(true).map((s) => s.id);
  for (const s of [...LINEAR_EFFECT_STRUCTURES, ...TRANSIT_STRUCTURES]) assert.ok(!defaults.includes(s.id), `${s.id} not a default candidate`);
  assert.deepEqual(structureById('1cmt-oral-linear').fixedEffects.map((f) => f.name), ['CL', 'V1', 'KA', 'R0', 'BETA_COMED_R0', 'SLOPE']);
  assert.deepEqual(structureById('2cmt-oral-transit').fixedEffects.map((f) => f.name), ['CL', 'V1', 'Q', 'V2', 'KA', 'R0', 'BETA_COMED_R0', 'IC50', 'GAMMA', 'SMAX', 'KTR']);
  assert.deepEqual(structureById('2cmt-oral-transit').etaNames, ['CL', 'V1', 'KA', 'R0', 'IC50']);
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  for (const tag of ['qd', 'qw'] as const) {
    assert.equal(sha(encodeModel(buildTrajectoryGraph(REGIMEN_GRIDS[tag]))), sha(readFileSync(`models/estdata/${tag}.onnx`)), tag);
  }
});
