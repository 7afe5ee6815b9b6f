/**
 * The known-answer test model: its card, its graph against the stated formula, and the exact
 * attainment against (a) an independent quadrature, (b) a Monte Carlo simulation that takes the
 * maximum over the time grid instead of the closed form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelCardSchema } from '../../worker/model/card.js';
import { exposureShape, KNOWN_ANSWER_PARAMS as P, KNOWN_ANSWER_REGIMENS as R, timeGridH } from '../../models/testmodel/known-answer.js';
import type { KnownAnswerRegimen } from '../../models/testmodel/known-answer.js';
import {
  conditionalAttainment,
  exactAttainment,
  exactMinimalDose,
  gaussLegendreRule,
  integrateGaussLegendre,
} from '../../models/testmodel/exact.js';
import type { KnownAnswerPopulation } from '../../models/testmodel/exact.js';
import { knownAnswerArtifact, writeKnownAnswerModels } from '../../models/testmodel/write.js';
import { mulberry32 } from '../kit/prng.js';

const POP: KnownAnswerPopulation = { bw: { kind: 'uniform', minKg: 51, maxKg: 100 }, comed: { kind: 'bernoulli', p: 0.5 } };
const THR = 3.3;

const normal = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

/** pd in double, straight from the README formula (no shared code with exact.ts). */
function pdFormula(reg: KnownAnswerRegimen, doseMg: number, bwKg: number, comed: number, eta: number, tH: number): number {
  const base = Math.exp(P.mu + P.betaComed * comed + P.omega * eta);
  const x = doseMg / (bwKg * (reg.tauH / 24));
  const s = reg.smin + (1 - reg.smin) * 0.5 * (1 + Math.cos((2 * Math.PI * tH) / reg.tauH));
  return base * (1 - P.emax * (x / (x + P.ec50MgPerKgDay)) * s);
}

test('cards validate, are labelled as test models and carry the sha256 of the bytes', () => {
  for (const [reg, T] of [[R.qd, 48], [R.qw, 168]] as const) {
    const { onnxBytes, card } = knownAnswerArtifact(reg);
    assert.deepEqual(ModelCardSchema.parse(card), card);
    assert.equal(card.test_model, true);
    assert.equal(card.family, 'test-known-answer');
    assert.equal(card.inputs.eta?.distribution, 'standard-normal');
    assert.equal(card.inputs.eta?.dim, 1);
    assert.equal(card.sha256, createHash('sha256').update(onnxBytes).digest('hex'));
    assert.equal(card.time_grid_h.length, T);
    assert.ok(card.time_grid_h.includes(reg.tauH / 2), 'tau/2, where pd peaks, is on the grid');
    assert.equal(card.regimen.tau_h, reg.tauH);
  }
  assert.ok(R.qw.smin < R.qd.smin, 'QW fluctuates more than QD');
});

