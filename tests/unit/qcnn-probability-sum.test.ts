/**
 * The optional p_success output of the trajectory contract (worker/model/card.ts), used by the QCNN:
 * the reduction head sums probabilities in Q20 fixed point (the same total on any split of the batch
 * into session.run calls, within 2^-21 per row of the exact sum), k counts p >= 0.5, and the aggregator
 * turns such cells into mean-probability curves with the replicate band (never Clopper-Pearson).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { loadTrajectoryModel } from '../../worker/onnx/session.js';
import { silentLogger } from '../../worker/common/log.js';
import { ModelCardSchema } from '../../worker/model/card.js';
import { parseModelCard } from '../../worker/model/load-card.js';
import { regimenCurve, type RegimenCells } from '../../coordinator/aggregate/curves.js';
import { decide } from '../../coordinator/aggregate/decisions.js';
import { replicateQuantileBand } from '../../coordinator/aggregate/bands.js';
import { probabilityCard, probabilityOnnx } from '../kit/probability-model.js';
import { mulberry32 } from '../kit/prng.js';

const G = 3;
const M = 37;
const B = G * M;

function inputs() {
  const u = mulberry32(11);
  const dose = Float32Array.from({ length: B }, (_, row) => [2, 8, 14][Math.floor(row / M)] ?? 0);
  const bw = Float32Array.from({ length: B }, () => 50 + 50 * u());
  const comed = Float32Array.from({ length: B }, () => (u() < 0.5 ? 1 : 0));
  const eta = Float32Array.from({ length: B }, () => 4 * u() - 2);
  return { dose, bw, comed, eta };
}

/** The graph's own float32 p per row (a plain session, no head): the exact sum's terms. */
async function rawProbabilities(bytes: Uint8Array, x: ReturnType<typeof inputs>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({
      dose: new ort.Tensor('float32', x.dose, [B]), bw: new ort.Tensor('float32', x.bw, [B]),
      comed: new ort.Tensor('float32', x.comed, [B]), eta: new ort.Tensor('float32', x.eta, [B, 1]),
    });
    return out['p_success']?.data as Float32Array;
  } finally {
    await s.release();
  }
}

test('p_success head: the same fixed-point sums on any split of the batch, within 2^-21 per row of the exact sum', async () => {
  const bytes = probabilityOnnx();
  const card = ModelCardSchema.parse(probabilityCard(bytes));
  const x = inputs();
  const p = await rawProbabilities(bytes, x);
  const results = [];
  for (const maxBatchRows of [B, M, 5, 1]) {
    const runner = await loadTrajectoryModel(card, bytes, { executionProvider: 'cpu', maxBatchRows, logger: silentLogger });
    try {
      // the threshold argument (ng/mL) is the question's; the head compares p with 0.5 whatever it is
      results.push(await runner.evaluate(x, G, M, 3.3));
    } finally {
      await runner.release();
    }
  }
  for (const r of results.slice(1)) {
    assert.deepEqual(r.sumMaxQ20, results[0]?.sumMaxQ20, 'sums independent of the split');
    assert.deepEqual(r.k, results[0]?.k, 'counts independent of the split');
  }
  const first = results[0];
  assert.ok(first !== undefined);
  for (let g = 0; g < G; g += 1) {
    const rows = Array.from(p.subarray(g * M, (g + 1) * M));
    const exact = rows.reduce((a, v) => a + v, 0);
    const fixed = Number(first.sumMaxQ20[g] ?? 0n) / 2 ** 20;
    // each term is Round(p * 2^20): off by at most half a unit, 2^-21, so M terms by at most M 2^-21
    assert.ok(Math.abs(fixed - exact) <= M * 2 ** -21, `group ${g}: ${fixed} vs exact ${exact}`);
    assert.equal(first.k[g], rows.filter((v) => v >= 0.5).length, `group ${g}: k counts p >= 0.5`);
  }
  // the three doses give three clearly different mean probabilities (the head reads p, not a constant)
  const means = first.sumMaxQ20.map((s) => Number(s) / 2 ** 20 / M);
  assert.ok((means[0] ?? 1) < 0.2 && (means[2] ?? 0) > 0.8, `means ${means.join(', ')}`);
});

test('p_success cards: the contract needs pd null and a success_event', () => {
  const bytes = probabilityOnnx();
  const good = probabilityCard(bytes);
  assert.doesNotThrow(() => parseModelCard(JSON.stringify(good), 'good.model.json'));
  assert.throws(() => parseModelCard(JSON.stringify({ ...good, outputs: { pd: 'pd', p_success: 'p_success' } }), 'c.model.json'), /c\.model\.json: field outputs\.pd: .*must be null/);
  const { success_event: _event, ...noEvent } = good;
  assert.throws(() => parseModelCard(JSON.stringify(noEvent), 'c.model.json'), /c\.model\.json: field success_event: outputs\.p_success and success_event come together/);
});

/** Cells of a p_success regimen: per replicate, sum_max_q20 of M probabilities and k. */
function probabilityCells(q20: bigint[][], k: number[][], probability: boolean): RegimenCells {
  const R = q20[0]?.length ?? 0;
  return {
    scenario: { name: 's', targets: [0.5], band: { method: 'clopper-pearson', level: 0.95 }, replicates: R, subjects: M, regimens: [] },
    regimen: { name: 'qd', dosesMg: q20.map((_, d) => d + 1), ...(probability ? { probability: true } : {}) },
    k: Int32Array.from(k.flat()),
    sumMaxQ20: q20.flat(),
    sumMaxSqQ12: q20.flat().map(() => 0n),
  };
}

test('aggregator: a p_success regimen is the mean probability with the replicate band', () => {
  const Q = 2 ** 20;
  // 2 doses x 4 replicates; mean probabilities (per replicate) chosen to straddle the 0.5 target
  const means = [[0.30, 0.45, 0.52, 0.40], [0.55, 0.61, 0.49, 0.70]];
  const q20 = means.map((row) => row.map((m) => BigInt(Math.round(m * M * Q))));
  const k = [[10, 15, 20, 14], [21, 24, 17, 28]];
  const cells = probabilityCells(q20, k, true);
  const curve = regimenCurve(cells);
  for (const [d, row] of curve.entries()) {
    const total = q20[d]?.reduce((a, b) => a + b, 0n) ?? 0n;
    assert.equal(row.p_hat, Number(total) / (Q * 4 * M), `dose ${d}: p_hat is the mean probability`);
    const pHats = (q20[d] ?? []).map((s) => Number(s) / (Q * M)).sort((a, b) => a - b);
    const rq = replicateQuantileBand(pHats, 0.95);
    assert.deepEqual([row.band_lo, row.band_hi], [rq.lo, rq.hi], `dose ${d}: replicate band, not the scenario's Clopper-Pearson`);
  }
  const decision = decide(cells, curve, 0.5);
  assert.equal(decision.band.method, 'replicate-quantile');
  assert.equal(decision.mean_crossing, 2); // dose 1: mean 0.4175; dose 2: 0.5875
  // per replicate from the probabilities: reps 0, 1, 3 reach 0.5 at dose 2, rep 2 (0.52) at dose 1
  assert.equal(decision.replicate_median, 2);
  assert.equal(decision.replicate_lo, 1);
  // the same cells without the flag stay counts with the scenario's band (trajectory cards unchanged)
  const counts = regimenCurve(probabilityCells(q20, k, false));
  assert.equal(counts[0]?.p_hat, (10 + 15 + 20 + 14) / (4 * M));
});
