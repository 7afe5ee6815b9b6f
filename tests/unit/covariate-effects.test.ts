// Declared covariate effects (issue 16 §2): the three forms in the double-precision individual
// parameters, the steady-state graph with covariate inputs against the multiple-dose reference, the
// declarations' checks, and the population draws of the covariates a model takes (joint resampling with
// BW, their own streams: BW, COMED and eta draw exactly as without them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationArtifact } from '../../models/export/population-model.js';
import { REGIMEN_GRIDS, refinedTimesH } from '../../models/export/time-grid.js';
import { individualParameters, packTheta } from '../../models/structures/parameters.js';
import type { FixedEffects, PopulationParameters } from '../../models/structures/parameters.js';
import { repeatedDosingWindow } from '../../models/structures/steady-state.js';
import { ONE_COMPARTMENT_PK, TWO_COMPARTMENT, type Structure } from '../../models/structures/structure.js';
import { covariateInputs, resolveCovariateEffects, withCovariateEffects } from '../../models/structures/covariate-effects.js';
import type { CovariateEffectDeclaration } from '../../models/ingest/data-spec.js';
import type { CovariateInfo } from '../../models/ingest/covariates.js';
import { drawPopulation, drawSubjects } from '../../worker/population/draw.js';
import type { PopulationSpec } from '../../worker/population/prior.js';
import { randomRows, runGraph, subjectOf } from '../kit/graph-rows.js';
import { mulberry32 } from '../kit/prng.js';

const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const info = (name: string, kind: 'continuous' | 'categorical', reference: number): CovariateInfo => ({ name, column: name, kind, reference, unit: null, declared: true });
const COVARIATES = [info('CRCL', 'continuous', 90), info('SEX', 'categorical', 0), info('AGE', 'continuous', 40)];
const SUBJECTS = [{ covariates: { CRCL: 60, SEX: 0, AGE: 30 } }, { covariates: { CRCL: 120, SEX: 1, AGE: 55 } }];
const declare = (d: Omit<CovariateEffectDeclaration, 'at'>[]): CovariateEffectDeclaration[] => d.map((x, i) => ({ ...x, at: `spec.yaml:${i + 2}: covariate_effects[${i}]` }));

function structureWith(s: Structure, d: Omit<CovariateEffectDeclaration, 'at'>[]): Structure {
  const { effects, comedOnBaseline } = resolveCovariateEffects(declare(d), COVARIATES, SUBJECTS, s);
  return withCovariateEffects(s, effects, comedOnBaseline);
}

const EFFECTS = [
  { parameter: 'CL', covariate: 'CRCL', form: 'power', reference: 100 },
  { parameter: 'V1', covariate: 'SEX', form: 'categorical', level: 1 },
  { parameter: 'KOUT', covariate: 'AGE', form: 'exponential', reference: 40 },
  { parameter: 'Q', covariate: 'AGE', form: 'power', reference: 40 },
  { parameter: 'IC50', covariate: 'CRCL', form: 'power' },
  { parameter: 'R0', covariate: 'COMED', form: 'categorical', level: 1 },
] as const satisfies readonly Omit<CovariateEffectDeclaration, 'at'>[];

