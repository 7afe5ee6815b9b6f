/**
 * The NUTS sampler (models/estimate/hmc/) on posteriors known in closed form, its determinism, and the
 * population posterior's structured gradient against plain central differences:
 * - a correlated 2-D Gaussian (sds 1 and 3, correlation 0.9): means and variances within 4 Monte Carlo
 *   standard errors (mean: sd / sqrt(ESS); variance: sd^2 sqrt(2 / ESS(x^2)), the sampling sd of a
 *   Gaussian variance over ESS effective draws), with the adapted and the resampled mass;
 * - the eight-schools hierarchical normal with tau fixed (no funnel), non-centred: the posterior of mu and
 *   each theta_j is Gaussian in closed form (below); same tolerances;
 * - same seed, same bytes; another seed, other draws;
 * - PopulationPosterior's gradient (chain rule through phi, per-subject differences) equals central
 *   differences of its log density on a toy problem with a covariate, a psi parameter, a bounded one,
 *   and combined residual error, with the subjects' coordinates non-centred, centred and mixed;
 * - the centred density is the non-centred one less its Jacobian, N log omega_k per centred effect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChains, type HmcOptions } from '../../models/estimate/hmc/chains.js';
import { basicEss, bulkEss, splitChains } from '../../models/estimate/hmc/convergence.js';
import type { HmcTarget } from '../../models/estimate/hmc/nuts.js';
import { centredEffects, PopulationPosterior } from '../../models/estimate/hmc/population-posterior.js';
import type { EstimationProblem } from '../../models/estimate/problem.js';

const OPTIONS: HmcOptions = { chains: 4, warmup: 300, samples: 400, seed: 11, maxDepth: 8, mass: 'diagonal' };

function gaussian(mean: number[], cov: number[][]): HmcTarget {
  const [a = 0, b = 0] = cov[0]!;
  const d = cov[1]![1]!;
  const det = a * d - b * b;
  const inv = [[d / det, -b / det], [-b / det, a / det]];
  return {
    dim: 2,
    logDensityGradient(q, grad) {
      const x = [(q[0] ?? 0) - mean[0]!, (q[1] ?? 0) - mean[1]!];
      grad[0] = -(inv[0]![0]! * x[0]! + inv[0]![1]! * x[1]!);
      grad[1] = -(inv[1]![0]! * x[0]! + inv[1]![1]! * x[1]!);
      return 0.5 * (x[0]! * (grad[0] ?? 0) + x[1]! * (grad[1] ?? 0));
    },
  };
}

/** Checks coordinate i's mean and variance against the truth within 4 Monte Carlo standard errors. */
function checkMoments(draws: readonly (readonly Float64Array[])[], i: number, mean: number, variance: number, label: string): void {
  const chains = draws.map((c) => c.map((q) => q[i] ?? NaN));
  const all = chains.flat();
  const m = all.reduce((s, v) => s + v, 0) / all.length;
  const v = all.reduce((s, x) => s + (x - m) ** 2, 0) / (all.length - 1);
  const ess = bulkEss(chains);
  const essSq = basicEss(splitChains(chains.map((c) => c.map((x) => (x - mean) ** 2))));
  assert.ok(Math.abs(m - mean) < 4 * Math.sqrt(variance / ess), `${label}: mean ${m} vs ${mean} (ESS ${ess.toFixed(0)})`);
  assert.ok(Math.abs(v - variance) < 4 * variance * Math.sqrt(2 / essSq), `${label}: variance ${v} vs ${variance} (ESS of x^2 ${essSq.toFixed(0)})`);
}

test('NUTS on a correlated Gaussian: means and variances within Monte Carlo error, adapted and resampled mass', () => {
  const cov = [[1, 0.9 * 3], [0.9 * 3, 9]];
  const target = gaussian([1, -2], cov);
  for (const mass of ['diagonal', 'resample'] as const) {
    const run = runChains(target, () => Float64Array.from([0, 0]), { ...OPTIONS, mass });
    checkMoments(run.draws, 0, 1, 1, `${mass} x0`);
    checkMoments(run.draws, 1, -2, 9, `${mass} x1`);
    assert.equal(run.chains.reduce((s, c) => s + c.divergences, 0), 0);
    // the adapted metric (inverse mass) estimates the marginal variances (1, 9) from a few hundred draws
    for (const c of run.chains) assert.ok(c.invMetric[1]! / c.invMetric[0]! > 4, `metric ${c.invMetric}`);
  }
});

