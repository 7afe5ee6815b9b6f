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
 * limit and refuses the tile. A later statistic per endpoint (joint endpoints) adds its own k and sums
 * beside these, computed the same way. The head's own names carry the `qusop_head/` prefix; the
 * original outputs stop being outputs.
 */
import { clone, create } from '@bufbuild/protobuf';
import { ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, defaultOpsetVersion, doubleTensor, int64Tensor, node, valueInfo } from './graph-builder.js';
import { ModelError } from '../common/errors.js';
import type { HeadStatistic } from './window-statistic.js';

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
/** ReduceMax and ReduceMin take axes as an input (not an attribute) from opset 18. */
const REDUCE_MAX_AXES_INPUT_OPSET = 18;

const MAX_LE: HeadStatistic = { statistic: 'max', comparison: '<=' };

export function appendReductionHead(model: ModelProto, outputName: string, stat: HeadStatistic = MAX_LE): ModelProto {
  const out = clone(ModelProtoSchema, model);
  const g = out.graph;
  if (g === undefined) throw new ModelError('reduction head: the ONNX model has no graph');
  if (!g.output.some((o) => o.name === outputName)) {
    throw new ModelError(
      `reduction head: the ONNX graph has no output "${outputName}" (outputs: [${g.output.map((o) => o.name).join(', ')}])`,
    );
  }
  const taken = new Set([...g.input, ...g.output, ...g.valueInfo].map((v) => v.name));
  for (const n of g.node) for (const name of [...n.input, ...n.output, n.name]) taken.add(name);
  for (const t of g.initializer) taken.add(t.name);
  const ours = [...Object.values(HEAD_INPUTS), ...Object.values(HEAD_OUTPUTS)];
  const clash = [...taken].find((name) => ours.includes(name as never) || name.startsWith(HEAD_PREFIX));
  if (clash !== undefined) throw new ModelError(`reduction head: the ONNX graph already uses the name "${clash}", reserved for the head`);

  const opset = Math.max(defaultOpsetVersion(out) ?? 0, MIN_HEAD_OPSET);
  setDefaultOpset(out, opset);
  if (out.irVersion < 7n) out.irVersion = 7n;

  const p = (name: string) => HEAD_PREFIX + name;
  const { threshold, groups } = HEAD_INPUTS;
  const reduceOverTime = (op: 'ReduceMax' | 'ReduceMin', input: string, output: string, name: string) =>
    opset >= REDUCE_MAX_AXES_INPUT_OPSET
      ? node(op, [input, p('axis1')], [output], { keepdims: attr.int(0) }, name)
      : node(op, [input], [output], { keepdims: attr.int(0), axes: attr.ints([1]) }, name);
  const statistic = statisticNodes(stat, outputName, p, reduceOverTime);
  const toI64 = { to: attr.int(DataType.INT64) };
  /** int64 [B] per-row values -> [G, Mc] -> sum over Mc -> named output [G] */
  const perGroupSum = (rowValues: string, output: string) => [
    node('Reshape', [rowValues, groups], [p(`${output}_grouped`)], {}, p(`Reshape_${output}`)),
    node('ReduceSum', [p(`${output}_grouped`), p('axis1')], [output], { keepdims: attr.int(0) }, p(`ReduceSum_${output}`)),
  ];
  const compare = stat.comparison === '>=' ? 'GreaterOrEqual' : 'LessOrEqual';
  const nodes = [
    ...statistic.nodes,
    node(compare, [p('max'), threshold], [p('ok')], {}, p(compare)),
    node('Cast', [p('ok')], [p('ok_i64')], toI64, p('Cast_ok')),
    ...perGroupSum(p('ok_i64'), HEAD_OUTPUTS.k),
    node('Cast', [p('max')], [p('max_f64')], { to: attr.int(DataType.DOUBLE) }, p('Cast_max')),
    node('Mul', [p('max_f64'), p('two_pow_20')], [p('max_scaled')], {}, p('Mul_q20')),
    node('Round', [p('max_scaled')], [p('max_rounded')], {}, p('Round_q20')),
    node('Cast', [p('max_rounded')], [p('max_q20')], toI64, p('Cast_q20')),
    ...perGroupSum(p('max_q20'), HEAD_OUTPUTS.sumMaxQ20),
    node('Mul', [p('max_f64'), p('max_f64')], [p('max_sq')], {}, p('Mul_sq')),
    node('Mul', [p('max_sq'), p('two_pow_12')], [p('max_sq_scaled')], {}, p('Mul_q12')),
    node('Round', [p('max_sq_scaled')], [p('max_sq_rounded')], {}, p('Round_q12')),
    node('Cast', [p('max_sq_rounded')], [p('max_sq_q12')], toI64, p('Cast_q12')),
    ...perGroupSum(p('max_sq_q12'), HEAD_OUTPUTS.sumMaxSqQ12),
    node('IsNaN', [outputName], [p('is_nan')], {}, p('IsNaN')),
    node('IsInf', [outputName], [p('is_inf')], {}, p('IsInf')),
    node('Or', [p('is_nan'), p('is_inf')], [p('nonfinite')], {}, p('Or_nonfinite')),
    node('Cast', [p('nonfinite')], [p('nonfinite_i64')], toI64, p('Cast_nonfinite')),
    node('ReduceSum', [p('nonfinite_i64'), p('axis1')], [p('nonfinite_row')], { keepdims: attr.int(0) }, p('ReduceSum_nonfinite_row')),
    ...perGroupSum(p('nonfinite_row'), HEAD_OUTPUTS.nonfinite),
    node('Abs', [p('max_f64')], [p('max_abs')], {}, p('Abs_max')),
    node('Reshape', [p('max_abs'), groups], [p('max_abs_grouped')], {}, p('Reshape_max_abs')),
    reduceOverTime('ReduceMax', p('max_abs_grouped'), HEAD_OUTPUTS.maxAbs, p('ReduceMax_max_abs')),
  ];
  g.node.push(...nodes);
  g.initializer.push(int64Tensor(p('axis1'), [1], [1]), doubleTensor(p('two_pow_20'), [], [2 ** 20]), doubleTensor(p('two_pow_12'), [], [2 ** 12]), ...statistic.initializers);
  g.input.push(valueInfo(threshold, DataType.FLOAT, [1]), valueInfo(groups, DataType.INT64, [2]));
  // The old outputs stay described (shape inference, debugging) but no longer leave the session.
  const described = new Set(g.valueInfo.map((v) => v.name));
  g.valueInfo.push(...g.output.filter((o) => !described.has(o.name)));
  g.output = Object.values(HEAD_OUTPUTS).map((name) => valueInfo(name, name === HEAD_OUTPUTS.maxAbs ? DataType.DOUBLE : DataType.INT64, ['qusop_G']));
  return out;
}

