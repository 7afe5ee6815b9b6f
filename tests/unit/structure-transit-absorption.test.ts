// Transit-compartment absorption (issue 18's library: 1cmt-oral-tabs, 2cmt-oral-tabs). The double-precision
// simulator against RK4 of the transit/depot/central/peripheral ODE written out here (independent of the
// matrix exponential), ktr at KA and at a disposition rate; MTT -> 0 against first-order absorption; the
// steady-state graphs against the multiple-dose reference (random subjects, doses, both regimens, ktr at KA
// and at each disposition rate); finiteness of the graphs at the limits a fit can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { nodeTimesH, REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations, pkRates, type Dose } from '../../models/structures/pk.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { candidatesFor, ONE_COMPARTMENT_PK, TWO_COMPARTMENT_PK, TRANSIT_ABSORPTION_STRUCTURES, structureById, type Structure } from '../../models/structures/structure.js';
import { TRANSIT_ABSORPTION_N, transitRate } from '../../models/structures/transit-absorption.js';
import { MTT_BOUNDS_H } from '../../models/structures/transit-absorption-structures.js';
import { parseTrial } from '../../models/ingest/trial.js';
import { popmodelProblem } from '../../models/estimate/popmodel-problem.js';
import { parseModelFile } from '../../models/import/model-file.js';
import { modelFileText } from '../../models/import/write-model-file.js';
import { uncertaintyDraws } from '../../models/estimate/uncertainty.js';
import { parse } from 'yaml';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, VMAX: 0, KM: 1 };
// a fast drug (t1/2 ~ 3 h, distribution ~ 0.5 h) and a slow one (terminal ~ 2 weeks)
const FAST: PopulationParameters = {
  fixed: { CL: 5, V1: 20, Q: 8, V2: 30, KA: 1.5, MTT: 1.2, ...NO_PD },
  omega: diag([0.09, 0.04, 0.25]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 },
};
const SLOW: PopulationParameters = { ...FAST, fixed: { ...FAST.fixed, CL: 0.05, V1: 2.5, Q: 0.06, V2: 5.5, KA: 0.8, MTT: 3 } };
const [TABS_1, TABS_2] = TRANSIT_ABSORPTION_STRUCTURES as [Structure, Structure];

/** RK4 of transit 1..N, depot, central, peripheral (oral doses as jumps into transit 1), step h. */
function rk4(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], h: number): number[] {
  const ktr = (TRANSIT_ABSORPTION_N + 1) / (p.MTT ?? NaN);
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q > 0 ? p.Q / p.V2 : 0;
  const n = TRANSIT_ABSORPTION_N;
  const f = (x: readonly number[]): number[] => {
    const d: number[] = [];
    for (let i = 0; i < n; i += 1) d.push(-ktr * (x[i] ?? 0) + (i > 0 ? ktr * (x[i - 1] ?? 0) : 0));
    const depot = x[n] ?? 0, central = x[n + 1] ?? 0, peripheral = x[n + 2] ?? 0;
    d.push(ktr * (x[n - 1] ?? 0) - p.KA * depot);
    d.push(p.KA * depot - (k10 + k12) * central + k21 * peripheral);
    d.push(k12 * central - k21 * peripheral);
    return d;
  };
  const out: number[] = [];
  let x = new Array<number>(n + 3).fill(0);
  const steps = Math.round(Math.max(...timesH) / h);
  const at = new Map(timesH.map((t, i) => [Math.round(t / h), i]));
  for (let i = 0; i <= steps; i += 1) {
    for (const d of doses) if (Math.round(d.timeH / h) === i) x[0] = (x[0] ?? 0) + d.amountMg;
    const k = at.get(i);
    if (k !== undefined) out[k] = (x[n + 1] ?? NaN) / p.V1;
    const s1 = f(x);
    const s2 = f(x.map((v, j) => v + (h / 2) * (s1[j] ?? 0)));
    const s3 = f(x.map((v, j) => v + (h / 2) * (s2[j] ?? 0)));
    const s4 = f(x.map((v, j) => v + h * (s3[j] ?? 0)));
    x = x.map((v, j) => v + (h / 6) * ((s1[j] ?? 0) + 2 * (s2[j] ?? 0) + 2 * (s3[j] ?? 0) + (s4[j] ?? 0)));
  }
  return out;
}

const ORAL: Dose[] = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 50 }, { timeH: 30, amountMg: 80 }];
const TIMES = [0.1, 0.5, 1, 2, 3, 11.99, 12, 12.5, 13, 14, 20, 24, 30, 30.5, 31, 48, 72];

