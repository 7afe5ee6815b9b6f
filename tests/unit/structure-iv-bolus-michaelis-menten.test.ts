// Saturable elimination after IV boluses (models/export/pk-mm-bolus-steady-state.ts): the graph's exact
// implicit solution (trough and window from the separable time-to-fall t(C; C0), a fixed number of Newton
// and Halley steps in double) against the independent dose-after-dose reference (michaelis-menten.ts
// mmRepeatedDosingWindow: Dormand-Prince at rel. 1e-11, dose after dose until the amount settles), over
// random subjects around each regime's extreme: the linear limits (VMAX -> 0; KM -> infinity, the
// linear structure with CL + VMAX / KM), the zero-order regime (KM -> 0: C falls linearly, then collapses),
// pure Michaelis-Menten (CL = 0) with and without a steady state, and elimination so fast that the QW
// trough is ~1e-12 of the peak; QD and QW; and outputs just past a zero-order knee whose QW trough underflows.
// Never NaN; no steady state gives C_MAX at every output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { C_MAX } from '../../models/export/pk-mm-steady-state.js';
import { outputTimesH, REGIMEN_GRIDS, type RegimenGrid } from '../../models/export/time-grid.js';
import { packTheta, type PopulationParameters } from '../../models/structures/parameters.js';
import { mmRepeatedDosingWindow } from '../../models/structures/michaelis-menten.js';
import { ONE_COMPARTMENT_IV_MM } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

const s = ONE_COMPARTMENT_IV_MM;
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { Q: 0, V2: 1, KA: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0 };
// phenytoin-like (structure-michaelis-menten.test.ts): KM 4 mg/L, VMAX 20 mg/h, a small linear clearance; V 50 L
const MM: PopulationParameters = { fixed: { CL: 0.5, V1: 50, VMAX: 20, KM: 4, ...NO_PD }, omega: diag([0.09, 0.04]), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 } };
const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

/** A regime: fixed effects changed from MM and its dose range (mg) on QD and on QW. */
interface Regime { readonly name: string; readonly change: Partial<PopulationParameters['fixed']>; readonly qd: readonly [number, number]; readonly qw: readonly [number, number] }
const REGIMES: readonly Regime[] = [
  { name: 'phenytoin-like, doses spanning KM', change: {}, qd: [20, 400], qw: [100, 2400] },
  { name: 'VMAX -> 0 (linear, CL)', change: { VMAX: 1e-6 }, qd: [20, 400], qw: [100, 2400] },
  { name: 'KM -> infinity (linear, CL + VMAX / KM)', change: { KM: 1e5, VMAX: 1e5 }, qd: [20, 400], qw: [100, 2400] },
  // C falls at VMAX / V until it nears KM, then collapses; doses around VMAX tau put the knee inside the window
  { name: 'KM -> 0 (zero-order)', change: { KM: 1e-3, CL: 0.05 }, qd: [100, 800], qw: [600, 5000] },
  // a steady state needs D < VMAX tau (480 mg QD, 3360 mg QW); the reference settles slowly near it
  { name: 'CL = 0 (pure Michaelis-Menten)', change: { CL: 0 }, qd: [20, 380], qw: [100, 2600] },
  // kl = 0.16 /h: e^{-0.16 168} ~ 2e-12 of the peak at the QW trough
  { name: 'fast elimination', change: { CL: 8, VMAX: 5, KM: 20 }, qd: [20, 400], qw: [100, 2400] },
];

/** The regimes' random rows for one grid (5 per regime), in REGIMES order. */
function rowsFor(grid: RegimenGrid, seed: number): Rows {
  const all: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  REGIMES.forEach((r, i) => {
    const rows = randomRows(seed + i, 5, grid, [packTheta({ ...MM, fixed: { ...MM.fixed, ...r.change } }, s)], s, grid.tauH === 24 ? r.qd : r.qw);
    for (const k of ['dose', 'bw', 'comed', 'z', 'theta'] as const) (all[k] as unknown[]).push(...rows[k]);
  });
  return all;
}

