/**
 * The regressor inside the trajectory graph (models/qkernel/graph.ts): kernel rows and predicted etas
 * from onnxruntime against the float64 TypeScript computation; with zero weights the graph's outputs
 * equal the structure's own graph; with weights, the outputs equal the structure's own graph at the
 * shifted eta (the offsets enter eta and nothing else), and the shipped graphs stay byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphWriter } from '../../models/export/graph-writer.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { buildTrajectoryGraph } from '../../models/export/trajectory-graph.js';
import { featureState, fidelity } from '../../models/qkernel/feature-map.js';
import { kernelEtaOffsets, kernelTensors, type KernelRegressor } from '../../models/qkernel/graph.js';
import { standardised } from '../../models/qkernel/training-set.js';
import { ONE_COMPARTMENT_PK, TWO_COMPARTMENT, type Structure } from '../../models/structures/structure.js';
import { DataType, encodeModel, graph, model, valueInfo } from '../../worker/onnx/graph-builder.js';
import { ROOT } from '../kit/cli.js';
import { randomRows, runGraph } from '../kit/graph-rows.js';
import { mulberry32 } from '../kit/prng.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function regressor(seed: number, etas: number, zeroWeights = false): KernelRegressor {
  const u = mulberry32(seed);
  const support = Array.from({ length: 12 }, () => [2 * u() - 1, u() < 0.5 ? -1 : 1]);
  const alpha = support.map(() => Array.from({ length: etas }, () => (zeroWeights ? 0 : 0.2 * (u() - 0.5))));
  return { spec: { qubits: 4, reps: 2, scale: 1.3 }, standardiser: { inputs: ['bw', 'comed'], mean: [72, 0.4], sd: [15, 0.49] }, support, alpha };
}

/** TypeScript reference: kernel row and predicted etas of one subject. */
function reference(k: KernelRegressor, bw: number, comed: number): { row: number[]; eta: number[] } {
  const phi = featureState(standardised(k.standardiser, [bw, comed]), k.spec);
  const row = k.support.map((z) => fidelity(phi, featureState(z, k.spec)));
  return { row, eta: k.alpha[0]!.map((_, t) => row.reduce((s, v, j) => s + v * k.alpha[j]![t]!, 0)) };
}

test('ONNX kernel rows and predicted etas equal the float64 TypeScript computation within 1e-4', async () => {
  const k = regressor(7, 6);
  const w = new GraphWriter();
  for (const n of ['bw', 'comed']) w.fresh(n, true);
  const rows = { bwRow: w.unsqueeze('bw', [0], 'bw_row'), comedRow: w.unsqueeze('comed', [0], 'comed_row'), covariateRows: {} };
  const { kernelRows, offsets } = kernelTensors(w, rows, k);
  const m = model({
    graph: graph({ name: 'qkernel_rows', nodes: w.nodes, initializers: w.initializers, inputs: [valueInfo('bw', DataType.FLOAT, ['B']), valueInfo('comed', DataType.FLOAT, ['B'])], outputs: [valueInfo(kernelRows, DataType.FLOAT, [12, 'B']), valueInfo(offsets, DataType.FLOAT, [6, 'B'])] }),
    opset: 18,
  });
  const s = await ort.InferenceSession.create(encodeModel(m));
  const u = mulberry32(9);
  const bw = Array.from({ length: 30 }, () => Math.fround(40 + 100 * u()));
  const comed = bw.map(() => (u() < 0.5 ? 1 : 0));
  const out = await s.run({ bw: new ort.Tensor('float32', Float32Array.from(bw), [30]), comed: new ort.Tensor('float32', Float32Array.from(comed), [30]) });
  await s.release();
  const kr = out[kernelRows]!.data as Float32Array;
  const off = out[offsets]!.data as Float32Array;
  let worst = 0;
  bw.forEach((b, i) => {
    const r = reference(k, b, comed[i]!);
    r.row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - kr[j * 30 + i]!))));
    r.eta.forEach((v, t) => (worst = Math.max(worst, Math.abs(v - off[t * 30 + i]!))));
  });
  assert.ok(worst <= 1e-4, `largest difference ${worst}`);
});