test('transit absorption in double precision agrees with RK4 of the chain ODE (ktr at KA and at a disposition rate)', () => {
  for (const s of [TABS_1, TABS_2]) {
    for (const pop of [FAST, SLOW]) {
      const base = individualParameters(pop.fixed, 70, 0, [0, 0, 0], s);
      const alpha = pkRates(base).alpha;
      // MTT such that ktr = 4 / MTT meets KA, and meets alpha (k10 for one compartment)
      for (const MTT of [pop.fixed.MTT, (TRANSIT_ABSORPTION_N + 1) / pop.fixed.KA, (TRANSIT_ABSORPTION_N + 1) / alpha]) {
        const p = individualParameters({ ...pop.fixed, MTT }, 70, 0, [0, 0, 0], s);
        assert.equal(p.MTT, MTT);
        const got = concentrations(p, ORAL, TIMES);
        // RK4 with h = 1e-3 h: global error O(h^4 max rate^4) < 1e-10 of the peak at these rates
        const want = rk4(p, ORAL, TIMES, 1e-3);
        const peak = Math.max(...want);
        TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) - (want[i] ?? NaN)) <= 1e-8 * peak, `${s.id} MTT ${MTT} t=${t}: ${got[i]} vs ${want[i]}`));
      }
    }
  }
});

test('transit absorption: MTT -> 0 is first-order absorption; mass balance (AUC = dose / CL)', () => {
  for (const [tabs, first] of [[TABS_1, ONE_COMPARTMENT_PK], [TABS_2, TWO_COMPARTMENT_PK]] as const) {
    const eta = [0.1, -0.2, 0.3];
    const p = individualParameters({ ...FAST.fixed, MTT: 1e-7 }, 63, 0, eta, tabs);
    const got = concentrations(p, ORAL, TIMES);
    const want = concentrations(individualParameters(FAST.fixed, 63, 0, eta, first), ORAL, TIMES);
    // the chain delays by MTT = 1e-7 h: C changes by at most |dC/dt| MTT, relative <= (KA + alpha) MTT ~ 1e-6
    TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-5, `${tabs.id} t=${t}: ${got[i]} vs ${want[i]}`));
    // AUC of one dose by the trapezoid on a fine grid: dose / CL to the rule's O(h^2) error
    const q = individualParameters(FAST.fixed, 70, 0, [0, 0, 0], tabs);
    const h = 0.01;
    const times = Array.from({ length: 20_000 }, (_, i) => i * h);
    const c = concentrations(q, [{ timeH: 0, amountMg: 100 }], times);
    const auc = c.reduce((sum, v, i) => sum + (i === 0 || i === c.length - 1 ? v / 2 : v) * h, 0);
    assert.ok(Math.abs(auc / (100 / q.CL) - 1) < 1e-4, `${tabs.id}: AUC ${auc} vs ${100 / q.CL}`);
  }
  assert.equal(transitRate(2), 2, 'ktr = (N + 1) / MTT with N = 3');
  assert.equal(individualParameters(FAST.fixed, 70, 0, [0, 0, 0], TWO_COMPARTMENT_PK).MTT, undefined, 'a structure without MTT has none');
  assert.equal(structureById('1cmt-oral-tabs', 'test').family, 'mechanistic-1cmt-transit-absorption');
});

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

/** The graph's conc rows against the multiple-dose history's window at the grid's output times. */
function checkAgainstReference(rows: Rows, conc: Float32Array, grid: RegimenGrid, s: Structure, what: string): void {
  const T = grid.timesH.length;
  rows.dose.forEach((dose, b) => {
    const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, nodeTimesH(grid).slice(0, T)).conc;
    const row = conc.subarray(b * T, (b + 1) * T);
    assert.ok(Math.abs(maxOf(row) / maxOf(ref) - 1) <= 1e-4, `${what} row ${b}: window max ${maxOf(row)} vs ${maxOf(ref)}`);
    grid.timesH.forEach((t, n) => {
      const c = ref[n] ?? NaN;
      // double inside the graph, float32 in and out: a few eps32 (6e-8) of each value
      assert.ok(Math.abs((row[n] ?? NaN) - c) <= 1e-4 * c, `${what} row ${b} t=${t}: conc ${row[n]} vs ${c}`);
    });
  });
}

