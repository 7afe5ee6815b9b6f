// Saturable (Michaelis-Menten) elimination (issue 18's library: 1cmt-oral-mm, 1cmt-iv-mm). The
// double-precision simulator (adaptive Dormand-Prince) against a fine fixed-step RK4 of the same ODE,
// oral, bolus and infusion doses; KM >> C against the linear structure with CL + VMAX / KM; the Newton
// periodic steady state against dose-after-dose repetition; the steady-state graphs (RK4 shooting inside
// ONNX Loops) against the repeated-dosing reference to 1e-4 over random subjects, QD and QW; finiteness
// at the limits including a dose rate above VMAX without linear clearance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { nodeTimesH, outputTimesH, REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations, type Dose } from '../../models/structures/pk.js';
import { mmSteadyStateConcentrations, mmRepeatedDosingWindow } from '../../models/structures/michaelis-menten.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { ONE_COMPARTMENT_IV, ONE_COMPARTMENT_IV_MM, ONE_COMPARTMENT_MM, ONE_COMPARTMENT_PK, candidatesFor } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitDegeneracies, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { VpcResult } from '../../models/estimate/vpc.js';
import { ROOT } from '../kit/cli.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const NO_PD = { Q: 0, V2: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0 };
// phenytoin-like: KM 4 mg/L, VMAX 20 mg/h (480 mg/day), a small linear clearance; V 50 L
const MM_TRUTH: PopulationParameters = {
  fixed: { CL: 0.5, V1: 50, KA: 1.0, VMAX: 20, KM: 4, ...NO_PD },
  omega: diag([0.09, 0.04, 0.09]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 },
};
const ivOf = (p: PopulationParameters): PopulationParameters => ({ ...p, omega: diag([0.09, 0.04]) });

/** Fixed-step RK4 of depot and central amount (doses as jumps, infusions as a rate), every time and edge on the step grid. */
function rk4(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], h: number): number[] {
  const vmax = p.VMAX ?? 0, km = p.KM ?? 1;
  const input = (t: number): number => doses.reduce((s, d) => ((d.durationH ?? 0) > 0 && t >= d.timeH && t < d.timeH + (d.durationH ?? 0) ? s + d.amountMg / (d.durationH ?? 1) : s), 0);
  const f = (rate: number, [a0 = 0, a1 = 0]: readonly number[]): number[] => {
    const c = a1 / p.V1;
    return [-p.KA * a0, p.KA * a0 + rate - p.CL * c - (vmax * c) / (km + c)];
  };
  const out: number[] = [];
  let x = [0, 0];
  const steps = Math.round(Math.max(...timesH) / h);
  const at = new Map(timesH.map((t, i) => [Math.round(t / h), i]));
  for (let i = 0; i <= steps; i += 1) {
    for (const d of doses) {
      if (Math.round(d.timeH / h) !== i || (d.durationH ?? 0) > 0) continue;
      if (d.route === 'central') x[1] = (x[1] ?? 0) + d.amountMg; else x[0] = (x[0] ?? 0) + d.amountMg;
    }
    const k = at.get(i);
    if (k !== undefined) out[k] = (x[1] ?? NaN) / p.V1;
    const rate = input(i * h + h / 2);
    const s1 = f(rate, x);
    const s2 = f(rate, x.map((v, j) => v + (h / 2) * (s1[j] ?? 0)));
    const s3 = f(rate, x.map((v, j) => v + (h / 2) * (s2[j] ?? 0)));
    const s4 = f(rate, x.map((v, j) => v + h * (s3[j] ?? 0)));
    x = x.map((v, j) => v + (h / 6) * ((s1[j] ?? 0) + 2 * (s2[j] ?? 0) + 2 * (s3[j] ?? 0) + (s4[j] ?? 0)));
  }
  return out;
}

