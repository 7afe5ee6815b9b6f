// The effect site under an IV infusion regimen (issue 18 §1; models/export/pd-effect-infusion.ts): the
// effect-compartment IV structures sweep the trial's infusions. Against independent double-precision
// references: the multiple-dose history of infusions run to steady state (direct-effect.ts's
// effectConcentrations, its own convolution of each infusion's on and off phases), the bolus's periodic Ce
// (D -> 0), the interval's mean C (KE0 -> 0), C itself (KE0 -> infinity) and the constant rate (D = tau).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, type RegimenGrid } from '../../models/export/time-grid.js';
import { sweepsInfusion, withInfusion } from '../../models/export/infusion-regimen.js';
import { GraphWriter } from '../../models/export/graph-writer.js';
import { infusionEffectConcentrationAt, KE0_DELTA } from '../../models/export/pd-effect-infusion.js';
import { DataType, encodeModel, graph, model, valueInfo } from '../../worker/onnx/graph-builder.js';
import { individualParameters, packTheta, type IndividualParameters, type PopulationParameters } from '../../models/structures/parameters.js';
import { dosesToSteadyState, repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { effectConcentrations, steadyStateEffectConcentrations } from '../../models/structures/direct-effect.js';
import { ivSteadyStateConcentrations, ivSteadyStatePreDose } from '../../models/structures/iv-steady-state.js';
import { pkRates } from '../../models/structures/pk.js';
import { structureById, type Structure } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf } from '../kit/graph-rows.js';
import { mulberry32 } from '../kit/prng.js';

const KE0_STRUCTURES = ['1cmt-iv-ke0-imax', '2cmt-iv-ke0-imax', '1cmt-iv-ke0-emax', '2cmt-iv-ke0-emax'].map((id) => structureById(id));
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// QD: a 2-compartment drug with t1/2 alpha ~ 7 h, beta ~ 70 h; QW: EstData-like slow kinetics (structure-iv-infusion-graph.test.ts)
const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.6, V2: 30, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.15, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3, KE0: 0.3, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const SLOW: PopulationParameters['fixed'] = { ...FIXED, CL: 0.1, V1: 8, Q: 0.12, V2: 12, KOUT: 0.015, KE0: 0.03 };
const popOf = (s: Structure, grid: RegimenGrid, ke0: number): PopulationParameters => {
  const base = grid.tauH === 24 ? (s.compartments === 1 ? { ...FIXED, CL: 0.35, V1: 14 } : FIXED) : (s.compartments === 1 ? { ...SLOW, CL: 0.07 } : SLOW);
  return { fixed: { ...base, KE0: ke0 }, omega: diag(s.etaNames.map(() => 0.09)), sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 } };
};
const stats = (xs: ArrayLike<number>): { min: number; max: number; mean: number } => {
  const a = Array.from(xs);
  return { min: Math.min(...a), max: Math.max(...a), mean: a.reduce((acc, x) => acc + x, 0) / a.length };
};

test('the effect-compartment IV structures sweep infusions (infusion-regimen.ts)', () => {
  for (const s of KE0_STRUCTURES) {
    assert.equal(sweepsInfusion(s), true, s.id);
    assert.equal(withInfusion(REGIMEN_GRIDS.qd, s, 2).infusionH, 2, s.id);
  }
});

