// The PD structures on IV PK (issue 18 §1: IDR I-IV, direct Imax/Emax plasma or effect compartment, on
// 1 and 2 compartments, IV bolus doses). The double-precision effect site after an IV bolus against RK4
// of dCe/dt = KE0 (C - Ce); each structure's steady-state graph against the independent multiple-dose
// reference (the bolus history run to steady state in double precision: pd.ts, direct-effect.ts) for
// random subjects, doses and both regimens; finite at the limits (KOUT, KE0 large and small, V1 small);
// the shipped EstData graphs unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { populationArtifact } from '../../models/export/population-model.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { REGIMEN_GRIDS, outputTimesH } from '../../models/export/time-grid.js';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { effectConcentrations } from '../../models/structures/direct-effect.js';
import { biomarker } from '../../models/structures/pd.js';
import { individualParameters, packTheta, thetaSize, unpackTheta } from '../../models/structures/parameters.js';
import type { IndividualParameters, PopulationParameters } from '../../models/structures/parameters.js';
import { concentrations, type Dose } from '../../models/structures/pk.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { IV_PD_STRUCTURES, STRUCTURE_IDS, candidatesFor, structureById, type Structure } from '../../models/structures/structure.js';
import { STRUCTURE_OF_NAME, nameOfStructure } from '../../models/import/model-file.js';
import { mulberry32 } from '../kit/prng.js';
import { rk4Turnover, sigmoidOccupancy } from '../kit/turnover-rk4.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// QD: a 2-compartment IV drug (t1/2 alpha ~ 7 h, beta ~ 70 h) and a 1-compartment one (t1/2 ~ 28 h),
// turnover and effect delay of hours; QW: EstData-like slow kinetics (1-compartment t1/2 ~ 80 h, KOUT
// 0.015 /h), the range its 24 h panels were chosen for (models/structures/README.md: faster drugs on the
// QW grid miss the PD by up to ~1e-3, measured here too: 6e-4 with t1/2 14 h). The PD's potency sits
// inside the doses' concentration range.
const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.6, V2: 30, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.15, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3, KE0: 0.3, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const SLOW: PopulationParameters['fixed'] = { ...FIXED, CL: 0.1, V1: 8, Q: 0.12, V2: 12, KOUT: 0.015, KE0: 0.03 };
const popOf = (s: Structure, grid: RegimenGrid = REGIMEN_GRIDS.qd): PopulationParameters => ({
  fixed: grid.tauH === 24 ? (s.compartments === 1 ? { ...FIXED, CL: 0.35, V1: 14 } : FIXED) : (s.compartments === 1 ? { ...SLOW, CL: 0.07 } : SLOW),
  omega: diag(s.etaNames.map(() => 0.09)),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
});

test('the library has every PD of the oral bodies on IV PK: ids, families, layouts without KA', () => {
  const expected = ['1cmt-iv-idr', '2cmt-iv-idr', ...[1, 2].flatMap((c) => ['idr2', 'idr3', 'idr4'].map((k) => `${c}cmt-iv-${k}`)), ...['imax', 'emax'].flatMap((k) => [1, 2].flatMap((c) => [`${c}cmt-iv-${k}`, `${c}cmt-iv-ke0-${k}`]))];
  assert.deepEqual([...IV_PD_STRUCTURES.map((s) => s.id)].sort(), [...expected].sort());
  for (const s of IV_PD_STRUCTURES) {
    assert.ok(STRUCTURE_IDS.includes(s.id), `${s.id} registered`);
    const twin = structureById(s.id.replace('-iv', '-oral'));
    assert.equal(s.route, 'iv');
    assert.equal(s.pd, true);
    assert.equal(s.family, twin.family.replace(/^mechanistic-(\d)cmt/, 'mechanistic-$1cmt-iv'), s.id);
    assert.deepEqual(s.fixedEffects.map((f) => f.name), twin.fixedEffects.map((f) => f.name).filter((n) => n !== 'KA'), `${s.id}: the oral twin's layout less KA`);
    assert.deepEqual(s.etaNames, twin.etaNames.filter((n) => n !== 'KA'));
    assert.deepEqual(s.directEffect, twin.directEffect);
    assert.equal(s.turnover, twin.turnover);
    // MODEL.yaml names it (a fit of it writes its own name, an import reads it back)
    const name = nameOfStructure(s);
    assert.ok(name !== undefined && STRUCTURE_OF_NAME[name].id === s.id, `${s.id}: MODEL.yaml name ${name}`);
    assert.match(name, /-iv-/);
  }
  // the defaults of an IV trial with biomarker samples: the indirect response I on both bodies
  assert.deepEqual(candidatesFor(true, 'iv').map((s) => s.id), ['1cmt-iv-idr', '2cmt-iv-idr']);
  assert.deepEqual(candidatesFor(true).map((s) => s.id), ['1cmt-oral-idr', '2cmt-oral-idr']);
});

