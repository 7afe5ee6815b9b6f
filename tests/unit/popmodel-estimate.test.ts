/**
 * Population estimation engine (models/estimate) and fit (models/estimate/fit.ts):
 * - a toy mixed-effects model (analytic one-compartment PK + direct Emax PD, placebo subjects, a
 *   covariate, fixed effects without variability) simulated at known parameters is recovered by
 *   SAEM within 4 standard errors of its own linearised Fisher information (variances on the log
 *   scale); same seed -> same bytes;
 * - on a linear mixed model, where the marginal likelihood and the Fisher information are exact,
 *   the importance-sampling -2LL and the linearised information match the closed forms, and the
 *   refinement brings a collapsed, weakly informed variance back to its exact MLE;
 * - the PK/PD problem's random-effect structure matches parameters.ts' individualParameters;
 * - a short fitPopulationModel run on a small simulated EstData-design trial is deterministic and
 *   its uncertainty draws have the fit's covariance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix, inverse as mlInverse, determinant } from 'ml-matrix';
import { InputError } from '../../worker/common/errors.js';
import { readTrial } from '../../models/ingest/trial.js';
import { ETA_NAMES, FIXED_EFFECTS, P_FIXED, P_THETA, individualParameters, packTheta, toTransformed, type PopulationParameters } from '../../models/structures/parameters.js';
import type { EstimationProblem, SubjectData } from '../../models/estimate/problem.js';
import { estimatePopulation, type EngineOptions } from '../../models/estimate/pipeline.js';
import { CountingModel, type PopulationEstimate } from '../../models/estimate/likelihood.js';
import { importanceSamplingObjective } from '../../models/estimate/objective.js';
import { linearisedInformation } from '../../models/estimate/fim.js';
import { splitPrior } from '../../models/estimate/eta-prior.js';
import { conditionalMode } from '../../models/estimate/modes.js';
import { refineRandomEffects } from '../../models/estimate/refine.js';
import { Purpose, RandomStream } from '../../models/estimate/rng.js';
import { fixedFromTheta, popmodelProblem } from '../../models/estimate/popmodel-problem.js';
import { simulateTrial, subsetTrial } from '../../models/estimate/simulate-trial.js';
import { fitPopulationModel } from '../../models/estimate/fit.js';
import { uncertaintyDraws } from '../../models/estimate/uncertainty.js';

function repoFile(rel: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes(join('dist', 'tests')) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, rel);
}

// ---- toy model: theta = [log CL, log V, log E0, beta_x (on E0), logit IMAX, log EC50]; eta on CL, V, E0
const TOY_TIMES = [0.5, 1, 2, 4, 8, 12, 24];
const TOY_TRUTH = { theta: [Math.log(2), Math.log(10), Math.log(50), -0.3, Math.log(0.8 / 0.2), Math.log(1.5)], omega: [0.09, 0.04, 0.04], sigma: [0.05, 0.1, 2] };

interface ToySubject { dose: number; x: number }

function toySubjects(): ToySubject[] {
  const doses = [0, 5, 20, 80];
  return Array.from({ length: 40 }, (_, i) => ({ dose: doses[i % 4] ?? 0, x: Math.floor(i / 4) % 2 }));
}

function toyPredict(subj: ToySubject, theta: ArrayLike<number>, eta: ArrayLike<number>, out: Float64Array): void {
  const cl = Math.exp((theta[0] ?? 0) + (eta[0] ?? 0));
  const v = Math.exp((theta[1] ?? 0) + (eta[1] ?? 0));
  const e0 = Math.exp((theta[2] ?? 0) + (theta[3] ?? 0) * subj.x + (eta[2] ?? 0));
  const imax = 1 / (1 + Math.exp(-(theta[4] ?? 0)));
  const ec50 = Math.exp(theta[5] ?? 0);
  const nPk = subj.dose > 0 ? TOY_TIMES.length : 0;
  TOY_TIMES.forEach((t, j) => {
    const c = (subj.dose / v) * Math.exp((-cl / v) * t);
    if (nPk > 0) out[j] = c;
    out[nPk + j] = e0 * (1 - (imax * c) / (ec50 + c));
  });
}

function toyProblem(subjects: readonly ToySubject[], y: readonly Float64Array[]): EstimationProblem {
  const data: SubjectData[] = subjects.map((s, i) => ({
    id: i + 1,
    y: y[i]!,
    output: Uint8Array.from([...(s.dose > 0 ? TOY_TIMES.map(() => 0) : []), ...TOY_TIMES.map(() => 1)]),
  }));
  return {
    thetaNames: ['CL', 'V', 'E0', 'BETA_X', 'IMAX', 'EC50'],
    subjects: data,
    outputs: [{ name: 'PK', error: 'combined' }, { name: 'PD', error: 'additive' }],
    randomEffects: [
      { name: 'CL', muIndex: 0, covariates: [] },
      { name: 'V', muIndex: 1, covariates: [] },
      { name: 'E0', muIndex: 2, covariates: [{ thetaIndex: 3, values: Float64Array.from(subjects, (s) => s.x) }] },
    ],
    predict: (s, theta, eta, out) => toyPredict(subjects[s]!, theta, eta, out),
  };
}

function simulateToy(seed: number): EstimationProblem {
  const subjects = toySubjects();
  const y = subjects.map((s, i) => {
    const rng = new RandomStream(seed, Purpose.simulation, i);
    const eta = TOY_TRUTH.omega.map((w) => Math.sqrt(w) * rng.normal());
    const f = new Float64Array((s.dose > 0 ? 2 : 1) * TOY_TIMES.length);
    toyPredict(s, TOY_TRUTH.theta, eta, f);
    const nPk = s.dose > 0 ? TOY_TIMES.length : 0;
    const [a = 0, b = 0, c = 0] = TOY_TRUTH.sigma;
    return f.map((v, j) => v + (j < nPk ? Math.sqrt(a * a + b * b * v * v) : c) * rng.normal());
  });
  return toyProblem(subjects, y);
}

const TOY_START: PopulationEstimate = {
  theta: Float64Array.from([Math.log(4), Math.log(5), Math.log(30), 0, 0, Math.log(5)]),
  omega: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  sigma: Float64Array.from([0.5, 0.3, 8]),
};

const TOY_OPTIONS: EngineOptions = {
  seed: 11, burnIn: 5, exploreMin: 80, exploreMax: 300, smooth: 80, autoStop: true, omegaStructure: 'diagonal', importanceSamples: 200, refinementSamples: 200,
};

test('SAEM recovers a simulated toy trial within 4 SEs of its own Fisher information', async (t) => {
  const problem = simulateToy(2024);
  const r = await estimatePopulation(problem, TOY_START, TOY_OPTIONS);
  assert.ok(r.converged, `converged (stationary ${r.saem.stationary}, information PD ${r.information.positiveDefinite})`);
  // placebo subjects (dose 0) cannot inform CL or V; dosed subjects inform all three
  assert.deepEqual(r.saem.masks[0], [false, false, true]);
  assert.deepEqual(r.saem.masks[1], [true, true, true]);
  const truth = [...TOY_TRUTH.theta, ...TOY_TRUTH.omega, ...TOY_TRUTH.sigma];
  const n = r.information.parameters.length;
  assert.equal(n, truth.length);
  r.information.parameters.forEach((p, i) => {
    const se = Math.sqrt(r.information.covariance[i * n + i] ?? NaN);
    t.diagnostic(`${p.name}: ${p.value.toFixed(4)} (truth ${truth[i]?.toFixed(4)}, se ${se.toFixed(4)})`);
    assert.ok(se > 0 && Number.isFinite(se), `${p.name}: finite positive SE`);
    // variances and sds are compared on the log scale (SE by the delta method), where their sampling
    // distribution is nearly symmetric; a low estimate otherwise comes with a too-small SE
    const gap = p.group === 'theta' ? Math.abs(p.value - (truth[i] ?? NaN)) : Math.abs(Math.log(p.value / (truth[i] ?? NaN)));
    const tol = 4 * (p.group === 'theta' ? se : se / p.value);
    assert.ok(gap <= tol, `${p.name}: ${p.value} vs truth ${truth[i]} (se ${se})`);
  });
  assert.ok(Number.isFinite(r.objective.value) && r.objective.mcStandardError < 1, `-2LL ${r.objective.value} +/- ${r.objective.mcStandardError}`);
  for (const s of r.shrinkage) assert.ok(s > -0.5 && s < 1, `shrinkage ${s}`);
});

test('same seed gives identical estimates; another seed gives different ones', async () => {
  const problem = simulateToy(99);
  const short = { ...TOY_OPTIONS, exploreMin: 30, exploreMax: 30, smooth: 20, importanceSamples: 50, autoStop: false };
  const a = await estimatePopulation(problem, TOY_START, short);
  const b = await estimatePopulation(problem, TOY_START, short);
  const c = await estimatePopulation(problem, TOY_START, { ...short, seed: short.seed + 1 });
  assert.deepEqual(Array.from(a.estimate.theta), Array.from(b.estimate.theta));
  assert.deepEqual(Array.from(a.estimate.omega), Array.from(b.estimate.omega));
  assert.deepEqual(Array.from(a.estimate.sigma), Array.from(b.estimate.sigma));
  assert.equal(a.objective.value, b.objective.value);
  assert.notDeepEqual(Array.from(a.estimate.theta), Array.from(c.estimate.theta));
});

// ---- linear mixed model: y_ij = (th0 + eta0) + (th1 + eta1) t_j + eps, exact marginal N(X th, X Omega X' + s^2 I)
test('importance-sampling -2LL and linearised information match the exact linear-Gaussian values', () => {
  const times = [0, 1, 2, 4, 6];
  const n = 25;
  const theta = Float64Array.from([3, -0.5]);
  const omega = Float64Array.from([0.5, 0.1, 0.1, 0.2]);
  const sd = 0.4;
  const ys = Array.from({ length: n }, (_, i) => {
    const rng = new RandomStream(5, Purpose.simulation, i);
    const e0 = Math.sqrt(0.5) * rng.normal();
    const e1 = 0.2 * e0 + Math.sqrt(0.2 - 0.02) * rng.normal();
    return Float64Array.from(times, (tt) => 3 + e0 + (-0.5 + e1) * tt + sd * rng.normal());
  });
  const problem: EstimationProblem = {
    thetaNames: ['A', 'B'],
    subjects: ys.map((y, i) => ({ id: i, y, output: new Uint8Array(times.length) })),
    outputs: [{ name: 'Y', error: 'additive' }],
    randomEffects: [{ name: 'A', muIndex: 0, covariates: [] }, { name: 'B', muIndex: 1, covariates: [] }],
    predict: (_s, th, eta, out) => times.forEach((tt, j) => { out[j] = (th[0] ?? 0) + (eta[0] ?? 0) + ((th[1] ?? 0) + (eta[1] ?? 0)) * tt; }),
  };
  const est: PopulationEstimate = { theta, omega, sigma: Float64Array.from([sd]) };
  const X = new Matrix(times.map((tt) => [1, tt]));
  const Om = new Matrix([[0.5, 0.1], [0.1, 0.2]]);
  const V = X.mmul(Om).mmul(X.transpose()).add(Matrix.eye(times.length).mul(sd * sd));
  const Vinv = mlInverse(V);
  const mean = X.mmul(Matrix.columnVector([3, -0.5]));
  let exact = 0;
  const posterior = ys.map((y) => {
    const r = Matrix.columnVector(Array.from(y)).sub(mean);
    exact += times.length * Math.log(2 * Math.PI) + Math.log(determinant(V)) + r.transpose().mmul(Vinv).mmul(r).get(0, 0);
    // exact conditional of eta: cov = (X'X/s^2 + Om^-1)^-1, mean = cov X' r / s^2
    const cov = mlInverse(X.transpose().mmul(X).div(sd * sd).add(mlInverse(Om)));
    const m = cov.mmul(X.transpose()).mmul(r).div(sd * sd);
    return { mean: Float64Array.from(m.to1DArray()), cov: Float64Array.from(cov.to1DArray()), mode: Float64Array.from(m.to1DArray()) };
  });
  const model = new CountingModel(problem);
  const priors = ys.map(() => splitPrior(omega, 2, [true, true]));
  const is = importanceSamplingObjective(model, est, priors, posterior, 400, 3);
  assert.ok(Math.abs(is.value - exact) <= 4 * is.mcStandardError + 1e-6, `IS ${is.value} +/- ${is.mcStandardError} vs exact ${exact}`);
  // expected information of theta: sum_i X' V^-1 X (identical subjects' design)
  const info = linearisedInformation(model, est, posterior.map((p) => p.mode), ys.map(() => [true, true]), 'full');
  const exactInfo = X.transpose().mmul(Vinv).mmul(X).mul(n);
  const np = info.parameters.length;
  for (let a = 0; a < 2; a += 1) for (let b = 0; b < 2; b += 1) {
    const got = info.information[a * np + b] ?? NaN;
    assert.ok(Math.abs(got - exactInfo.get(a, b)) <= 1e-5 * Math.abs(exactInfo.get(a, b)) + 1e-8, `I[${a},${b}] ${got} vs ${exactInfo.get(a, b)}`);
  }
  // Omega/sigma block: 1/2 tr(V^-1 dV_a V^-1 dV_b) per subject, dV for Omega_00, Omega_10, Omega_11, sd
  const dvs = [
    X.mmul(new Matrix([[1, 0], [0, 0]])).mmul(X.transpose()),
    X.mmul(new Matrix([[0, 1], [1, 0]])).mmul(X.transpose()),
    X.mmul(new Matrix([[0, 0], [0, 1]])).mmul(X.transpose()),
    Matrix.eye(times.length).mul(2 * sd),
  ];
  dvs.forEach((da, a) => dvs.forEach((db, b) => {
    const want = 0.5 * n * Vinv.mmul(da).mmul(Vinv).mmul(db).trace();
    const got = info.information[(2 + a) * np + (2 + b)] ?? NaN;
    assert.ok(Math.abs(got - want) <= 1e-4 * Math.abs(want) + 1e-8, `variance block [${a},${b}] ${got} vs ${want}`);
  }));
});

// ---- the PK/PD model's problem
const TRUTH: PopulationParameters = {
  fixed: { CL: 0.044, V1: 2.7, Q: 0.17, V2: 5.7, KA: 1.0, R0: 10, BETA_COMED_R0: -0.26, KOUT: 0.016, IMAX: 0.95, IC50: 1.2, GAMMA: 0.9, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 },
  omega: [0.09, 0.05, 0.04, 0.04, 0.04, 0.09].map((v, i, all) => all.map((_, j) => (i === j ? v : 0))),
  sigma: { pkProportional: 0.09, pkAdditive: 0.001, pdAdditive: 0.75 },
};

test('PK/PD problem: random effects enter linearly on the transformed scale exactly as individualParameters applies them', async () => {
  const design = await readTrial(repoFile('data/EstData.csv'));
  const trial = subsetTrial(design, (s) => s.comed === 1 && s.doseMg === 10);
  const problem = popmodelProblem(trial);
  const theta = Float64Array.from(FIXED_EFFECTS, (f) => toTransformed(f.name, TRUTH.fixed[f.name]));
  const eta = Float64Array.from([0.1, -0.2, 0.3, 0.05, -0.1, 0.2]);
  const base = new Float64Array(problem.subjects[0]!.y.length);
  problem.predict(0, theta, eta, base);
  // moving a typical value by d and its eta by -d leaves the subject unchanged
  problem.randomEffects.forEach((r, k) => {
    const th = Float64Array.from(theta);
    const e = Float64Array.from(eta);
    th[r.muIndex] = (th[r.muIndex] ?? 0) + 0.37;
    e[k] = (e[k] ?? 0) - 0.37;
    for (const c of r.covariates) {
      th[c.thetaIndex] = (th[c.thetaIndex] ?? 0) + 0.11;
      e[k] = (e[k] ?? 0) - 0.11 * (c.values[0] ?? 0);
    }
    const moved = new Float64Array(base.length);
    problem.predict(0, th, e, moved);
    moved.forEach((v, j) => assert.ok(Math.abs(v - (base[j] ?? 0)) <= 1e-9 * (1 + Math.abs(v)), `${r.name}: prediction ${j}`));
  });
  assert.deepEqual(problem.randomEffects.map((r) => r.name), [...ETA_NAMES]);
  // the structure matches parameters.ts: R0 carries COMED through BETA_COMED_R0
  const p = individualParameters(fixedFromTheta(theta), trial.subjects[0]!.bwKg, 1, Array.from(eta));
  assert.ok(Math.abs(Math.log(p.R0) - (theta[5]! + theta[6]! + eta[3]!)) < 1e-12);
});

test('fitPopulationModel on a small simulated trial: deterministic, complete result, uncertainty draws with its covariance', async () => {
  const design = await readTrial(repoFile('data/EstData.csv'));
  // two subjects per arm (placebo included)
  const counts = new Map<number, number>();
  const small = subsetTrial(design, (s) => { const c = counts.get(s.doseMg) ?? 0; counts.set(s.doseMg, c + 1); return c < 2; });
  const { trial } = simulateTrial(small, TRUTH, 3, 0);
  const opts = { seed: 5, iterations: { burnIn: 2, exploreMin: 8, exploreMax: 8, smooth: 6 }, importanceSamples: 30, autoStop: false } as const;
  const a = await fitPopulationModel(trial, opts);
  const b = await fitPopulationModel(trial, opts);
  assert.deepEqual(a.population, b.population);
  assert.equal(a.objective.minus2LL, b.objective.minus2LL);
  assert.equal(a.individual.length, trial.subjects.length);
  assert.deepEqual(Object.keys(a.shrinkage), [...ETA_NAMES]);
  assert.equal(a.table.length, P_FIXED + ETA_NAMES.length + 3);
  // start values come from the data: finite, and within a factor 3 of the truth for well-informed parameters
  for (const name of ['CL', 'V1', 'R0'] as const) {
    const ratio = a.start.fixed[name] / TRUTH.fixed[name];
    assert.ok(ratio > 1 / 3 && ratio < 3, `start ${name} ${a.start.fixed[name]} vs truth ${TRUTH.fixed[name]}`);
  }

  const R = 3000;
  const draws = uncertaintyDraws(a, R, 17);
  assert.equal(draws.length, R);
  assert.deepEqual(draws[0], packTheta(a.population));
  assert.ok(draws.every((row) => row.length === P_THETA && row.every(Number.isFinite)));
  assert.deepEqual(uncertaintyDraws(a, 5, 17), draws.slice(0, 5));
  // the fixed-effect entries are the normal draws themselves: mean and variance vs the covariance
  a.covariance.parameters.forEach((p, i) => {
    if (p.group !== 'theta') return;
    const q = p.index[0] ?? 0;
    const xs = draws.slice(1).map((row) => row[q] ?? NaN);
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
    const want = a.covariance.matrix[i]?.[i] ?? NaN;
    assert.ok(Math.abs(m - p.value) <= 4 * Math.sqrt(want / xs.length), `${p.name}: draw mean ${m} vs ${p.value}`);
    assert.ok(Math.abs(v / want - 1) <= 4 * Math.sqrt(2 / (xs.length - 1)), `${p.name}: draw variance ${v} vs ${want}`);
  });
});

test('full Omega: a correlation between random effects is recovered within 4 SEs', async () => {
  const times = [0.5, 1, 2, 4, 8, 12];
  const sd = [0.3, 0.25];
  const rho = 0.6;
  const ys = Array.from({ length: 60 }, (_, i) => {
    const rng = new RandomStream(8, Purpose.simulation, i);
    const z0 = rng.normal();
    const z1 = rng.normal();
    const e = [sd[0]! * z0, sd[1]! * (rho * z0 + Math.sqrt(1 - rho * rho) * z1)];
    const cl = 2 * Math.exp(e[0]!);
    const v = 10 * Math.exp(e[1]!);
    return Float64Array.from(times, (tt) => (100 / v) * Math.exp((-cl / v) * tt) * (1 + 0.1 * rng.normal()));
  });
  const problem: EstimationProblem = {
    thetaNames: ['CL', 'V'],
    subjects: ys.map((y, i) => ({ id: i, y, output: new Uint8Array(times.length) })),
    outputs: [{ name: 'Y', error: 'proportional' }],
    randomEffects: [{ name: 'CL', muIndex: 0, covariates: [] }, { name: 'V', muIndex: 1, covariates: [] }],
    predict: (_s, th, eta, out) => {
      const cl = Math.exp((th[0] ?? 0) + (eta[0] ?? 0));
      const v = Math.exp((th[1] ?? 0) + (eta[1] ?? 0));
      times.forEach((tt, j) => { out[j] = (100 / v) * Math.exp((-cl / v) * tt); });
    },
  };
  const start: PopulationEstimate = { theta: Float64Array.from([0, 3]), omega: Float64Array.from([1, 0, 0, 1]), sigma: Float64Array.from([0.3]) };
  const r = await estimatePopulation(problem, start, { ...TOY_OPTIONS, omegaStructure: 'full' });
  const truth: Record<string, number> = { CL: Math.log(2), V: Math.log(10), omega2_CL: 0.09, omega_V_CL: rho * 0.3 * 0.25, omega2_V: 0.0625, sigma_Y_proportional: 0.1 };
  const n = r.information.parameters.length;
  assert.deepEqual(r.information.parameters.map((p) => p.name), Object.keys(truth));
  r.information.parameters.forEach((p, i) => {
    const se = Math.sqrt(r.information.covariance[i * n + i] ?? NaN);
    assert.ok(Math.abs(p.value - (truth[p.name] ?? NaN)) <= 4 * se, `${p.name}: ${p.value} vs ${truth[p.name]} (se ${se})`);
  });
});

test('a trial without COMED variation holds BETA_COMED_R0 at its start value (0) instead of estimating noise', async () => {
  const design = await readTrial(repoFile('data/EstData.csv'));
  const counts = new Map<number, number>();
  const noComed = subsetTrial(design, (s) => { const c = counts.get(s.doseMg) ?? 0; if (s.comed !== 0 || c >= 2) return false; counts.set(s.doseMg, c + 1); return true; });
  const { trial } = simulateTrial(noComed, TRUTH, 4, 0);
  const fit = await fitPopulationModel(trial, { seed: 1, iterations: { burnIn: 2, exploreMin: 6, exploreMax: 6, smooth: 4 }, importanceSamples: 20, autoStop: false });
  assert.equal(fit.population.fixed.BETA_COMED_R0, 0);
  assert.ok(Number.isNaN(fit.se.fixed.BETA_COMED_R0));
  assert.ok(!fit.covariance.parameters.some((p) => p.name === 'BETA_COMED_R0'));
  assert.ok(fit.convergence.informationPositiveDefinite);
  assert.ok(fit.notes.some((n) => n.includes('BETA_COMED_R0 held')));
});

test('bad options and trials without PK or PD are InputErrors naming the field', async () => {
  const design = await readTrial(repoFile('data/EstData.csv'));
  const placebo = subsetTrial(design, (s) => s.doseMg === 0);
  await assert.rejects(fitPopulationModel(placebo, { seed: 1 }), (e: unknown) => e instanceof InputError && /structure 2cmt-oral-idr needs both concentration \(DVID 1\) and biomarker \(DVID 2\) observations; found 0 concentration/.test(e.message));
  await assert.rejects(fitPopulationModel(design, { seed: -1 }), (e: unknown) => e instanceof InputError && /options\.seed/.test(e.message));
  await assert.rejects(fitPopulationModel(design, { seed: 1, iterations: { smooth: 0 } }), (e: unknown) => e instanceof InputError && /iterations\.smooth/.test(e.message));
});

test('refinement: a collapsed variance of a weakly informed random effect returns to its exact maximum-likelihood value', () => {
  // y_ij = (a + eta0) + (b + eta1) t_j + eps: the slope's variability is weakly informed
  const times = [0, 0.5, 1];
  const sd = 1;
  const n = 60;
  const ys = Array.from({ length: n }, (_, i) => {
    const rng = new RandomStream(21, Purpose.simulation, i);
    const e0 = rng.normal();
    const e1 = 0.6 * rng.normal();
    return Float64Array.from(times, (tt) => 2 + e0 + (1 + e1) * tt + sd * rng.normal());
  });
  const problem: EstimationProblem = {
    thetaNames: ['A', 'B'],
    subjects: ys.map((y, i) => ({ id: i, y, output: new Uint8Array(times.length) })),
    outputs: [{ name: 'Y', error: 'additive' }],
    randomEffects: [{ name: 'A', muIndex: 0, covariates: [] }, { name: 'B', muIndex: 1, covariates: [] }],
    predict: (_s, th, eta, out) => times.forEach((tt, j) => { out[j] = (th[0] ?? 0) + (eta[0] ?? 0) + ((th[1] ?? 0) + (eta[1] ?? 0)) * tt; }),
  };
  // exact marginal log-likelihood as a function of the slope variance w (everything else fixed)
  const X = new Matrix(times.map((tt) => [1, tt]));
  const mean = X.mmul(Matrix.columnVector([2, 1]));
  const logLik = (w: number): number => {
    const V = X.mmul(new Matrix([[1, 0], [0, w]])).mmul(X.transpose()).add(Matrix.eye(times.length).mul(sd * sd));
    const Vinv = mlInverse(V);
    const logDet = Math.log(determinant(V));
    return ys.reduce((acc, y) => {
      const r = Matrix.columnVector(Array.from(y)).sub(mean);
      return acc - 0.5 * (logDet + r.transpose().mmul(Vinv).mmul(r).get(0, 0));
    }, 0);
  };
  let lo = 1e-6;
  let hi = 3;
  for (let i = 0; i < 100; i += 1) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    if (logLik(m1) < logLik(m2)) lo = m1; else hi = m2;
  }
  const mle = (lo + hi) / 2;
  const collapsed: PopulationEstimate = { theta: Float64Array.from([2, 1]), omega: Float64Array.from([1, 0, 0, 1e-4]), sigma: Float64Array.from([sd]) };
  const model = new CountingModel(problem);
  const priors = ys.map(() => splitPrior(collapsed.omega, 2, [true, true]));
  const modes = ys.map((_, s) => conditionalMode(model, s, collapsed, priors[s]!, new Float64Array(2)));
  const proposals = modes.map((m) => {
    const inv = mlInverse(new Matrix([[m.information[0]!, m.information[1]!], [m.information[2]!, m.information[3]!]]));
    return { mean: m.eta, cov: Float64Array.from(inv.to1DArray()) };
  });
  const r = refineRandomEffects(model, collapsed, priors, proposals, 2000, 4);
  assert.deepEqual(r.weak, [1]);
  assert.ok(mle > 0.1, `the exact MLE (${mle}) is well away from 0`);
  assert.ok(Math.abs((r.estimate.omega[3] ?? NaN) - mle) <= 0.15 * mle, `refined ${r.estimate.omega[3]} vs exact MLE ${mle}`);
  assert.ok(r.logLikAfter > r.logLikBefore);
  assert.equal(r.estimate.omega[0], 1);
});