// eight schools (Rubin 1981): y_j ~ N(theta_j, s_j^2), theta_j = mu + TAU z_j, z_j ~ N(0, 1), mu ~ N(0, 10^2), tau fixed
const Y = [28, 8, -3, 7, -1, 1, 18, 12];
const S = [15, 10, 16, 11, 9, 11, 10, 18];
const TAU = 5;
const MU_SD = 10;

const schools: HmcTarget = {
  dim: 9,
  logDensityGradient(q, grad) {
    const mu = q[0] ?? 0;
    let lp = -0.5 * (mu / MU_SD) ** 2;
    grad[0] = -mu / MU_SD ** 2;
    Y.forEach((y, j) => {
      const z = q[j + 1] ?? 0;
      const r = (y - mu - TAU * z) / S[j]! ** 2;
      lp += -0.5 * z * z - 0.5 * (y - mu - TAU * z) * r;
      grad[0] = (grad[0] ?? 0) + r;
      grad[j + 1] = -z + TAU * r;
    });
    return lp;
  },
};

test('NUTS on the eight-schools hierarchical normal (tau fixed, non-centred): closed-form posterior of mu and theta_j', () => {
  // y_j | mu ~ N(mu, tau^2 + s_j^2): mu's posterior precision 1/10^2 + sum 1/(tau^2 + s_j^2)
  const w = S.map((s) => 1 / (TAU ** 2 + s ** 2));
  const precMu = 1 / MU_SD ** 2 + w.reduce((a, b) => a + b, 0);
  const meanMu = Y.reduce((a, y, j) => a + y * w[j]!, 0) / precMu;
  const varMu = 1 / precMu;
  const run = runChains(schools, () => new Float64Array(9), OPTIONS);
  checkMoments(run.draws, 0, meanMu, varMu, 'mu');
  // theta_j | mu, y ~ N((mu/tau^2 + y_j/s_j^2) / p_j, 1 / p_j), p_j = 1/tau^2 + 1/s_j^2; marginal over mu:
  // mean (E mu/tau^2 + y_j/s_j^2) / p_j, variance 1/p_j + var(mu) / (tau^2 p_j)^2
  const thetaDraws = run.draws.map((c) => c.map((q) => Float64Array.from(Y, (_, j) => (q[0] ?? 0) + TAU * (q[j + 1] ?? 0))));
  Y.forEach((y, j) => {
    const p = 1 / TAU ** 2 + 1 / S[j]! ** 2;
    checkMoments(thetaDraws, j, (meanMu / TAU ** 2 + y / S[j]! ** 2) / p, 1 / p + varMu / (TAU ** 2 * p) ** 2, `theta_${j + 1}`);
  });
});

test('same seed, same draws (bytes); another seed, other draws', () => {
  const short: HmcOptions = { ...OPTIONS, chains: 2, warmup: 50, samples: 30 };
  const bytes = (seed: number): string => Buffer.from(new Float64Array(runChains(schools, () => new Float64Array(9), { ...short, seed }).draws.flatMap((c) => c.flatMap((q) => Array.from(q)))).buffer).toString('hex');
  assert.equal(bytes(3), bytes(3));
  assert.notEqual(bytes(3), bytes(4));
});

/** Two random effects (one with a covariate), a psi parameter (an offset), a bounded psi (a fraction), combined error. */
function toyProblem(): EstimationProblem {
  const times = [0.5, 1, 2, 4, 8];
  const subjects = Array.from({ length: 5 }, (_, i) => ({
    id: i + 1,
    y: Float64Array.from(times, (t) => 10 * Math.exp(-0.3 * t) * (1 + 0.1 * Math.sin(i + t)) + 0.5),
    output: new Uint8Array(times.length),
  }));
  const weight = Float64Array.from([0.2, -0.1, 0.4, 0, -0.3]);
  return {
    thetaNames: ['logA', 'logK', 'BETA', 'OFFSET', 'FRACTION'],
    subjects,
    outputs: [{ name: 'PK', error: 'combined' }],
    randomEffects: [{ name: 'A', muIndex: 0, covariates: [{ thetaIndex: 2, values: weight }] }, { name: 'K', muIndex: 1, covariates: [] }],
    thetaBounds: [{ index: 4, lower: 0, upper: 1 }],
    predict(s, theta, eta, out) {
      const a = Math.exp((theta[0] ?? 0) + (theta[2] ?? 0) * (weight[s] ?? 0) + (eta[0] ?? 0));
      const k = Math.exp((theta[1] ?? 0) + (eta[1] ?? 0));
      times.forEach((t, j) => { out[j] = a * ((theta[4] ?? 0) * Math.exp(-k * t) + (1 - (theta[4] ?? 0)) * Math.exp(-2 * k * t)) + (theta[3] ?? 0); });
    },
  };
}

