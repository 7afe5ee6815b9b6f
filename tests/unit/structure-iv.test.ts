// The IV structures (issue 18 §1): bolus and zero-order infusion doses into the central compartment.
// The double-precision simulator against RK4 of the compartment ODE (independent of the divided
// differences), the periodic steady state against the multiple-dose history, the steady-state bolus
// graph against that history (random subjects, doses, both regimens), finiteness at the limits, and
// the projection of IV records into the Trial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, outputTimesH } from '../../models/export/time-grid.js';
import { individualParameters, packTheta, thetaSize, unpackTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations, type Dose } from '../../models/structures/pk.js';
import { ivSteadyStateConcentrations } from '../../models/structures/iv-steady-state.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { candidatesFor, ONE_COMPARTMENT_IV, TWO_COMPARTMENT_IV, type Structure } from '../../models/structures/structure.js';
import { parseTrial, trialRoute } from '../../models/ingest/trial.js';
import { mulberry32 } from '../kit/prng.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// phenobarbital-like neonates (slow, 1 cmt) and a fast two-compartment drug (t1/2 alpha ~ 0.5 h)
const POP_2: PopulationParameters = {
  fixed: { CL: 4, V1: 20, Q: 6, V2: 60, KA: 1, R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: diag([0.09, 0.04]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0 },
};
const POP_1: PopulationParameters = { ...POP_2, fixed: { ...POP_2.fixed, CL: 0.35, V1: 70, Q: 0 } };

/** RK4 of dA1 = -(k10 + k12) A1 + k21 A2 + input(t), dA2 = k12 A1 - k21 A2 (boluses as jumps), step h. */
function rk4(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[], h: number): number[] {
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q / p.V2;
  const input = (t: number): number => doses.reduce((s, d) => {
    const T = d.durationH ?? 0;
    return T > 0 && t >= d.timeH && t < d.timeH + T ? s + d.amountMg / T : s;
  }, 0);
  const f = (rate: number, a: number, b: number): [number, number] => [-(k10 + k12) * a + k21 * b + rate, k12 * a - k21 * b];
  const out: number[] = [];
  let a = 0, b = 0;
  const end = Math.max(...timesH);
  const steps = Math.round(end / h);
  const at = new Map(timesH.map((t) => [Math.round(t / h), t]));
  for (let i = 0; i <= steps; i += 1) {
    const t = i * h;
    for (const d of doses) if (!((d.durationH ?? 0) > 0) && Math.round(d.timeH / h) === i) a += d.amountMg;
    if (at.has(i)) out[timesH.indexOf(at.get(i)!)] = a / p.V1;
    // the input is constant on each step (infusion edges lie on the step grid): take it at the step's midpoint
    const rate = input(t + h / 2);
    const [a1, b1] = f(rate, a, b);
    const [a2, b2] = f(rate, a + (h / 2) * a1, b + (h / 2) * b1);
    const [a3, b3] = f(rate, a + (h / 2) * a2, b + (h / 2) * b2);
    const [a4, b4] = f(rate, a + h * a3, b + h * b3);
    a += (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
    b += (h / 6) * (b1 + 2 * b2 + 2 * b3 + b4);
  }
  return out;
}

const HISTORY: Dose[] = [
  { timeH: 0, amountMg: 100, route: 'central' },
  { timeH: 12, amountMg: 80, route: 'central', durationH: 2 },
  { timeH: 13, amountMg: 50, route: 'central' }, // a bolus during the infusion
  { timeH: 24, amountMg: 60, route: 'central', durationH: 0.5 },
];
const TIMES = [0.5, 1, 3, 11.99, 12, 12.5, 13, 13.5, 14, 14.01, 20, 24, 24.25, 24.5, 30, 48, 96];

for (const [name, pop, structure] of [['1cmt', POP_1, ONE_COMPARTMENT_IV], ['2cmt', POP_2, TWO_COMPARTMENT_IV]] as const) {
  test(`${name}-iv in double precision: bolus and infusion doses agree with RK4 of the compartment ODE`, () => {
    const p = individualParameters(pop.fixed, 70, 0, [0, 0], structure);
    const got = concentrations(p, HISTORY, TIMES);
    // RK4 with h = 0.005 h: global error O(h^4 max rate^4) ~ (0.005 * 1.2)^4 ~ 1e-9 relative; 1e-7 leaves margin
    const ref = rk4(p, HISTORY, TIMES, 0.005);
    const peak = Math.max(...ref);
    TIMES.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN)) <= 1e-7 * peak, `t=${t}: ${got[i]} vs RK4 ${ref[i]}`));
  });

  test(`${name}-iv steady state: bolus and infusion periodic solutions equal the long history's last window`, () => {
    const p = individualParameters(pop.fixed, 55, 0, [0.2, -0.1], structure);
    const times = [0, 0.5, 1, 2, 5, 12, 23.9, 24];
    for (const durationH of [0, 1, 24]) {
      const ss = ivSteadyStateConcentrations(p, 100, 24, { durationH }, times);
      const ref = repeatedDosingWindow(p, 100, 24, times, { iv: { durationH } }).conc;
      ss.forEach((c, i) => assert.ok(Math.abs(c / (ref[i] ?? NaN) - 1) < 1e-9, `duration ${durationH} t=${times[i]}: ${c} vs ${ref[i]}`));
    }
    // an infusion as long as the interval is a constant rate: C = dose / tau / CL at every time
    const constant = ivSteadyStateConcentrations(p, 100, 24, { durationH: 24 }, times);
    constant.forEach((c) => assert.ok(Math.abs(c / (100 / 24 / p.CL) - 1) < 1e-9, `constant infusion: ${c} vs ${100 / 24 / p.CL}`));
  });
}

