// The 3-compartment structures (issue 18's library: 3cmt-oral, 3cmt-iv). The double-precision simulator
// against RK4 of the 4-state compartment ODE (independent of the cubic and the divided differences),
// oral, bolus and infusion doses, ka at and near a disposition rate; Q3 = 0 against the 2-compartment
// structures; the steady-state graphs against the multiple-dose reference (random subjects, doses, both
// regimens); finiteness of the graphs at the limits a fit can reach (Q3 -> 0, V3 -> 0, Q3 -> large,
// ka -> a disposition rate); the degenerate limits of a 3-compartment fit named by the degeneracy screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { nodeTimesH, outputTimesH, REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations, type Dose } from '../../models/structures/pk.js';
import { pk3Rates } from '../../models/structures/pk3.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { THREE_COMPARTMENT_IV, THREE_COMPARTMENT_PK, TWO_COMPARTMENT_IV, TWO_COMPARTMENT_PK, type Structure } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitDegeneracies, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { VpcResult } from '../../models/estimate/vpc.js';
import { ROOT } from '../kit/cli.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, MTT: 0, VMAX: 0, KM: 1 };
// a fast drug (distribution half-lives ~0.3 h and ~5 h, terminal ~3 d) and a slow one (terminal ~ weeks)
const FAST: PopulationParameters = {
  fixed: { CL: 5, V1: 10, Q: 10, V2: 30, KA: 1.2, Q3: 1.5, V3: 150, ...NO_PD },
  omega: diag([0.09, 0.04, 0.25]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 },
};
const SLOW: PopulationParameters = { ...FAST, fixed: { ...FAST.fixed, CL: 0.05, V1: 2.5, Q: 0.3, V2: 5.5, KA: 0.8, Q3: 0.02, V3: 20 } };
const ivOf = (p: PopulationParameters): PopulationParameters => ({ ...p, omega: diag([0.09, 0.04]) });

/** RK4 of depot, central, p2, p3 (oral doses and boluses as jumps, infusions as a rate), step h. */
function rk4(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], h: number): number[] {
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q / p.V2, k13 = (p.Q3 ?? 0) / p.V1, k31 = (p.Q3 ?? 0) / (p.V3 ?? 1);
  const input = (t: number): number => doses.reduce((s, d) => {
    const T = d.durationH ?? 0;
    return T > 0 && t >= d.timeH && t < d.timeH + T ? s + d.amountMg / T : s;
  }, 0);
  const f = (rate: number, x: readonly number[]): number[] => {
    const [a0 = 0, a1 = 0, a2 = 0, a3 = 0] = x;
    return [-p.KA * a0, p.KA * a0 - (k10 + k12 + k13) * a1 + k21 * a2 + k31 * a3 + rate, k12 * a1 - k21 * a2, k13 * a1 - k31 * a3];
  };
  const out: number[] = [];
  let x = [0, 0, 0, 0];
  const steps = Math.round(Math.max(...timesH) / h);
  const at = new Map(timesH.map((t, i) => [Math.round(t / h), i]));
  for (let i = 0; i <= steps; i += 1) {
    for (const d of doses) {
      if (Math.round(d.timeH / h) !== i || (d.durationH ?? 0) > 0) continue;
      if (d.route === 'central') x[1] = (x[1] ?? 0) + d.amountMg;
      else x[0] = (x[0] ?? 0) + d.amountMg;
    }
    const k = at.get(i);
    if (k !== undefined) out[k] = (x[1] ?? NaN) / p.V1;
    const rate = input(i * h + h / 2); // infusion edges lie on the step grid
    const s1 = f(rate, x);
    const s2 = f(rate, x.map((v, j) => v + (h / 2) * (s1[j] ?? 0)));
    const s3 = f(rate, x.map((v, j) => v + (h / 2) * (s2[j] ?? 0)));
    const s4 = f(rate, x.map((v, j) => v + h * (s3[j] ?? 0)));
    x = x.map((v, j) => v + (h / 6) * ((s1[j] ?? 0) + 2 * (s2[j] ?? 0) + 2 * (s3[j] ?? 0) + (s4[j] ?? 0)));
  }
  return out;
}

