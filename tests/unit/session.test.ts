/**
 * The trajectory session runner on the known-answer model: agreement with a plain-JS evaluation of
 * the formula, bit-identical results whatever the chunking, card/graph contract errors with their
 * exact messages, non-finite trajectories as tile errors, and the cuda -> cpu fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_ANSWER_PARAMS as P, KNOWN_ANSWER_REGIMENS as R } from '../../models/testmodel/known-answer.js';
import type { KnownAnswerRegimen } from '../../models/testmodel/known-answer.js';
import { knownAnswerArtifact } from '../../models/testmodel/write.js';
import { silentLogger } from '../../worker/common/log.js';
import type { Logger } from '../../worker/common/log.js';
import type { ModelCard } from '../../worker/model/card.js';
import { loadTrajectoryModel, planChunks } from '../../worker/onnx/session.js';
import type { TrajectoryInputs } from '../../worker/onnx/session.js';
import { mulberry32 } from '../kit/prng.js';

const THR = 3.3;


/** G groups (one dose each, as a tile's doses) of M subjects; float32 as the worker feeds them. */
function population(seed: number, G: number, M: number, doseStepMg: number): Required<Omit<TrajectoryInputs, 'theta' | 'extra'>> {
  const u = mulberry32(seed);
  const n = G * M;
  return {
    dose: Float32Array.from({ length: n }, (_, i) => doseStepMg * (1 + 5 * Math.floor(i / M))),
    bw: Float32Array.from({ length: n }, () => 51 + 49 * u()),
    comed: Float32Array.from({ length: n }, () => (u() < 0.5 ? 1 : 0)),
    eta: Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())),
  };
}

/** Window maxima in double from the README formula, evaluated on the card's grid. */
function maxima(reg: KnownAnswerRegimen, grid: number[], x: ReturnType<typeof population>): number[] {
  return Array.from(x.dose, (dose, i) => {
    const base = Math.exp(P.mu + P.betaComed * (x.comed[i] ?? 0) + P.omega * (x.eta[i] ?? 0));
    const c = dose / ((x.bw[i] ?? 0) * (reg.tauH / 24));
    const h = c / (c + P.ec50MgPerKgDay);
    return Math.max(...grid.map((t) => base * (1 - P.emax * h * (reg.smin + (1 - reg.smin) * 0.5 * (1 + Math.cos((2 * Math.PI * t) / reg.tauH))))));
  });
}

for (const [reg, stepMg] of [[R.qd, 2], [R.qw, 15]] as const) {
  test(`${reg.name}: runner equals a plain-JS evaluation (counts exact, sums within float32 rounding)`, async () => {
    const { onnxBytes, card } = knownAnswerArtifact(reg);
    const G = 6;
    const M = 41;
    const x = population(reg.tauH, G, M, stepMg);
    const max = maxima(reg, card.time_grid_h, x);
    const thr32 = Math.fround(THR);
    // The graph computes in float32 (~1e-6 relative here); a subject that close to the threshold could
    // flip either way, so this seed must have none for an exact count comparison to be fair.
    assert.ok(max.every((m) => Math.abs(m - thr32) > 1e-5 * thr32), 'no subject within float32 error of the threshold');
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 64, logger: silentLogger });
    const got = await runner.evaluate(x, G, M, THR);
    await runner.release();
    for (let g = 0; g < G; g++) {
      const rows = max.slice(g * M, (g + 1) * M);
      assert.equal(got.k[g], rows.filter((m) => m <= thr32).length, `k of group ${g}`);
      const q20 = rows.reduce((s, m) => s + m * 2 ** 20, 0);
      const q12 = rows.reduce((s, m) => s + m * m * 2 ** 12, 0);
      // Per row: 2e-6 relative error of the float32 max (a few tens of ulps) plus 0.5 from Round.
      const tol20 = rows.reduce((s, m) => s + 2e-6 * m * 2 ** 20 + 0.5, 0);
      const tol12 = rows.reduce((s, m) => s + 4e-6 * m * m * 2 ** 12 + 0.5, 0);
      assert.ok(Math.abs(Number(got.sumMaxQ20[g]) - q20) <= tol20, `sumMaxQ20 of group ${g}: ${got.sumMaxQ20[g]} vs ${q20}`);
      assert.ok(Math.abs(Number(got.sumMaxSqQ12[g]) - q12) <= tol12, `sumMaxSqQ12 of group ${g}: ${got.sumMaxSqQ12[g]} vs ${q12}`);
    }
    assert.ok(got.k.some((k) => k > 0 && k < M), 'the threshold splits some group');
  });
}

test('results are identical for maxBatchRows 7, 64 and 100000', async () => {
  const { onnxBytes, card } = knownAnswerArtifact(R.qw);
  const G = 5;
  const M = 37;
  const x = population(99, G, M, 15);
  const results = [];
  for (const maxBatchRows of [7, 64, 100_000]) {
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows, logger: silentLogger });
    results.push(await runner.evaluate(x, G, M, THR));
    await runner.release();
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});