const ORAL: Dose[] = [{ timeH: 0, amountMg: 300 }, { timeH: 12, amountMg: 150 }, { timeH: 30, amountMg: 1000 }];
const IV: Dose[] = [
  { timeH: 0, amountMg: 300, route: 'central' },
  { timeH: 12, amountMg: 200, route: 'central', durationH: 2 },
  { timeH: 13, amountMg: 100, route: 'central' },
  { timeH: 24, amountMg: 800, route: 'central', durationH: 0.5 },
];
const TIMES = [0.1, 0.5, 1, 3, 11.99, 12, 12.5, 13, 13.5, 14, 14.01, 20, 24, 24.25, 24.5, 30, 31, 48, 72];

test('Michaelis-Menten in double precision: oral, bolus and infusion doses agree with a fine RK4 of the ODE', () => {
  for (const change of [{}, { KM: 0.05 }, { CL: 0, VMAX: 40 }, { KA: 5 }]) {
    const p = individualParameters({ ...MM_TRUTH.fixed, ...change }, 70, 0, [0.1, -0.2, 0.3], ONE_COMPARTMENT_MM);
    for (const [what, doses] of [['oral', ORAL], ['iv', IV]] as const) {
      const got = concentrations(p, doses, TIMES);
      // RK4 with h = 0.001 h: error O((h rate)^4), rates <= KA 5 /h and VMAX / (KM V) = 8 /h: (0.008)^4 ~ 4e-9 of the peak; 1e-7 leaves margin
      const ref = rk4(p, doses, TIMES, 0.001);
      const peak = Math.max(...ref);
      TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN)) <= 1e-7 * peak, `${JSON.stringify(change)} ${what} t=${t}: ${got[i]} vs RK4 ${ref[i]}`));
    }
  }
});

test('Michaelis-Menten with KM >> C is the linear structure with CL + VMAX / KM (oral and IV)', () => {
  for (const [mm, linear, doses] of [[ONE_COMPARTMENT_MM, ONE_COMPARTMENT_PK, ORAL], [ONE_COMPARTMENT_IV_MM, ONE_COMPARTMENT_IV, IV]] as const) {
    // KM 1e7 mg/L against peaks ~30 mg/L: VMAX C / (KM + C) = (VMAX / KM) C (1 - C / KM + ...): relative 3e-6
    const fixed = { ...MM_TRUTH.fixed, KM: 1e7, VMAX: 2e7 };
    // the CL eta moves the linear clearance alone (not VMAX): 0 here, the other etas as they come
    const eta = mm.etaNames.map((_, i) => 0.1 * i);
    const got = concentrations(individualParameters(fixed, 63, 0, eta, mm), doses, TIMES);
    const want = concentrations(individualParameters({ ...fixed, CL: fixed.CL + fixed.VMAX / fixed.KM }, 63, 0, eta, linear), doses, TIMES);
    TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-5, `${mm.id} t=${t}: ${got[i]} vs ${want[i]}`));
  }
});

test('Michaelis-Menten periodic steady state: Newton shooting equals dose-after-dose repetition; exposure rises more than dose', () => {
  const times = [0, 0.5, 1, 2, 6, 12, 23.9];
  let previous = 0;
  for (const dose of [50, 200, 400]) {
    for (const iv of [false, true]) {
      const p = individualParameters(MM_TRUTH.fixed, 70, 0, [0, 0, 0], iv ? ONE_COMPARTMENT_IV_MM : ONE_COMPARTMENT_MM);
      const shot = mmSteadyStateConcentrations(p, dose, 24, times, iv);
      const repeated = mmRepeatedDosingWindow(p, dose, 24, times, iv);
      // both at tolerance 1e-11 per step; repetition stops when the post-dose amount changes by < 1e-13
      times.forEach((t, i) => assert.ok(Math.abs((shot[i] ?? NaN) / (repeated[i] ?? NaN) - 1) < 1e-8, `dose ${dose} iv ${iv} t=${t}: ${shot[i]} vs ${repeated[i]}`));
      if (!iv) {
        // saturable: the trough per mg grows with the dose (a linear drug's would be constant)
        const perMg = (shot[6] ?? NaN) / dose;
        assert.ok(perMg > previous * 1.2, `trough per mg ${perMg} at ${dose} mg vs ${previous}`);
        previous = perMg;
      }
    }
  }
  // no linear clearance and dose rate >= VMAX: no steady state, the honest answer is unbounded
  const p = individualParameters({ ...MM_TRUTH.fixed, CL: 0 }, 70, 0, [0, 0, 0], ONE_COMPARTMENT_MM);
  assert.ok(mmSteadyStateConcentrations(p, 24 * 20, 24, times).every((c) => c === Infinity));
});

