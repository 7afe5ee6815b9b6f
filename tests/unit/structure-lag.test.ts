// Lag-time absorption (issue 18's library: first-order absorption with lag): the double-precision
// simulator shifts each oral dose by ALAG; the steady-state graphs of 1cmt-oral-lag and 2cmt-oral-lag
// against the independent multiple-dose reference for random subjects, lags (from a fraction of an
// hour to more than a QD interval) and both regimens; finite at the bounds a fit can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, refinedTimesH } from '../../models/export/time-grid.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { ONE_COMPARTMENT_LAG, ONE_COMPARTMENT_PK, TWO_COMPARTMENT_LAG, type Structure } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf } from '../kit/graph-rows.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const BASE = { R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
// theophylline-like (t1/2 ~ 8 h) and slow (t1/2 ~ 5 d) PK
const FAST = { CL: 2.8, V1: 32, Q: 4, V2: 20, KA: 1.5, ...BASE };
const SLOW = { CL: 0.05, V1: 8, Q: 0.1, V2: 5, KA: 0.8, ...BASE };
const pop = (fixed: typeof FAST, ALAG: number, k: number): PopulationParameters => ({
  fixed: { ...fixed, ALAG }, omega: diag(new Array<number>(k).fill(0.04)), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 },
});

test('lag in double precision: each oral dose enters ALAG hours late (the lag-free profile shifted)', () => {
  const noLag = individualParameters({ ...FAST, ALAG: 0 }, 70, 0, [0, 0, 0], ONE_COMPARTMENT_PK);
  const lagged = individualParameters({ ...FAST, ALAG: 0.8 }, 70, 0, [0, 0, 0], ONE_COMPARTMENT_LAG);
  assert.equal(lagged.ALAG, 0.8);
  assert.equal(noLag.ALAG, undefined);
  const doses = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 100 }];
  const times = [0.5, 0.8, 1, 3, 12.5, 13, 20];
  const got = concentrations(lagged, doses, times);
  const want = concentrations(noLag, doses, times.map((t) => t - 0.8));
  times.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) - (want[i] ?? NaN)) <= 1e-12 * Math.max(1, want[i] ?? 0), `t=${t}: ${got[i]} vs ${want[i]}`));
  assert.equal(got[0], 0, 'nothing before the lag');
});

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

for (const s of [ONE_COMPARTMENT_LAG, TWO_COMPARTMENT_LAG] as Structure[]) {
  test(`${s.id} graph: conc agrees with the multiple-dose reference (random subjects and lags, both regimens, lag beyond tau)`, async () => {
    let seed = 17;
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      for (const fixed of [FAST, SLOW]) {
        for (const lag of [0.05, 0.7, 2.5, grid.tauH + 3]) {
          const p = pop(fixed, lag, s.etaNames.length);
          const art = populationArtifact(grid, p, [], {}, {}, s);
          assert.equal(art.card.outputs.pd, null);
          const rows = randomRows((seed += 1), 6, grid, [packTheta(p, s)], s);
          const { conc } = await runGraph(art.onnxBytes, rows, s);
          const T = grid.timesH.length;
          const fine = refinedTimesH(grid, 10);
          rows.dose.forEach((dose, b) => {
            const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, fine);
            const peak = maxOf(ref.conc);
            grid.timesH.forEach((t, n) => {
              const got = conc[b * T + n] ?? NaN;
              // 1e-4 of the window's peak, as the other structures' graph tests (float32 times and rates)
              assert.ok(Math.abs(got - (ref.conc[10 * n] ?? NaN)) <= 1e-4 * peak, `${grid.name} lag ${lag} row ${b} t ${t}: ${got} vs ${ref.conc[10 * n]} (peak ${peak})`);
            });
          });
        }
      }
    }
  });
}

test('lag graphs stay finite at the lag bounds a fit can reach (1e-3 h, 24 h) and with ka at k', async () => {
  for (const s of [ONE_COMPARTMENT_LAG, TWO_COMPARTMENT_LAG]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const draws = [1e-3, 24].map((lag) => packTheta(pop({ ...FAST, KA: FAST.CL / FAST.V1 }, lag, s.etaNames.length), s));
      const art = populationArtifact(grid, pop(FAST, 1, s.etaNames.length), [], {}, {}, s);
      const { conc } = await runGraph(art.onnxBytes, randomRows(3, 8, grid, draws, s), s);
      assert.ok(conc.every(Number.isFinite), `${s.id} ${grid.name}: non-finite conc`);
    }
  }
});
