/**
 * The classical baselines' ONNX graphs (models/baselines/graphs.ts) against their double-precision
 * references (emax-model.ts, logistic-model.ts): on random doses, body weights, COMED, eta and the
 * cards' own parameter-uncertainty draws, pd agrees within 1e-4 ng/mL on the QD and QW cards; the
 * cards pass the worker's contract check; the logistic surrogate succeeds exactly when U = Phi(eta) <=
 * P(success); and the reduction head's counts through loadTrajectoryModel equal counting the graph's pd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { readTrial } from '../../models/ingest/trial.js';
import { baselineArtifact, type BaselineCardSpec } from '../../models/baselines/cards.js';
import { emaxCardSpec } from '../../models/baselines/emax-train.js';
import { emaxFromTheta, emaxPrediction } from '../../models/baselines/emax-model.js';
import { clearanceFromCard } from '../../models/baselines/exposure.js';
import { BASELINE_REGIMENS } from '../../models/baselines/graphs.js';
import { lastWindowSummaries } from '../../models/baselines/last-window.js';
import { logisticCardSpec } from '../../models/baselines/logistic-train.js';
import { logisticSurrogate, successProbability } from '../../models/baselines/logistic-model.js';
import { silentLogger } from '../../worker/common/log.js';
import { loadModel } from '../../worker/model/load-card.js';
import { decodeModel } from '../../worker/onnx/graph-builder.js';
import { checkGraphAgainstCard, loadTrajectoryModel } from '../../worker/onnx/session.js';
import { mulberry32 } from '../kit/prng.js';
import { repoFile } from '../kit/sequence-trial.js';

const N = 500;
const THRESHOLD = 3.3;

async function specs(): Promise<{ emax: BaselineCardSpec; emaxTypical: BaselineCardSpec; logistic: BaselineCardSpec; cl: ReturnType<typeof clearanceFromCard> }> {
  const trial = await readTrial(repoFile('data/EstData.csv'));
  const subjects = lastWindowSummaries(trial, 'test');
  const cl = clearanceFromCard(await loadModel(repoFile('models/estdata/qd.model.json')), 'models/estdata/qd.model.json');
  const data = { file: 'EstData.csv', sha256: '0'.repeat(64) };
  return { emax: emaxCardSpec(subjects, cl, data, 3, 50), emaxTypical: emaxCardSpec(subjects, cl, data, 3, 50, false), logistic: logisticCardSpec(subjects, THRESHOLD, data, 3, 50), cl };
}

/** Random rows: doses across both grids and beyond, body weights beyond the trial's, eta out to +-6 sd, theta from the card's draws. */
function inputs(seed: number, draws: readonly (readonly number[])[]) {
  const u = mulberry32(seed);
  const P = draws[0]!.length;
  const x = { dose: new Float32Array(N), bw: new Float32Array(N), comed: new Float32Array(N), eta: new Float32Array(N), theta: new Float32Array(N * P) };
  for (let i = 0; i < N; i += 1) {
    x.dose[i] = i % 10 === 0 ? 0 : 400 * u() ** 2;
    x.bw[i] = 35 + 115 * u();
    x.comed[i] = u() < 0.5 ? 0 : 1;
    x.eta[i] = (u() - 0.5) * 12;
    x.theta.set(draws[Math.floor(u() * draws.length)]!, i * P);
  }
  return x;
}

const row = (x: ReturnType<typeof inputs>, i: number, P: number) => ({
  subject: { doseMg: x.dose[i]!, bwKg: x.bw[i]!, comed: x.comed[i]!, eta: x.eta[i]! },
  theta: [...x.theta.subarray(i * P, (i + 1) * P)],
});

async function runGraph(bytes: Uint8Array, x: ReturnType<typeof inputs>, P: number, eta = true): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const t = (v: Float32Array, dims: number[]) => new ort.Tensor('float32', v, dims);
  const out = await session.run({ dose: t(x.dose, [N]), bw: t(x.bw, [N]), comed: t(x.comed, [N]), ...(eta ? { eta: t(x.eta, [N, 1]) } : {}), theta: t(x.theta, [N, P]) });
  assert.deepEqual(out['pd']!.dims, [N, 1]);
  const pd = out['pd']!.data as Float32Array;
  await session.release();
  return pd;
}