test('declared effects: the coefficients follow the structure\'s layout; P (x/ref)^b, P exp(b (x - ref)), P exp(b [x = level]) exactly', () => {
  const s = structureWith(TWO_COMPARTMENT, [...EFFECTS]);
  assert.deepEqual(s.fixedEffects.slice(0, TWO_COMPARTMENT.fixedEffects.length).map((f) => f.name), TWO_COMPARTMENT.fixedEffects.map((f) => f.name));
  assert.deepEqual(s.fixedEffects.slice(TWO_COMPARTMENT.fixedEffects.length).map((f) => f.name), ['BETA_CRCL_CL', 'BETA_SEX_1_V1', 'BETA_AGE_KOUT', 'BETA_AGE_Q', 'BETA_CRCL_IC50']);
  assert.equal(s.holdComed, undefined, 'COMED on the baseline declared: the built-in coefficient stays');
  assert.deepEqual(covariateInputs(s).map((c) => c.name), ['CRCL', 'SEX', 'AGE']);
  // the IC50 effect took the covariate's reference (90) as its own
  assert.equal(s.covariateEffects?.find((e) => e.name === 'BETA_CRCL_IC50')?.reference, 90);
  const fixed = { ...TWO_COMPARTMENT_FIXED, BETA_CRCL_CL: 0.7, BETA_SEX_1_V1: -0.2, BETA_AGE_KOUT: 0.01, BETA_AGE_Q: 0.5, BETA_CRCL_IC50: -0.3 } as FixedEffects;
  const x = { CRCL: 50, SEX: 1, AGE: 70 };
  const base = individualParameters(fixed, 80, 1, [0.1, 0, 0, 0, 0, 0], TWO_COMPARTMENT);
  const p = individualParameters(fixed, 80, 1, [0.1, 0, 0, 0, 0, 0], s, x);
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a / b - 1) < 1e-14, `${what}: ${a} vs ${b}`);
  close(p.CL, base.CL * (50 / 100) ** 0.7, 'CL');
  close(p.V1, base.V1 * Math.exp(-0.2), 'V1');
  close(p.KOUT, base.KOUT * Math.exp(0.01 * 30), 'KOUT');
  close(p.Q, base.Q * (70 / 40) ** 0.5, 'Q');
  close(p.IC50, base.IC50 * (50 / 90) ** -0.3, 'IC50');
  close(p.R0, base.R0, 'R0 (COMED as before)');
  assert.throws(() => individualParameters(fixed, 80, 1, [0, 0, 0, 0, 0, 0], s, { CRCL: 50 }), /covariate SEX/);
});

const TWO_COMPARTMENT_FIXED = { CL: 0.05, V1: 5, Q: 0.1, V2: 3, KA: 0.8, R0: 10, BETA_COMED_R0: -0.26, KOUT: 0.015, IMAX: 0.9, IC50: 0.9, GAMMA: 1.1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };

test('a declaration list without COMED on the baseline holds it at 0; without declarations the structure is itself', () => {
  const s = structureWith(TWO_COMPARTMENT, [{ parameter: 'CL', covariate: 'CRCL', form: 'power', reference: 100 }]);
  assert.equal(s.holdComed, true);
  const none = resolveCovariateEffects(undefined, COVARIATES, SUBJECTS, TWO_COMPARTMENT);
  assert.equal(withCovariateEffects(TWO_COMPARTMENT, none.effects, none.comedOnBaseline), TWO_COMPARTMENT);
  // a PK structure takes the PK effects and leaves the PD ones to the structures that have them
  const pk = structureWith(ONE_COMPARTMENT_PK, [...EFFECTS]);
  assert.deepEqual(pk.covariateEffects?.map((e) => e.name), ['BETA_CRCL_CL', 'BETA_SEX_1_V1']);
});

test('declarations are checked against the structure and the trial, each refusal naming its line and field', () => {
  const refuse = (d: Omit<CovariateEffectDeclaration, 'at'>, field: string, what: RegExp): void => {
    assert.throws(() => resolveCovariateEffects(declare([d]), COVARIATES, SUBJECTS, TWO_COMPARTMENT), (e: Error) => {
      assert.match(e.message, new RegExp(`^spec\\.yaml:2: covariate_effects\\[0\\]\\.${field}: expected`));
      assert.match(e.message, what);
      return true;
    });
  };
  refuse({ parameter: 'IMAX', covariate: 'CRCL', form: 'power', reference: 100 }, 'parameter', /log-scale parameter.*found "IMAX"/);
  refuse({ parameter: 'CLEAR', covariate: 'CRCL', form: 'power', reference: 100 }, 'parameter', /found "CLEAR"/);
  refuse({ parameter: 'CL', covariate: 'EGFR', form: 'power', reference: 100 }, 'covariate', /CRCL, SEX, AGE.*found "EGFR"/);
  refuse({ parameter: 'CL', covariate: 'SEX', form: 'power', reference: 1 }, 'covariate', /values > 0 for the power form/);
  refuse({ parameter: 'CL', covariate: 'SEX', form: 'categorical', level: 2 }, 'level', /occurs in the trial \(0, 1\).*found 2/);
  refuse({ parameter: 'CL', covariate: 'SEX', form: 'categorical' }, 'level', /the level whose effect/);
  refuse({ parameter: 'CL', covariate: 'CRCL', form: 'power', reference: -1 }, 'reference', /positive number/);
  refuse({ parameter: 'CL', covariate: 'CRCL', form: 'exponential', level: 1 }, 'level', /no level for the exponential form/);
});