test('transit-absorption graphs: conc agrees with a multiple-dose reference to 1e-4 (random subjects, doses, both regimens, ktr at KA and at the disposition rates)', async () => {
  let seed = 1801;
  for (const s of [TABS_1, TABS_2]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      for (const pop of [FAST, SLOW]) {
        const art = populationArtifact(grid, pop, [], {}, {}, s);
        assert.equal(art.card.family, `mechanistic-${s.compartments}cmt-transit-absorption`);
        const r = pkRates(individualParameters(pop.fixed, 70, 0, [0, 0, 0], s));
        const meet = [pop.fixed.KA, r.alpha, ...(s.compartments === 2 ? [r.beta] : [])].map((rate) => packTheta({ ...pop, fixed: { ...pop.fixed, MTT: (TRANSIT_ABSORPTION_N + 1) / rate } }, s));
        const rows = randomRows((seed += 1), 10, grid, [packTheta(pop, s), ...meet], s);
        for (const b of [1, 2, 3]) { rows.z[b] = [0, 0, 0]; rows.bw[b] = 70; }
        const { conc } = await runGraph(art.onnxBytes, rows, s);
        checkAgainstReference(rows, conc, grid, s, `${s.id} ${grid.name} ${pop === FAST ? 'fast' : 'slow'}`);
      }
    }
  }
});

test('transit-absorption graphs are finite and non-negative at the limits (MTT -> 0, MTT large, Q -> infinity, V2 -> 0, extreme rates and doses)', async () => {
  const limits: Partial<PopulationParameters['fixed']>[] = [
    { MTT: 1e-3 }, { MTT: 1e-8 }, { MTT: 168 }, { MTT: 1e4 }, { Q: 1e5 }, { Q: 1e-6 }, { V2: 1e-3 }, { V2: 1e-8 },
    { CL: 1e-4 }, { CL: 1e4 }, { KA: 1e-4 }, { KA: 1e4 }, { KA: 1e4, MTT: 1e-8, Q: 1e5 },
  ];
  for (const s of [TABS_1, TABS_2]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const change of limits) {
        for (const dose of [1e-3, 1e4]) {
          rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push([0, 0, 0]); rows.theta.push(packTheta({ ...FAST, fixed: { ...FAST.fixed, ...change } }, s));
        }
      }
      const { conc } = await runGraph(populationArtifact(grid, FAST, [], {}, {}, s).onnxBytes, rows, s);
      const bad = Array.from(conc).findIndex((c) => !Number.isFinite(c) || c < 0);
      assert.equal(bad, -1, `${s.id} ${grid.name}: conc[${bad}] = ${conc[bad]} (row ${Math.floor(bad / grid.timesH.length)})`);
    }
  }
});

test('transit-absorption graphs: each subject squares its own count, so a subject at RATE_CAP in the batch leaves the others\' conc bit for bit as computed alone (the determinism contract across tile sizes), and at the reference', async () => {
  let seed = 1851;
  for (const s of [TABS_1, TABS_2]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const art = populationArtifact(grid, FAST, [], {}, {}, s);
      // every third row has MTT 1e-8 h (ktr capped at 1e6 /h: the most squarings), the others ordinary rates (a few)
      const mixed = randomRows((seed += 1), 9, grid, [packTheta(FAST, s), packTheta({ ...FAST, fixed: { ...FAST.fixed, MTT: 1e-8 } }, s), packTheta(SLOW, s)], s);
      const T = grid.timesH.length;
      const subset = (keep: (b: number) => boolean): Rows => {
        const pick = <X>(xs: readonly X[]): X[] => xs.filter((_, b) => keep(b));
        return { dose: pick(mixed.dose), bw: pick(mixed.bw), comed: pick(mixed.comed), z: pick(mixed.z), theta: pick(mixed.theta) };
      };
      const { conc: a } = await runGraph(art.onnxBytes, mixed, s);
      const rowsOf = (keep: (b: number) => boolean): Float32Array => {
        const kept = mixed.dose.map((_, b) => b).filter(keep);
        const out = new Float32Array(kept.length * T);
        kept.forEach((b, r) => out.set(a.subarray(b * T, (b + 1) * T), r * T));
        return out;
      };
      const ordinaryRow = (b: number): boolean => b % 3 !== 1;
      const alone = subset(ordinaryRow);
      const ordinary = rowsOf(ordinaryRow);
      for (const keep of [ordinaryRow, (b: number): boolean => b % 3 === 1]) {
        const { conc: want } = await runGraph(art.onnxBytes, subset(keep), s);
        // a subject's result is a function of its own row only: the same bits in any batch
        assert.deepEqual(Array.from(rowsOf(keep)), Array.from(want), `${s.id} ${grid.name}: the mixed batch's rows vs the same rows alone`);
      }
      checkAgainstReference(alone, ordinary, grid, s, `${s.id} ${grid.name} mixed batch`);
      assert.ok(Array.from(a).every((c) => Number.isFinite(c) && c >= 0), `${s.id} ${grid.name}: finite, >= 0`);
    }
  }
});