for (const regimen of BASELINE_REGIMENS) {
  test(`emax ${regimen.name}: the ONNX graph matches E(Cavg) + sigma eta within 1e-4 ng/mL`, async () => {
    const { emax, cl } = await specs();
    const { onnxBytes, card } = baselineArtifact(emax, regimen);
    checkGraphAgainstCard(card, decodeModel(onnxBytes));
    const x = inputs(11, emax.draws);
    const pd = await runGraph(onnxBytes, x, 5);
    let maxDiff = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < N; i += 1) {
      const r = row(x, i, 5);
      const ref = emaxPrediction(emaxFromTheta(r.theta), cl, regimen.tauH, r.subject);
      maxDiff = Math.max(maxDiff, Math.abs(pd[i]! - ref));
      [lo, hi] = [Math.min(lo, ref), Math.max(hi, ref)];
    }
    assert.ok(maxDiff <= 1e-4, `max |ONNX - reference| = ${maxDiff} ng/mL`);
    assert.ok(hi - lo > 5, `the outputs must vary (${lo}..${hi}), or the comparison proves nothing`);
  });

  test(`emax typical-subject ${regimen.name} (--no-residual): no eta, the ONNX graph matches E(Cavg) within 1e-4 ng/mL`, async () => {
    const { emaxTypical, cl } = await specs();
    const { onnxBytes, card } = baselineArtifact(emaxTypical, regimen);
    assert.equal(card.inputs.eta, undefined);
    assert.equal(card.name, `emax-typical-${regimen.tag}`);
    checkGraphAgainstCard(card, decodeModel(onnxBytes));
    const x = inputs(14, emaxTypical.draws);
    const pd = await runGraph(onnxBytes, x, 4, false);
    let maxDiff = 0;
    for (let i = 0; i < N; i += 1) {
      const r = row(x, i, 4);
      const { eta: _, ...subject } = r.subject;
      maxDiff = Math.max(maxDiff, Math.abs(pd[i]! - emaxPrediction(emaxFromTheta([...r.theta, 0]), cl, regimen.tauH, subject)));
    }
    assert.ok(maxDiff <= 1e-4, `max |ONNX - reference| = ${maxDiff} ng/mL`);
  });

  test(`logistic ${regimen.name}: the ONNX surrogate matches 3.3 exp(Phi(eta) - P) within 1e-4 and succeeds exactly when U <= P`, async () => {
    const { logistic } = await specs();
    const { onnxBytes, card } = baselineArtifact(logistic, regimen);
    checkGraphAgainstCard(card, decodeModel(onnxBytes));
    const x = inputs(12, logistic.draws);
    const pd = await runGraph(onnxBytes, x, 4);
    let maxDiff = 0;
    let mismatched = 0;
    let successes = 0;
    for (let i = 0; i < N; i += 1) {
      const r = row(x, i, 4);
      maxDiff = Math.max(maxDiff, Math.abs(pd[i]! - logisticSurrogate(r.theta, THRESHOLD, regimen.tauH, r.subject)));
      const p = successProbability(r.theta, regimen.tauH, r.subject);
      const u = normalCdf(r.subject.eta, 0, 1);
      // float32 rounding can only flip a subject whose U and P agree to ~1e-6
      if (Math.abs(u - p) > 1e-5 && (pd[i]! <= Math.fround(THRESHOLD)) !== (u <= p)) mismatched += 1;
      if (u <= p) successes += 1;
    }
    assert.ok(maxDiff <= 1e-4, `max |ONNX - reference| = ${maxDiff} ng/mL`);
    assert.equal(mismatched, 0, 'success by the surrogate = success by U <= P');
    assert.ok(successes > 50 && successes < N - 50, `both outcomes occur (${successes} of ${N})`);
  });
}

test('baseline cards run through loadTrajectoryModel: the reduction head counts the graph\'s pd <= threshold', async () => {
  const { emax, logistic } = await specs();
  for (const [spec, P] of [[emax, 5], [logistic, 4]] as const) {
    const { onnxBytes, card } = baselineArtifact(spec, BASELINE_REGIMENS[0]!);
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 64, logger: silentLogger });
    const x = inputs(13, spec.draws);
    const pd = await runGraph(onnxBytes, x, P);
    const result = await runner.evaluate(x, 5, N / 5, THRESHOLD);
    const expected = [0, 1, 2, 3, 4].map((g) => [...pd.subarray(g * 100, (g + 1) * 100)].filter((v) => v <= Math.fround(THRESHOLD)).length);
    assert.deepEqual(result.k, expected, `${card.family}: counts per group`);
    assert.ok(expected.some((k) => k > 0 && k < 100), 'successes and failures both occur');
    await runner.release();
  }
});