const ORAL: Dose[] = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 50 }, { timeH: 30, amountMg: 80 }];
const IV: Dose[] = [
  { timeH: 0, amountMg: 100, route: 'central' },
  { timeH: 12, amountMg: 80, route: 'central', durationH: 2 },
  { timeH: 13, amountMg: 50, route: 'central' }, // a bolus during the infusion
  { timeH: 24, amountMg: 60, route: 'central', durationH: 0.5 },
];
const TIMES = [0.1, 0.5, 1, 3, 11.99, 12, 12.5, 13, 13.5, 14, 14.01, 20, 24, 24.25, 24.5, 30, 31, 48, 72];

test('3 compartments in double precision: oral, bolus and infusion doses agree with RK4 of the compartment ODE (ka at and near a disposition rate)', () => {
  for (const pop of [FAST, SLOW]) {
    const typical = individualParameters(pop.fixed, 70, 0, [0, 0, 0], THREE_COMPARTMENT_PK);
    const roots = pk3Rates(typical).roots;
    // roots solve the cubic: sum and product of the rates are its coefficients (trace and determinant of the system)
    const r = pk3Rates(typical);
    const sum = r.k10 + r.k12 + r.k13 + r.k21 + r.k31;
    assert.ok(Math.abs((roots[0] + roots[1] + roots[2]) / sum - 1) < 1e-12, `root sum ${roots.join(', ')} vs ${sum}`);
    assert.ok(Math.abs((roots[0] * roots[1] * roots[2]) / (r.k10 * r.k21 * r.k31) - 1) < 1e-9, 'root product');
    for (const KA of [typical.KA, roots[0], roots[1], roots[2], roots[1] * (1 + 1e-7)]) {
      const p = { ...typical, KA };
      for (const [what, doses] of [['oral', ORAL], ['iv', IV]] as const) {
        const got = concentrations(p, doses, TIMES);
        // RK4 with h = 0.002 h (every time and dose on its grid): error O((h max rate)^4) ~ (0.002 * 3.2)^4 ~ 2e-9 of the peak; 1e-7 leaves margin
        const ref = rk4(p, doses, TIMES, 0.002);
        const peak = Math.max(...ref);
        TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN)) <= 1e-7 * peak, `${pop === FAST ? 'fast' : 'slow'} ${what} ka ${KA} t=${t}: ${got[i]} vs RK4 ${ref[i]}`));
      }
    }
  }
});

test('3 compartments with Q3 = 0 equal the 2-compartment structures (oral and IV), in the simulator', () => {
  for (const [three, two, doses] of [[THREE_COMPARTMENT_PK, TWO_COMPARTMENT_PK, ORAL], [THREE_COMPARTMENT_IV, TWO_COMPARTMENT_IV, IV]] as const) {
    const fixed = { ...FAST.fixed, Q3: 0 };
    const eta = three.etaNames.map((_, i) => 0.1 * (i + 1));
    const p3 = individualParameters(fixed, 63, 0, eta, three);
    assert.equal(pk3Rates(p3).roots[0], 0, 'Q3 = 0: the zero root exactly');
    const got = concentrations(p3, doses, TIMES);
    const want = concentrations(individualParameters(fixed, 63, 0, eta, two), doses, TIMES);
    TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-11, `${three.id} t=${t}: ${got[i]} vs ${want[i]}`));
  }
});

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);
const minOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.min(m, x), Infinity);