interface Rows { dose: number[]; bw: number[]; z: number[][]; theta: number[][] }

async function runGraph(bytes: Uint8Array, rows: Rows, s: Structure): Promise<{ conc: Float32Array; outputs: string[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const B = rows.dose.length;
  const t = (xs: readonly number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(xs), dims);
  const out = await session.run({ dose: t(rows.dose, [B]), bw: t(rows.bw, [B]), comed: t(new Array<number>(B).fill(0), [B]), eta: t(rows.z.flat(), [B, s.etaNames.length]), theta: t(rows.theta.flat(), [B, thetaSize(s)]) });
  const outputs = [...session.outputNames];
  await session.release();
  return { conc: out['conc']?.data as Float32Array, outputs };
}

function subjectOf(rows: Rows, b: number, s: Structure): IndividualParameters {
  const { fixed, omegaCholesky: L } = unpackTheta((rows.theta[b] ?? []).map(Math.fround), s);
  const K = s.etaNames.length;
  const z = (rows.z[b] ?? []).map(Math.fround);
  const eta = s.etaNames.map((_, i) => z.reduce((acc, zj, j) => acc + (L[i * K + j] ?? 0) * zj, 0));
  return individualParameters(fixed, Math.fround(rows.bw[b] ?? NaN), 0, eta, s);
}

test('IV bolus graphs (1 and 2 cmt): conc agrees with a multiple-dose reference to 1e-4 (random subjects, doses, both regimens)', async () => {
  let seed = 1801;
  for (const [pop, s] of [[POP_1, ONE_COMPARTMENT_IV], [POP_2, TWO_COMPARTMENT_IV]] as const) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const art = populationArtifact(grid, pop, [], {}, {}, s);
      assert.equal(art.card.family, s.family);
      const u = mulberry32((seed += 1));
      const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
      const rows: Rows = { dose: [], bw: [], z: [], theta: [] };
      for (let b = 0; b < 8; b += 1) {
        rows.dose.push(1 + 500 * u());
        rows.bw.push(b === 0 ? 70 : 2 + 120 * u()); // neonates to adults
        rows.z.push(b === 0 ? [0, 0] : [normal(), normal()]);
        rows.theta.push(packTheta(pop, s));
      }
      const { conc, outputs } = await runGraph(art.onnxBytes, rows, s);
      assert.deepEqual(outputs, ['conc'], 'PK-only: the conc output alone');
      // the window closed at tau (time-grid.ts outputTimesH): t_0 = 0 is C(0+) just after the bolus, t_T = tau the trough C(tau-)
      const times = outputTimesH(grid, 'iv');
      assert.deepEqual(art.card.time_grid_h, times);
      const T = times.length;
      rows.dose.forEach((dose, b) => {
        const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: 0 } }).conc;
        const peak = Math.max(...ref);
        // the peak is C(0+) (one bolus of dose / V1 above the trough, the last output)
        assert.ok(Math.abs((ref[0] ?? NaN) - (ref[T - 1] ?? NaN) - Math.fround(dose) / subjectOf(rows, b, s).V1) <= 1e-9 * peak, `${s.id}: C(0+) - C(tau-) = dose / V1`);
        times.forEach((t, n) => {
          const c = ref[n] ?? NaN;
          const got = conc[b * T + n] ?? NaN;
          // float32 inputs and arithmetic: a few eps32 (6e-8) per operation, far below 1e-4 of C or of the peak
          assert.ok(Math.abs(got - c) <= 1e-4 * Math.abs(c) + 1e-4 * peak, `${s.id} ${grid.name} row ${b} t=${t}: conc ${got} vs ${c}`);
        });
      });
    }
  }
});

