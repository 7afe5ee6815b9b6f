/**
 * The reduction head (DESIGN.md "Reductions on device"): appended to any trajectory model so that
 * only per-group counts leave the session, never the [B,T] trajectories. For one output y [B,T] (the
 * question's endpoint) and one window statistic s (window-statistic.ts: max, min, trough, mean) it adds
 *
 *   inputs   qusop_threshold float32 [1], qusop_groups int64 [2] = [G, Mc] (batch is group-major)
 *   outputs  qusop_k              int64 [G]  rows with s <= threshold (or >=; compared in float32)
 *            qusop_sum_max_q20    int64 [G]  sum of Round(double(s) * 2^20)   (named for the first statistic, max)
 *            qusop_sum_max_sq_q12 int64 [G]  sum of Round(double(s)^2 * 2^12)
 *            qusop_nonfinite      int64 [G]  NaN/Inf values in y itself (a statistic could hide them)
 *            qusop_max_abs        double [G] largest |s| of the group's rows (the sums' range check)
 *
 * s is float32: max, min and trough are values of y; mean is sum_j w_j * double(y_j) (ReduceSum in
 * double over the row, one row at a time) rounded to float32. Sums are integers so they add exactly
 * across chunks, threads and workers: a tile's bytes do not depend on how it was split. float32 s ->
 * double is exact and so is its square (48 bits), so each term is a pure function of s; Round is
 * half-to-even. The int64 sums hold a cell of M subjects only while |s| <= sumsLimit(M) (about 1e6 for
 * 1,000 subjects): beyond it the Cast or the sum wraps, so the worker checks qusop_max_abs against that
 * limit and refuses the tile. A threshold sweep and a safety endpoint (joint endpoints) add their own
 * inputs and outputs only when asked (head-extras.ts).
 *
 * A p_success card (worker/model/card.ts) outputs P(success) p [B] instead of y: the head reads it as
 * y = p [B, 1], so s = p, k counts p >= threshold (the worker feeds P_SUCCESS_CUT = 0.5) and
 * qusop_sum_max_q20 is the fixed-point probability sum sum_i Round(p_i * 2^20): integers, so any tile
 * size or worker count gives the same total, within 2^-21 * B of the exact sum. The head's own names carry the `qusop_head/`
 * prefix; the original outputs stop being outputs.
 */
import { clone, create } from '@bufbuild/protobuf';
import { ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, defaultOpsetVersion, doubleTensor, int64Tensor, node, valueInfo } from './graph-builder.js';
import { ModelError } from '../common/errors.js';
import type { HeadStatistic } from './window-statistic.js';
import { compareOp, nonfiniteRowNodes, perGroupSum, reduceOverTime, statisticNodes } from './head-parts.js';
import { EXTRA_NAMES, extraParts, type HeadExtras } from './head-extras.js';

export const HEAD_PREFIX = 'qusop_head/';
export const HEAD_INPUTS = { threshold: 'qusop_threshold', groups: 'qusop_groups' } as const;
export const HEAD_OUTPUTS = {
  k: 'qusop_k',
  sumMaxQ20: 'qusop_sum_max_q20',
  sumMaxSqQ12: 'qusop_sum_max_sq_q12',
  nonfinite: 'qusop_nonfinite',
  maxAbs: 'qusop_max_abs',
} as const;

/**
 * The largest |window maximum| whose fixed-point terms, summed over `subjects` rows, stay inside int64
 * with a factor 2 to spare (Round adds at most 1/2 per term): M * |max| * 2^20 <= 2^62 and
 * M * max^2 * 2^12 <= 2^62.
 */
export function sumsLimit(subjects: number): number {
  return Math.min(2 ** 42 / subjects, Math.sqrt(2 ** 50 / subjects));
}

/** Round, IsNaN, LessOrEqual and ReduceSum-with-axes-input all exist from opset 13. */
const MIN_HEAD_OPSET = 13;

const MAX_LE: HeadStatistic = { statistic: 'max', comparison: '<=' };