test('effect compartment after IV boluses: the closed form equals RK4 of dCe/dt = KE0 (C - Ce) (KE0 at and near the PK rates)', () => {
  const s = structureById('2cmt-iv-ke0-imax');
  const doses: Dose[] = [{ timeH: 0, amountMg: 100, route: 'central' }, { timeH: 12, amountMg: 50, route: 'central' }, { timeH: 30, amountMg: 80, route: 'central' }];
  const base = individualParameters(FIXED, 70, 0, [0, 0, 0, 0], s);
  const k10 = base.CL / base.V1;
  for (const ke0 of [0.05, 0.3, k10, k10 * (1 + 1e-9), 4]) {
    const p = individualParameters({ ...FIXED, KE0: ke0 }, 70, 0, [0, 0, 0, 0], s);
    // RK4 on Ce with the exact C (pk.ts: IV doses are right there), h = 2e-3 h: global error O(h^4 rate^4) < 1e-10
    // relative; the boluses sit on the step grid (C jumps there, Ce does not)
    const h = 2e-3;
    const C = (u: number): number => concentrations(p, doses, [u])[0] ?? NaN;
    const checkpoints = [5, 12, 20, 36];
    const want: number[] = [];
    let ce = 0;
    for (let n = 0; want.length < checkpoints.length; n += 1) {
      const t = n * h;
      if (Math.abs(t - (checkpoints[want.length] ?? NaN)) < h / 2) want.push(ce);
      // C jumps at a bolus: a step starts at C(t+) and ends at C((t + h)-), 1e-9 h inside the step
      const f = (u: number, c: number): number => ke0 * (C(u) - c);
      const k1 = f(t + 1e-9, ce), k2 = f(t + h / 2, ce + (h / 2) * k1), k3 = f(t + h / 2, ce + (h / 2) * k2), k4 = f(t + h - 1e-9, ce + h * k3);
      ce += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    const got = effectConcentrations(p, doses, checkpoints);
    checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-8, `KE0 ${ke0} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
  }
});

test('indirect responses after IV boluses in double precision: the simulator equals RK4 of each ODE (types I-IV, 1 and 2 compartments)', () => {
  const doses: Dose[] = [{ timeH: 0, amountMg: 100, route: 'central' }, { timeH: 12, amountMg: 50, route: 'central' }, { timeH: 30, amountMg: 80, route: 'central' }];
  const checkpoints = [5, 12, 20, 36];
  const rhs: Record<string, (p: IndividualParameters, occupancy: number, R: number) => number> = {
    idr: (p, o, R) => p.KIN * (1 - p.IMAX * o) - p.KOUT * R,
    idr2: (p, o, R) => p.KIN - p.KOUT * (1 - p.IMAX * o) * R,
    idr3: (p, o, R) => p.KIN * (1 + (p.SMAX ?? NaN) * o) - p.KOUT * R,
    idr4: (p, o, R) => p.KIN - p.KOUT * (1 + (p.SMAX ?? NaN) * o) * R,
  };
  for (const compartments of [1, 2] as const) {
    for (const [kind, f] of Object.entries(rhs)) {
      const s = structureById(`${compartments}cmt-iv-${kind}`);
      const p = individualParameters(popOf(s).fixed, 70, 0, s.etaNames.map(() => 0), s);
      // C jumps at a bolus: a step starts at C(t+) and ends at C((t + h)-), 1e-9 h inside the step
      // RK4, h = 2e-3 h on steps aligned to the doses: global error O(h^4 rate^4) ~ 1e-10 relative
      const want = rk4Turnover((o, R) => f(p, o, R), sigmoidOccupancy(p, doses), p.R0, checkpoints, 2e-3, 1e-9);
      const got = biomarker(p, doses, checkpoints);
      checkpoints.forEach((t, i) => assert.ok(Math.abs((got[i] ?? NaN) / (want[i] ?? NaN) - 1) < 1e-7, `${s.id} t=${t}: ${got[i]} vs RK4 ${want[i]}`));
    }
  }
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

function randomRows(seed: number, n: number, grid: RegimenGrid, s: Structure): Rows {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  // doses spanning ~0.1 to ~10 x IC50 on average over the interval
  const [lo, hi] = grid.tauH === 24 ? [5, 500] : [3, 300];
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (let b = 0; b < n; b += 1) {
    rows.dose.push(lo * Math.exp(Math.log(hi / lo) * u()));
    rows.bw.push(40 + 80 * u());
    rows.comed.push(u() < 0.5 ? 1 : 0);
    rows.z.push(Array.from({ length: s.etaNames.length }, normal));
    rows.theta.push(packTheta(popOf(s, grid), s));
  }
  return rows;
}

const stats = (xs: ArrayLike<number>): { min: number; max: number; mean: number } => {
  const a = Array.from(xs);
  return { min: Math.min(...a), max: Math.max(...a), mean: a.reduce((s, x) => s + x, 0) / a.length };
};

test('IV PK/PD graphs: window statistics of pd and conc equal the multiple-dose bolus reference to 1e-4 (16 structures, both regimens)', async () => {
  let seed = 1818;
  for (const s of IV_PD_STRUCTURES) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const art = populationArtifact(grid, popOf(s, grid), [], {}, {}, s);
      assert.equal(art.card.family, s.family);
      const rows = randomRows((seed += 1), 6, grid, s);
      const { pd, conc } = await runGraph(art.onnxBytes, s, rows);
      // the window closed at tau (time-grid.ts outputTimesH): C(0+) at t_0, the trough C(tau-) at t_T; R is continuous
      const times = outputTimesH(grid, 'iv');
      assert.deepEqual(art.card.time_grid_h, times);
      const T = times.length;
      rows.dose.forEach((dose, b) => {
        const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: 0 } });
        const what = `${s.id} ${grid.name} row ${b}`;
        // float32 inputs and arithmetic cost a few eps32 (6e-8) per operation; the grid's product
        // integration of the turnover is O(H^3 C''') per panel, ~1e-6 of R on these kinetics: 1e-4 holds both
        for (const [name, got, want] of [['pd', pd.subarray(b * T, (b + 1) * T), ref.pd], ['conc', conc.subarray(b * T, (b + 1) * T), ref.conc]] as const) {
          const g = stats(got), r = stats(want);
          for (const k of ['min', 'max', 'mean'] as const) assert.ok(Math.abs(g[k] / r[k] - 1) <= 1e-4, `${what}: ${name} window ${k} ${g[k]} vs ${r[k]}`);
        }
      });
    }
  }
});

test('IV PK/PD graphs: finite at the limits a fit can reach (KOUT and KE0 large and small, V1 small, tiny and huge doses)', async () => {
  const cases: Partial<PopulationParameters['fixed']>[] = [{ KOUT: 1e-6 }, { KOUT: 1e4 }, { KE0: 1e-6 }, { KE0: 1e4 }, { KE0: 1e30 }, { V1: 1e-3 }, { V1: 1e-3, Q: 1e3, V2: 1e-2 }, { IMAX: 0.999999, GAMMA: 5 }];
  for (const s of IV_PD_STRUCTURES) {
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
      for (const c of cases) {
        for (const dose of [1e-3, 1e4]) {
          rows.dose.push(dose); rows.bw.push(70); rows.comed.push(0); rows.z.push(s.etaNames.map(() => 2));
          rows.theta.push(packTheta({ ...popOf(s), fixed: { ...popOf(s).fixed, ...c } as PopulationParameters['fixed'] }, s));
        }
      }
      const { pd, conc } = await runGraph(populationArtifact(grid, popOf(s), [], {}, {}, s).onnxBytes, s, rows);
      const bad = (xs: Float32Array): number | undefined => Array.from(xs).find((x) => !Number.isFinite(x) || x < 0);
      assert.equal(bad(pd), undefined, `${s.id} ${grid.name}: pd finite and >= 0`);
      assert.equal(bad(conc), undefined, `${s.id} ${grid.name}: conc finite and >= 0`);
    }
  }
});

test('the shipped EstData graphs are byte-identical with the IV PK/PD structures in the library', () => {
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  for (const tag of ['qd', 'qw'] as const) {
    assert.equal(sha(encodeModel(buildTrajectoryGraph(REGIMEN_GRIDS[tag]))), sha(readFileSync(`models/estdata/${tag}.onnx`)), tag);
  }
});