test('effect-compartment IV infusion graphs: pd window min, max and mean equal the multiple-dose infusion reference to 1e-4 (4 structures, QD and QW, KE0 slow to fast, short to whole-interval infusions)', async () => {
  let seed = 900;
  let worst = 0;
  for (const s of KE0_STRUCTURES) {
    for (const [regimen, hours] of [[REGIMEN_GRIDS.qd, 2], [REGIMEN_GRIDS.qd, 0.01], [REGIMEN_GRIDS.qd, 23.5], [REGIMEN_GRIDS.qw, 6], [REGIMEN_GRIDS.qw, 160]] as const) {
      const grid = withInfusion(regimen, s, hours);
      const typical = popOf(s, grid, 1).fixed.KE0;
      for (const ke0 of [typical / 30, typical, typical * 20]) {
        const pop = popOf(s, grid, ke0);
        const art = populationArtifact(grid, pop, [], {}, {}, s);
        assert.equal(art.card.regimen.infusion_h, hours);
        const rows = randomRows((seed += 1), 5, grid, [packTheta(pop, s)], s, grid.tauH === 24 ? [5, 500] : [3, 300]);
        const { pd } = await runGraph(art.onnxBytes, rows, s);
        const times = art.card.time_grid_h;
        const T = times.length;
        rows.dose.forEach((dose, b) => {
          const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: hours } });
          const g = stats(pd.subarray(b * T, (b + 1) * T)), r = stats(ref.pd);
          for (const k of ['min', 'max', 'mean'] as const) {
            const err = Math.abs(g[k] / r[k] - 1);
            worst = Math.max(worst, err);
            // float32 inputs, Ce cast to float32 and the Hill term in float32: a few eps32 (6e-8) per operation
            assert.ok(err <= 1e-4, `${s.id} ${grid.name} ${hours} h KE0 ${ke0} row ${b}: pd window ${k} ${g[k]} vs ${r[k]}`);
          }
        });
      }
    }
  }
  assert.ok(worst < 1e-5, `worst window error ${worst.toExponential(2)} (measured ~5e-7: float32)`);
});

/** The bare effect-site graph of pd-effect-infusion.ts: inputs rate_i, a_i, ke0 [1, B]; output ce [T, B]. */
function effectGraph(modes: number, timesH: readonly number[], tauH: number, infusionH: number): Uint8Array {
  const w = new GraphWriter();
  const names = Array.from({ length: modes }, (_, i) => ({ rate: w.fresh(`rate${i}`, true), a: w.fresh(`a${i}`, true), name: `m${i}` }));
  const ke0 = w.fresh('ke0', true);
  const ce = infusionEffectConcentrationAt(w, names, ke0, timesH, tauH, infusionH);
  w.op('Identity', [ce], 'ce', {}, true);
  const inputs = [...names.flatMap((m) => [m.rate, m.a]), ke0].map((n) => valueInfo(n, DataType.FLOAT, [1, 'B']));
  return encodeModel(model({ graph: graph({ name: 'effect', nodes: w.nodes, inputs, outputs: [valueInfo('ce', DataType.FLOAT, [timesH.length, 'B'])], initializers: w.initializers }), opset: 18 }));
}

/** Bolus modes (rate, mg/L per dose) of a subject's 1 or 2 compartments, as the graph's bolusCoefficientModes. */
function bolusModes(p: IndividualParameters, dose: number): { rate: number; a: number }[] {
  const r = pkRates(p);
  if (r.k12 === 0) return [{ rate: r.alpha, a: dose / r.V1 }];
  const spread = r.alpha - r.beta;
  return [{ rate: r.alpha, a: ((dose / r.V1) * (r.alpha - r.k21)) / spread }, { rate: r.beta, a: ((dose / r.V1) * (r.k21 - r.beta)) / spread }];
}

/** Runs the bare graph for each KE0 of one subject's modes: Ce [KE0 index][time]. */
async function effectRows(bytes: Uint8Array, modes: readonly { rate: number; a: number }[], ke0s: readonly number[], T: number): Promise<number[][]> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const B = ke0s.length;
  const row = (v: number): ort.Tensor => new ort.Tensor('float32', new Float32Array(B).fill(v), [1, B]);
  const feeds: Record<string, ort.Tensor> = { ke0: new ort.Tensor('float32', Float32Array.from(ke0s), [1, B]) };
  modes.forEach((m, i) => { feeds[`rate${i}`] = row(m.rate); feeds[`a${i}`] = row(m.a); });
  const ce = (await s.run(feeds))['ce']?.data as Float32Array;
  await s.release();
  return ke0s.map((_, b) => Array.from({ length: T }, (__, n) => ce[n * B + b] ?? NaN));
}

/** The subject the float32 modes describe (rates and coefficients as the graph saw them), with KE0. */
function subjectWith(s: Structure, fixed: PopulationParameters['fixed'], ke0: number): IndividualParameters {
  return individualParameters({ ...fixed, KE0: ke0 }, 70, 0, s.etaNames.map(() => 0), s);
}

