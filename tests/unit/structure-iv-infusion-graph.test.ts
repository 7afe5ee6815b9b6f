// IV infusion regimens in the graphs (issue 18 §1: "IV bolus and IV infusion", models/export/infusion-regimen.ts):
// a trial whose IV doses are infusions of one duration gets cards that sweep that infusion. Each sweeping
// structure's graph (PK-only, indirect responses I-IV, Imax/Emax driven by plasma or an effect compartment
// (the latter's limits and coincidences: structure-iv-infusion-effect.test.ts); 1 and 2 compartments; 3
// compartments and saturable elimination, PK-only: structure-iv-infusion-three-compartment.test.ts,
// structure-iv-infusion-michaelis-menten.test.ts) on
// an infusion grid against the independent multiple-dose reference (infusions run to steady state in double
// precision: pk.ts, iv.ts, dose-walk.ts), for random subjects, doses and both regimens; the card says the
// infusion and has the grid's window (no jump to close at tau); the structures that cannot sweep one keep
// the bolus grid, and asking their graph for one is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { REGIMEN_GRIDS, outputTimesH, type RegimenGrid } from '../../models/export/time-grid.js';
import { sweepsInfusion, withInfusion } from '../../models/export/infusion-regimen.js';
import { packTheta } from '../../models/structures/parameters.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { STRUCTURES, structureById, type Structure } from '../../models/structures/structure.js';
import { randomRows, runGraph, subjectOf, type Rows } from '../kit/graph-rows.js';
import { modelNote } from '../../analysis/answer/model-notes.js';
import type { AnswerModel } from '../../analysis/answer/models.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
// the kinetics of structure-iv-pkpd.test.ts: QD a 2-compartment drug (t1/2 alpha ~ 7 h, beta ~ 70 h), QW
// EstData-like slow kinetics (the range the QW grid's 24 h panels were chosen for)
const FIXED: PopulationParameters['fixed'] = { CL: 0.5, V1: 10, Q: 0.6, V2: 30, KA: 1, R0: 10, BETA_COMED_R0: -0.2, KOUT: 0.15, IMAX: 0.8, IC50: 1.5, GAMMA: 1.3, KE0: 0.3, SMAX: 2, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0.05, V3: 40, MTT: 0, VMAX: 0.5, KM: 2 };
const SLOW: PopulationParameters['fixed'] = { ...FIXED, CL: 0.1, V1: 8, Q: 0.12, V2: 12, KOUT: 0.015, KE0: 0.03 };
const popOf = (s: Structure, grid: RegimenGrid): PopulationParameters => ({
  fixed: grid.tauH === 24 ? (s.compartments === 1 ? { ...FIXED, CL: 0.35, V1: 14 } : FIXED) : (s.compartments === 1 ? { ...SLOW, CL: 0.07 } : SLOW),
  omega: diag(s.etaNames.map(() => 0.09)),
  sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
});
const SWEEPING = STRUCTURES.filter(sweepsInfusion);

/** Random rows of a grid: doses spanning ~0.1 to ~10 x IC50 on average over the interval. */
const rowsOf = (seed: number, n: number, grid: RegimenGrid, s: Structure): Rows =>
  randomRows(seed, n, grid, [packTheta(popOf(s, grid), s)], s, grid.tauH === 24 ? [5, 500] : [3, 300]);

const windowStats = (xs: ArrayLike<number>): { min: number; max: number; mean: number } => {
  const a = Array.from(xs);
  return { min: Math.min(...a), max: Math.max(...a), mean: a.reduce((acc, x) => acc + x, 0) / a.length };
};

test('every IV structure sweeps an IV infusion: 1, 2 and 3 compartment and saturable IV PK, with the indirect responses and the direct effects (plasma or effect compartment); oral and zero-order structures do not', () => {
  const ids = SWEEPING.map((s) => s.id).sort();
  const expected = ['1cmt-iv', '2cmt-iv', '3cmt-iv', '1cmt-iv-mm', ...[1, 2].flatMap((c) => ['idr', 'idr2', 'idr3', 'idr4', 'imax', 'emax', 'ke0-imax', 'ke0-emax'].map((k) => `${c}cmt-iv-${k}`))].sort();
  assert.deepEqual(ids, expected);
  for (const id of ['2cmt-oral', '1cmt-zo']) {
    const s = structureById(id);
    assert.equal(withInfusion(REGIMEN_GRIDS.qd, s, 2), REGIMEN_GRIDS.qd, `${id} keeps the bolus (or oral) grid`);
    assert.throws(() => buildTrajectoryGraph({ ...REGIMEN_GRIDS.qd, infusionH: 2 }, s), /has no IV infusion regimen/, `${id}: a graph of an infusion is refused`);
  }
});

