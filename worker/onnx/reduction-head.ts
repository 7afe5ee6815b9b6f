/**
 * The reduction head (DESIGN.md "Reductions on device"): appended to any trajectory model so that
 * only per-group counts leave the session, never the [B,T] trajectories. For the pd output it adds
 *
 *   inputs   qusop_threshold float32 [1], qusop_groups int64 [2] = [G, Mc] (batch is group-major)
 *   outputs  qusop_k              int64 [G]  rows with max_t pd <= threshold (compared in float32)
 *            qusop_sum_max_q20    int64 [G]  sum of Round(double(max) * 2^20)
 *            qusop_sum_max_sq_q12 int64 [G]  sum of Round(double(max)^2 * 2^12)
 *            qusop_nonfinite      int64 [G]  NaN/Inf values in pd itself (a max could hide them)
 *            qusop_max_abs        double [G] largest |max| of the group's rows (the sums' range check)
 *
 * Sums are integers so they add exactly across chunks, threads and workers: a tile's bytes do not
 * depend on how it was split. float32 max -> double is exact and so is its square (48 bits), so each
 * term is a pure function of the float32 max; Round is half-to-even. The int64 sums hold a cell of M
 * subjects only while |max| <= sumsLimit(M) (about 1e6 ng/mL for 1,000 subjects): beyond it the Cast
 * or the sum wraps, so the worker checks qusop_max_abs against that limit and refuses the tile.
 * The head's own names carry the `qusop_head/` prefix; the original outputs stop being outputs.
 */
import { clone, create } from '@bufbuild/protobuf';
import { ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import type { ModelProto } from 'onnx-buf';
import { attr, DataType, defaultOpsetVersion, doubleTensor, int64Tensor, node, valueInfo } from './graph-builder.js';
import { ModelError } from '../common/errors.js';

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
/** ReduceMax takes axes as an input (not an attribute) from opset 18. */
const REDUCE_MAX_AXES_INPUT_OPSET = 18;

export function appendReductionHead(model: ModelProto, pdOutputName: string): ModelProto {
  const out = clone(ModelProtoSchema, model);
  const g = out.graph;
  if (g === undefined) throw new ModelError('reduction head: the ONNX model has no graph');
  if (!g.output.some((o) => o.name === pdOutputName)) {
    throw new ModelError(
      `reduction head: the ONNX graph has no output "${pdOutputName}" (outputs: [${g.output.map((o) => o.name).join(', ')}])`,
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
  const reduceMax =
    opset >= REDUCE_MAX_AXES_INPUT_OPSET
      ? node('ReduceMax', [pdOutputName, p('axis1')], [p('max')], { keepdims: attr.int(0) }, p('ReduceMax'))
      : node('ReduceMax', [pdOutputName], [p('max')], { keepdims: attr.int(0), axes: attr.ints([1]) }, p('ReduceMax'));
  const toI64 = { to: attr.int(DataType.INT64) };
  /** int64 [B] per-row values -> [G, Mc] -> sum over Mc -> named output [G] */
  const perGroupSum = (rowValues: string, output: string) => [
    node('Reshape', [rowValues, groups], [p(`${output}_grouped`)], {}, p(`Reshape_${output}`)),
    node('ReduceSum', [p(`${output}_grouped`), p('axis1')], [output], { keepdims: attr.int(0) }, p(`ReduceSum_${output}`)),
  ];
  const nodes = [
    reduceMax,
    node('LessOrEqual', [p('max'), threshold], [p('ok')], {}, p('LessOrEqual')),
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
    node('IsNaN', [pdOutputName], [p('is_nan')], {}, p('IsNaN')),
    node('IsInf', [pdOutputName], [p('is_inf')], {}, p('IsInf')),
    node('Or', [p('is_nan'), p('is_inf')], [p('nonfinite')], {}, p('Or_nonfinite')),
    node('Cast', [p('nonfinite')], [p('nonfinite_i64')], toI64, p('Cast_nonfinite')),
    node('ReduceSum', [p('nonfinite_i64'), p('axis1')], [p('nonfinite_row')], { keepdims: attr.int(0) }, p('ReduceSum_nonfinite_row')),
    ...perGroupSum(p('nonfinite_row'), HEAD_OUTPUTS.nonfinite),
    node('Abs', [p('max_f64')], [p('max_abs')], {}, p('Abs_max')),
    node('Reshape', [p('max_abs'), groups], [p('max_abs_grouped')], {}, p('Reshape_max_abs')),
    opset >= REDUCE_MAX_AXES_INPUT_OPSET
      ? node('ReduceMax', [p('max_abs_grouped'), p('axis1')], [HEAD_OUTPUTS.maxAbs], { keepdims: attr.int(0) }, p('ReduceMax_max_abs'))
      : node('ReduceMax', [p('max_abs_grouped')], [HEAD_OUTPUTS.maxAbs], { keepdims: attr.int(0), axes: attr.ints([1]) }, p('ReduceMax_max_abs')),
  ];
  g.node.push(...nodes);
  g.initializer.push(int64Tensor(p('axis1'), [1], [1]), doubleTensor(p('two_pow_20'), [], [2 ** 20]), doubleTensor(p('two_pow_12'), [], [2 ** 12]));
  g.input.push(valueInfo(threshold, DataType.FLOAT, [1]), valueInfo(groups, DataType.INT64, [2]));
  // The old outputs stay described (shape inference, debugging) but no longer leave the session.
  const described = new Set(g.valueInfo.map((v) => v.name));
  g.valueInfo.push(...g.output.filter((o) => !described.has(o.name)));
  g.output = Object.values(HEAD_OUTPUTS).map((name) => valueInfo(name, name === HEAD_OUTPUTS.maxAbs ? DataType.DOUBLE : DataType.INT64, ['qusop_G']));
  return out;
}

function setDefaultOpset(m: ModelProto, version: number): void {
  const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (entry === undefined) m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(version) }));
  else if (entry.version < BigInt(version)) entry.version = BigInt(version);
}
