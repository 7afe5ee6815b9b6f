/**
 * Indirect responses with a fast turnover (KOUT x a piece >> 1, as when an indirect response stands in for
 * a direct effect): every subinterval of the quadratures spans at most PHI_MAX of decay (before, K15 and
 * G7 agreed on a wrong ~0 and R read as if no drug were there), and only the last FORGET / k hours of a
 * piece carry the forcing (models/structures/turnover-loss.ts, pd.ts). Against RK4 of each ODE over a
 * history whose pieces are longer than that window, against the quasi-steady limit, against the full
 * nested quadrature, and the periodic steady state against the multiple-dose reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { individualParameters, type PopulationParameters } from '../../models/structures/parameters.js';
import { biomarker } from '../../models/structures/pd.js';
import { centralAfter, pkRates } from '../../models/structures/pk.js';
import { rk4Turnover, sigmoidOccupancy } from '../kit/turnover-rk4.js';
import { repeatedDosingWindow, steadyStateBiomarker } from '../../models/structures/steady-state.js';
import { structureById } from '../../models/structures/structure.js';
import { FORGET, lossRateLowerBound, lossTurnoverStep, pieceLowerBound } from '../../models/structures/turnover-loss.js';
import { integrateInhibition } from '../../models/structures/pd.js';
import { actsOnLoss } from '../../models/structures/turnover.js';

type Fixed = PopulationParameters['fixed'];
const BASE: Fixed = { CL: 10, V1: 100, Q: 0, V2: 1, KA: 0.8, R0: 50, BETA_COMED_R0: 0, KOUT: 30, IMAX: 0.8, IC50: 4, GAMMA: 1.2, KE0: 0.03, SMAX: 1.5, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };

test('fast turnover (KOUT 30 /h): I-IV equal RK4 of their ODE where the pieces outlast the forcing window', () => {
  const doses = [{ timeH: 0, amountMg: 400 }, { timeH: 24, amountMg: 400 }, { timeH: 48, amountMg: 800 }];
  const checkpoints = [1, 10, 23, 40, 60, 72];
  const rhs = {
    '1cmt-oral-idr': (p: ReturnType<typeof individualParameters>, o: number, R: number) => p.KIN * (1 - p.IMAX * o) - p.KOUT * R,
    '1cmt-oral-idr3': (p: ReturnType<typeof individualParameters>, o: number, R: number) => p.KIN * (1 + (p.SMAX ?? NaN) * o) - p.KOUT * R,
    '1cmt-oral-idr2': (p: ReturnType<typeof individualParameters>, o: number, R: number) => p.KIN - p.KOUT * (1 - p.IMAX * o) * R,
    '1cmt-oral-idr4': (p: ReturnType<typeof individualParameters>, o: number, R: number) => p.KIN - p.KOUT * (1 + (p.SMAX ?? NaN) * o) * R,
  };
  for (const [id, f] of Object.entries(rhs)) {
    const s = structureById(id);
    const p = individualParameters(BASE, 70, 0, new Array<number>(s.etaNames.length).fill(0), s);
    // the window is shorter than the 9-17 h pieces between checkpoints, so the new path is the one checked
    const low = actsOnLoss(p) ? lossRateLowerBound(p) : p.KOUT;
    assert.ok(FORGET / low < 9, `${id}: window ${FORGET / low} h`);
    // RK4, h = 1e-3 h (h KOUT (1 + SMAX) = 0.075): global error ~1e-10 relative
    const want = rk4Turnover((o, R) => f(p, o, R), sigmoidOccupancy(p, doses), p.R0, checkpoints, 1e-3);
    const got = biomarker(p, doses, checkpoints);
    checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-7, `${id} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
    const times = [0, 0.5, 2, 8, 20];
    const ss = steadyStateBiomarker(p, 400, 24, times);
    const ref = repeatedDosingWindow(p, 400, 24, times).pd;
    times.forEach((t, i) => assert.ok(Math.abs((ss[i] ?? NaN) / (ref[i] ?? NaN) - 1) < 1e-8, `${id} steady state t=${t}: ${ss[i]} vs ${ref[i]}`));
  }
});

test('the window gives the full quadrature\'s R to 1e-9 with a fraction of its evaluations; slow losses and unknown bounds keep the full one', () => {
  const r = pkRates({ ...BASE } as unknown as Parameters<typeof pkRates>[0]);
  const state = { depot: 800, central: 200, peripheral: 0 };
  for (const kout of [10, 50, 500]) {
    const count = { full: 0, window: 0 };
    const rate = (which: 'full' | 'window') => (c: number) => { count[which] += 1; return kout * (1 - (0.6 * c) / (4 + c)); };
    const full = lossTurnoverStep(r, state, rate('full'), kout, kout * 50, 24, 4e-7);
    const windowed = lossTurnoverStep(r, state, rate('window'), kout, kout * 50, 24, 4e-7, 0.4 * kout);
    assert.ok(Math.abs(windowed.phi / full.phi - 1) < 1e-9 && Math.abs(windowed.forced / full.forced - 1) < 1e-9, `KOUT ${kout}: ${JSON.stringify({ full, windowed })}`);
    assert.ok(count.window * (kout >= 50 ? 5 : 1.5) < count.full, `KOUT ${kout}: ${count.window} evaluations against ${count.full}`);
  }
  // a bound that is no bound (IMAX >= 1, NaN) leaves the full quadrature
  assert.equal(lossRateLowerBound({ KOUT: 2, IMAX: 1 } as Parameters<typeof lossRateLowerBound>[0]), 0);
  assert.equal(lossRateLowerBound({ KOUT: NaN, IMAX: 0.5 } as Parameters<typeof lossRateLowerBound>[0]), 0);
  assert.equal(lossRateLowerBound({ KOUT: 2, IMAX: 0.5, TURNOVER: 'kout-stimulation' } as Parameters<typeof lossRateLowerBound>[0]), 2);
});

test('an IMAX near 1: the piece\'s own bound on k (the body\'s amount over V1) keeps the forcing window short where KOUT (1 - IMAX) would not', () => {
  const r = pkRates({ ...BASE } as unknown as Parameters<typeof pkRates>[0]);
  const state = { depot: 800, central: 200, peripheral: 0 };
  const kout = 50;
  const inhibition = (c: number): number => (0.99 * c) / (4 + c);
  const global = kout * (1 - 0.99);
  // the global window, 40 / 0.5 = 80 h, outlasts the 24 h piece: before the piece bound this step ran the full nested quadrature
  assert.ok(FORGET / global > 24);
  const count = { full: 0, window: 0 };
  const rate = (which: 'full' | 'window') => (c: number) => { count[which] += 1; return kout * (1 - inhibition(c)); };
  const full = lossTurnoverStep(r, state, rate('full'), kout, kout * 50, 24, 4e-7);
  const windowed = lossTurnoverStep(r, state, rate('window'), kout, kout * 50, 24, 4e-7, global);
  assert.ok(Math.abs(windowed.phi / full.phi - 1) < 1e-9 && Math.abs(windowed.forced / full.forced - 1) < 1e-9, JSON.stringify({ full, windowed }));
  assert.ok(count.window * 3 < count.full, `${count.window} evaluations against ${count.full}`);
  // the bound itself: k at the body's 1000 mg / 100 L, whatever the state's split; a running infusion adds its rate x L
  const k = (c: number): number => kout * (1 - inhibition(c));
  assert.equal(pieceLowerBound(r, state, k, 24, global), k(10));
  assert.equal(pieceLowerBound(r, { depot: 0, central: 0, peripheral: 600, infusion: 10 }, k, 40, global), k(10));
  // stimulation: k(0) = KOUT is the least; a bound below the global one, or NaN, gives the global one
  assert.equal(pieceLowerBound(r, state, (c) => kout * (1 + c), 24, 1), kout);
  assert.equal(pieceLowerBound(r, state, k, 24, 0.9 * kout), 0.9 * kout);
  assert.equal(pieceLowerBound(r, { depot: NaN, central: 0, peripheral: 0 }, k, 24, global), global);
  // k below its own minimum anywhere on the piece would mean dropped forcing: check on a fine grid
  const low = pieceLowerBound(r, state, k, 24, global);
  for (let u = 0; u <= 24; u += 0.01) assert.ok(k(centralAfter(r, state, u) / r.V1) >= low, `u=${u}`);
});

test('production types: the forcing integral at a fast KOUT is the quasi-steady I(C) / KOUT, not ~0', () => {
  const r = pkRates({ ...BASE } as unknown as Parameters<typeof pkRates>[0]);
  const state = { depot: 800, central: 200, peripheral: 0 };
  const c24 = 1.0108571518563632; // C(24 h) of this state (mg/L)
  for (const kout of [100, 500, 5000]) {
    const d = integrateInhibition(r, state, (c) => (0.6 * c) / (4 + c), kout, 24, 4e-7);
    // D = int I(C(u)) e^{-KOUT (24 - u)} du -> I(C(24)) / KOUT, with a lag error ~ |dI/dt| / KOUT^2
    const want = (0.6 * c24) / (4 + c24) / kout;
    assert.ok(Math.abs(d / want - 1) < 2 / kout, `KOUT ${kout}: ${d} vs quasi-steady ${want}`);
  }
});
