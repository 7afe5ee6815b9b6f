/**
 * The M3 likelihood (issue 16: BLQ rows in the fit), checked against direct numerical references:
 * - log Phi(z) against Phi by quadrature, in the far tails included (z = -1000 .. 40), where
 *   Math.log(normalCdf(z)) underflows (z < -38.5) or rounds to 0 (z > 8.3);
 * - the score and information pieces against finite differences of log Phi;
 * - a subject with censored rows: its conditional log-likelihood is the Gaussian part plus log Phi of
 *   each censored row; a subject without (no flags, or all flags 0) gives the same bits as the Gaussian
 *   formula, and so do the score/information and the residual M-step;
 * - conditional modes and the linearised information: same bits without censored rows, finite and
 *   positive definite with them;
 * - the censored residual M-step finds the maximum of the M3 likelihood (grid search of the objective
 *   written here from the normal CDF), for additive and combined error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { censoredScoreInfo, logNormalCdf, normalHazard } from '../../models/estimate/censored-likelihood.js';
import { accumulateScoreInfo, conditionalLogLik } from '../../models/estimate/likelihood.js';
import { censoredResidualMle } from '../../models/estimate/mstep-residual-m3.js';
import { updateResiduals } from '../../models/estimate/mstep-residual.js';
import { residualLayout, type EstimationProblem, type SubjectData } from '../../models/estimate/problem.js';
import type { Chain } from '../../models/estimate/mcmc.js';
import { RandomStream } from '../../models/estimate/rng.js';
import { CountingModel } from '../../models/estimate/likelihood.js';
import { conditionalMode } from '../../models/estimate/modes.js';
import { linearisedInformation } from '../../models/estimate/fim.js';
import { splitPrior } from '../../models/estimate/eta-prior.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Phi(z) by quadrature, written so it neither underflows nor cancels: with t = z - s,
 * Phi(z) = phi(z) * I, I = int_0^inf exp(z s - s^2/2) ds, so log Phi = -z^2/2 - log sqrt(2 pi) + log I.
 * I by composite Simpson on [0, S] with S past where the integrand is below e^-60 of its peak. For
 * z > 0 the upper tail is used instead: log Phi(z) = log1p(-Phi(-z)) with Phi(-z) from the same quadrature.
 */
function quadratureLogPhi(z: number): number {
  if (z > 0) return Math.log1p(-Math.exp(quadratureLogPhi(-z)));
  const a = -z;
  // the integrand exp(-a s - s^2/2) <= e^-60 once a s + s^2/2 >= 60
  const span = Math.min(60 / Math.max(a, 1e-9), Math.sqrt(120));
  const n = 20_000;
  const h = span / n;
  let sum = 0;
  for (let i = 0; i <= n; i += 1) {
    const s = i * h;
    const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * Math.exp(-a * s - (s * s) / 2);
  }
  return -(z * z) / 2 - LOG_SQRT_2PI + Math.log((sum * h) / 3);
}

test('log Phi matches Phi by quadrature from z = -1000 to 40 (relative 1e-10), and is continuous where its method changes', () => {
  for (const z of [-1000, -200, -60, -38.6, -30.000001, -30, -29.999999, -20, -8, -3, -1, -0.1, 0, 0.1, 1, 3, 8, 9, 15, 38, 40]) {
    const got = logNormalCdf(z);
    const want = quadratureLogPhi(z);
    assert.ok(Number.isFinite(got), `z = ${z}: finite (${got})`);
    assert.ok(Math.abs(got - want) <= 1e-10 * Math.abs(want), `z = ${z}: log Phi ${got} vs quadrature ${want}`);
  }
  // where the naive form fails: underflow below -38.5, rounding to log(1) = 0 above 8.3
  assert.equal(Math.log(normalCdf(-40, 0, 1)), -Infinity);
  assert.ok(logNormalCdf(-40) < -800 && Number.isFinite(logNormalCdf(-40)));
  assert.ok(logNormalCdf(9) < 0);
  assert.equal(logNormalCdf(NaN), NaN);
});

test('the hazard phi/Phi is the derivative of log Phi; the censored score and information follow log Phi(z(f)) by finite differences', () => {
  for (const z of [-300, -35, -10, -2, 0, 1.5, 6]) {
    const h = 1e-5 * Math.max(1, Math.abs(z));
    const fd = (logNormalCdf(z + h) - logNormalCdf(z - h)) / (2 * h);
    assert.ok(Math.abs(normalHazard(z) - fd) <= 1e-6 * Math.max(1, Math.abs(fd)), `z = ${z}: hazard ${normalHazard(z)} vs ${fd}`);
    // the Gauss-Newton information weight lambda (z + lambda) lies in (0, 1) per unit (dz/df)^2
    const l = normalHazard(z);
    assert.ok(l * (z + l) > 0 && l * (z + l) < 1, `z = ${z}: lambda (z + lambda) = ${l * (z + l)}`);
  }
  // one censored row of a combined-error output: LLOQ 0.2, a = 0.05, b = 0.1
  const lloq = 0.2;
  const [a, b] = [0.05, 0.1];
  const logLik = (f: number): number => logNormalCdf((lloq - f) / Math.sqrt(a * a + b * b * f * f));
  for (const f of [0.01, 0.2, 0.5, 3]) {
    const v = a * a + b * b * f * f;
    const { score } = censoredScoreInfo(lloq - f, v, 2 * b * b * f);
    const fd = (logLik(f + 1e-6) - logLik(f - 1e-6)) / 2e-6;
    assert.ok(Math.abs(score - fd) <= 1e-6 * Math.max(1, Math.abs(fd)), `f = ${f}: score ${score} vs ${fd}`);
  }
});

