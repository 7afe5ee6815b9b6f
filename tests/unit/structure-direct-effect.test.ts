// The direct-effect PK/PD structures (issue 18 §1): the closed-form effect-site concentration against an
// RK4 integration of dCe/dt = KE0 (C - Ce) (KE0 at, near and away from ka, alpha, beta); each structure's
// steady-state graph against the independent multiple-dose reference (the history run to steady state in
// double precision) for random subjects, doses and both regimens; finite at the limits (KE0 -> 0,
// KE0 -> infinity, IMAX -> 1, steep Hill); the shipped EstData graphs unchanged by the new parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import * as ort from 'onnxruntime-node';
import { populationArtifact } from '../../models/export/population-model.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { effectConcentrations, directBiomarker } from '../../models/structures/direct-effect.js';
import { individualParameters, packTheta, thetaSize, unpackTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations } from '../../models/structures/pk.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { DIRECT_EFFECT_STRUCTURES, structureById, type Structure } from '../../models/structures/structure.js';
import { mulberry32 } from '../kit/prng.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// two PK bodies: EstData-like slow 2-compartment kinetics and a theophylline-like fast one
const SLOW: PopulationParameters = {
  fixed: { CL: 0.05, V1: 2.5, Q: 0.06, V2: 5.5, KA: 1, R0: 10.6, BETA_COMED_R0: -0.33, KOUT: 1, IMAX: 0.86, IC50: 0.9, GAMMA: 1.4, KE0: 0.03, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: diag([0.09, 0.04, 0.25, 0.04, 0.16]),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
};
const FAST: PopulationParameters = { ...SLOW, fixed: { ...SLOW.fixed, CL: 2.8, V1: 32, Q: 4, V2: 20, KA: 1.5, IC50: 3, KE0: 0.4, ALAG: 0, SLOPE: 0, KTR: 1 } };

test('effect site in double precision: the closed form equals RK4 of dCe/dt = KE0 (C - Ce), KE0 at and near ka and the PK rates', () => {
  const s = structureById('2cmt-oral-ke0-imax');
  const doses = [{ timeH: 0, amountMg: 100 }, { timeH: 12, amountMg: 50 }, { timeH: 30, amountMg: 80 }];
  for (const ke0 of [0.05, FAST.fixed.KA, FAST.fixed.KA * (1 + 1e-9), 4]) {
    const p = individualParameters({ ...FAST.fixed, KE0: ke0 }, 70, 0, [0, 0, 0, 0, 0], s);
    // RK4 on Ce with the exact C (pk.ts), h = 2e-3 h: global error O(h^4 KE0^4) < 1e-10 relative
    const h = 2e-3;
    const C = (u: number): number => concentrations(p, doses, [u])[0] ?? NaN;
    let ce = 0;
    const checkpoints = [5, 12, 20, 36];
    const want: number[] = [];
    for (let n = 0, t = 0; want.length < checkpoints.length; n += 1, t = n * h) {
      if (Math.abs(t - (checkpoints[want.length] ?? NaN)) < h / 2) want.push(ce);
      const f = (u: number, c: number): number => ke0 * (C(u) - c);
      const k1 = f(t, ce), k2 = f(t + h / 2, ce + (h / 2) * k1), k3 = f(t + h / 2, ce + (h / 2) * k2), k4 = f(t + h, ce + h * k3);
      ce += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    const got = effectConcentrations(p, doses, checkpoints);
    checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-8, `KE0 ${ke0} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
  }
  // without an effect compartment the biomarker reads the plasma: R0 (1 - IMAX C^g / (IC50^g + C^g))
  const plasma = individualParameters(FAST.fixed, 70, 1, [0, 0, 0, 0, 0], structureById('2cmt-oral-imax'));
  const c = concentrations(plasma, doses, [3, 40]);
  const e = directBiomarker(plasma, doses, [3, 40]);
  c.forEach((ci, i) => {
    const want = plasma.R0 * (1 - (plasma.IMAX * ci ** plasma.GAMMA) / (plasma.IC50 ** plasma.GAMMA + ci ** plasma.GAMMA));
    assert.ok(Math.abs((e[i] ?? NaN) / want - 1) < 1e-13, `plasma-driven E ${e[i]} vs ${want}`);
  });
  assert.ok(Math.abs(plasma.R0 / (SLOW.fixed.R0 * Math.exp(SLOW.fixed.BETA_COMED_R0)) - 1) < 1e-15, 'COMED on the baseline');
});

interface Rows { dose: number[]; bw: number[]; comed: number[]; z: number[][]; theta: number[][] }

async function runGraph(bytes: Uint8Array, s: Structure, rows: Rows): Promise<{ pd: Float32Array; conc: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const B = rows.dose.length;
  const t = (xs: readonly number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(xs), dims);
  const out = await session.run({ dose: t(rows.dose, [B]), bw: t(rows.bw, [B]), comed: t(rows.comed, [B]), eta: t(rows.z.flat(), [B, s.etaNames.length]), theta: t(rows.theta.flat(), [B, thetaSize(s)]) });
  await session.release();
  return { pd: out['pd']?.data as Float32Array, conc: out['conc']?.data as Float32Array };
}

/** The subject a graph row describes, from the float32 values the graph saw. */
function subjectOf(rows: Rows, b: number, s: Structure): IndividualParameters {
  const k = s.etaNames.length;
  const { fixed, omegaCholesky: L } = unpackTheta((rows.theta[b] ?? []).map(Math.fround), s);
  const z = (rows.z[b] ?? []).map(Math.fround);
  const eta = s.etaNames.map((_, i) => z.reduce((acc, zj, j) => acc + (L[i * k + j] ?? 0) * zj, 0));
  return individualParameters(fixed, Math.fround(rows.bw[b] ?? NaN), rows.comed[b] ?? NaN, eta, s);
}

function randomRows(seed: number, n: number, grid: RegimenGrid, s: Structure, draws: readonly number[][]): Rows {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const [lo, hi] = grid.tauH === 24 ? [0.5, 400] : [5, 4000];
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (let b = 0; b < n; b += 1) {
    rows.dose.push(lo * Math.exp(Math.log(hi / lo) * u()));
    rows.bw.push(40 + 100 * u());
    rows.comed.push(u() < 0.5 ? 1 : 0);
    rows.z.push(Array.from({ length: s.etaNames.length }, normal));
    rows.theta.push([...(draws[b % draws.length] ?? [])]);
  }
  return rows;
}

const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);

test('direct-effect graphs: pd and conc agree with the multiple-dose reference (4 structures, both regimens, KE0 at a PK rate)', async () => {
  let seed = 311;
  for (const s of DIRECT_EFFECT_STRUCTURES) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      for (const pop of [SLOW, FAST]) {
        const art = populationArtifact(grid, pop, [], {}, {}, s);
        assert.equal(art.card.family, s.family);
        // KE0 exactly at KA and 0.1 % from it (coinciding modes) next to the population's
        const draws = [packTheta(pop, s), packTheta({ ...pop, fixed: { ...pop.fixed, KE0: pop.fixed.KA } }, s), packTheta({ ...pop, fixed: { ...pop.fixed, KE0: pop.fixed.KA * 1.001 } }, s)];
        const rows = randomRows((seed += 1), 9, grid, s, draws);
        const { pd, conc } = await runGraph(art.onnxBytes, s, rows);
        const T = grid.timesH.length;
        rows.dose.forEach((dose, b) => {
          const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, grid.timesH);
          const what = `${s.id} ${grid.name} ${pop === FAST ? 'fast' : 'slow'} row ${b}`;
          const peak = maxOf(ref.conc);
          grid.timesH.forEach((t, n) => {
            const c = ref.conc[n] ?? NaN;
            const got = conc[b * T + n] ?? NaN;
            // 1e-4 on conc and 1e-3 on pd, as the indirect-response graphs' tests (float32 inputs and arithmetic)
            assert.ok(Math.abs(got - c) <= 1e-4 * Math.abs(c) + 1e-4 * peak, `${what} t=${t}: conc ${got} vs ${c}`);
            assert.ok(Math.abs((pd[b * T + n] ?? NaN) / (ref.pd[n] ?? NaN) - 1) <= 1e-3, `${what} t=${t}: pd ${pd[b * T + n]} vs ${ref.pd[n]}`);
          });
        });
      }
    }
  }
});

test('direct-effect graphs: finite at the limits a fit can reach (KE0 -> 0 and infinity, IMAX -> 1, steep Hill, tiny and huge doses)', async () => {
  const grid = REGIMEN_GRIDS.qw;
  const s = structureById('2cmt-oral-ke0-imax');
  const cases: Partial<PopulationParameters['fixed']>[] = [{ KE0: 1e-30 }, { KE0: 1e-6 }, { KE0: 1e30 }, { KE0: 1e4 }, { IMAX: 0.999999, GAMMA: 5 }, { KA: 1e3, KE0: 1e3 }, { CL: 1e3, V1: 1 }];
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (const c of cases) {
    for (const dose of [1e-3, 1e4]) {
      rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(new Array<number>(s.etaNames.length).fill(0));
      rows.theta.push(packTheta({ ...SLOW, fixed: { ...SLOW.fixed, ...c } as PopulationParameters['fixed'] }, s));
    }
  }
  const { pd, conc } = await runGraph(populationArtifact(grid, SLOW, [], {}, {}, s).onnxBytes, s, rows);
  assert.ok(Array.from(pd).every(Number.isFinite), 'pd finite');
  assert.ok(Array.from(conc).every(Number.isFinite), 'conc finite');
  // KE0 -> infinity: Ce -> C, so pd equals the plasma-driven pd of the same subject
  const T = grid.timesH.length;
  const huge = 4; // rows 4, 5: KE0 = 1e30 (capped), doses 1e-3 and 1e4
  const plasma = await runGraph(populationArtifact(grid, SLOW, [], {}, {}, structureById('2cmt-oral-imax')).onnxBytes, structureById('2cmt-oral-imax'), {
    dose: rows.dose.slice(huge, huge + 2), bw: [70, 70], comed: [0, 0], z: rows.z.slice(huge, huge + 2),
    theta: [0, 1].map(() => packTheta({ ...SLOW, fixed: { ...SLOW.fixed, ...cases[2] } as PopulationParameters['fixed'] }, structureById('2cmt-oral-imax'))),
  });
  for (let i = 0; i < 2 * T; i += 1) assert.ok(Math.abs((pd[huge * T + i] ?? NaN) / (plasma.pd[i] ?? NaN) - 1) < 1e-4, `KE0 -> infinity at ${i}: ${pd[huge * T + i]} vs ${plasma.pd[i]}`);
});

test('the shipped EstData graphs are byte-identical with KE0 appended to the namespace', () => {
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  for (const tag of ['qd', 'qw'] as const) {
    assert.equal(sha(encodeModel(buildTrajectoryGraph(REGIMEN_GRIDS[tag]))), sha(readFileSync(`models/estdata/${tag}.onnx`)), tag);
  }
});