/** The graph's conc rows against the multiple-dose history's window at the grid's evaluation times. */
function checkAgainstReference(rows: Rows, conc: Float32Array, grid: RegimenGrid, s: Structure, what: string): void {
  // oral: t_0 = 0 is evaluated as tau (time-grid.ts nodeTimesH), the same point of the periodic steady state;
  // IV bolus: the window closed at tau (outputTimesH), C(0+) at t_0 and the trough C(tau-) at t_T
  const times = s.route === 'iv' ? outputTimesH(grid, 'iv') : nodeTimesH(grid).slice(0, grid.timesH.length);
  const T = times.length;
  rows.dose.forEach((dose, b) => {
    const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, s.route === 'iv' ? { iv: { durationH: 0 } } : {}).conc;
    const row = conc.subarray(b * T, (b + 1) * T);
    const peak = maxOf(ref);
    // float32 inputs and outer products: a few eps32 (6e-8) per operation, well inside 1e-4
    assert.ok(Math.abs(maxOf(row) / peak - 1) <= 1e-4, `${what} row ${b}: window max ${maxOf(row)} vs ${peak}`);
    assert.ok(Math.abs(minOf(row) / minOf(ref) - 1) <= 1e-4, `${what} row ${b}: window min ${minOf(row)} vs ${minOf(ref)}`);
    times.forEach((t, n) => {
      const c = ref[n] ?? NaN;
      assert.ok(Math.abs((row[n] ?? NaN) - c) <= 1e-4 * c, `${what} row ${b} t=${t}: conc ${row[n]} vs ${c}`);
    });
  });
}

test('3-compartment graphs: conc agrees with a multiple-dose reference to 1e-4 (random subjects, doses, both regimens, ka at the disposition rates)', async () => {
  let seed = 3301;
  for (const s of [THREE_COMPARTMENT_PK, THREE_COMPARTMENT_IV]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      for (const base of [FAST, SLOW]) {
        const pop = s.route === 'iv' ? ivOf(base) : base;
        const art = populationArtifact(grid, pop, [], {}, {}, s);
        assert.equal(art.card.family, s.id === '3cmt-oral' ? 'mechanistic-3cmt-pk' : 'mechanistic-3cmt-iv');
        // oral: ka exactly at each disposition rate of a 70 kg typical subject, next to random subjects
        const roots = pk3Rates(individualParameters(pop.fixed, 70, 0, [0, 0, 0], THREE_COMPARTMENT_PK)).roots;
        const draws = [packTheta(pop, s), ...(s.route === 'oral' ? roots.map((KA) => packTheta({ ...pop, fixed: { ...pop.fixed, KA } }, s)) : [])];
        const rows = randomRows((seed += 1), 12, grid, draws, s);
        if (s.route === 'oral') for (const b of [1, 2, 3]) { rows.z[b] = [0, 0, 0]; rows.bw[b] = 70; }
        const { conc } = await runGraph(art.onnxBytes, rows, s);
        checkAgainstReference(rows, conc, grid, s, `${s.id} ${grid.name} ${base === FAST ? 'fast' : 'slow'}`);
      }
    }
  }
});

test('3-compartment graphs with Q3 -> 0 give the 2-compartment graphs', async () => {
  for (const [three, two] of [[THREE_COMPARTMENT_PK, TWO_COMPARTMENT_PK], [THREE_COMPARTMENT_IV, TWO_COMPARTMENT_IV]] as const) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const pop = three.route === 'iv' ? ivOf(FAST) : FAST;
      const rows3 = randomRows(77, 6, grid, [packTheta({ ...pop, fixed: { ...pop.fixed, Q3: 1e-12 } }, three)], three);
      const rows2: Rows = { ...rows3, theta: rows3.theta.map(() => packTheta(pop, two)) };
      const [{ conc: c3 }, { conc: c2 }] = [await runGraph(populationArtifact(grid, pop, [], {}, {}, three).onnxBytes, rows3, three), await runGraph(populationArtifact(grid, pop, [], {}, {}, two).onnxBytes, rows2, two)];
      // two float32 evaluations of the same concentrations (the 2-compartment graph's own error is ~3e-5, export/README.md)
      c3.forEach((c, i) => assert.ok(Math.abs(c / (c2[i] ?? NaN) - 1) < 1e-4, `${three.id} ${grid.name} [${i}]: ${c} vs ${c2[i]}`));
    }
  }
});