const TOY_ESTIMATE = { theta: Float64Array.from([2.3, -1.2, 0.1, 0.4, 0.7]), omega: Float64Array.from([0.04, 0, 0, 0.09]), sigma: Float64Array.from([0.3, 0.1]) };

for (const centred of [[false, false], [true, true], [true, false]]) {
  test(`population posterior (${centred.map((c) => (c ? 'centred' : 'non-centred')).join(' / ')}): structured gradient equals central differences of the log density`, () => {
    const problem = toyProblem();
    const post = new PopulationPosterior(problem, TOY_ESTIMATE, centred);
    assert.equal(post.dim, 5 + 2 + 2 + 5 * 2);
    const u = Float64Array.from({ length: post.dim }, (_, i) => 0.3 * Math.sin(1.7 * i + 0.2) + (i < 5 ? [2.3, -1.2, 0.1, 0.4, 0.8][i]! : 0));
    const grad = new Float64Array(post.dim);
    const lp = post.logDensityGradient(u, grad);
    assert.ok(Number.isFinite(lp));
    const h = 1e-5;
    const scratch = new Float64Array(post.dim);
    for (let i = 0; i < post.dim; i += 1) {
      const up = u.slice(); up[i] = (up[i] ?? 0) + h;
      const down = u.slice(); down[i] = (down[i] ?? 0) - h;
      const fd = (post.logDensityGradient(up, scratch) - post.logDensityGradient(down, scratch)) / (2 * h);
      // both are central differences (steps 1e-4 and 1e-5): truncation ~ h^2 f''' and rounding ~ 1e-16 |lp| / h
      assert.ok(Math.abs((grad[i] ?? 0) - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `${post.layout.names[i]}: ${grad[i]} vs ${fd}`);
    }
  });
}

test('population posterior: centred and non-centred coordinates are one density, apart from the Jacobian sum_k N log omega_k', () => {
  const problem = toyProblem();
  const nc = new PopulationPosterior(problem, TOY_ESTIMATE);
  const c = new PopulationPosterior(problem, TOY_ESTIMATE, [true, true]);
  const mixed = new PopulationPosterior(problem, TOY_ESTIMATE, [false, true]);
  assert.deepEqual(c.layout.names.slice(c.layout.population, c.layout.population + 2), ['phi_1_A', 'phi_1_K']);
  const eta = problem.subjects.map((_, i) => [0.1 * Math.cos(i), -0.2 * Math.sin(2 * i + 1)]);
  const theta = Float64Array.from([2.25, -1.1, 0.15, 0.35, 0.6]);
  const sd = Float64Array.from([0.25, 0.4]);
  const sigma = Float64Array.from([0.28, 0.12]);
  const scratch = new Float64Array(nc.dim);
  const lpNc = nc.logDensityGradient(nc.encode(theta, sd, sigma, eta), scratch);
  const uC = c.encode(theta, sd, sigma, eta);
  // encode puts phi = typical value + eta: subject 3 (covariate 0.4) of effect A
  assert.ok(Math.abs((uC[c.layout.population + 2 * 2] ?? 0) - (2.25 + 0.15 * 0.4 + (eta[2]![0] ?? 0))) < 1e-12);
  const lpC = c.logDensityGradient(uC, scratch);
  const lpMixed = mixed.logDensityGradient(mixed.encode(theta, sd, sigma, eta), scratch);
  const n = problem.subjects.length;
  assert.ok(Math.abs(lpC - (lpNc - n * (Math.log(0.25) + Math.log(0.4)))) < 1e-9, `${lpC} vs ${lpNc}`);
  assert.ok(Math.abs(lpMixed - (lpNc - n * Math.log(0.4))) < 1e-9, `${lpMixed} vs ${lpNc}`);
  // decode reads only the population coordinates, the same in both
  assert.deepEqual(Array.from(c.decode(uC).theta), Array.from(nc.decode(nc.encode(theta, sd, sigma, eta)).theta));
});

test('centredEffects: auto centres the effects whose eta-shrinkage is below 30 %; unknown shrinkage stays non-centred', () => {
  assert.deepEqual(centredEffects('auto', [0.05, 0.29, 0.3, 0.8, NaN]), [true, true, false, false, false]);
  assert.deepEqual(centredEffects('centred', [0.05, 0.8]), [true, true]);
  assert.deepEqual(centredEffects('non-centred', [0.05, 0.8]), [false, false]);
});
