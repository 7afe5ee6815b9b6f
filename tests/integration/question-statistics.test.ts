/**
 * Questions beyond "max PD <= threshold" give the right decisions where the answer is known exactly:
 *
 * - mean biomarker <= 3.3 ng/mL on the known-answer TEST model: on its equally spaced periodic grid the
 *   time-average of s(t) is (1 + smin) / 2 exactly, so P(mean pd <= thr) is exact.ts's formula with
 *   smin replaced by (1 + smin) / 2;
 * - trough concentration >= a minimum effective concentration, and mean concentration (AUC/tau) <= a
 *   safety limit, on a closed-form TEST model written here: IV-bolus steady state
 *   conc_i(t) = dose_i / (V_kg * bw_i) * exp(omega * eta_i) * c(t), c(t) = exp(-k t) / (1 - exp(-k tau)),
 *   whose value at tau (the trough) is c_0 = exp(-k tau) / (1 - exp(-k tau)) at the grid point t_0 = 0
 *   (as the population model evaluates it), so P(trough >= MEC | bw) = Phi(ln(dose c_0 / (MEC V_kg bw)) / omega)
 *   and P(mean <= L | bw) = Phi(ln(L V_kg bw / (dose cbar)) / omega), cbar the trapezoid mean of c on the grid.
 *
 * Each curve's exact p(d) lies in the 95 % Clopper–Pearson band at >= 90 % of doses over the seeds, and
 * for increasing curves the minimal dose (mean crossing) is within one grid step of the exact one.
 * The MEC is given in ng/mL and the limit in mg/L, so the unit conversion to the card's mg/L is checked too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { exactAttainment, exactMinimalDose, integrateGaussLegendre } from '../../models/testmodel/exact.js';
import { sha256Hex } from '../../models/testmodel/write.js';
import { MODEL_CARD_SCHEMA } from '../../worker/model/card.js';
import { DataType, encodeModel, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';
import { meanWeights } from '../../worker/onnx/window-statistic.js';
import { withTempDir } from '../kit/cli.js';
import { runInProcess } from '../kit/engine.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

/** common random numbers make one seed's curve move as a whole (one draw per seed), hence several seeds */
const SEEDS = Array.from({ length: 10 }, (_, i) => 101 + 101 * i);
const BW = { min: 51, max: 100 };

interface Curve { dose: number; cp_lo: number; cp_hi: number; p_hat: number }
interface Decision { target: number; mean_crossing: number | null }

function checkCurve(label: string, curves: readonly Curve[], decisions: readonly Decision[], exact: (dose: number) => number, increasing: boolean) {
  let covered = 0;
  for (const c of curves) if (c.cp_lo <= exact(c.dose) && exact(c.dose) <= c.cp_hi) covered += 1;
  const grid = curves.map((c) => c.dose);
  const pExact = grid.map(exact);
  assert.ok(pExact.some((p) => p < 0.2) && pExact.some((p) => p > 0.8), `${label}: the exact curve crosses the grid`);
  if (!increasing) return { covered, pairs: curves.length };
  const step = (grid[1] ?? 0) - (grid[0] ?? 0);
  for (const d of decisions) {
    const truth = exactMinimalDose(grid, pExact, d.target);
    assert.notEqual(truth, null, `${label}: exact minimal dose at ${d.target} inside the grid`);
    assert.ok(d.mean_crossing !== null && Math.abs(d.mean_crossing - (truth ?? NaN)) <= step + 1e-9, `${label} target ${d.target}: minimal dose ${d.mean_crossing}, exact ${truth}`);
  }
  return { covered, pairs: curves.length };
}

