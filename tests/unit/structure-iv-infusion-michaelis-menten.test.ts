// Saturable elimination under an IV infusion regimen (issue 18 §1; models/export/pk-mm-steady-state.ts with
// an infusion): the graph's Newton shooting over Lawson-RK4 steps, the input on while t < Tinf, against the
// independent repeated-infusion reference (michaelis-menten.ts mmRepeatedInfusionWindow: Dormand-Prince at
// rel. 1e-11, the on and off phases integrated separately, interval after interval until the amount settles),
// which is itself checked against a fine fixed-step RK4 of the ODE over the same history. Random subjects,
// doses spanning KM, durations that are multiples of the graph's step and ones that are not, QD and QW;
// D -> 0 against the bolus graph; finite at the limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { H_STEP } from '../../models/export/pk-mm-steady-state.js';
import { REGIMEN_GRIDS, outputTimesH, type RegimenGrid } from '../../models/export/time-grid.js';
import { sweepsInfusion, withInfusion } from '../../models/export/infusion-regimen.js';
import { individualParameters, packTheta, type PopulationParameters } from '../../models/structures/parameters.js';
import { mmConcentrations, mmRepeatedInfusionWindow } from '../../models/structures/michaelis-menten.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { ONE_COMPARTMENT_IV_MM } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

const s = ONE_COMPARTMENT_IV_MM;
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { Q: 0, V2: 1, KA: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0 };
// phenytoin-like (structure-michaelis-menten.test.ts): KM 4 mg/L, VMAX 20 mg/h, a small linear clearance; V 50 L
const MM: PopulationParameters = { fixed: { CL: 0.5, V1: 50, VMAX: 20, KM: 4, ...NO_PD }, omega: diag([0.09, 0.04]), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 } };
const bytesOf = (grid: RegimenGrid, pop: PopulationParameters = MM): Uint8Array => populationArtifact(grid, pop, [], {}, {}, s).onnxBytes;
const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

test('1cmt-iv-mm sweeps infusions: every IV structure now does', () => {
  assert.equal(sweepsInfusion(s), true);
  assert.equal(withInfusion(REGIMEN_GRIDS.qd, s, 2).infusionH, 2);
});

test('the repeated-infusion reference equals a fine fixed-step RK4 of the ODE over the same history (1e-8 of the peak)', () => {
  const p = individualParameters({ ...MM.fixed, CL: 0.3, KM: 2 }, 70, 0, [0, 0], s);
  for (const [dose, D] of [[300, 2], [400, 5.5], [100, 0.25]] as const) {
    const tau = 24, n = 12;
    const times = [0, 0.25, 1, 2, 3, 5.5, 9, 16, 23.75];
    const history = Array.from({ length: n }, (_, i) => ({ timeH: i * tau, amountMg: dose, route: 'central' as const, durationH: D }));
    // after n intervals the history and the reference's settled window differ by what has not settled yet: compare
    // the reference's own machinery (mmConcentrations, Dormand-Prince over the history) with RK4 of the same history
    const rk = rk4Window(p, dose, D, tau, n, times, 1e-3);
    const dp = mmConcentrations(p, history, times.map((t) => (n - 1) * tau + t));
    const peak = maxOf(rk);
    times.forEach((t, i) => assert.ok(Math.abs((dp[i] ?? NaN) - (rk[i] ?? NaN)) <= 1e-8 * peak, `dose ${dose} D ${D} t ${t}: ${dp[i]} vs RK4 ${rk[i]}`));
    // and the settled window is the long history's last one
    const settled = mmRepeatedInfusionWindow(p, dose, tau, D, times);
    const long = mmConcentrations(p, Array.from({ length: 60 }, (_, i) => ({ ...history[0]!, timeH: i * tau })), times.map((t) => 59 * tau + t));
    times.forEach((t, i) => assert.ok(Math.abs((settled[i] ?? NaN) / (long[i] ?? NaN) - 1) <= 1e-9, `settled vs 60 intervals, D ${D} t ${t}: ${settled[i]} vs ${long[i]}`));
  }
});