test('the Michaelis-Menten structures are --structure only (not default candidates)', () => {
  assert.ok(!candidatesFor(false, 'oral').includes(ONE_COMPARTMENT_MM));
  assert.ok(!candidatesFor(false, 'iv').includes(ONE_COMPARTMENT_IV_MM));
});

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

test('Michaelis-Menten graphs: conc agrees with the repeated-dosing reference to 1e-4 (random subjects and doses spanning KM, QD and QW)', async () => {
  let seed = 1801;
  let worst = 0;
  for (const s of [ONE_COMPARTMENT_MM, ONE_COMPARTMENT_IV_MM]) {
    const pop = s.route === 'iv' ? ivOf(MM_TRUTH) : MM_TRUTH;
    for (const [grid, doses] of [[REGIMEN_GRIDS.qd, [20, 400]], [REGIMEN_GRIDS.qw, [100, 2400]]] as const) {
      const draws = [packTheta(pop, s), packTheta({ ...pop, fixed: { ...pop.fixed, KM: 0.5, KA: 3 } }, s), packTheta({ ...pop, fixed: { ...pop.fixed, CL: 2, KM: 20 } }, s)];
      const rows = randomRows((seed += 1), 10, grid, draws, s, doses);
      const { conc } = await runGraph(populationArtifact(grid, pop, [], {}, {}, s).onnxBytes, rows, s);
      // oral: t_0 is evaluated as tau (time-grid.ts), the pre-dose trough; IV bolus: the window closed at tau
      // (outputTimesH), C(0+) at t_0 and the trough at t_T
      const times = s.route === 'iv' ? outputTimesH(grid, 'iv') : nodeTimesH(grid).slice(0, grid.timesH.length);
      const T = times.length;
      rows.dose.forEach((dose, b) => {
        const p = subjectOf(rows, b, s);
        const ref = repeatedDosingWindow(p, Math.fround(dose), grid.tauH, times, s.route === 'iv' ? { iv: { durationH: 0 } } : {}).conc;
        const row = conc.subarray(b * T, (b + 1) * T);
        const peak = maxOf(ref);
        // 1e-4 relative down to 1e-3 of the window's peak; below it 1e-7 of the peak: a saturable drug's
        // concentration can collapse 1e8-fold within hours once below KM (the collapse's timing carries any
        // error of the step, export/README.md), and float32 outputs below 1e-7 of the peak carry no question
        const allowed = (c: number): number => (c >= 1e-3 * peak ? 1e-4 * c : 1e-7 * peak);
        times.forEach((t, n) => {
          const c = ref[n] ?? NaN;
          if (c >= 1e-3 * peak) worst = Math.max(worst, Math.abs((row[n] ?? NaN) / c - 1));
          assert.ok(Math.abs((row[n] ?? NaN) - c) <= allowed(c), `${s.id} ${grid.name} row ${b} dose ${dose} t=${t}: conc ${row[n]} vs ${c} (peak ${peak})`);
        });
      });
    }
  }
  console.log(`Michaelis-Menten graphs: worst relative error above 1e-3 of the peak ${worst.toExponential(2)}`);
});

