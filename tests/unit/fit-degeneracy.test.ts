/**
 * Degenerate fits (issue 18 §2): the check on the shipped EstData fit (sound: nothing named) and on
 * that fit with one thing broken at a time (each problem named with its parameter and value); the VPC
 * rule against an exact binomial tail summed here; and the export decision (no cards unless forced,
 * forced cards carry diagnostics.degenerate, answers from them are flagged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantileSorted } from 'd3-array';
import { fitDegeneracies, vpcCoverageTooLow, vpcNominal, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { mulberry32 } from '../kit/prng.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { VpcBin, VpcResult } from '../../models/estimate/vpc.js';
import { writeFitRecord } from '../../analysis/fit/fit-record.js';
import { cardDegeneracies, DEGENERATE_FIT, withDegenerateCaveat } from '../../analysis/answer/degenerate-caveat.js';
import type { Answer } from '../../analysis/answer/answers.js';
import type { AnswerModel } from '../../analysis/answer/models.js';
import { ModelCardSchema } from '../../worker/model/card.js';
import { ROOT } from '../kit/cli.js';

const SHIPPED = join(ROOT, 'models', 'estdata');
const shipped = JSON.parse(await readFile(join(SHIPPED, 'fit.json'), 'utf8')) as { fit: FitResult; vpc: VpcResult };
const withFixed = (over: Partial<FitResult['population']['fixed']>): FitResult => ({ ...shipped.fit, population: { ...shipped.fit.population, fixed: { ...shipped.fit.population.fixed, ...over } } });
const kinds = (ps: readonly DegeneracyProblem[]): string[] => ps.map((p) => `${p.kind}:${p.parameter}`);

test("the shipped EstData fit is not degenerate (its parameters, information, objective and VPC pass)", () => {
  assert.deepEqual(fitDegeneracies(shipped.fit, shipped.vpc), []);
});

test("the issue's limits (Q ~ 1e21 L/h, V2 ~ 0.02 L) are named with parameter and value", () => {
  const problems = fitDegeneracies(withFixed({ Q: 1e21, V2: 0.02 }), shipped.vpc);
  assert.deepEqual(kinds(problems), ['implausible-rate:k12 = Q/V1', 'implausible-rate:k21 = Q/V2', 'implausible-volume:V2', 'diverging-ratio:Q/CL']);
  const q = problems.find((p) => p.parameter === 'Q/CL');
  assert.match(q?.message ?? '', /ratio Q\/CL is 2\.29\de\+22/);
  assert.match(problems.find((p) => p.parameter === 'V2')?.message ?? '', /volume V2 is 0\.02 L/);
});

test('Q -> 0 (the peripheral compartment never fills) and a rate at the other end are named too', () => {
  assert.deepEqual(kinds(fitDegeneracies(withFixed({ Q: 1e-7 }), shipped.vpc)), ['implausible-rate:k12 = Q/V1', 'implausible-rate:k21 = Q/V2', 'diverging-ratio:Q/CL']);
  assert.deepEqual(kinds(fitDegeneracies(withFixed({ V2: 1e-4 * shipped.fit.population.fixed.V1 / 2 }), shipped.vpc)), ['implausible-rate:k21 = Q/V2', 'implausible-volume:V2', 'diverging-ratio:V2/V1']);
  assert.deepEqual(kinds(fitDegeneracies(withFixed({ KA: 5e3 }), shipped.vpc)), ['implausible-rate:KA']);
});

test('an effect-compartment rate KE0 running to infinity (or to 0) is named for the ke0 structures only', () => {
  const ke0 = (KE0: number, structure: NonNullable<FitResult['structure']>): FitResult => ({ ...withFixed({ KE0 }), structure });
  assert.deepEqual(kinds(fitDegeneracies(ke0(3e4, '2cmt-oral-ke0-imax'), shipped.vpc)), ['implausible-rate:KE0']);
  assert.deepEqual(kinds(fitDegeneracies(ke0(1e-7, '1cmt-oral-ke0-imax'), shipped.vpc)), ['implausible-rate:KE0']);
  assert.deepEqual(kinds(fitDegeneracies(ke0(0.3, '2cmt-oral-ke0-imax'), shipped.vpc)), []);
  // a structure without the effect compartment holds KE0 unread: never named
  assert.deepEqual(kinds(fitDegeneracies(ke0(3e4, '2cmt-oral-imax'), shipped.vpc)), []);
});

test('a fixed effect at a bound, information not positive definite and a non-finite objective are named', () => {
  const broken: FitResult = {
    ...withFixed({ IMAX: 1 - 1e-4 }),
    convergence: { ...shipped.fit.convergence, atBound: ['IMAX'], informationPositiveDefinite: false, informationMinEigenvalue: -3e-9, objectiveFinite: false },
    objective: { ...shipped.fit.objective, minus2LL: NaN },
  };
  const problems = fitDegeneracies(broken, shipped.vpc);
  assert.deepEqual(kinds(problems), ['at-bound:IMAX', 'information:Fisher information', 'objective:-2LL']);
  assert.match(problems[0]?.message ?? '', /IMAX at a bound of its range \(0\.9999\)/);
  assert.match(problems[1]?.message ?? '', /min eigenvalue -3\.000e-9/);
});

/** P(X <= k), X ~ Binomial(n, p), summed term by term (independent of the check's beta quantile). */
function binomialCdf(k: number, n: number, p: number): number {
  let term = (1 - p) ** n;
  let sum = term;
  for (let i = 1; i <= k; i += 1) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return sum;
}