test('transit-absorption graph at MTT -> 0 equals the first-order graph', async () => {
  for (const [tabs, first] of [[TABS_1, ONE_COMPARTMENT_PK], [TABS_2, TWO_COMPARTMENT_PK]] as const) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const rows = randomRows(99, 6, grid, [packTheta({ ...FAST, fixed: { ...FAST.fixed, MTT: 1e-6 } }, tabs)], tabs);
      const firstRows: Rows = { ...rows, theta: rows.theta.map(() => packTheta(FAST, first)) };
      const [{ conc: a }, { conc: b }] = [await runGraph(populationArtifact(grid, FAST, [], {}, {}, tabs).onnxBytes, rows, tabs), await runGraph(populationArtifact(grid, FAST, [], {}, {}, first).onnxBytes, firstRows, first)];
      // ktr is capped at RATE_CAP = 1e6 /h: the chain delays the dose by 3e-6 h; after the earliest output (0.05 h) C
      // changes by at most C / t per hour (it rises at most linearly from the dose), so <= 3e-6 / 0.05 = 6e-5 relative;
      // plus the first-order graph's own float32 error, ~3e-5 (export/README.md)
      a.forEach((c, i) => assert.ok(Math.abs(c / (b[i] ?? NaN) - 1) < 2e-4, `${tabs.id} ${grid.name} [${i}]: ${c} vs ${b[i]}`));
    }
  }
});

test('transit absorption in the fit: MTT bounded (its limits named at-bound), and a fit written as MODEL.yaml reads back with MTT and its draws', () => {
  const trial = parseTrial('ID,TIME,AMT,DV,EVID,MDV,CMT,WT\n1,0,100,.,1,1,2,70\n1,1,.,1,0,0,1,70\n1,2,.,2,0,0,1,70\n1,4,.,1.5,0,0,1,70\n', 'tabs.csv');
  const problem = popmodelProblem(trial, undefined, TABS_1);
  assert.deepEqual(problem.thetaNames, ['CL', 'V1', 'KA', 'MTT']);
  assert.deepEqual(problem.thetaBounds, [{ index: 3, lower: Math.log(MTT_BOUNDS_H.lower), upper: Math.log(MTT_BOUNDS_H.upper) }]);
  const pop = { ...FAST, fixed: { ...FAST.fixed, MTT: 1.7 } };
  const parameters = [
    ...(['CL', 'V1', 'Q', 'V2', 'KA', 'MTT'] as const).map((name, i) => ({ name, group: 'theta' as const, index: [i], value: Math.log(pop.fixed[name]) })),
    ...['CL', 'V1', 'KA'].map((name, i) => ({ name: `omega ${name}`, group: 'omega' as const, index: [i, i], value: pop.omega[i]?.[i] ?? NaN })),
    { name: 'pk additive', group: 'sigma' as const, index: [0], value: 0.01 }, { name: 'pk proportional', group: 'sigma' as const, index: [1], value: 0.1 },
  ];
  const est = { structure: '2cmt-oral-tabs', population: pop, omegaStructure: 'diagonal' as const, covariance: { parameters, matrix: diag(parameters.map(() => 1e-3)) } };
  const text = modelFileText(est, { draws: 10, seed: 3, source: {} }) ?? '';
  const doc = parse(text) as { structure: string; theta: Record<string, { value: number; unit: string }> };
  assert.equal(doc.structure, 'two-compartment-oral-transit-absorption');
  assert.deepEqual(doc.theta['MTT'], { value: 1.7, unit: 'h' });
  const m = parseModelFile(text, 'tabs.yaml');
  assert.equal(m.structure, '2cmt-oral-tabs');
  assert.equal(m.population.fixed.MTT, 1.7);
  assert.deepEqual(uncertaintyDraws(m, 10, 3), uncertaintyDraws(est, 10, 3));
});

test('transit absorption is not a default candidate (--structure only) and takes oral doses only', () => {
  assert.ok(candidatesFor(false, 'oral').every((s) => s.absent.MTT !== undefined));
  assert.throws(() => concentrations(individualParameters(FAST.fixed, 70, 0, [0, 0, 0], TABS_1), [{ timeH: 0, amountMg: 10, route: 'central', durationH: 1 }], [1]), /oral doses only/);
});