export function appendReductionHead(model: ModelProto, outputName: string, stat: HeadStatistic = MAX_LE, extras: HeadExtras = {}): ModelProto {
  const out = clone(ModelProtoSchema, model);
  const g = out.graph;
  if (g === undefined) throw new ModelError('reduction head: the ONNX model has no graph');
  for (const name of [outputName, ...(extras.safety === undefined ? [] : [extras.safety.output])]) {
    if (!g.output.some((o) => o.name === name)) {
      throw new ModelError(
        `reduction head: the ONNX graph has no output "${name}" (outputs: [${g.output.map((o) => o.name).join(', ')}])`,
      );
    }
  }
  const taken = new Set([...g.input, ...g.output, ...g.valueInfo].map((v) => v.name));
  for (const n of g.node) for (const name of [...n.input, ...n.output, n.name]) taken.add(name);
  for (const t of g.initializer) taken.add(t.name);
  const ours = [...Object.values(HEAD_INPUTS), ...Object.values(HEAD_OUTPUTS), ...EXTRA_NAMES];
  const clash = [...taken].find((name) => ours.includes(name) || name.startsWith(HEAD_PREFIX));
  if (clash !== undefined) throw new ModelError(`reduction head: the ONNX graph already uses the name "${clash}", reserved for the head`);

  const opset = Math.max(defaultOpsetVersion(out) ?? 0, MIN_HEAD_OPSET);
  setDefaultOpset(out, opset);
  if (out.irVersion < 7n) out.irVersion = 7n;

  const p = (name: string) => HEAD_PREFIX + name;
  const { threshold, groups } = HEAD_INPUTS;
  // a p_success [B] output becomes a one-point trajectory [B, 1], so the rest of the head is unchanged
  const probability = stat.probability === true; // statistic max of [B, 1]: p itself
  const y = probability ? p('p_success_column') : outputName;
  const column = probability ? [node('Reshape', [outputName, p('column_shape')], [y], {}, p('Reshape_p_success'))] : [];
  const statistic = statisticNodes(stat, y, p, opset);
  const toI64 = { to: attr.int(DataType.INT64) };
  const perGroup = (rowValues: string, output: string) => perGroupSum(p, groups, rowValues, output);
  const compare = compareOp(stat);
  const nodes = [
    ...column,
    ...statistic.nodes,
    node(compare, [p('max'), threshold], [p('ok')], {}, p(compare)),
    node('Cast', [p('ok')], [p('ok_i64')], toI64, p('Cast_ok')),
    ...perGroup(p('ok_i64'), HEAD_OUTPUTS.k),
    node('Cast', [p('max')], [p('max_f64')], { to: attr.int(DataType.DOUBLE) }, p('Cast_max')),
    node('Mul', [p('max_f64'), p('two_pow_20')], [p('max_scaled')], {}, p('Mul_q20')),
    node('Round', [p('max_scaled')], [p('max_rounded')], {}, p('Round_q20')),
    node('Cast', [p('max_rounded')], [p('max_q20')], toI64, p('Cast_q20')),
    ...perGroup(p('max_q20'), HEAD_OUTPUTS.sumMaxQ20),
    node('Mul', [p('max_f64'), p('max_f64')], [p('max_sq')], {}, p('Mul_sq')),
    node('Mul', [p('max_sq'), p('two_pow_12')], [p('max_sq_scaled')], {}, p('Mul_q12')),
    node('Round', [p('max_sq_scaled')], [p('max_sq_rounded')], {}, p('Round_q12')),
    node('Cast', [p('max_sq_rounded')], [p('max_sq_q12')], toI64, p('Cast_q12')),
    ...perGroup(p('max_sq_q12'), HEAD_OUTPUTS.sumMaxSqQ12),
    ...nonfiniteRowNodes(p, y),
    ...perGroup(p('nonfinite_row'), HEAD_OUTPUTS.nonfinite),
    node('Abs', [p('max_f64')], [p('max_abs')], {}, p('Abs_max')),
    node('Reshape', [p('max_abs'), groups], [p('max_abs_grouped')], {}, p('Reshape_max_abs')),
    reduceOverTime(opset, p, 'ReduceMax', p('max_abs_grouped'), HEAD_OUTPUTS.maxAbs, p('ReduceMax_max_abs')),
  ];
  const extra = extraParts(extras, stat, p, groups, opset);
  g.node.push(...nodes, ...extra.nodes);
  g.initializer.push(int64Tensor(p('axis1'), [1], [1]), doubleTensor(p('two_pow_20'), [], [2 ** 20]), doubleTensor(p('two_pow_12'), [], [2 ** 12]), ...statistic.initializers, ...extra.initializers);
  if (probability) g.initializer.push(int64Tensor(p('column_shape'), [2], [-1, 1]));
  g.input.push(valueInfo(threshold, DataType.FLOAT, [1]), valueInfo(groups, DataType.INT64, [2]), ...extra.inputs);
  // The old outputs stay described (shape inference, debugging) but no longer leave the session.
  const described = new Set(g.valueInfo.map((v) => v.name));
  g.valueInfo.push(...g.output.filter((o) => !described.has(o.name)));
  g.output = [
    ...Object.values(HEAD_OUTPUTS).map((name) => valueInfo(name, name === HEAD_OUTPUTS.maxAbs ? DataType.DOUBLE : DataType.INT64, ['qusop_G'])),
    ...extra.outputs,
  ];
  return out;
}

function setDefaultOpset(m: ModelProto, version: number): void {
  const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (entry === undefined) m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(version) }));
  else if (entry.version < BigInt(version)) entry.version = BigInt(version);
}