test('VPC: flagged exactly when k of n inside is in the 1 % lower tail of Binomial(n, 0.9)', () => {
  for (const n of [12, 36, 72, 144, 252]) {
    for (let k = 0; k <= n; k += 1) {
      assert.equal(vpcCoverageTooLow(k, n), binomialCdf(k, n, 0.9) < 0.01, `k ${k} of n ${n}: tail ${binomialCdf(k, n, 0.9)}`);
    }
  }
});

test("VPC bins with too few observed percentiles inside are named per endpoint; the shipped VPC's coverage is not", () => {
  // PD: move the observed percentiles of every other PD bin above their intervals (coverage ~50 %)
  let i = 0;
  const bins: VpcBin[] = shipped.vpc.bins.map((b) => (b.dvid === 2 && (i += 1) % 2 === 0 ? { ...b, observed: b.simulated.map(([, , hi]) => hi + 1) } : b));
  const problems = fitDegeneracies(shipped.fit, { ...shipped.vpc, bins });
  assert.deepEqual(kinds(problems), ['vpc:VPC coverage PD']);
  assert.match(problems[0]?.message ?? '', /VPC PD: \d+ of \d+ observed percentiles/);
});

test('a degenerate fit writes fit.json and the report but no cards unless forced; forced cards name the problems and answers from them are flagged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-degenerate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fit = withFixed({ Q: 1e21, V2: 0.02 });
  const degenerate = fitDegeneracies(fit, shipped.vpc);
  const draws = [(JSON.parse(await readFile(join(SHIPPED, 'qd.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } }).inputs.theta.draws[0]!];
  const record = { trialPath: 'trial.csv', dataSha256: '0'.repeat(64), fit, vpc: shipped.vpc, degenerate, draws, seed: 1, provenance: { code_version: 'test', data: { path: 'trial.csv' } }, diagnostics: { converged: false } };
  const refused = join(dir, 'refused');
  assert.equal(await writeFitRecord({ ...record, outDir: refused, force: false }), null);
  const exists = (f: string): Promise<boolean> => access(f).then(() => true, () => false);
  for (const f of ['qd.model.json', 'qw.model.json', 'qd.onnx', 'qw.onnx', 'model.yaml']) assert.equal(await exists(join(refused, f)), false, f);
  const report = await readFile(join(refused, 'fit-report.md'), 'utf8');
  assert.match(report, /## Degenerate fit\n\nNot exported for sweeping/);
  assert.match(report, /- ratio Q\/CL is 2\.29\de\+22/);
  assert.deepEqual((JSON.parse(await readFile(join(refused, 'fit.json'), 'utf8')) as { degenerate: unknown }).degenerate, JSON.parse(JSON.stringify(degenerate)));

  const forced = join(dir, 'forced');
  const cards = await writeFitRecord({ ...record, outDir: forced, force: true });
  assert.ok(cards !== null);
  assert.match(await readFile(join(forced, 'fit-report.md'), 'utf8'), /## Degenerate fit\n\nExported anyway because --force was given/);
  const card = ModelCardSchema.parse(JSON.parse(await readFile(cards.qd, 'utf8')));
  assert.deepEqual(cardDegeneracies(card), degenerate.map((p) => p.message));
  const model = { label: 'popmodel', cards: { qd: { cardPath: cards.qd, card }, qw: { cardPath: cards.qw, card } } } as unknown as AnswerModel;
  const answer = { model: { name: 'popmodel' }, regimen: 'qd', flags: [], statement: 'Take 3 mg.' } as unknown as Answer;
  const flagged = withDegenerateCaveat(answer, [model]);
  assert.deepEqual(flagged.flags, [DEGENERATE_FIT]);
  assert.match(flagged.statement, /^Take 3 mg\. Caveat: model popmodel was exported from a degenerate fit \(forced\): rate k12/);

  // a sound fit's cards carry no such entry, and its answers no flag
  const sound = await writeFitRecord({ ...record, fit: shipped.fit, degenerate: [], outDir: join(dir, 'sound'), force: false });
  assert.ok(sound !== null);
  const soundCard = ModelCardSchema.parse(JSON.parse(await readFile(sound.qd, 'utf8')));
  assert.equal(soundCard.diagnostics['degenerate'], undefined);
  assert.equal(withDegenerateCaveat(answer, [{ ...model, cards: { qd: { cardPath: sound.qd, card: soundCard }, qw: { cardPath: sound.qw, card: soundCard } } }]), answer);
});

test('VPC nominal: a 90 % interval of R simulated values (type-7 quantiles) covers one more value with probability 0.9 (R - 1) / (R + 1)', () => {
  const u = mulberry32(77);
  const trials = 40_000;
  for (const R of [20, 50, 200]) {
    let inside = 0;
    for (let t = 0; t < trials; t += 1) {
      const sorted = Array.from({ length: R }, () => u()).sort((a, b) => a - b);
      const x = u();
      if (x >= (quantileSorted(sorted, 0.05) ?? NaN) && x <= (quantileSorted(sorted, 0.95) ?? NaN)) inside += 1;
    }
    // binomial sd of the fraction <= 0.0016 at 40 000 trials: 4 sd
    const want = vpcNominal(R);
    assert.ok(Math.abs(inside / trials - want) < 4 * Math.sqrt((want * (1 - want)) / trials), `R ${R}: ${inside / trials} vs ${want}`);
  }
  // with R = 50 a right model's 208 of 252 (82.5 %) is not flagged; against 0.9 itself it was
  assert.equal(vpcCoverageTooLow(208, 252, 50), false);
  assert.equal(vpcCoverageTooLow(208, 252), true);
});

test('VPC clusters: the binomial is over subjects, not correlated points (12 subjects, 375 points)', () => {
  assert.equal(vpcCoverageTooLow(272, 375, 200, 12), false, '72.5 % of 12 subjects: a 99 % bound reaches 89 %');
  assert.equal(vpcCoverageTooLow(272, 375, 200), true, 'counted as 375 independent points it is flagged');
  assert.equal(vpcCoverageTooLow(120, 375, 200, 12), true, '32 % coverage is flagged even over 12 subjects');
});
