/**
 * Test kit: a tiny p_success card (worker/model/card.ts) with a closed-form graph,
 *
 *   p_success = Sigmoid(SLOPE (dose - D50) + ETA_SD eta + COMED_SHIFT comed - BW_SLOPE (bw - 70))   [B]
 *
 * for the probability head, aggregator and bad-input tests. `p_success` is the event the card declares
 * (biomarker max <= 3.3 ng/mL by default); `variant` writes broken contracts for the bad-input corpus.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType, encodeModel, floatTensor, graph, int64Tensor, model, node, valueInfo } from '../../worker/onnx/graph-builder.js';

export const PROBABILITY_MODEL = { SLOPE: 0.4, D50: 8, ETA_SD: 0.8, COMED_SHIFT: 0.5, BW_SLOPE: 0.02 } as const;

/** P(success) as the graph computes it (float64 here; the graph works in float32). */
export function probabilityOf(dose: number, bw: number, comed: number, eta: number): number {
  const { SLOPE, D50, ETA_SD, COMED_SHIFT, BW_SLOPE } = PROBABILITY_MODEL;
  return 1 / (1 + Math.exp(-(SLOPE * (dose - D50) + ETA_SD * eta + COMED_SHIFT * comed - BW_SLOPE * (bw - 70))));
}

/** The graph; `rank2` makes p_success [B, 1] instead of [B] (a malformed contract). */
export function probabilityOnnx(rank2 = false): Uint8Array {
  const { SLOPE, D50, ETA_SD, COMED_SHIFT, BW_SLOPE } = PROBABILITY_MODEL;
  const out = rank2 ? 'p_flat' : 'p_success';
  return encodeModel(model({
    opset: 17,
    irVersion: 8,
    graph: graph({
      name: 'probability-test',
      nodes: [
        node('Sub', ['dose', 'd50'], ['dose_c']),
        node('Mul', ['dose_c', 'slope'], ['z_dose']),
        node('MatMul', ['eta', 'eta_sd'], ['z_eta']),
        node('Mul', ['comed', 'comed_shift'], ['z_comed']),
        node('Sub', ['bw', 'bw_ref'], ['bw_c']),
        node('Mul', ['bw_c', 'bw_slope'], ['z_bw']),
        node('Add', ['z_dose', 'z_eta'], ['z1']),
        node('Add', ['z1', 'z_comed'], ['z2']),
        node('Sub', ['z2', 'z_bw'], ['z']),
        node('Sigmoid', ['z'], [out]),
        ...(rank2 ? [node('Unsqueeze', ['p_flat', 'axis1'], ['p_success'])] : []),
      ],
      inputs: [valueInfo('dose', DataType.FLOAT, ['B']), valueInfo('bw', DataType.FLOAT, ['B']), valueInfo('comed', DataType.FLOAT, ['B']), valueInfo('eta', DataType.FLOAT, ['B', 1])],
      outputs: [valueInfo('p_success', DataType.FLOAT, rank2 ? ['B', 1] : ['B'])],
      initializers: [
        floatTensor('d50', [], [D50]), floatTensor('slope', [], [SLOPE]), floatTensor('eta_sd', [1], [ETA_SD]),
        floatTensor('comed_shift', [], [COMED_SHIFT]), floatTensor('bw_ref', [], [70]), floatTensor('bw_slope', [], [BW_SLOPE]),
        ...(rank2 ? [int64Tensor('axis1', [1], [1])] : []),
      ],
    }),
  }));
}

export function probabilityCard(onnxBytes: Uint8Array, thresholdNgMl = 3.3): Record<string, unknown> {
  return {
    schema: 'qusop.model-card/v1',
    name: 'probability-test',
    family: 'test-probability',
    version: '1',
    test_model: true,
    onnx: 'qd.onnx',
    sha256: createHash('sha256').update(onnxBytes).digest('hex'),
    regimen: { name: 'qd', tau_h: 24 },
    time_grid_h: [0],
    inputs: { covariates: ['dose', 'bw', 'comed'], eta: { dim: 1, distribution: 'standard-normal' } },
    outputs: { pd: null, p_success: 'p_success' },
    success_event: { endpoint: 'biomarker', statistic: 'max', comparison: '<=', threshold_ng_ml: thresholdNgMl },
  };
}

/** Writes qd.onnx + qd.model.json into `dir` (card fields overridden by `patch`); returns the card path. */
export async function writeProbabilityModel(dir: string, opts: { rank2?: boolean; patch?: Record<string, unknown> } = {}): Promise<string> {
  const bytes = probabilityOnnx(opts.rank2 === true);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'qd.onnx'), bytes);
  const path = join(dir, 'qd.model.json');
  await writeFile(path, JSON.stringify({ ...probabilityCard(bytes), ...opts.patch }, null, 2));
  return path;
}