test('planChunks covers every row once: whole groups when they fit, else slices of one group', () => {
  assert.deepEqual(planChunks(5, 37, 100), [
    { group: 0, groups: 2, subjectStart: 0, subjects: 37 },
    { group: 2, groups: 2, subjectStart: 0, subjects: 37 },
    { group: 4, groups: 1, subjectStart: 0, subjects: 37 },
  ]);
  assert.deepEqual(planChunks(2, 10, 4), [
    { group: 0, groups: 1, subjectStart: 0, subjects: 4 },
    { group: 0, groups: 1, subjectStart: 4, subjects: 4 },
    { group: 0, groups: 1, subjectStart: 8, subjects: 2 },
    { group: 1, groups: 1, subjectStart: 0, subjects: 4 },
    { group: 1, groups: 1, subjectStart: 4, subjects: 4 },
    { group: 1, groups: 1, subjectStart: 8, subjects: 2 },
  ]);
});

test('a bad card or graph is a ModelError naming what differs', async () => {
  const { onnxBytes, card } = knownAnswerArtifact(R.qd);
  const load = (c: ModelCard) => loadTrajectoryModel(c, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 64, logger: silentLogger });
  const where = 'model card "known-answer-qd" (qd.onnx)';
  const lists = (cardInputs: string) => `(card inputs: [${cardInputs}]; graph inputs: [dose, bw, comed, eta])`;
  await assert.rejects(load({ ...card, sha256: '0'.repeat(64) }), {
    name: 'ModelError',
    message: `${where}: sha256 mismatch: card says ${'0'.repeat(64)}, ONNX bytes hash to ${card.sha256}`,
  });
  await assert.rejects(load({ ...card, inputs: { ...card.inputs, covariates: ['dose', 'bw', 'comed', 'age'] } }), {
    name: 'ModelError',
    message: `${where}: the ONNX graph has no input "age", which the card declares in inputs.covariates ${lists('dose, bw, comed, age, eta')}`,
  });
  const { eta: _eta, ...noEta } = card.inputs;
  await assert.rejects(load({ ...card, inputs: noEta }), {
    name: 'ModelError',
    message: `${where}: ONNX graph input "eta" is not declared by the card ${lists('dose, bw, comed')}`,
  });
  await assert.rejects(load({ ...card, inputs: { ...card.inputs, eta: { dim: 2, distribution: 'standard-normal' } } }), {
    name: 'ModelError',
    message: `${where}: ONNX input "eta" has 1 columns, card inputs.eta.dim says 2`,
  });
  await assert.rejects(load({ ...card, inputs: { ...card.inputs, covariates: ['bw', 'dose', 'comed'] } }), {
    name: 'ModelError',
    message: `${where}: ONNX covariate inputs are ordered [dose, bw, comed], card inputs.covariates says [bw, dose, comed]`,
  });
  await assert.rejects(load({ ...card, time_grid_h: card.time_grid_h.slice(1) }), {
    name: 'ModelError',
    message: `${where}: ONNX output "pd" has 48 time points, card time_grid_h has 47`,
  });
});

test('non-finite pd is a non-retryable TileError naming the group', async () => {
  const { onnxBytes, card } = knownAnswerArtifact(R.qd);
  const x = population(5, 3, 10, 2);
  for (const [poison, count] of [[() => (x.dose[24] = NaN), 48], [() => (x.eta[24] = 1000), 48]] as const) {
    const saved = { dose: x.dose[24] ?? 0, eta: x.eta[24] ?? 0 };
    poison(); // row 24 = group 2: NaN dose -> NaN everywhere; eta 1000 -> exp overflows to Inf
    // maxBatchRows 4 splits group 2 into slices: the count must cover the whole group.
    const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 4, logger: silentLogger });
    await assert.rejects(runner.evaluate(x, 3, 10, THR), {
      name: 'TileError',
      retryable: false,
      message: `model "known-answer-qd": pd has ${count} non-finite value(s) (NaN/Inf) in group 2`,
    });
    await runner.release();
    x.dose[24] = saved.dose;
    x.eta[24] = saved.eta;
  }
});

test('missing or mis-sized inputs are InputErrors', async () => {
  const { onnxBytes, card } = knownAnswerArtifact(R.qd);
  const runner = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 64, logger: silentLogger });
  const { eta: _eta, ...x } = population(1, 2, 5, 2);
  await assert.rejects(runner.evaluate(x, 2, 5, THR), { name: 'InputError', message: 'model "known-answer-qd": evaluate() is missing input eta' });
  await assert.rejects(runner.evaluate({ ...x, eta: new Float32Array(10) }, 2, 6, THR), {
    name: 'InputError',
    message: 'model "known-answer-qd": evaluate() input covariate "dose" has length 10, expected 12',
  });
  await runner.release();
});

test('cuda without a GPU falls back to cpu with one warn line and the same results', async () => {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const capture: Logger = { ...silentLogger, warn: (fields, msg) => void warnings.push({ fields, msg }), child: () => capture };
  const { onnxBytes, card } = knownAnswerArtifact(R.qd);
  const x = population(3, 4, 25, 2);
  const cuda = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cuda', maxBatchRows: 64, logger: capture });
  const cpu = await loadTrajectoryModel(card, onnxBytes, { executionProvider: 'cpu', maxBatchRows: 64, logger: capture });
  assert.equal(cuda.executionProvider, 'cpu');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.msg, 'CUDA execution provider unavailable; falling back to CPU');
  assert.equal(warnings[0]?.fields['requested'], 'cuda');
  assert.deepEqual(await cuda.evaluate(x, 4, 25, THR), await cpu.evaluate(x, 4, 25, THR));
  await cuda.release();
  await cpu.release();
});
