/**
 * Fitting the classical baselines (models/baselines): on synthetic trials whose truth is the model,
 * the Emax-on-Cavg fit (through the CSV, the last-window summary and the card) and the logistic link
 * recover their parameters inside the cards' 95 % intervals, and over 200 such trials the intervals
 * cover the truth at close to their nominal rate; training is deterministic (same seed, same bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitEmax } from '../../models/baselines/emax-fit.js';
import { clearanceFromCard, averageConcentration } from '../../models/baselines/exposure.js';
import { fitLogistic } from '../../models/baselines/logistic-fit.js';
import { logisticRow } from '../../models/baselines/logistic-model.js';
import { trainBaseline, type TrainBaselineOptions } from '../../models/baselines/train.js';
import { loadModel } from '../../worker/model/load-card.js';
import { withTempDir } from '../kit/cli.js';
import { baselineTrialCsv, emaxTruthSubjects, logisticTruthSubjects } from '../kit/baseline-trial.js';
import { repoFile } from '../kit/sequence-trial.js';

const PK_CARD = repoFile('models/estdata/qd.model.json');
const EMAX_TRUTH = { e0: 10, eComed: -2, imax: 8, ec50: 1, sigma: 0.8 };
/** arms put Cavg around EC50 (1 mg QD at 70 kg gives ~1 mg/L with the EstData clearance) */
const ARMS = [0, 0.3, 1, 3, 10];
const BETA_TRUTH = [-4, -0.5, 1, 60];
const Z975 = 1.959963984540054;

interface Estimate { name: string; estimate: number; se: number; ci95: [number, number] }

const options = (trialPath: string, outDir: string, family: 'emax' | 'logistic', seed = 1): TrainBaselineOptions => ({ family, trialPath, outDir, seed, pkCardPath: PK_CARD, thresholdNgMl: 3.3, draws: 20 });

async function estimates(dir: string, prefix: string): Promise<Map<string, Estimate>> {
  const card = JSON.parse(await readFile(join(dir, `${prefix}-qd.model.json`), 'utf8')) as { diagnostics: { estimates: Estimate[] } };
  return new Map(card.diagnostics.estimates.map((e) => [e.name, e]));
}

test('emax known truth: qusop train emax on a trial where Emax on Cavg is the truth recovers E0, E_COMED, IMAX, EC50, SIGMA within the card\'s 95 % intervals', async () => {
  const cl = clearanceFromCard(await loadModel(PK_CARD), PK_CARD);
  await withTempDir(async (dir) => {
    const trial = join(dir, 'emax-truth.csv');
    // seed 1, the first tried; 5 intervals at 95 % each, so another seed could miss one by chance (the coverage test below is the statistical check)
    await writeFile(trial, baselineTrialCsv(emaxTruthSubjects({ armsMg: ARMS, perArm: 24, seed: 1 }, EMAX_TRUTH, cl)));
    await trainBaseline(options(trial, join(dir, 'out'), 'emax'));
    const e = await estimates(join(dir, 'out'), 'emax');
    const truth: Record<string, number> = { E0: EMAX_TRUTH.e0, E_COMED: EMAX_TRUTH.eComed, IMAX: EMAX_TRUTH.imax, 'log EC50': Math.log(EMAX_TRUTH.ec50), 'log SIGMA': Math.log(EMAX_TRUTH.sigma) };
    for (const [name, v] of Object.entries(truth)) {
      const est = e.get(name);
      assert.ok(est !== undefined && est.ci95[0] <= v && v <= est.ci95[1], `${name}: truth ${v} in [${est?.ci95.join(', ')}] (estimate ${est?.estimate})`);
      // and the interval is informative, not just wide
      assert.ok(est.se < 0.25 * Math.max(1, Math.abs(v)), `${name}: se ${est.se}`);
    }
  });
});

/**
 * The spread of R estimates against the standard errors the fit reports: the sample sd of R = 200 normal
 * estimates has a relative sd of 1 / sqrt(2 (R - 1)) = 0.05, so a right covariance puts sd / rms(SE) within
 * 1 +- 0.2 (4 of those sds); a covariance off by a factor (a wrong s^2, a wrong Jacobian column) falls outside.
 */
function assertSeMatchesSpread(name: string, estimates: readonly number[], ses: readonly number[]): void {
  const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
  const sd = Math.sqrt(estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / (estimates.length - 1));
  const rmsSe = Math.sqrt(ses.reduce((a, b) => a + b * b, 0) / ses.length);
  assert.ok(sd / rmsSe > 0.8 && sd / rmsSe < 1.25, `${name}: sd of estimates ${sd} vs rms SE ${rmsSe}`);
}