test('Michaelis-Menten graphs are finite and non-negative at the limits (KM -> 0, KM -> infinity, VMAX -> large, dose rate >= VMAX without CL)', async () => {
  const limits: Partial<PopulationParameters['fixed']>[] = [
    { KM: 1e-4 }, { KM: 1e4 }, { KM: 1e4, VMAX: 1e6 }, { VMAX: 1e6 }, { VMAX: 1e-6 }, { VMAX: 1e6, KM: 1e-4 },
    { CL: 0, VMAX: 1 }, { CL: 1e-30, VMAX: 1, KM: 1e-4 }, { CL: 1e4 }, { CL: 1e-4 }, { KA: 1e-4 }, { KA: 1e4 }, { V1: 1e-3 }, { V1: 1e6 },
  ];
  for (const s of [ONE_COMPARTMENT_MM, ONE_COMPARTMENT_IV_MM]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const pop = s.route === 'iv' ? ivOf(MM_TRUTH) : MM_TRUTH;
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const change of limits) {
        for (const dose of [1e-3, 1e4]) {
          rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(s.etaNames.map(() => 0)); rows.theta.push(packTheta({ ...pop, fixed: { ...pop.fixed, ...change } }, s));
        }
      }
      const { conc } = await runGraph(populationArtifact(grid, pop, [], {}, {}, s).onnxBytes, rows, s);
      // IV outputs close the window at tau: one more point per row (time-grid.ts outputTimesH)
      const T = outputTimesH(grid, s.route).length;
      conc.forEach((c, i) => assert.ok(Number.isFinite(c) && c >= 0, `${s.id} ${grid.name} [${i}] ${JSON.stringify(limits[Math.floor(i / T / 2)])}: ${c}`));
      // CL = 0, VMAX 1 mg/h, 1e4 mg per interval: no steady state; the graph says so with a very large concentration
      const noSteady = 6 * 2 + 1;
      assert.ok((conc[noSteady * T] ?? 0) >= 1e15, `${s.id} ${grid.name}: dose rate >= VMAX gives ${conc[noSteady * T]}`);
    }
  }
});

test('a Michaelis-Menten fit: pure saturable elimination (CL -> 0) is sound, KM at its bound is named as linear elimination', async () => {
  const shipped = JSON.parse(await readFile(join(ROOT, 'models', 'estdata', 'fit.json'), 'utf8')) as { fit: FitResult; vpc: VpcResult };
  const fit = (over: Partial<FitResult['population']['fixed']>, structure: NonNullable<FitResult['structure']> = '1cmt-oral-mm', atBound: FitResult['convergence']['atBound'] = []): FitResult => ({
    ...shipped.fit, structure, convergence: { ...shipped.fit.convergence, atBound },
    population: { ...shipped.fit.population, fixed: { ...shipped.fit.population.fixed, VMAX: 1, KM: 2, ...over } },
  });
  const problems = (f: FitResult): DegeneracyProblem[] => fitDegeneracies(f, shipped.vpc);
  const kinds = (f: FitResult): string[] => problems(f).map((p) => `${p.kind}:${p.parameter}`);
  assert.deepEqual(kinds(fit({})), [], 'a plausible saturable elimination: sound');
  // the elimination rate at low concentration is (CL + VMAX/KM)/V1: CL -> 0 is pure Michaelis-Menten, not a vanishing rate
  assert.deepEqual(kinds(fit({ CL: 1e-9 })), []);
  assert.deepEqual(kinds(fit({ CL: 1e-9 }, '1cmt-oral')), ['implausible-rate:k10 = CL/V1']);
  const atBound = problems(fit({ KM: 1e4 }, '1cmt-oral-mm', ['KM']));
  assert.deepEqual(atBound.map((p) => `${p.kind}:${p.parameter}`), ['at-bound:KM']);
  assert.match(atBound[0]?.message ?? '', /linear elimination/);
});
