// Three-compartment IV PK under an IV infusion regimen (issue 18 §1; models/export/pk3-steady-state.ts
// threeCompartmentInfusionConcentrationAt): the graph against the independent multiple-dose history of
// infusions in double precision (pk3.ts: each infusion's own divided differences, run to steady state), for
// random subjects, doses, durations short to whole-interval, both regimens and a fast and a slow drug; the
// limits (D -> 0 the bolus graph, D = tau the constant rate, Q3 -> 0 the 2-compartment infusion graph) and
// finiteness where a fit can take Q3, V3, CL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, type RegimenGrid } from '../../models/export/time-grid.js';
import { sweepsInfusion, withInfusion } from '../../models/export/infusion-regimen.js';
import { packTheta, type PopulationParameters } from '../../models/structures/parameters.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { THREE_COMPARTMENT_IV, TWO_COMPARTMENT_IV } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

const s = THREE_COMPARTMENT_IV;
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { KA: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, MTT: 0, VMAX: 0, KM: 1 };
// the sets of structure-three-compartment.test.ts: a fast drug (distribution half-lives ~0.3 h and ~5 h, terminal ~3 d) and a slow one (terminal ~ weeks)
const FAST: PopulationParameters = { fixed: { CL: 5, V1: 10, Q: 10, V2: 30, Q3: 1.5, V3: 150, ...NO_PD }, omega: diag([0.09, 0.04]), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 } };
const SLOW: PopulationParameters = { ...FAST, fixed: { ...FAST.fixed, CL: 0.05, V1: 2.5, Q: 0.3, V2: 5.5, Q3: 0.02, V3: 20 } };
const art = (grid: RegimenGrid, pop: PopulationParameters, structure = s): Uint8Array => populationArtifact(grid, pop, [], {}, {}, structure).onnxBytes;
const rowsOf = (seed: number, n: number, grid: RegimenGrid, pop: PopulationParameters): Rows => randomRows(seed, n, grid, [packTheta(pop, s)], s, grid.tauH === 24 ? [1, 1000] : [10, 10000]);

test('3cmt-iv sweeps infusions', () => {
  assert.equal(sweepsInfusion(s), true);
  assert.equal(withInfusion(REGIMEN_GRIDS.qw, s, 6).infusionH, 6);
});

test('3-compartment IV infusion graphs: every output and the window min, max and mean equal the multiple-dose infusion reference to 1e-4', async () => {
  let seed = 7100;
  let worst = 0;
  for (const [regimen, hours] of [[REGIMEN_GRIDS.qd, 2], [REGIMEN_GRIDS.qd, 0.05], [REGIMEN_GRIDS.qd, 23.9], [REGIMEN_GRIDS.qw, 6], [REGIMEN_GRIDS.qw, 150]] as const) {
    for (const [name, pop] of [['fast', FAST], ['slow', SLOW]] as const) {
      const grid = withInfusion(regimen, s, hours);
      const a = populationArtifact(grid, pop, [], {}, {}, s);
      assert.equal(a.card.regimen.infusion_h, hours);
      const rows = rowsOf((seed += 1), 10, grid, pop);
      const { conc } = await runGraph(a.onnxBytes, rows, s);
      const times = a.card.time_grid_h;
      const T = times.length;
      rows.dose.forEach((dose, b) => {
        const want = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: hours } }).conc;
        const got = conc.subarray(b * T, (b + 1) * T);
        const what = `${grid.name} ${hours} h ${name} row ${b}`;
        // float32 exponentials of arguments up to ~l tau: a few eps32 (6e-8) relative each
        want.forEach((c, i) => {
          const err = Math.abs((got[i] ?? NaN) / c - 1);
          worst = Math.max(worst, err);
          assert.ok(err <= 1e-4, `${what} t ${times[i]}: ${got[i]} vs ${c}`);
        });
        const [gMax, wMax] = [Math.max(...got), Math.max(...want)];
        const [gMin, wMin] = [Math.min(...got), Math.min(...want)];
        const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((x, y) => x + y, 0) / xs.length;
        for (const [k, g, w] of [['max', gMax, wMax], ['min', gMin, wMin], ['mean', mean(got), mean(want)]] as const) assert.ok(Math.abs(g / w - 1) <= 1e-4, `${what}: window ${k} ${g} vs ${w}`);
      });
    }
  }
  assert.ok(worst < 1e-5, `worst output error ${worst.toExponential(2)} (float32)`);
});