test('3-compartment graphs are finite and non-negative at the limits (Q3 -> 0, V3 -> 0, Q3 -> large, ka -> a disposition rate, extreme doses)', async () => {
  const limits: Partial<PopulationParameters['fixed']>[] = [
    { Q3: 1e-6 }, { Q3: 1e-30 }, { Q3: 1e-6, V3: 1e-3 }, { V3: 1e-3 }, { V3: 1e-8 }, { Q3: 1e5 }, { Q3: 1e5, V3: 1e6 }, { Q3: 1e5, V3: 1e-3 },
    { Q: 1e-6, Q3: 1e-6 }, { Q: 1e5, Q3: 1e5 }, { V2: 150, Q: 1.5 }, // the two peripherals identical: a repeated rate
    { CL: 1e-4 }, { CL: 1e4 }, { KA: 1e-4 }, { KA: 1e4 },
  ];
  for (const s of [THREE_COMPARTMENT_PK, THREE_COMPARTMENT_IV]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const pop = s.route === 'iv' ? ivOf(FAST) : FAST;
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      const add = (fixed: PopulationParameters['fixed'], dose: number): void => {
        rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(s.etaNames.map(() => 0)); rows.theta.push(packTheta({ ...pop, fixed }, s));
      };
      for (const change of limits) for (const dose of [1e-3, 1e4]) add({ ...pop.fixed, ...change }, dose);
      // ka at each disposition rate of a limit case (Q3 -> 0: a rate near 0; V3 -> 0: a huge one)
      for (const change of [{ Q3: 1e-6 }, { V3: 1e-3 }, {}]) {
        const fixed = { ...pop.fixed, ...change };
        for (const KA of pk3Rates(individualParameters(fixed, 70, 0, [0, 0, 0], THREE_COMPARTMENT_PK)).roots) if (KA > 0) add({ ...fixed, KA }, 100);
      }
      const { conc } = await runGraph(populationArtifact(grid, pop, [], {}, {}, s).onnxBytes, rows, s);
      const bad = Array.from(conc).findIndex((c) => !Number.isFinite(c) || c < 0);
      assert.equal(bad, -1, `${s.id} ${grid.name}: conc[${bad}] = ${conc[bad]} (row ${Math.floor(bad / grid.timesH.length)})`);
    }
  }
});

test('a 3-compartment fit whose second peripheral runs to a limit (Q3 -> 0, V3 -> 0, Q3 -> large, Q3 at its bound) is named degenerate', async () => {
  const shipped = JSON.parse(await readFile(join(ROOT, 'models', 'estdata', 'fit.json'), 'utf8')) as { fit: FitResult; vpc: VpcResult };
  const fit = (over: Partial<FitResult['population']['fixed']>, structure: NonNullable<FitResult['structure']> = '3cmt-oral', atBound: FitResult['convergence']['atBound'] = []): FitResult => ({
    ...shipped.fit, structure, convergence: { ...shipped.fit.convergence, atBound },
    population: { ...shipped.fit.population, fixed: { ...shipped.fit.population.fixed, Q3: 0.05, V3: 20, ...over } },
  });
  const kinds = (f: FitResult): string[] => fitDegeneracies(f, shipped.vpc).map((p: DegeneracyProblem) => `${p.kind}:${p.parameter}`);
  assert.deepEqual(kinds(fit({})), [], 'a plausible second peripheral: sound');
  assert.deepEqual(kinds(fit({ Q3: 1e-7 })), ['implausible-rate:k13 = Q3/V1', 'implausible-rate:k31 = Q3/V3', 'diverging-ratio:Q3/CL']);
  assert.deepEqual(kinds(fit({ V3: 1e-5 })), ['implausible-rate:k31 = Q3/V3', 'implausible-volume:V3', 'diverging-ratio:V3/V1']);
  assert.deepEqual(kinds(fit({ Q3: 1e4 })), ['implausible-rate:k13 = Q3/V1', 'diverging-ratio:Q3/CL']);
  assert.deepEqual(kinds(fit({ Q3: 1e-6 }, '3cmt-oral', ['Q3'])).slice(0, 1), ['at-bound:Q3']);
  // a 2-compartment fit holds Q3, V3 unread: never named
  assert.deepEqual(kinds(fit({ Q3: 1e-7, V3: 1e-3 }, '2cmt-oral')), []);
});