async function cardDraws(): Promise<number[][]> {
  return (JSON.parse(await readFile(join(ROOT, 'models', 'estdata', 'qd.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } }).inputs.theta.draws;
}

for (const structure of [TWO_COMPARTMENT, ONE_COMPARTMENT_PK] as Structure[]) {
  test(`${structure.id}: with zero weights the graph's outputs equal the structure's own graph`, async () => {
    const draws = structure === TWO_COMPARTMENT ? await cardDraws() : undefined;
    for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
      const theta = draws ?? [oneCompartmentTheta()];
      const rows = randomRows(21, 64, grid, theta, structure);
      const base = await runGraph(encodeModel(buildTrajectoryGraph(grid, structure)), rows, structure);
      const withZero = await runGraph(encodeModel(buildTrajectoryGraph(grid, structure, kernelEtaOffsets(regressor(3, structure.etaNames.length, true)))), rows, structure);
      assert.deepEqual(withZero.conc, base.conc);
      assert.deepEqual(withZero.pd, base.pd);
    }
  });
}

/** A PK-only 1-compartment theta row: its fixed effects at typical values (log CL, log V1, log KA), then the packed Cholesky of a diagonal Omega. */
function oneCompartmentTheta(): number[] {
  const typical: Record<string, number> = { CL: 0.05, V1: 3, KA: 1 };
  const fixed = ONE_COMPARTMENT_PK.fixedEffects.map((f) => Math.log(typical[f.name] ?? NaN));
  const chol = ONE_COMPARTMENT_PK.etaNames.flatMap((_, i) => Array.from({ length: i + 1 }, (_, j) => (i === j ? 0.3 : 0)));
  return [...fixed, ...chol];
}

test('2cmt-oral-idr: with weights, the graph equals the structure\'s own graph at z + offset / L (diagonal Omega); the shipped graphs are unchanged', async () => {
  const draws = await cardDraws();
  const K = TWO_COMPARTMENT.etaNames.length;
  const P = draws[0]!.length - (K * (K + 1)) / 2;
  const diag = (row: number[], i: number): number => row[P + (i * (i + 1)) / 2 + i]!;
  for (const grid of [REGIMEN_GRIDS.qd, REGIMEN_GRIDS.qw]) {
    const k = regressor(13, K);
    const rows = randomRows(31, 48, grid, draws);
    const shifted = { ...rows, z: rows.z.map((z, b) => {
      const o = reference(k, Math.fround(rows.bw[b]!), rows.comed[b]!).eta;
      return z.map((v, i) => v + o[i]! / diag(rows.theta[b]!, i));
    }) };
    const withOffsets = await runGraph(encodeModel(buildTrajectoryGraph(grid, TWO_COMPARTMENT, kernelEtaOffsets(k))), rows);
    const base = await runGraph(encodeModel(buildTrajectoryGraph(grid)), rows);
    const atShifted = await runGraph(encodeModel(buildTrajectoryGraph(grid)), shifted);
    let worst = 0;
    let moved = 0;
    withOffsets.pd.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - atShifted.pd[i]!) / Math.max(1, Math.abs(atShifted.pd[i]!)));
      moved = Math.max(moved, Math.abs(v - base.pd[i]!));
    });
    withOffsets.conc.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - atShifted.conc[i]!) / Math.max(1e-3, Math.abs(atShifted.conc[i]!)))));
    // float32: eta enters through exp(); 1e-4 relative leaves ~100 ulp of float32 for the two paths' rounding
    assert.ok(worst <= 1e-4, `${grid.name}: largest relative difference ${worst}`);
    assert.ok(moved > 1e-2, `${grid.name}: the offsets move the biomarker (largest change ${moved} ng/mL)`);
    const shipped = await readFile(join(ROOT, 'models', 'estdata', `${grid.tag}.onnx`));
    assert.equal(sha256(encodeModel(buildTrajectoryGraph(grid))), sha256(shipped), `${grid.tag}.onnx byte-identical`);
  }
});