test('the effect site in the graph: Ce equals the repeated-infusion history in double to 1e-5 relative, KE0 at a disposition rate, inside and at the edge of the interpolation band, and away', async () => {
  const u = mulberry32(77);
  for (const s of [KE0_STRUCTURES[0]!, KE0_STRUCTURES[1]!]) {
    for (const [tauH, infusionH, base] of [[24, 2, FIXED], [24, 0.3, FIXED], [24, 20, FIXED], [168, 6, SLOW], [168, 100, SLOW]] as const) {
      const timesH = tauH === 24 ? REGIMEN_GRIDS.qd.timesH : REGIMEN_GRIDS.qw.timesH;
      const fixed = { ...base, CL: base.CL * (0.5 + u()), V1: base.V1 * (0.5 + u()) };
      const dose = 100;
      const p0 = subjectWith(s, fixed, 1);
      const modes = bolusModes(p0, dose).map((m) => ({ rate: Math.fround(m.rate), a: Math.fround(m.a) }));
      const ke0s = modes.flatMap((m) => [m.rate, m.rate * (1 + 1e-7), m.rate * (1 - KE0_DELTA / 2), m.rate * (1 + KE0_DELTA), m.rate * (1 - 3 * KE0_DELTA), m.rate * 1.3]).map(Math.fround);
      const bytes = effectGraph(modes.length, timesH, tauH, infusionH);
      const got = await effectRows(bytes, modes, ke0s, timesH.length);
      ke0s.forEach((ke0, j) => {
        const p = subjectWith(s, fixed, ke0);
        // the reference: n infusions every tau, Ce at the last interval's times (direct-effect.ts: infusion on and off phases convolved with KE0)
        const n = dosesToSteadyState(p, tauH);
        const doses = Array.from({ length: n }, (_, i) => ({ timeH: i * tauH, amountMg: dose, route: 'central' as const, durationH: infusionH }));
        const want = effectConcentrations(p, doses, timesH.map((t) => (n - 1) * tauH + t));
        const peak = Math.max(...want);
        want.forEach((c, i) => {
          const err = Math.abs((got[j]?.[i] ?? NaN) - c) / c;
          assert.ok(err <= 1e-5 || Math.abs((got[j]?.[i] ?? NaN) - c) <= 1e-7 * peak, `${s.id} tau ${tauH} D ${infusionH} KE0 ${ke0} (rate ${j}) t ${timesH[i]}: ${got[j]?.[i]} vs ${c}`);
        });
      });
    }
  }
});

test('the effect site in the graph at the limits: D -> 0 is the bolus periodic Ce, D = tau a constant rate, KE0 -> 0 the mean C, KE0 -> infinity C; finite at the extremes', async () => {
  const s = KE0_STRUCTURES[1]!;
  const tauH = 24;
  const timesH = REGIMEN_GRIDS.qd.timesH;
  const T = timesH.length;
  const dose = 50;
  const ke0s = [0.3, 0.05, 2].map(Math.fround);
  const modes = bolusModes(subjectWith(s, FIXED, 1), dose).map((m) => ({ rate: Math.fround(m.rate), a: Math.fround(m.a) }));
  const p = (ke0: number): IndividualParameters => subjectWith(s, FIXED, ke0);
  const close = (got: number, want: number, tol: number, what: string): void => assert.ok(Math.abs(got / want - 1) <= tol, `${what}: ${got} vs ${want}`);
  // D -> 0: the bolus's periodic Ce (direct-effect.ts steadyStateEffectConcentrations from the bolus's periodic PK state), to O(D)
  const tiny = await effectRows(effectGraph(2, timesH, tauH, 1e-6), modes, ke0s, T);
  ke0s.forEach((ke0, j) => {
    const pre = ivSteadyStatePreDose(p(ke0), dose, tauH, { durationH: 0 });
    const want = steadyStateEffectConcentrations(p(ke0), { ...pre, central: pre.central + dose }, tauH, timesH);
    timesH.forEach((t, i) => close(tiny[j]?.[i] ?? NaN, want[i] ?? NaN, 1e-5, `D 1e-6 h KE0 ${ke0} t ${t}`));
  });
  // D = tau (and past it, clamped): a constant rate, Ce = C = dose / (tau CL) at every time
  for (const D of [tauH, 1e3]) {
    const flat = await effectRows(effectGraph(2, timesH, tauH, D), modes, ke0s, T);
    flat.forEach((row, j) => row.forEach((c, i) => close(c, dose / tauH / FIXED.CL, 1e-5, `D ${D} h KE0 ${ke0s[j]} t ${timesH[i]}`)));
  }
  // KE0 -> 0: the mean of C over the interval, dose / (tau CL); KE0 -> infinity (capped at 1e6 /h): C itself
  const limits = await effectRows(effectGraph(2, timesH, tauH, 2), modes, [0, 1e-30, 1e-12, 1e30, 1e6], T);
  limits.slice(0, 3).forEach((row, j) => row.forEach((c, i) => close(c, dose / tauH / FIXED.CL, 1e-5, `KE0 limit ${j} t ${timesH[i]}`)));
  const conc = ivSteadyStateConcentrations(p(1), dose, tauH, { durationH: 2 }, timesH);
  limits.slice(3).forEach((row, j) => row.forEach((c, i) => close(c, conc[i] ?? NaN, 1e-5, `KE0 -> infinity ${j} t ${timesH[i]}`)));
  // finite and >= 0 across extreme rates, durations and doses
  for (const D of [1e-30, 1e-3, 12, 24]) {
    const extreme = [{ rate: 1e-6, a: 1e-3 }, { rate: 1e4, a: 1e4 }].map((m) => ({ rate: Math.fround(m.rate), a: Math.fround(m.a) }));
    const rows = await effectRows(effectGraph(2, timesH, tauH, D), extreme, [0, 1e-30, 1e-6, 1, 1e4, 1e30], T);
    rows.forEach((row, j) => row.forEach((c, i) => assert.ok(Number.isFinite(c) && c >= 0, `D ${D} KE0 #${j} t ${timesH[i]}: ${c}`)));
  }
});

