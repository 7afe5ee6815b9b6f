/**
 * The regressor inside the trajectory graph: each subject's covariate rows ([1, B], subjects on the
 * last axis as in models/export/individual.ts) are standardised, encoded as RY half-angles, and the
 * feature map is applied to the state [2^n, B] gate by gate (RY on qubit q: the state viewed as
 * [2^q, 2, 2^(n-q-1), B], its two halves mixed by cos/sin; the CNOT ring: a Gather permuting basis
 * states). Kernel rows = (support states [m, 2^n] x state)^2 [m, B]; predicted etas = alpha^T [K, m]
 * x rows [K, B], handed to the graph builder as eta offsets (trajectory-graph.ts EtaOffsetBuilder).
 */
import type { GraphWriter } from '../export/graph-writer.js';
import type { EtaOffsetBuilder } from '../export/trajectory-graph.js';
import { ringMatrixT } from '../qlstm/circuit.js';
import type { FeatureMapSpec } from './feature-map.js';
import { featureState } from './feature-map.js';
import type { Standardiser } from './training-set.js';

export interface KernelRegressor {
  readonly spec: FeatureMapSpec;
  readonly standardiser: Standardiser;
  /** standardised support inputs [m][d] */
  readonly support: readonly (readonly number[])[];
  /** ridge weights [m][K] */
  readonly alpha: readonly (readonly number[])[];
}

/** Where the ring sends each basis state, read off its permutation matrix. */
function ringGatherIndices(n: number): number[] {
  const D = 1 << n;
  const m = ringMatrixT(n);
  const source = new Array<number>(D);
  for (let b = 0; b < D; b++) for (let j = 0; j < D; j++) if (m[b * D + j] === 1) source[j] = b; // out[image(b)] = in[b]
  return source;
}

/** Kernel rows [m, B] and predicted etas [K, B] of the subjects in `rows`. */
export function kernelTensors(w: GraphWriter, rows: { bwRow: string; comedRow: string; covariateRows: Readonly<Record<string, string>> }, k: KernelRegressor): { kernelRows: string; offsets: string } {
  const { qubits: n, reps, scale } = k.spec;
  const D = 1 << n;
  const std = k.standardiser;
  const inputRow = (name: string): string => {
    const r = name === 'bw' ? rows.bwRow : name === 'comed' ? rows.comedRow : rows.covariateRows[name];
    if (r === undefined) throw new RangeError(`graph: the kernel regressor's input ${name} is not a graph input`);
    return r;
  };
  // half-angles scale * z / 2, folded into one affine map per input
  const half = std.inputs.map((name, i) =>
    w.add(w.mul(inputRow(name), w.scalar(`half_angle_gain_${i}`, scale / (2 * std.sd[i]!)), `half_angle_scaled_${i}`), w.scalar(`half_angle_shift_${i}`, (-scale * std.mean[i]!) / (2 * std.sd[i]!)), `half_angle_${i}`));
  const cos = half.map((h, i) => w.op('Cos', [h], `cos_${i}`));
  const sin = half.map((h, i) => w.op('Sin', [h], `sin_${i}`));
  const ring = ringGatherIndices(n);
  let state = w.floats('plus_state', [D, 1], new Array<number>(D).fill(1 / Math.sqrt(D)));
  for (let r = 0; r < reps; r++) {
    for (let q = 0; q < n; q++) {
      const f = q % std.inputs.length;
      const view = w.op('Reshape', [state, w.int64s(`view_${q}`, [1 << q, 2, 1 << (n - 1 - q), -1])], `r${r}_q${q}_view`);
      const a0 = w.slice(view, 1, 0, 1, `r${r}_q${q}_a0`);
      const a1 = w.slice(view, 1, 1, 2, `r${r}_q${q}_a1`);
      const b0 = w.sub(w.mul(cos[f]!, a0, `r${r}_q${q}_c0`), w.mul(sin[f]!, a1, `r${r}_q${q}_s1`), `r${r}_q${q}_b0`);
      const b1 = w.add(w.mul(sin[f]!, a0, `r${r}_q${q}_s0`), w.mul(cos[f]!, a1, `r${r}_q${q}_c1`), `r${r}_q${q}_b1`);
      state = w.op('Reshape', [w.concat([b0, b1], 1, `r${r}_q${q}_mixed`), w.int64s('flat_state', [D, -1])], `r${r}_q${q}_state`);
    }
    state = w.gather(state, 0, ring, `r${r}_ring`);
  }
  const states = k.support.map((z) => featureState(z, k.spec));
  const overlap = w.op('MatMul', [w.floats('support_states', [states.length, D], states.flatMap((s) => [...s])), state], 'overlap'); // [m, B]
  const kernelRows = w.mul(overlap, overlap, 'kernel_rows');
  const K = k.alpha[0]?.length ?? 0;
  const alphaT = Array.from({ length: K }, (_, t) => k.alpha.map((a) => a[t]!)).flat();
  const offsets = w.op('MatMul', [w.floats('alpha_t', [K, states.length], alphaT), kernelRows], 'predicted_eta'); // [K, B]
  return { kernelRows, offsets };
}

export const kernelEtaOffsets = (k: KernelRegressor): EtaOffsetBuilder => (w, rows) => kernelTensors(w, rows, k).offsets;