test('mean biomarker <= threshold on the known-answer TEST model: exact p(d) in the CP band, minimal doses within one step', async () => {
  await withTempDir(async (tmp) => {
    const population = { bw: { kind: 'uniform', minKg: BW.min, maxKg: BW.max }, comed: { kind: 'bernoulli', p: 0.5 } } as const;
    const qd = KNOWN_ANSWER_REGIMENS.qd;
    const meanShape = { ...qd, smin: (1 + qd.smin) / 2 };
    const exact = (dose: number) => exactAttainment(KNOWN_ANSWER_PARAMS, meanShape, dose, population, 3.3);
    let covered = 0, pairs = 0;
    for (const seed of SEEDS) {
      const sc = knownAnswerScenario({ seed, replicates: 10, subjects: 500, qdStop: 20 }) as { scenarios: Record<string, unknown>[] };
      const s0 = sc.scenarios[0] as Record<string, unknown> & { regimens: unknown[] };
      Object.assign(s0, { statistic: 'mean', regimens: [s0.regimens[0]] });
      const { curves, decisions } = await runInProcess(await writeScenario(tmp, sc, `mean-${seed}.yaml`));
      const r = checkCurve(`seed ${seed}`, curves, decisions, exact, true);
      covered += r.covered;
      pairs += r.pairs;
      // the question changed the answer: the mean is below the max, so its doses are lower than the max question's
      const maxAt90 = exactMinimalDose(curves.map((c) => c.dose), curves.map((c) => exactAttainment(KNOWN_ANSWER_PARAMS, qd, c.dose, population, 3.3)), 0.9);
      const meanAt90 = decisions.find((d) => d.target === 0.9)?.mean_crossing ?? Infinity;
      assert.ok(maxAt90 !== null && meanAt90 < maxAt90, `mean question dose ${meanAt90} < max question dose ${maxAt90}`);
    }
    process.stdout.write(`# coverage ${covered}/${pairs}\n`);
    assert.ok(covered / pairs >= 0.9, `CP coverage ${covered}/${pairs}`);
  });
});

/** closed-form concentration TEST model, tau 24 h on an irregular periodic grid */
const CONC = { vKg: 0.5, omega: 0.25, halfLifeH: 8, tauH: 24, gridH: [0, 1, 2, 4, 8, 12, 16, 20] };

async function writeConcModel(dir: string): Promise<string> {
  const k = Math.LN2 / CONC.halfLifeH;
  const denom = 1 - Math.exp(-k * CONC.tauH);
  // t_0 = 0 holds the value at tau (periodic steady state), the others exp(-k t) / (1 - exp(-k tau))
  const c = CONC.gridH.map((t, j) => Math.exp(-k * (j === 0 ? CONC.tauH : t)) / denom);
  const T = c.length;
  const g = graph({
    name: 'conc_closed_form',
    nodes: [
      node('Unsqueeze', ['dose', 'axis1'], ['dose_col']),
      node('Unsqueeze', ['bw', 'axis1'], ['bw_col']),
      node('Mul', ['bw_col', 'v_kg'], ['volume']),
      node('Div', ['dose_col', 'volume'], ['c_scale']),
      node('Mul', ['eta', 'omega'], ['eta_effect']),
      node('Exp', ['eta_effect'], ['iiv']),
      node('Mul', ['c_scale', 'iiv'], ['amplitude']),
      node('Mul', ['amplitude', 'shape'], ['conc']),
      node('Mul', ['conc', 'ng_per_mg_l'], ['pd']),
      node('Mul', ['comed', 'zero'], ['unused_comed']),
    ],
    inputs: [
      valueInfo('dose', DataType.FLOAT, ['B']),
      valueInfo('bw', DataType.FLOAT, ['B']),
      valueInfo('comed', DataType.FLOAT, ['B']),
      valueInfo('eta', DataType.FLOAT, ['B', 1]),
    ],
    outputs: [valueInfo('pd', DataType.FLOAT, ['B', T]), valueInfo('conc', DataType.FLOAT, ['B', T])],
    initializers: [
      int64Tensor('axis1', [1], [1]),
      floatTensor('v_kg', [], [CONC.vKg]),
      floatTensor('omega', [], [CONC.omega]),
      floatTensor('shape', [1, T], c),
      floatTensor('ng_per_mg_l', [], [1000]),
      floatTensor('zero', [], [0]),
    ],
  });
  const bytes = encodeModel(model({ graph: g, opset: 18 }));
  await writeFile(join(dir, 'conc.onnx'), bytes);
  const card = {
    schema: MODEL_CARD_SCHEMA, name: 'conc-closed-form', family: 'test-closed-form-conc', version: '1', test_model: true,
    onnx: 'conc.onnx', sha256: sha256Hex(bytes), regimen: { name: 'QD', tau_h: CONC.tauH }, time_grid_h: CONC.gridH,
    inputs: { covariates: ['dose', 'bw', 'comed'], eta: { dim: 1, distribution: 'standard-normal' } },
    outputs: { pd: 'pd', conc: 'conc' }, units: { dose: 'mg', bw: 'kg', pd: 'ng/mL', conc: 'mg/L' },
  };
  const path = join(dir, 'conc.model.json');
  await writeFile(path, JSON.stringify(card));
  return path;
}