test('the effect site in the graph is a function of each subject\'s own row: the same bits alone, in batches of 5 and in a batch of 37 mixed subjects (KE0 at, near and far from a disposition rate, 0, capped; the determinism contract across tile sizes)', async () => {
  const u = mulberry32(4242);
  for (const [timesH, tauH, D] of [[REGIMEN_GRIDS.qd.timesH, 24, 2], [REGIMEN_GRIDS.qw.timesH, 168, 6], [REGIMEN_GRIDS.qd.timesH, 24, 0.01]] as const) {
    const T = timesH.length;
    const B = 37;
    // per row: two modes (alpha > beta) over 4 decades, KE0 in turn at beta, in its band, at alpha (1 + 1e-7), 0, 1e30 and log-uniform
    const rows = Array.from({ length: B }, (_, b) => {
      const beta = 10 ** (-3 + 3 * u());
      const alpha = beta * (1 + 100 * u());
      const choice = [beta, beta * (1 + KE0_DELTA / 3), alpha * (1 + 1e-7), 0, 1e30, 10 ** (-3 + 4 * u())][b % 6] ?? NaN;
      return [alpha, 10 * u(), beta, 10 * u(), choice].map(Math.fround);
    });
    const bytes = effectGraph(2, timesH, tauH, D);
    const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const run = async (picked: readonly (readonly number[])[]): Promise<Float32Array> => {
      const n = picked.length;
      const col = (j: number): ort.Tensor => new ort.Tensor('float32', Float32Array.from(picked, (r) => r[j] ?? NaN), [1, n]);
      const ce = (await s.run({ rate0: col(0), a0: col(1), rate1: col(2), a1: col(3), ke0: col(4) }))['ce']?.data as Float32Array;
      return ce;
    };
    const whole = await run(rows);
    const column = (ce: Float32Array, n: number, b: number): number[] => Array.from({ length: T }, (_, i) => ce[i * n + b] ?? NaN);
    for (const size of [1, 5]) {
      for (let from = 0; from < B; from += size) {
        const part = rows.slice(from, from + size);
        const ce = await run(part);
        part.forEach((_, j) => assert.deepEqual(column(ce, part.length, j), column(whole, B, from + j), `tau ${tauH} D ${D} row ${from + j} in a batch of ${part.length} vs of ${B}`));
      }
    }
    assert.ok(Array.from(whole).every((c) => Number.isFinite(c) && c >= 0), `tau ${tauH} D ${D}: finite, >= 0`);
    await s.release();
  }
});