test('IV bolus graphs are finite at the limits (tiny and huge clearance, Q near 0, large doses)', async () => {
  const limits: PopulationParameters[] = [
    { ...POP_2, fixed: { ...POP_2.fixed, CL: 1e-4 } },
    { ...POP_2, fixed: { ...POP_2.fixed, CL: 1e3 } },
    { ...POP_2, fixed: { ...POP_2.fixed, Q: 1e-6 } },
    { ...POP_2, fixed: { ...POP_2.fixed, Q: 1e3, V2: 1e4 } },
  ];
  for (const s of [ONE_COMPARTMENT_IV, TWO_COMPARTMENT_IV]) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const art = populationArtifact(grid, POP_2, [], {}, {}, s);
      const rows: Rows = { dose: [], bw: [], z: [], theta: [] };
      for (const pop of limits) for (const dose of [1e-3, 1e4]) { rows.dose.push(dose); rows.bw.push(70); rows.z.push([3, -3]); rows.theta.push(packTheta(pop, s)); }
      const { conc } = await runGraph(art.onnxBytes, rows, s);
      assert.ok(Array.from(conc).every((c) => Number.isFinite(c) && c >= 0), `${s.id} ${grid.name}: ${Array.from(conc).find((c) => !Number.isFinite(c) || c < 0)}`);
    }
  }
});

test('IV records reach the Trial: a dose into the observed CMT is IV, RATE > 0 an infusion of AMT / RATE hours; the defaults follow the route', () => {
  const csv = ['ID,TIME,AMT,RATE,DV,EVID,MDV,CMT,WT', '1,0,100,0,.,1,1,1,3', '1,1,.,.,10,0,0,1,3', '1,12,60,30,.,1,1,1,3', '1,14,.,.,8,0,0,1,3', ''].join('\n');
  const trial = parseTrial(csv, 'iv.csv');
  assert.deepEqual(trial.subjects[0]?.doses, [
    { timeH: 0, amtMg: 100, cmt: 1, line: 2, route: 'central' },
    { timeH: 12, amtMg: 60, cmt: 1, line: 4, route: 'central', durationH: 2 },
  ]);
  assert.equal(trialRoute(trial), 'iv');
  assert.deepEqual(candidatesFor(false, trialRoute(trial)).map((s) => s.id), ['1cmt-iv', '2cmt-iv', '3cmt-iv']);
  assert.deepEqual(candidatesFor(false).map((s) => s.id), ['1cmt-oral', '2cmt-oral', '3cmt-oral']);
});