test('Michaelis-Menten IV bolus graphs (exact implicit solution) agree with the repeated-dosing reference to 1e-4 at every regime\'s extreme, QD and QW', async () => {
  const worst = new Map<string, number>();
  for (const [grid, seed] of [[REGIMEN_GRIDS.qd, 7100], [REGIMEN_GRIDS.qw, 7200]] as const) {
    const rows = rowsFor(grid, seed);
    const { conc } = await runGraph(populationArtifact(grid, MM, [], {}, {}, s).onnxBytes, rows, s);
    // the bolus window closed at tau (time-grid.ts outputTimesH): C(0+) at t_0, the trough at t_T
    const times = outputTimesH(grid, 'iv');
    const T = times.length;
    rows.dose.forEach((dose, b) => {
      const regime = REGIMES[Math.floor(b / 5)]?.name ?? '';
      const ref = mmRepeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, true);
      assert.ok(ref.every(Number.isFinite), `${grid.name} ${regime} row ${b}: the reference settled`);
      const row = conc.subarray(b * T, (b + 1) * T);
      const peak = maxOf(ref);
      // The graph's solution is exact to ~1e-10 in double (Newton to the trough, Halley to each output), then
      // rounded to float32 (6e-8; C(0+) = trough + dose / V1 summed in float32, one more ulp); the reference is
      // Dormand-Prince at rel. 1e-11 settled to 1e-13. 1e-4 relative is far above both and far below what a
      // wrong term of t(C; C0) gives (KM / alpha or vm / alpha off by a factor moves every output by >= 1e-2
      // in these regimes). Below 1e-12 of the peak only an absolute 1e-13 of the peak: the reference's
      // absolute tolerance (1e-14 mg, ~2e-16 mg/L) is all the precision it has of a collapsed concentration.
      times.forEach((t, n) => {
        const c = ref[n] ?? NaN;
        const got = row[n] ?? NaN;
        assert.ok(Number.isFinite(got) && got >= 0, `${grid.name} ${regime} row ${b} t=${t}: ${got}`);
        if (c >= 1e-12 * peak) worst.set(`${grid.name} ${regime}`, Math.max(worst.get(`${grid.name} ${regime}`) ?? 0, Math.abs(got / c - 1)));
        assert.ok(Math.abs(got - c) <= (c >= 1e-12 * peak ? 1e-4 * c : 1e-13 * peak), `${grid.name} ${regime} row ${b} dose ${dose} t=${t}: conc ${got} vs ${c} (peak ${peak})`);
      });
    });
  }
  for (const [k, e] of worst) console.log(`IV bolus Michaelis-Menten graph vs reference, ${k}: worst relative error ${e.toExponential(2)}`);
});

test('Michaelis-Menten IV bolus graphs without a steady state (CL = 0, dose >= VMAX tau) give C_MAX at every output, never NaN', async () => {
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const rows = randomRows(77, 6, grid, [packTheta({ ...MM, fixed: { ...MM.fixed, CL: 0, VMAX: 2 } }, s)], s, [2.5 * grid.tauH, 50 * grid.tauH]);
    assert.ok(mmRepeatedDosingWindow(subjectOf(rows, 0, s), Math.fround(rows.dose[0] ?? NaN), grid.tauH, [1], true, 2000).every((c) => c === Infinity), 'the reference finds none either');
    const { conc } = await runGraph(populationArtifact(grid, MM, [], {}, {}, s).onnxBytes, rows, s);
    conc.forEach((c, i) => assert.equal(c, Math.fround(C_MAX), `${grid.name} [${i}]`));
  }
});

// A steep zero-order regime whose QW trough underflows far below the graph's floor (e^-700), each dose set from
// the subject's VMAX so that the linear fall ends (t = D / VMAX, KM << C) 0.2 ... 2 minutes before the 0.15 h
// output, where C has collapsed by 2 to 22 e-folds (vm / KM = 667 /h): the window's start must not take the
// floored trough for a point of the curve. (Steeper knees: the float32 inputs alone move C by more than 1e-4,
// d ln C / d ln D = t vm / KM.)
test('Michaelis-Menten IV bolus graphs just past a zero-order knee whose trough underflows (CL = 0, KM 3e-3 mg/L, QW) agree with the reference to 1e-4', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const rows = randomRows(7300, 6, grid, [packTheta({ ...MM, fixed: { ...MM.fixed, CL: 0, KM: 3e-3, VMAX: 100 } }, s)], s);
  const before = [0.003, 0.009, 0.015, 0.021, 0.027, 0.033];
  rows.dose = rows.dose.map((_, b) => (subjectOf(rows, b, s).VMAX ?? NaN) * (0.15 - (before[b] ?? NaN)));
  const { conc } = await runGraph(populationArtifact(grid, MM, [], {}, {}, s).onnxBytes, rows, s);
  const times = outputTimesH(grid, 'iv');
  const T = times.length;
  const knee = times.indexOf(0.15);
  let worst = 0;
  rows.dose.forEach((dose, b) => {
    const ref = mmRepeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, true);
    const c = ref[knee] ?? NaN;
    const got = conc[b * T + knee] ?? NaN;
    worst = Math.max(worst, Math.abs(got / c - 1));
    assert.ok(Math.abs(got - c) <= 1e-4 * c, `row ${b} dose ${dose}: C(0.15 h) ${got} vs ${c} (peak ${maxOf(ref)})`);
  });
  console.log(`IV bolus Michaelis-Menten graph vs reference just past a zero-order knee (QW): worst relative error ${worst.toExponential(2)}`);
});
