/**
 * Predicted success per subject (analysis/calibration/calibration-predict.ts): on the known-answer TEST
 * model (real ONNX session) the fraction of eta draws that succeed matches the closed-form
 * P(max PD <= threshold | dose, BW, COMED) within binomial error; with stand-in runners, a card without
 * eta/theta gives its one deterministic outcome, theta draws are used from draw 0 up to the cap, and eta
 * draws are common to all subjects and fixed by the seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictSuccess, type SubjectCovariates } from '../../analysis/calibration/calibration-predict.js';
import { silentLogger } from '../../worker/common/log.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { loadTrajectoryModel, type GroupReductions, type TrajectoryInputs } from '../../worker/onnx/session.js';
import { conditionalAttainment } from '../../models/testmodel/exact.js';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { knownAnswerArtifact } from '../../models/testmodel/write.js';

const SUBJECTS: SubjectCovariates[] = [
  { doseMg: 0, bwKg: 70, comed: 0 },
  { doseMg: 2, bwKg: 70, comed: 0 },
  { doseMg: 5, bwKg: 60, comed: 0 },
  { doseMg: 10, bwKg: 90, comed: 1 },
  { doseMg: 20, bwKg: 80, comed: 1 },
];

test('known-answer model: predicted success = closed-form P(max PD <= thr | dose, BW, COMED) within binomial error', async () => {
  const { card, onnxBytes } = knownAnswerArtifact(KNOWN_ANSWER_REGIMENS.qd);
  const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 4096, logger: silentLogger });
  try {
    const M = 4000;
    const out = await predictSuccess(runner, SUBJECTS, 3.3, { seed: 7, etaPerTheta: M, maxThetaDraws: 50 });
    assert.deepEqual([out.thetaDraws, out.etaDraws], [1, M], 'no theta on the card: one draw; eta: M draws');
    const exact = SUBJECTS.map((s) => conditionalAttainment(KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS.qd, s.doseMg, s.bwKg, s.comed, 3.3));
    assert.ok(Math.min(...exact) < 0.3 && Math.max(...exact) > 0.7, `subjects span the probability range: ${exact.map((x) => x.toFixed(3)).join(', ')}`);
    out.p.forEach((p, i) => {
      const e = exact[i] ?? NaN;
      const tol = 4.5 * Math.sqrt((e * (1 - e)) / M) + 2e-3; // 4.5 SD + float32 rounding of inputs
      assert.ok(Math.abs(p - e) <= tol, `subject ${i}: predicted ${p}, exact ${e.toFixed(4)} (tol ${tol.toFixed(4)})`);
    });
  } finally {
    await runner.release();
  }
});

function card(inputs: ModelCard['inputs']): ModelCard {
  return ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA, name: 'stand-in-qd', family: 'stand-in', version: '1', onnx: 'x.onnx', sha256: '0'.repeat(64),
    regimen: { name: 'QD', tau_h: 24 }, time_grid_h: [0, 12], inputs, outputs: { pd: 'pd' },
  });
}

/** A runner that records its inputs and answers k per group from `decide(row inputs)`. */
function standIn(c: ModelCard, decide: (inputs: TrajectoryInputs, row: number) => boolean) {
  const calls: { inputs: TrajectoryInputs; groups: number; m: number }[] = [];
  const evaluate = async (inputs: TrajectoryInputs, groups: number, m: number): Promise<GroupReductions> => {
    calls.push({ inputs: { ...inputs, dose: inputs.dose.slice(), ...(inputs.eta === undefined ? {} : { eta: inputs.eta.slice() }), ...(inputs.theta === undefined ? {} : { theta: inputs.theta.slice() }) }, groups, m });
    const k = Array.from({ length: groups }, (_, g) => Array.from({ length: m }, (_, j) => (decide(inputs, g * m + j) ? 1 : 0) as number).reduce((a, b) => a + b, 0));
    return { k, sumMaxQ20: k.map(() => 0n), sumMaxSqQ12: k.map(() => 0n), maxAbs: k.map(() => 0) };
  };
  return { runner: { card: c, evaluate }, calls };
}

test('a card without eta or theta: one deterministic trajectory per subject, p is 0 or 1', async () => {
  const { runner, calls } = standIn(card({ covariates: ['dose', 'bw', 'comed'] }), (x, row) => (x.dose[row] ?? 0) >= 1);
  const out = await predictSuccess(runner, SUBJECTS, 3.3, { seed: 1, etaPerTheta: 100, maxThetaDraws: 100 });
  assert.deepEqual(out.p, [0, 1, 1, 1, 1]);
  assert.deepEqual([out.thetaDraws, out.etaDraws, calls.length, calls[0]?.groups, calls[0]?.m], [1, 1, 1, 5, 1]);
});

test('theta draws: draw r for replicate r, from the point estimate (draw 0) up to maxThetaDraws', async () => {
  const draws = [[1, 9], [0, 9], [1, 9], [1, 9]];
  const c = card({ covariates: ['dose', 'bw', 'comed'], theta: { dim: 2, draws } });
  const { runner, calls } = standIn(c, (x, row) => (x.theta?.[row * 2] ?? 0) === 1);
  assert.deepEqual((await predictSuccess(runner, SUBJECTS.slice(0, 2), 3.3, { seed: 1, etaPerTheta: 10, maxThetaDraws: 2 })).p, [0.5, 0.5]);
  assert.deepEqual(calls.map((k) => Array.from(k.inputs.theta ?? []).slice(0, 2)), [[1, 9], [0, 9]]);
  const all = await predictSuccess(runner, SUBJECTS.slice(0, 2), 3.3, { seed: 1, etaPerTheta: 10, maxThetaDraws: 99 });
  assert.deepEqual([all.p, all.thetaDraws, all.etaDraws], [[0.75, 0.75], 4, 1]);
});

test('eta draws: the same for every subject (common random numbers), fixed by the seed, different for another seed', async () => {
  const c = card({ covariates: ['dose', 'bw', 'comed'], eta: { dim: 3, distribution: 'standard-normal' } });
  const run = async (seed: number): Promise<Float32Array> => {
    const { runner, calls } = standIn(c, (x, row) => (x.eta?.[row * 3] ?? 0) < 0);
    const out = await predictSuccess(runner, SUBJECTS.slice(0, 3), 3.3, { seed, etaPerTheta: 400, maxThetaDraws: 5 });
    // a standard-normal first coordinate is negative half the time (binomial SD 0.025 at 400 draws)
    for (const p of out.p) assert.ok(Math.abs(p - 0.5) < 0.11, `P(eta_1 < 0) = ${p}`);
    const eta = calls[0]?.inputs.eta ?? new Float32Array();
    const block = 400 * 3;
    assert.deepEqual(eta.subarray(block, 2 * block), eta.subarray(0, block), 'subject 1 sees subject 0\'s draws');
    return eta.slice(0, block);
  };
  const a = await run(11);
  assert.deepEqual(await run(11), a, 'same seed, same draws');
  assert.notDeepEqual(await run(12), a, 'another seed, other draws');
});