test('writeKnownAnswerModels writes both regimens; card hashes match the files on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-ka-'));
  try {
    const paths = await writeKnownAnswerModels(dir);
    for (const [tag, cardPath] of Object.entries(paths)) {
      const card = ModelCardSchema.parse(JSON.parse(await readFile(cardPath, 'utf8')));
      assert.equal(card.onnx, `${tag}.onnx`);
      const bytes = await readFile(join(dir, card.onnx));
      assert.equal(card.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the graph computes the formula on the card grid (float32 accuracy)', async () => {
  const u = mulberry32(11);
  for (const reg of [R.qd, R.qw]) {
    const { onnxBytes, card } = knownAnswerArtifact(reg);
    const session = await ort.InferenceSession.create(onnxBytes);
    const B = 64;
    const dose = Float32Array.from({ length: B }, () => 400 * u());
    const bw = Float32Array.from({ length: B }, () => 51 + 49 * u());
    const comed = Float32Array.from({ length: B }, () => (u() < 0.5 ? 1 : 0));
    const eta = Float32Array.from({ length: B }, () => normal(u));
    const out = await session.run({
      dose: new ort.Tensor('float32', dose, [B]),
      bw: new ort.Tensor('float32', bw, [B]),
      comed: new ort.Tensor('float32', comed, [B]),
      eta: new ort.Tensor('float32', eta, [B, 1]),
    });
    const pd = out['pd'];
    assert.ok(pd);
    assert.deepEqual(pd.dims, [B, card.time_grid_h.length]);
    const data = pd.data as Float32Array;
    card.time_grid_h.forEach((t, j) => {
      for (let i = 0; i < B; i++) {
        const want = pdFormula(reg, dose[i] ?? 0, bw[i] ?? 0, comed[i] ?? 0, eta[i] ?? 0, t);
        const got = data[i * card.time_grid_h.length + j] ?? NaN;
        // ~12 float32 operations: 2e-6 relative is a few tens of ulps.
        assert.ok(Math.abs(got - want) <= 2e-6 * Math.abs(want), `row ${i} t=${t}: ${got} vs ${want}`);
      }
    });
    await session.release();
  }
});

test('Gauss–Legendre rule: exact for degree 2n-1, converged for the attainment integrand', () => {
  const { nodes, weights } = gaussLegendreRule(20);
  const moment = (k: number) => nodes.reduce((s, x, i) => s + (weights[i] ?? 0) * x ** k, 0);
  for (const k of [0, 1, 2, 10, 38, 39]) assert.ok(Math.abs(moment(k) - (k % 2 === 1 ? 0 : 2 / (k + 1))) < 1e-14, `x^${k}`);
  assert.ok(Math.abs(integrateGaussLegendre(Math.exp, 0, 3, 4) - (Math.exp(3) - 1)) < 1e-12);
  for (const reg of [R.qd, R.qw]) {
    for (const dose of reg === R.qd ? [1, 12.5, 40] : [10, 145, 400]) {
      const f = (bw: number) => conditionalAttainment(P, reg, dose, bw, 1, THR);
      const coarse = integrateGaussLegendre(f, 51, 100, 4, 20);
      const fine = integrateGaussLegendre(f, 51, 100, 64, 20);
      assert.ok(Math.abs(coarse - fine) < 1e-11, `panels: ${coarse} vs ${fine}`);
      // Independent composite Simpson (error ~ h^4 f'''' / 180, h = 49/4000).
      const n = 4000;
      const h = 49 / n;
      let simpson = f(51) + f(100);
      for (let i = 1; i < n; i++) simpson += (i % 2 === 1 ? 4 : 2) * f(51 + i * h);
      simpson *= h / 3;
      assert.ok(Math.abs(simpson - fine) < 1e-10, `Simpson ${simpson} vs GL ${fine}`);
    }
  }
});

test('exact attainment matches a Monte Carlo simulation over the time grid (4.5 SE)', () => {
  const u = mulberry32(2024);
  const N = 40_000;
  for (const [reg, dose] of [[R.qd, 12.5], [R.qw, 95]] as const) {
    const grid = timeGridH(reg);
    let ok = 0;
    for (let i = 0; i < N; i++) {
      const bw = 51 + 49 * u();
      const comed = u() < 0.5 ? 1 : 0;
      const eta = normal(u);
      let max = -Infinity;
      for (const t of grid) max = Math.max(max, pdFormula(reg, dose, bw, comed, eta, t));
      if (max <= THR) ok++;
    }
    const p = exactAttainment(P, reg, dose, POP, THR);
    const se = Math.sqrt((p * (1 - p)) / N);
    assert.ok(Math.abs(ok / N - p) < 4.5 * se, `${reg.name} ${dose} mg: MC ${ok / N} vs exact ${p}`);
  }
  // Fixed covariates reduce to one Phi.
  const fixed = exactAttainment(P, R.qd, 10, { bw: { kind: 'fixed', valueKg: 70 }, comed: { kind: 'fixed', value: 0 } }, THR);
  assert.equal(fixed, conditionalAttainment(P, R.qd, 10, 70, 0, THR));
  assert.equal(exposureShape(R.qd, 12), R.qd.smin);
});

test('the 75 % and 90 % minimal doses sit inside the grids with p(d) moving at the crossing', () => {
  const grids = [
    { reg: R.qd, doses: Array.from({ length: 80 }, (_, i) => 0.5 * (i + 1)) },
    { reg: R.qw, doses: Array.from({ length: 80 }, (_, i) => 5 * (i + 1)) },
  ];
  for (const { reg, doses } of grids) {
    const p = doses.map((d) => exactAttainment(P, reg, d, POP, THR));
    for (let i = 1; i < p.length; i++) assert.ok((p[i] ?? 0) > (p[i - 1] ?? 1), `p increases in dose (${reg.name} ${doses[i]})`);
    for (const target of [0.75, 0.9]) {
      const d = exactMinimalDose(doses, p, target);
      assert.ok(d !== null);
      const i = doses.indexOf(d);
      assert.ok(i >= 8 && i <= doses.length - 8, `${reg.name} ${target}: ${d} mg is well inside the grid`);
      const below = p[i - 1] ?? NaN;
      const at = p[i] ?? NaN;
      assert.ok(at - below >= 0.009, `${reg.name} ${target}: p moves ${at - below} per step`);
      assert.ok(at - target >= 0.004 && target - below >= 0.004, `${reg.name} ${target}: p ${below} .. ${at} straddles clearly`);
    }
  }
});

test('exactMinimalDose: smallest dose reaching the target, null when none, order-free', () => {
  assert.equal(exactMinimalDose([1, 2, 3], [0.5, 0.9, 0.95], 0.9), 2);
  assert.equal(exactMinimalDose([3, 1, 2], [0.95, 0.5, 0.9], 0.9), 2);
  assert.equal(exactMinimalDose([1, 2], [0.1, 0.2], 0.9), null);
  assert.throws(() => exactMinimalDose([1, 2], [0.1], 0.9), RangeError);
});