const AB = Float64Array.from([0.05, 0.1, 0.4, 0]);
const SUBJECT: SubjectData = { id: 1, y: Float64Array.from([1.3, 0.2, 0.8, 5.1]), output: Uint8Array.from([0, 0, 0, 1]) };
const F = Float64Array.from([1.1, 0.35, 0.9, 4.6]);

/** The Gaussian log-likelihood written out here, in the engine's order of summation. */
function gaussian(y: Float64Array, f: Float64Array, output: Uint8Array, rows: readonly number[]): number {
  let s = 0;
  for (const j of rows) {
    const o = output[j]!;
    const [a, b, fj] = [AB[2 * o]!, AB[2 * o + 1]!, f[j]!];
    const v = Math.max(a * a + b * b * fj * fj, 1e-12);
    const r = y[j]! - fj;
    s += (r * r) / v + Math.log(v) + Math.log(2 * Math.PI);
  }
  return -0.5 * s;
}

test('a subject without censored rows gives the Gaussian bits; a censored row contributes log Phi((LLOQ - f) / sd) instead of its density', () => {
  const plain = conditionalLogLik(SUBJECT, F, AB);
  assert.equal(plain, gaussian(SUBJECT.y, F, SUBJECT.output, [0, 1, 2, 3]));
  assert.equal(conditionalLogLik({ ...SUBJECT, censored: new Uint8Array(4) }, F, AB), plain);
  const censored = conditionalLogLik({ ...SUBJECT, censored: Uint8Array.from([0, 1, 0, 0]) }, F, AB);
  const sd = Math.sqrt(0.05 ** 2 + 0.1 ** 2 * 0.35 ** 2);
  const want = gaussian(SUBJECT.y, F, SUBJECT.output, [0, 2, 3]) + quadratureLogPhi((0.2 - 0.35) / sd);
  assert.ok(Math.abs(censored - want) < 1e-12 * Math.abs(want), `${censored} vs ${want}`);
  // score and information: bits unchanged without censoring
  const jac = Float64Array.from([0.3, -0.1, 0.7, 0.2, 0.05, 0.4, -0.6, 0.9]);
  const run = (s: SubjectData) => { const g = new Float64Array(2); const h = new Float64Array(4); accumulateScoreInfo(s, F, jac, 2, AB, g, h); return [...g, ...h]; };
  assert.deepEqual(run({ ...SUBJECT, censored: new Uint8Array(4) }), run(SUBJECT));
  assert.notDeepEqual(run({ ...SUBJECT, censored: Uint8Array.from([0, 1, 0, 0]) }), run(SUBJECT));
});