/**
 * The nodes that compute the statistic s float32 [B] as `qusop_head/max` (the name the rest of the
 * head reads, whatever the statistic).
 */
function statisticNodes(
  stat: HeadStatistic,
  y: string,
  p: (name: string) => string,
  reduceOverTime: (op: 'ReduceMax' | 'ReduceMin', input: string, output: string, name: string) => ReturnType<typeof node>,
): { nodes: ReturnType<typeof node>[]; initializers: ReturnType<typeof doubleTensor>[] } {
  const s = p('max');
  switch (stat.statistic) {
    case 'max':
      return { nodes: [reduceOverTime('ReduceMax', y, s, p('ReduceMax'))], initializers: [] };
    case 'min':
      return { nodes: [reduceOverTime('ReduceMin', y, s, p('ReduceMin'))], initializers: [] };
    case 'trough': {
      if (stat.index === undefined) throw new ModelError('reduction head: the trough statistic needs the grid index of t = tau');
      return {
        nodes: [node('Gather', [y, p('trough_index')], [s], { axis: attr.int(1) }, p('Gather_trough'))],
        initializers: [int64Tensor(p('trough_index'), [], [stat.index])],
      };
    }
    case 'mean': {
      const w = stat.weights;
      if (w === undefined) throw new ModelError('reduction head: the mean statistic needs the grid weights');
      return {
        nodes: [
          node('Cast', [y], [p('y_f64')], { to: attr.int(DataType.DOUBLE) }, p('Cast_y')),
          node('Mul', [p('y_f64'), p('mean_weights')], [p('y_weighted')], {}, p('Mul_mean_weights')),
          node('ReduceSum', [p('y_weighted'), p('axis1')], [p('mean_f64')], { keepdims: attr.int(0) }, p('ReduceSum_mean')),
          node('Cast', [p('mean_f64')], [s], { to: attr.int(DataType.FLOAT) }, p('Cast_mean')),
        ],
        initializers: [doubleTensor(p('mean_weights'), [1, w.length], w)],
      };
    }
  }
}

function setDefaultOpset(m: ModelProto, version: number): void {
  const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (entry === undefined) m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(version) }));
  else if (entry.version < BigInt(version)) entry.version = BigInt(version);
}