/** RK4 with step h of dx/dt = rate(t) - CL C - VMAX C / (KM + C) over n infusions every tau; C at (n - 1) tau + times. */
function rk4Window(p: ReturnType<typeof individualParameters>, dose: number, D: number, tau: number, n: number, times: readonly number[], h: number): number[] {
  const vmax = p.VMAX ?? 0, km = p.KM ?? 1;
  const f = (t: number, x: number): number => {
    const c = Math.max(x, 0) / p.V1;
    return ((t % tau) < D && t < n * tau ? dose / D : 0) - p.CL * c - (vmax * c) / (km + c);
  };
  const want = new Map(times.map((t, i) => [Math.round(((n - 1) * tau + t) / h), i]));
  const out: number[] = [];
  let x = 0;
  const steps = Math.round(((n - 1) * tau + Math.max(...times)) / h);
  for (let i = 0; i <= steps; i += 1) {
    const k = want.get(i);
    if (k !== undefined) out[k] = x / p.V1;
    // the infusion's switches lie on the step grid: each step sees one rate (evaluated at its midpoint)
    const t = i * h, mid = t + h / 2;
    const k1 = f(mid, x), k2 = f(mid, x + (h / 2) * k1), k3 = f(mid, x + (h / 2) * k2), k4 = f(mid, x + h * k3);
    x += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return out;
}

test('Michaelis-Menten IV infusion graphs: conc agrees with the repeated-infusion reference to 1e-4 (random subjects, doses spanning KM, durations on and off the step grid, QD and QW)', async () => {
  let seed = 5150;
  let worst = 0;
  for (const [regimen, doses, hours] of [[REGIMEN_GRIDS.qd, [20, 400], 2], [REGIMEN_GRIDS.qd, [20, 400], 0.5], [REGIMEN_GRIDS.qd, [20, 400], 1 / 6], [REGIMEN_GRIDS.qd, [20, 400], 20], [REGIMEN_GRIDS.qw, [100, 2400], 6], [REGIMEN_GRIDS.qw, [100, 2400], 100]] as const) {
    const grid = withInfusion(regimen, s, hours);
    const draws = [packTheta(MM, s), packTheta({ ...MM, fixed: { ...MM.fixed, KM: 0.5 } }, s), packTheta({ ...MM, fixed: { ...MM.fixed, CL: 2, KM: 20 } }, s)];
    const rows = randomRows((seed += 1), 9, grid, draws, s, doses);
    const art = populationArtifact(grid, MM, [], {}, {}, s);
    assert.equal(art.card.regimen.infusion_h, hours);
    assert.deepEqual(art.card.time_grid_h, outputTimesH(regimen, 'oral'), 'the grid window: C is continuous');
    const { conc } = await runGraph(art.onnxBytes, rows, s);
    const times = art.card.time_grid_h;
    const T = times.length;
    rows.dose.forEach((dose, b) => {
      const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: hours } }).conc;
      assert.ok(ref.every(Number.isFinite), `${grid.name} ${hours} h row ${b}: the reference settled`);
      const row = conc.subarray(b * T, (b + 1) * T);
      const peak = maxOf(ref);
      // as the bolus graphs (structure-michaelis-menten.test.ts): 1e-4 relative down to 1e-3 of the peak, below it 1e-7 of the peak
      times.forEach((t, n) => {
        const c = ref[n] ?? NaN;
        if (c >= 1e-3 * peak) worst = Math.max(worst, Math.abs((row[n] ?? NaN) / c - 1));
        assert.ok(Math.abs((row[n] ?? NaN) - c) <= (c >= 1e-3 * peak ? 1e-4 * c : 1e-7 * peak), `${grid.name} ${hours} h row ${b} dose ${dose} t=${t}: conc ${row[n]} vs ${c} (peak ${peak})`);
      });
    });
  }
  console.log(`Michaelis-Menten IV infusion graphs: worst relative error above 1e-3 of the peak ${worst.toExponential(2)} (step ${H_STEP} h)`);
});

test('Michaelis-Menten IV infusion graphs at the limits: D -> 0 is the bolus graph; finite and >= 0 (KM, VMAX, CL, V at their limits; no steady state gives a very large C)', async () => {
  for (const regimen of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const rows = randomRows(61, 5, regimen, [packTheta(MM, s)], s, regimen.tauH === 24 ? [20, 400] : [100, 2400]);
    const T = regimen.timesH.length;
    const bolus = (await runGraph(bytesOf(regimen), rows, s)).conc;
    const tiny = (await runGraph(bytesOf(withInfusion(regimen, s, 1e-6)), rows, s)).conc;
    rows.dose.forEach((_, b) => {
      // the bolus window is closed at tau (t_0 = C(0+), t_T = the trough); the infusion's t_0 is the trough
      assert.ok(Math.abs((tiny[b * T] ?? NaN) / (bolus[b * (T + 1) + T] ?? NaN) - 1) < 1e-4, `${regimen.name} row ${b} trough`);
      for (let n = 1; n < T; n += 1) assert.ok(Math.abs((tiny[b * T + n] ?? NaN) / (bolus[b * (T + 1) + n] ?? NaN) - 1) < 1e-4, `${regimen.name} row ${b} t ${regimen.timesH[n]}: ${tiny[b * T + n]} vs ${bolus[b * (T + 1) + n]}`);
    });
    const limits: Partial<PopulationParameters['fixed']>[] = [
      { KM: 1e-4 }, { KM: 1e4 }, { KM: 1e4, VMAX: 1e6 }, { VMAX: 1e6 }, { VMAX: 1e-6 }, { VMAX: 1e6, KM: 1e-4 },
      { CL: 0, VMAX: 1 }, { CL: 1e-30, VMAX: 1, KM: 1e-4 }, { CL: 1e4 }, { CL: 1e-4 }, { V1: 1e-3 }, { V1: 1e6 },
    ];
    for (const D of [1e-30, 0.3, 5, regimen.tauH]) {
      const extreme: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const change of limits) for (const dose of [1e-3, 1e4]) {
        extreme.dose.push(dose); extreme.bw.push(70); extreme.comed.push(0); extreme.z.push([0, 0]); extreme.theta.push(packTheta({ ...MM, fixed: { ...MM.fixed, ...change } }, s));
      }
      const { conc } = await runGraph(bytesOf(withInfusion(regimen, s, D)), extreme, s);
      conc.forEach((c, i) => assert.ok(Number.isFinite(c) && c >= 0, `${regimen.name} D ${D} [${i}] ${JSON.stringify(limits[Math.floor(i / T / 2)])}: ${c}`));
      // CL = 0, VMAX 1 mg/h, 1e4 mg per interval: no steady state, a very large concentration
      assert.ok((conc[(6 * 2 + 1) * T] ?? 0) >= 1e15, `${regimen.name} D ${D}: dose rate >= VMAX gives ${conc[(6 * 2 + 1) * T]}`);
    }
  }
});