test('emax interval coverage: over 200 synthetic trials the 95 % Wald intervals of IMAX and log EC50 cover the truth at ~95 % and the SEs match the spread', async () => {
  const cl = clearanceFromCard(await loadModel(PK_CARD), PK_CARD);
  const R = 200;
  const covered = { IMAX: 0, logEC50: 0 };
  const spread = { IMAX: { est: [] as number[], se: [] as number[] }, logEC50: { est: [] as number[], se: [] as number[] } };
  for (let r = 0; r < R; r += 1) {
    const s = emaxTruthSubjects({ armsMg: ARMS, perArm: 24, seed: 1000 + r }, EMAX_TRUTH, cl);
    const fit = fitEmax(s.map((x) => ({ cavgMgL: averageConcentration(cl, x.doseMg, x.bwKg, 24), comed: x.comed, pdNgMl: x.dv })), 'synthetic');
    const se = (i: number) => Math.sqrt(fit.covariance[i]![i]!);
    spread.IMAX.est.push(fit.estimate.imax);
    spread.IMAX.se.push(se(2));
    spread.logEC50.est.push(Math.log(fit.estimate.ec50));
    spread.logEC50.se.push(se(3));
    if (Math.abs(fit.estimate.imax - EMAX_TRUTH.imax) <= Z975 * se(2)) covered.IMAX += 1;
    if (Math.abs(Math.log(fit.estimate.ec50) - Math.log(EMAX_TRUTH.ec50)) <= Z975 * se(3)) covered.logEC50 += 1;
  }
  // binomial sd of a 95 % coverage over 200 trials is sqrt(0.95 * 0.05 / 200) = 0.0154: accept 4 sd below nominal
  // (a Wald interval of a nonlinear parameter may undercover a little at n = 120; a wrong covariance would miss by far more)
  for (const [name, k] of Object.entries(covered)) assert.ok(k / R >= 0.95 - 4 * 0.0154, `${name}: coverage ${k}/${R}`);
  for (const [name, v] of Object.entries(spread)) assertSeMatchesSpread(name, v.est, v.se);
});

test('logistic known truth: the fit recovers the link\'s coefficients within their 95 % intervals, which cover at ~95 % over 200 trials with SEs matching the spread', async () => {
  await withTempDir(async (dir) => {
    const trial = join(dir, 'logistic-truth.csv');
    await writeFile(trial, baselineTrialCsv(logisticTruthSubjects({ armsMg: ARMS, perArm: 80, seed: 1 }, BETA_TRUTH)));
    await trainBaseline(options(trial, join(dir, 'out'), 'logistic'));
    const e = await estimates(join(dir, 'out'), 'logistic');
    ['B0', 'B_BW', 'B_COMED', 'B_DOSE'].forEach((name, i) => {
      const est = e.get(name);
      const v = BETA_TRUTH[i]!;
      assert.ok(est !== undefined && est.ci95[0] <= v && v <= est.ci95[1], `${name}: truth ${v} in [${est?.ci95.join(', ')}]`);
    });
  });
  const R = 200;
  let covered = 0;
  const est: number[] = [];
  const ses: number[] = [];
  for (let r = 0; r < R; r += 1) {
    const s = logisticTruthSubjects({ armsMg: ARMS, perArm: 80, seed: 2000 + r }, BETA_TRUTH);
    const fit = fitLogistic(s.map((x) => logisticRow(x.doseMg, x.bwKg, x.comed)), s.map((x) => (x.dv <= 3.3 ? 1 : 0)), 'synthetic');
    est.push(fit.beta[3] ?? NaN);
    ses.push(Math.sqrt(fit.covariance[3]![3]!));
    if (Math.abs((fit.beta[3] ?? NaN) - BETA_TRUTH[3]!) <= Z975 * Math.sqrt(fit.covariance[3]![3]!)) covered += 1;
  }
  // as above: nominal 0.95, binomial sd 0.0154 over 200 trials, 4 sd allowed
  assert.ok(covered / R >= 0.95 - 4 * 0.0154, `B_DOSE coverage ${covered}/${R}`);
  assertSeMatchesSpread('B_DOSE', est, ses);
});

test('training is deterministic: the same seed gives the same card and ONNX bytes; another seed other draws around the same estimate', async () => {
  await withTempDir(async (dir) => {
    const trial = repoFile('data/EstData.csv');
    for (const family of ['emax', 'logistic'] as const) {
      const [a, b, c] = [join(dir, `${family}-a`), join(dir, `${family}-b`), join(dir, `${family}-c`)];
      await trainBaseline(options(trial, a, family, 7));
      await trainBaseline(options(trial, b, family, 7));
      await trainBaseline(options(trial, c, family, 8));
      for (const f of [`${family}-qd.model.json`, `${family}-qd.onnx`, `${family}-qw.model.json`, `${family}-qw.onnx`]) {
        assert.deepEqual(await readFile(join(b, f)), await readFile(join(a, f)), `${f}: same seed, same bytes`);
      }
      const draws = async (d: string) => (JSON.parse(await readFile(join(d, `${family}-qd.model.json`), 'utf8')) as { inputs: { theta: { draws: number[][] } } }).inputs.theta.draws;
      const [da, dc] = [await draws(a), await draws(c)];
      assert.deepEqual(dc[0], da[0], 'row 0 is the estimate whatever the seed');
      assert.notDeepEqual(dc[1], da[1], 'the draws follow the seed');
    }
  });
});

test('the shipped models/baselines-estdata are what qusop train emax|logistic data/EstData.csv [--no-residual] writes with the defaults', async () => {
  await withTempDir(async (dir) => {
    for (const [family, prefix, residual] of [['emax', 'emax', true], ['emax', 'emax-typical', false], ['logistic', 'logistic', true]] as const) {
      await trainBaseline({ ...options(repoFile('data/EstData.csv'), dir, family, 1), draws: 200, residual });
      for (const f of [`${prefix}-qd.model.json`, `${prefix}-qd.onnx`, `${prefix}-qw.model.json`, `${prefix}-qw.onnx`]) {
        const command = `qusop train ${family} data/EstData.csv${residual ? '' : ' --no-residual'} --out models/baselines-estdata`;
        assert.ok((await readFile(join(dir, f))).equals(await readFile(repoFile(join('models', 'baselines-estdata', f)))), `${f}: regenerate with ${command}`);
      }
    }
  });
});
