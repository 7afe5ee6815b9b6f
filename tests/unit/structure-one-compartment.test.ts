// The one-compartment structure (issue 18's library, first step): its double-precision simulator is the
// two-compartment one with Q = 0, checked here against the closed form of a one-compartment oral model;
// its steady-state graph against an independent multiple-dose reference (the history run to steady
// state in double precision) for random subjects, doses, both regimens and ka at or near k; finite
// at the degenerate limits an accepted fit can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, refinedTimesH } from '../../models/export/time-grid.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { individualParameters, packTheta as packNamespace } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow, steadyStateConcentrations } from '../../models/structures/steady-state.js';
import { ONE_COMPARTMENT } from '../../models/structures/structure.js';
import { randomRows as randomRowsOf, runGraph as runGraphOf, subjectOf as subjectOfRow, type Rows } from '../kit/graph-rows.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// theophylline-like PK (t1/2 ~ 8 h) and a slow one (t1/2 ~ 5 d) with EstData-like PD
const FAST: PopulationParameters = {
  fixed: { CL: 2.8, V1: 32, Q: 1, V2: 1, KA: 1.5, R0: 12, BETA_COMED_R0: -0.3, KOUT: 0.05, IMAX: 0.9, IC50: 3, GAMMA: 1.3, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: diag([0.09, 0.04, 0.25, 0.04, 0.16, 0.16]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
};
// the one-compartment structure's own layout: no Q, V2 in theta
const packTheta = (p: PopulationParameters): number[] => packNamespace(p, ONE_COMPARTMENT);
const K_ETA = ONE_COMPARTMENT.etaNames.length;
const SLOW: PopulationParameters = { ...FAST, fixed: { ...FAST.fixed, CL: 0.05, V1: 8, KA: 0.8, KOUT: 0.015, IC50: 0.9 } };

test('one compartment in double precision: Q = 0 gives the closed form D ka / (V (ka - k)) (e^-kt - e^-ka t)', () => {
  const p = individualParameters(FAST.fixed, 70, 0, [0, 0, 0, 0, 0, 0], ONE_COMPARTMENT);
  assert.equal(p.Q, 0);
  const k = p.CL / p.V1;
  const times = [0.25, 1, 3, 8, 24, 49];
  const got = concentrations(p, [{ timeH: 0, amountMg: 100 }, { timeH: 24, amountMg: 100 }], times);
  times.forEach((t, i) => {
    const single = (u: number): number => (u < 0 ? 0 : ((100 * p.KA) / (p.V1 * (p.KA - k))) * (Math.exp(-k * u) - Math.exp(-p.KA * u)));
    const want = single(t) + single(t - 24);
    assert.ok(Math.abs((got[i] ?? NaN) / want - 1) < 1e-12, `t=${t}: ${got[i]} vs ${want}`);
  });
  // steady state: the periodic solution equals the long history's last window
  const ss = steadyStateConcentrations(p, 100, 24, times.filter((t) => t <= 24));
  const ref = repeatedDosingWindow(p, 100, 24, times.filter((t) => t <= 24)).conc;
  ss.forEach((c, i) => assert.ok(Math.abs(c / (ref[i] ?? NaN) - 1) < 1e-9, `steady state at ${times[i]}: ${c} vs ${ref[i]}`));
});

const runGraph = (bytes: Uint8Array, rows: Rows) => runGraphOf(bytes, rows, ONE_COMPARTMENT);
const subjectOf = (rows: Rows, b: number) => subjectOfRow(rows, b, ONE_COMPARTMENT);
const randomRows = (seed: number, n: number, grid: RegimenGrid, draws: readonly number[][]) => randomRowsOf(seed, n, grid, draws, ONE_COMPARTMENT, grid.tauH === 24 ? [0.5, 400] : [5, 4000]);

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

test('one-compartment graph: pd and conc agree with a multiple-dose reference (random subjects, doses, both regimens)', async () => {
  let seed = 101;
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    // QW with fast elimination is left out: the fixed QW grid (24 h panels after day 1, chosen for slow
    // kinetics) misses its PD by up to ~1.5e-3 (measured; models/README.md): a grid per fit is to come
    for (const pop of grid.tauH === 24 ? [FAST, SLOW] : [SLOW]) {
      const art = populationArtifact(grid, pop, [], {}, {}, ONE_COMPARTMENT);
      assert.equal(art.card.family, 'mechanistic-1cmt-idr');
      // ka exactly at k and 0.5 % from it (the interpolated branch) next to random ones
      const k = pop.fixed.CL / pop.fixed.V1;
      const draws = [packTheta(pop), packTheta({ ...pop, fixed: { ...pop.fixed, KA: k } }), packTheta({ ...pop, fixed: { ...pop.fixed, KA: k * 1.005 } })];
      const rows = randomRows((seed += 1), 9, grid, draws);
      rows.z[1] = new Array<number>(K_ETA).fill(0); // row 1: ka = k exactly for a 70 kg subject
      rows.bw[1] = 70;
      const { pd, conc } = await runGraph(art.onnxBytes, rows);
      const T = grid.timesH.length;
      const fine = refinedTimesH(grid, 10);
      rows.dose.forEach((dose, b) => {
        const p = subjectOf(rows, b);
        const ref = repeatedDosingWindow(p, Math.fround(dose), grid.tauH, fine);
        const what = `${grid.name} ${pop === FAST ? 'fast' : 'slow'} row ${b}`;
        const row = pd.subarray(b * T, (b + 1) * T);
        // 1e-3 as the two-compartment graph's test: the grid's quadrature of the PD, float32 inputs
        assert.ok(Math.abs(maxOf(row) / maxOf(ref.pd) - 1) <= 1e-3, `${what}: window max ${maxOf(row)} vs ${maxOf(ref.pd)}`);
        const peak = maxOf(ref.conc);
        grid.timesH.forEach((t, n) => {
          const c = ref.conc[10 * n] ?? NaN;
          const got = conc[b * T + n] ?? NaN;
          assert.ok(Math.abs(got - c) <= 1e-4 * Math.abs(c) + 1e-4 * peak, `${what} t=${t}: conc ${got} vs ${c}`);
          assert.ok(Math.abs((row[n] ?? NaN) / (ref.pd[10 * n] ?? NaN) - 1) <= 1e-3, `${what} t=${t}: pd ${row[n]} vs ${ref.pd[10 * n]}`);
        });
      });
    }
  }
});

test('one-compartment graph: finite at the limits a fit can reach (ka -> k, fast and slow elimination, tiny and huge doses)', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const cases: Partial<PopulationParameters['fixed']>[] = [{ CL: 1e3, V1: 1 }, { CL: 1e-4, V1: 1e3 }, { KA: 1e3 }, { KA: 1e-4 }, { CL: 1, V1: 1, KA: 1 }, { KOUT: 1e3 }, { KOUT: 1e-5 }];
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (const c of cases) {
    for (const dose of [1e-3, 1e4]) {
      rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(new Array<number>(K_ETA).fill(0));
      rows.theta.push(packTheta({ ...FAST, fixed: { ...FAST.fixed, ...c } as PopulationParameters['fixed'] }));
    }
  }
  const { pd, conc } = await runGraph(populationArtifact(grid, FAST, [], {}, {}, ONE_COMPARTMENT).onnxBytes, rows);
  assert.ok(Array.from(pd).every(Number.isFinite), 'pd finite');
  assert.ok(Array.from(conc).every((c) => Number.isFinite(c) && c >= -1e-6 * maxOf(conc)), 'conc finite and not negative');
});