test('graph with covariate inputs: conc and pd agree with the multiple-dose reference of the same subjects (random covariates, QD)', async () => {
  const s = structureWith(TWO_COMPARTMENT, [...EFFECTS]);
  const grid = REGIMEN_GRIDS.qd;
  const pop: PopulationParameters = {
    fixed: { ...TWO_COMPARTMENT_FIXED, BETA_CRCL_CL: 0.7, BETA_SEX_1_V1: -0.2, BETA_AGE_KOUT: 0.01, BETA_AGE_Q: 0.5, BETA_CRCL_IC50: -0.3 } as FixedEffects,
    omega: diag([0.09, 0.04, 0.16, 0.04, 0.01, 0.04]),
    sigma: { pkProportional: 0.1, pkAdditive: 0.01, pdAdditive: 0.5 },
  };
  const art = populationArtifact(grid, pop, [], {}, {}, s);
  assert.deepEqual(art.card.inputs.covariates, ['dose', 'bw', 'comed', 'CRCL', 'SEX', 'AGE']);
  // the coefficients end the fixed effects, before Omega's Cholesky entries
  const P = s.fixedEffects.length;
  assert.deepEqual(art.card.inputs.theta?.names?.slice(P - 5, P), ['BETA_CRCL_CL', 'BETA_SEX_1_V1', 'BETA_AGE_KOUT', 'BETA_AGE_Q', 'BETA_CRCL_IC50']);
  assert.deepEqual(art.card.inputs.covariate_info?.map((c) => `${c.name}:${c.kind}`), ['CRCL:continuous', 'SEX:categorical', 'AGE:continuous']);
  const rows = randomRows(311, 12, grid, [packTheta(pop, s)], s, [0.5, 60]);
  const u = mulberry32(5);
  rows.extra = { CRCL: rows.dose.map(() => 30 + 120 * u()), SEX: rows.dose.map(() => (u() < 0.5 ? 1 : 0)), AGE: rows.dose.map(() => 20 + 60 * u()) };
  const { pd, conc } = await runGraph(art.onnxBytes, rows, s);
  const T = grid.timesH.length;
  const fine = refinedTimesH(grid, 10);
  const maxOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, x), -Infinity);
  rows.dose.forEach((dose, b) => {
    const p = subjectOf(rows, b, s);
    const ref = repeatedDosingWindow(p, Math.fround(dose), grid.tauH, fine);
    const peak = maxOf(ref.conc);
    grid.timesH.forEach((t, n) => {
      const got = conc[b * T + n] ?? NaN;
      // 1e-4 of the window's peak: float32 inputs and arithmetic (as the structures' graph tests)
      assert.ok(Math.abs(got - (ref.conc[10 * n] ?? NaN)) <= 1e-4 * peak, `row ${b} t ${t}: conc ${got} vs ${ref.conc[10 * n]}`);
    });
    // 1e-3 as the shipped graph's test: the grid's quadrature of the PD
    assert.ok(Math.abs(maxOf(pd.subarray(b * T, (b + 1) * T)) / maxOf(ref.pd) - 1) <= 1e-3, `row ${b}: pd window max`);
  });
  // the covariates move the prediction: the same rows without the effects differ (the test can fail)
  const plain = populationArtifact(grid, { ...pop, fixed: TWO_COMPARTMENT_FIXED as FixedEffects }, [], {}, {}, TWO_COMPARTMENT);
  const without = await runGraph(plain.onnxBytes, { ...rows, theta: rows.theta.map(() => packTheta(pop, TWO_COMPARTMENT)), extra: {} });
  assert.ok(Array.from(conc).some((c, i) => Math.abs(c / (without.conc[i] ?? NaN) - 1) > 0.05));
});

const TRIAL_BW = [50, 70, 90, 110];
const TRIAL_CRCL = [40, 80, 120, 160];
const SPEC: PopulationSpec = {
  bw: { kind: 'resample', subjectBwKg: TRIAL_BW, subjectComed: [0, 1, 0, 1], sigma: 0, clipKg: [1, 500] },
  comed: { kind: 'resampled' },
  subjects: 257,
};