function concScenario(cardPath: string, seed: number, question: Record<string, unknown>) {
  return {
    scenarios: [{
      name: 'conc', population: { bw: { uniform: { min_kg: BW.min, max_kg: BW.max } }, comed: { fixed: 0 } },
      endpoint: 'concentration', ...question, targets: [0.9, 0.75], replicates: 10, subjects: 500, seed,
      regimens: [{ name: 'qd', tau_h: CONC.tauH, model: cardPath, doses_mg: { start: 5, stop: 200, step: 5 } }],
    }],
  };
}

/** P over bw ~ U(51, 100) of Phi(z(bw)) */
const overBw = (z: (bwKg: number) => number): number => integrateGaussLegendre((bw) => normalCdf(z(bw), 0, 1), BW.min, BW.max) / (BW.max - BW.min);

test('trough concentration >= MEC and mean concentration <= limit on a closed-form concentration model', async () => {
  await withTempDir(async (tmp) => {
    const cardPath = await writeConcModel(tmp);
    const k = Math.LN2 / CONC.halfLifeH;
    const denom = 1 - Math.exp(-k * CONC.tauH);
    const c = CONC.gridH.map((t, j) => Math.fround(Math.exp(-k * (j === 0 ? CONC.tauH : t)) / denom));
    const c0 = c[0] ?? NaN;
    const cbar = meanWeights(CONC.gridH, CONC.tauH, 'test').reduce((a, w, j) => a + w * (c[j] ?? NaN), 0);
    const mecMgL = 0.2;
    const limitMgL = 1.5;
    const troughExact = (dose: number) => overBw((bw) => Math.log((dose * c0) / (mecMgL * CONC.vKg * bw)) / CONC.omega);
    const meanExact = (dose: number) => overBw((bw) => Math.log((limitMgL * CONC.vKg * bw) / (dose * cbar)) / CONC.omega);
    let covered = 0, pairs = 0;
    for (const seed of SEEDS) {
      const trough = await runInProcess(await writeScenario(tmp, concScenario(cardPath, seed, {
        statistic: 'trough', comparison: '>=', threshold: { value: mecMgL * 1000, unit: 'ng/mL' },
      }), `trough-${seed}.yaml`));
      const t = checkCurve(`trough seed ${seed}`, trough.curves, trough.decisions, troughExact, true);
      const mean = await runInProcess(await writeScenario(tmp, concScenario(cardPath, seed, {
        statistic: 'mean', threshold: { value: limitMgL, unit: 'mg/L' },
      }), `mean-${seed}.yaml`));
      const m = checkCurve(`mean seed ${seed}`, mean.curves, mean.decisions, meanExact, false);
      covered += t.covered + m.covered;
      pairs += t.pairs + m.pairs;
    }
    process.stdout.write(`# coverage ${covered}/${pairs}\n`);
    assert.ok(covered / pairs >= 0.9, `CP coverage ${covered}/${pairs}`);
  });
});