test('3-compartment IV infusion graphs at the limits: D -> 0 is the bolus graph, D = tau the constant rate dose / (tau CL), Q3 -> 0 the 2-compartment infusion graph', async () => {
  for (const regimen of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const rows = rowsOf(31, 6, regimen, FAST);
    const T = regimen.timesH.length;
    // D -> 0: the bolus graph's window is closed at tau (t_0 its peak C(0+), t_T its trough): the infusion's t_0 is the trough, t_1.. the bolus's
    const bolus = (await runGraph(art(regimen, FAST), rows, s)).conc;
    const tiny = (await runGraph(art(withInfusion(regimen, s, 1e-6), FAST), rows, s)).conc;
    rows.dose.forEach((_, b) => {
      const row = (n: number): number => tiny[b * T + n] ?? NaN;
      const bolusRow = (n: number): number => bolus[b * (T + 1) + n] ?? NaN;
      assert.ok(Math.abs(row(0) / bolusRow(T) - 1) < 1e-4, `${regimen.name} row ${b}: trough ${row(0)} vs ${bolusRow(T)}`);
      for (let n = 1; n < T; n += 1) assert.ok(Math.abs(row(n) / bolusRow(n) - 1) < 1e-4, `${regimen.name} row ${b} t ${regimen.timesH[n]}: ${row(n)} vs ${bolusRow(n)}`);
    });
    // D = tau (and past it: clamped to tau): C = dose / (tau CL) at every time
    for (const D of [regimen.tauH, 1e4]) {
      const flat = (await runGraph(art(withInfusion(regimen, s, D), FAST), rows, s)).conc;
      rows.dose.forEach((dose, b) => {
        const p = subjectOf(rows, b, s);
        for (let n = 0; n < T; n += 1) assert.ok(Math.abs((flat[b * T + n] ?? NaN) / (Math.fround(dose) / regimen.tauH / p.CL) - 1) < 1e-4, `${regimen.name} D ${D} row ${b} [${n}]: ${flat[b * T + n]}`);
      });
    }
    // Q3 -> 0: the 2-compartment infusion graph (pk-zero-order-steady-state.ts) of the same subjects
    const grid = withInfusion(regimen, s, 3);
    const rows3: Rows = { ...rows, theta: rows.theta.map(() => packTheta({ ...FAST, fixed: { ...FAST.fixed, Q3: 1e-12 } }, s)) };
    const rows2: Rows = { ...rows, theta: rows.theta.map(() => packTheta(FAST, TWO_COMPARTMENT_IV)) };
    const c3 = (await runGraph(art(grid, FAST), rows3, s)).conc;
    const c2 = (await runGraph(art(withInfusion(regimen, TWO_COMPARTMENT_IV, 3), FAST, TWO_COMPARTMENT_IV), rows2, TWO_COMPARTMENT_IV)).conc;
    c3.forEach((c, i) => assert.ok(Math.abs(c / (c2[i] ?? NaN) - 1) < 1e-4, `${regimen.name} Q3 -> 0 [${i}]: ${c} vs ${c2[i]}`));
  }
});

test('3-compartment IV infusion graphs are finite and non-negative at the limits (Q3 -> 0, V3 -> 0, Q3 -> large, repeated rates, extreme CL, doses and durations)', async () => {
  const limits: Partial<PopulationParameters['fixed']>[] = [
    { Q3: 1e-6 }, { Q3: 1e-30 }, { Q3: 1e-6, V3: 1e-3 }, { V3: 1e-3 }, { V3: 1e-8 }, { Q3: 1e5 }, { Q3: 1e5, V3: 1e6 }, { Q3: 1e5, V3: 1e-3 },
    { Q: 1e-6, Q3: 1e-6 }, { Q: 1e5, Q3: 1e5 }, { V2: 150, Q: 1.5 }, { CL: 1e-4 }, { CL: 1e4 },
  ];
  for (const regimen of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    for (const D of [1e-30, 1e-3, 5, regimen.tauH]) {
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const change of limits) for (const dose of [1e-3, 1e4]) {
        rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(s.etaNames.map(() => 0)); rows.theta.push(packTheta({ ...FAST, fixed: { ...FAST.fixed, ...change } }, s));
      }
      const { conc } = await runGraph(art(withInfusion(regimen, s, D), FAST), rows, s);
      const bad = Array.from(conc).findIndex((c) => !Number.isFinite(c) || c < 0);
      assert.equal(bad, -1, `${regimen.name} D ${D}: conc[${bad}] = ${conc[bad]} (row ${Math.floor(bad / regimen.timesH.length)})`);
    }
  }
});