test('population covariates: resampled jointly with BW, own streams (BW, COMED, eta unchanged), chunks equal the whole', () => {
  const key = { seed: 7, scenario: 99 };
  const withCovs: PopulationSpec = {
    ...SPEC,
    covariates: [
      { name: 'CRCL', prior: { kind: 'resampled', values: TRIAL_CRCL, sigma: 0, scale: 0.5 } },
      { name: 'AGE', prior: { kind: 'normal', mean: 50, sd: 10, clip: [40, 60] } },
      { name: 'SEX', prior: { kind: 'categorical', levels: [0, 1], p: [0.3, 0.7] } },
    ],
  };
  const a = drawPopulation(key, 3, SPEC, 6);
  const b = drawPopulation(key, 3, withCovs, 6);
  assert.deepEqual(b.bwKg, a.bwKg);
  assert.deepEqual(b.comed, a.comed);
  assert.deepEqual(b.eta, a.eta);
  const crcl = b.covariates?.['CRCL'];
  assert.ok(crcl !== undefined);
  // the CRCL of the trial subject whose BW was drawn, halved
  b.bwKg.forEach((w, j) => assert.equal(crcl[j], Math.fround(TRIAL_CRCL[TRIAL_BW.indexOf(w)]! * 0.5)));
  const age = b.covariates?.['AGE'] ?? new Float32Array();
  assert.ok(age.every((x) => x >= 40 && x <= 60) && age.some((x) => x === 40) && age.some((x) => x > 40 && x < 60));
  // categorical frequencies: 257 Bernoulli(0.7) draws, 4 binomial sds either side
  const ones = Array.from(b.covariates?.['SEX'] ?? []).filter((x) => x === 1).length;
  assert.ok(Math.abs(ones - 0.7 * 257) <= 4 * Math.sqrt(257 * 0.21), `SEX = 1 in ${ones} of 257`);
  const part = drawSubjects(key, 3, withCovs, 6, 100, 57);
  for (const name of ['CRCL', 'AGE', 'SEX']) assert.deepEqual(part.covariates?.[name], b.covariates?.[name]?.subarray(100, 157));
  assert.throws(() => drawPopulation(key, 0, { ...withCovs, sampler: 'sobol' }, 6), /sobol.*philox/);
  assert.throws(() => drawPopulation(key, 0, { ...SPEC, covariates: [{ name: 'CRCL', prior: { kind: 'resampled', values: [1, 2], sigma: 0, scale: 1 } }] }, 6), /expected 4 values/);
});

test('population covariates: a truncated normal has no mass on its bounds and follows the truncated law', () => {
  const key = { seed: 11, scenario: 5 };
  const n = 4000;
  const spec: PopulationSpec = { ...SPEC, subjects: n, covariates: [{ name: 'AGE', prior: { kind: 'normal', mean: 50, sd: 10, truncate: [45, 70] } }] };
  const age = Array.from(drawPopulation(key, 0, spec, 0).covariates?.['AGE'] ?? []);
  assert.equal(age.length, n);
  assert.ok(age.every((x) => x > 45 && x < 70), 'inside (45, 70), none on a bound');
  // mean of N(50, 10^2) on [45, 70]: 50 + 10 (phi(-0.5) - phi(2)) / (Phi(2) - Phi(-0.5)) = 55.66; sd of the
  // truncated law ~5.6, so the sample mean's sd is ~0.09: 5 sds either side
  const phi = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
  const want = 50 + 10 * (phi(-0.5) - phi(2)) / (0.9772498680518208 - 0.3085375387259869);
  const mean = age.reduce((a, b) => a + b, 0) / n;
  assert.ok(Math.abs(mean - want) < 5 * 5.6 / Math.sqrt(n), `mean ${mean} vs ${want}`);
  assert.throws(() => drawPopulation(key, 0, { ...spec, covariates: [{ name: 'AGE', prior: { kind: 'normal', mean: 50, sd: 10, truncate: [45, 70], clip: [40, 80] } }] }, 0), /clip or truncate/);
});