test('IV infusion graphs: window statistics of pd and conc equal the multiple-dose infusion reference to 1e-4 (20 structures, both regimens)', async () => {
  let seed = 4242;
  for (const s of SWEEPING) {
    for (const [regimen, hours] of [[REGIMEN_GRIDS.qd, 2], [REGIMEN_GRIDS.qw, 6]] as const) {
      const grid = withInfusion(regimen, s, hours);
      const art = populationArtifact(grid, popOf(s, grid), [], {}, {}, s);
      assert.equal(art.card.regimen.infusion_h, hours, `${s.id}: the card says the infusion`);
      assert.deepEqual(art.card.time_grid_h, outputTimesH(regimen, 'oral'), `${s.id}: the grid's window, not closed at tau`);
      assert.match(art.card.description ?? '', new RegExp(`each dose a ${hours} h IV infusion`));
      const rows = rowsOf((seed += 1), 6, grid, s);
      const { pd, conc } = await runGraph(art.onnxBytes, rows, s);
      const times = art.card.time_grid_h;
      const T = times.length;
      rows.dose.forEach((dose, b) => {
        const ref = repeatedDosingWindow(subjectOf(rows, b, s), Math.fround(dose), grid.tauH, times, { iv: { durationH: hours } });
        const what = `${s.id} ${grid.name} ${hours} h row ${b}`;
        // float32 inputs and arithmetic cost a few eps32 (6e-8) per operation; the grid's product integration
        // of the turnover is O(H^3 C''') per panel, ~1e-6 of R on these kinetics (structure-iv-pkpd.test.ts): 1e-4 holds both
        const pairs: [string, Float32Array, Float64Array][] = [['conc', conc.subarray(b * T, (b + 1) * T), ref.conc]];
        if (s.pd) pairs.push(['pd', pd.subarray(b * T, (b + 1) * T), ref.pd]);
        for (const [name, got, want] of pairs) {
          const g = windowStats(got), r = windowStats(want);
          for (const k of ['min', 'max', 'mean'] as const) assert.ok(Math.abs(g[k] / r[k] - 1) <= 1e-4, `${what}: ${name} window ${k} ${g[k]} vs ${r[k]}`);
        }
      });
    }
  }
});

test('IV infusion graphs: the peak is lower and later than the bolus peak, the trough higher (the regimen is not swept as boluses)', async () => {
  const s = structureById('1cmt-iv');
  const regimen = REGIMEN_GRIDS.qd;
  const rows = rowsOf(7, 1, regimen, s);
  const bolus = await runGraph(populationArtifact(regimen, popOf(s, regimen), [], {}, {}, s).onnxBytes, rows, s);
  const infused = await runGraph(populationArtifact(withInfusion(regimen, s, 2), popOf(s, regimen), [], {}, {}, s).onnxBytes, rows, s);
  const b = windowStats(bolus.conc), i = windowStats(infused.conc);
  assert.ok(i.max < b.max, `infusion peak ${i.max} below the bolus peak ${b.max}`);
  assert.ok(i.min > b.min, `infusion trough ${i.min} above the bolus trough ${b.min}`);
  // the infusion's peak sits at its end, 2 h after the start
  assert.equal(outputTimesH(regimen, 'oral')[Array.from(infused.conc).indexOf(i.max)], 2);
});

test('model notes say when every swept dose is an IV infusion, and say nothing of it for bolus cards', () => {
  const s = structureById('2cmt-iv-idr');
  const facts = { file: 'trial.csv', sha256: 'a'.repeat(64), subjects: 8, armsMg: [50, 100] };
  const noteOf = (grid: RegimenGrid): string => {
    const c = { cardPath: '/m/qd.model.json', card: populationArtifact(grid, popOf(s, grid), [], {}, {}, s).card };
    const m: AnswerModel = { label: 'popmodel', family: s.family, testModel: false, cards: { qd: c, qw: c } };
    return modelNote(m, facts).extrapolation;
  };
  assert.match(noteOf(withInfusion(REGIMEN_GRIDS.qd, s, 2)), /every dose of the swept regimens is a 2 h IV infusion, as in the trial$/);
  assert.doesNotMatch(noteOf(REGIMEN_GRIDS.qd), /infusion/);
});