test('the residual M-step: the same bits without censored rows; with them the maximum of the M3 likelihood (grid check)', () => {
  // y ~ N(f, 0.3^2) at f = 1 + j/100 (fixed seed), censored below LLOQ 1.2: about 55 % of the rows
  const rng = new RandomStream(11, 0, 0);
  const n = 400;
  const f = Float64Array.from({ length: n }, (_, j) => 1 + j / n);
  const lloq = 1.2;
  const raw = Float64Array.from(f, (fj) => fj + 0.3 * rng.normal());
  const censored = Uint8Array.from(raw, (v) => (v < lloq ? 1 : 0));
  const y = Float64Array.from(raw, (v) => (v < lloq ? lloq : v));
  const problem = (s: SubjectData): EstimationProblem => ({
    thetaNames: [], subjects: [s], outputs: [{ name: 'PK', error: 'additive' }], randomEffects: [], predict: () => undefined,
  });
  const chains: Chain[] = [{ phi: new Float64Array(0), eta: new Float64Array(0), f, logLik: 0, rng }];
  const layout = residualLayout([{ name: 'PK', error: 'additive' }]);
  const step = (s: SubjectData) => updateResiduals(problem(s), layout, chains, Float64Array.from([0.5]), Float64Array.from([1e-6]), 1, false);
  const observed: SubjectData = { id: 1, y: raw, output: new Uint8Array(n) };
  assert.deepEqual(step({ ...observed, censored: new Uint8Array(n) }), step(observed));
  assert.equal(step(observed)[0], Math.sqrt(raw.reduce((s, v, j) => s + (v - f[j]!) ** 2, 0) / n));
  // M3 objective written here, maximised on a grid of a (additive) and of (a, b) (combined)
  const objective = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < n; j += 1) {
      const sd = Math.sqrt(a * a + b * b * f[j]! ** 2);
      s += censored[j] === 1 ? Math.log(normalCdf((lloq - f[j]!) / sd, 0, 1)) : -0.5 * (((y[j]! - f[j]!) / sd) ** 2 + 2 * Math.log(sd));
    }
    return s;
  };
  const r = Float64Array.from(y, (v, j) => v - f[j]!);
  const additive = censoredResidualMle({ r, f, censored }, 'additive', 1, 0, 1e-6, 1e-3);
  let best = { a: NaN, value: -Infinity };
  for (let a = 0.1; a <= 0.6; a += 1e-5) { const v = objective(a, 0); if (v > best.value) best = { a, value: v }; }
  assert.ok(Math.abs(additive.a - best.a) < 2e-5, `additive: M-step a ${additive.a} vs grid ${best.a}`);
  // the truth 0.3 within 3 asymptotic sds (about 0.3 / sqrt(2 * 180 observed rows) = 0.016)
  assert.ok(Math.abs(additive.a - 0.3) < 0.05, `additive a ${additive.a} vs truth 0.3`);
  const combined = censoredResidualMle({ r, f, censored }, 'combined', 0.1, 0.1, 1e-6, 1e-3);
  let best2 = { a: NaN, b: NaN, value: -Infinity };
  for (let a = 0.01; a <= 0.5; a += 0.002) for (let b = 0.001; b <= 0.3; b += 0.002) { const v = objective(a, b); if (v > best2.value) best2 = { a, b, value: v }; }
  assert.ok(objective(combined.a, combined.b) >= best2.value - 1e-9, `combined: M-step (${combined.a}, ${combined.b}) at ${objective(combined.a, combined.b)} below the grid's best (${best2.a}, ${best2.b}) at ${best2.value}`);
  // and through updateResiduals (gain 1): the M3 maximiser for the censored subject
  const stepped = step({ id: 1, y, output: new Uint8Array(n), censored });
  assert.ok(Math.abs(stepped[0]! - best.a) < 2e-5, `updateResiduals with censored rows: ${stepped[0]} vs ${best.a}`);
});

/** A toy problem: y = exp(theta0 + eta) exp(-exp(theta1) t), additive + proportional error, one random effect. */
function toyProblem(censor: 'absent' | 'zeros' | 'late'): EstimationProblem {
  const times = [0.5, 1, 2, 4, 8, 16];
  const truth = [[1.1, 0.95, 0.72, 0.4, 0.14, 0.019], [1.6, 1.3, 1.05, 0.6, 0.2, 0.03]];
  const lloq = 0.05;
  const subjects: SubjectData[] = truth.map((ys, i) => {
    const y = Float64Array.from(ys, (v) => (censor === 'late' && v < lloq ? lloq : v));
    const base = { id: i + 1, y, output: new Uint8Array(ys.length) };
    if (censor === 'absent') return base;
    return { ...base, censored: Uint8Array.from(ys, (v) => (censor === 'late' && v < lloq ? 1 : 0)) };
  });
  return {
    thetaNames: ['logA', 'logK'], subjects, outputs: [{ name: 'PK', error: 'combined' }],
    randomEffects: [{ name: 'A', muIndex: 0, covariates: [] }],
    predict: (_s, theta, eta, out) => { times.forEach((t, j) => { out[j] = Math.exp((theta[0] ?? 0) + (eta[0] ?? 0)) * Math.exp(-Math.exp(theta[1] ?? 0) * t); }); },
  };
}

test('conditional modes and the linearised Fisher information: the same bits without censored rows; finite and positive definite with them', () => {
  const est = { theta: Float64Array.from([0.2, Math.log(0.25)]), omega: Float64Array.from([0.09]), sigma: Float64Array.from([0.01, 0.1]) };
  const prior = splitPrior(est.omega, 1, [true]);
  const run = (censor: 'absent' | 'zeros' | 'late') => {
    const model = new CountingModel(toyProblem(censor));
    const modes = model.problem.subjects.map((_, s) => conditionalMode(model, s, est, prior, new Float64Array(1)));
    const info = linearisedInformation(model, est, modes.map((m) => m.eta), [[true], [true]], 'diagonal');
    return { modes: modes.map((m) => [...m.eta, m.objective]), info: [...info.information], pd: info.positiveDefinite };
  };
  const plain = run('absent');
  assert.deepEqual(run('zeros'), plain);
  const m3 = run('late');
  assert.equal(m3.pd, true);
  assert.ok(m3.info.every(Number.isFinite) && m3.modes.flat().every(Number.isFinite));
  assert.notDeepEqual(m3.info, plain.info);
});
