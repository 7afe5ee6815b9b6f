/**
 * What the reduction head adds only when a scenario asks for it (issue 19); without extras the head is
 * the plain one, node for node.
 *
 * Threshold sweep: one comparison of the same statistic s [B] against a vector of thresholds,
 * broadcast [B,1] x [H] -> [B,H], summed per group:
 *   input   qusop_thresholds float32 [H]   (in the endpoint output's unit, compared in float32)
 *   output  qusop_k_sweep    int64 [G, H]  rows with s <= thresholds[h] (or >=)
 *
 * Joint endpoints: a second statistic s' of a safety output y' (its own statistic and comparison),
 * computed from the same rows in the same session.run:
 *   input   qusop_safety_threshold float32 [1]
 *   outputs qusop_k_safe           int64 [G]  rows whose s' compares as asked with the safety threshold
 *           qusop_k_both           int64 [G]  rows both efficacious (the question) and safe
 *           qusop_safety_nonfinite int64 [G]  NaN/Inf values in y' itself
 */
import { attr, DataType, int64Tensor, node, valueInfo } from './graph-builder.js';
import { compareOp, nonfiniteRowNodes, perGroupSum, statisticNodes, type Prefix } from './head-parts.js';
import type { HeadStatistic } from './window-statistic.js';

export interface HeadExtras {
  /** add the threshold-sweep input and output */
  readonly sweep?: boolean;
  /** add the safety statistic of this output */
  readonly safety?: { readonly output: string; readonly stat: HeadStatistic };
}

export const SWEEP_INPUT = 'qusop_thresholds';
export const SWEEP_OUTPUT = 'qusop_k_sweep';
export const SAFETY_INPUT = 'qusop_safety_threshold';
export const SAFETY_OUTPUTS = { kSafe: 'qusop_k_safe', kBoth: 'qusop_k_both', nonfinite: 'qusop_safety_nonfinite' } as const;

/** Every name the extras may take (reserved whether or not they are asked for). */
export const EXTRA_NAMES: readonly string[] = [SWEEP_INPUT, SWEEP_OUTPUT, SAFETY_INPUT, ...Object.values(SAFETY_OUTPUTS)];

type Node = ReturnType<typeof node>;

export interface ExtraParts {
  readonly nodes: Node[];
  readonly initializers: ReturnType<typeof int64Tensor>[];
  readonly inputs: ReturnType<typeof valueInfo>[];
  readonly outputs: ReturnType<typeof valueInfo>[];
}

/**
 * The extras' nodes. `p` is the head's prefix; the head's statistic is `p('max')`, its per-row success
 * `p('ok')` (bool [B]) and `groups` its [G, Mc] input.
 */
export function extraParts(extras: HeadExtras, stat: HeadStatistic, p: Prefix, groups: string, opset: number): ExtraParts {
  const parts: ExtraParts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  const toI64 = { to: attr.int(DataType.INT64) };
  if (extras.sweep === true) {
    const q = (name: string): string => p(`sweep/${name}`);
    parts.nodes.push(
      node('Unsqueeze', [p('max'), p('axis1')], [q('s_col')], {}, q('Unsqueeze')),
      node(compareOp(stat), [q('s_col'), SWEEP_INPUT], [q('ok')], {}, q(compareOp(stat))),
      node('Cast', [q('ok')], [q('ok_i64')], toI64, q('Cast_ok')),
      node('Shape', [SWEEP_INPUT], [q('h')], {}, q('Shape_thresholds')),
      node('Concat', [groups, q('h')], [q('shape')], { axis: attr.int(0) }, q('Concat_shape')),
      node('Reshape', [q('ok_i64'), q('shape')], [q('grouped')], {}, q('Reshape')),
      node('ReduceSum', [q('grouped'), p('axis1')], [SWEEP_OUTPUT], { keepdims: attr.int(0) }, q('ReduceSum')),
    );
    parts.inputs.push(valueInfo(SWEEP_INPUT, DataType.FLOAT, ['qusop_H']));
    parts.outputs.push(valueInfo(SWEEP_OUTPUT, DataType.INT64, ['qusop_G', 'qusop_H']));
  }
  if (extras.safety !== undefined) {
    const q = (name: string): string => p(`safety/${name}`);
    const { output, stat: safeStat } = extras.safety;
    const statistic = statisticNodes(safeStat, output, q, opset);
    parts.nodes.push(
      ...statistic.nodes,
      node(compareOp(safeStat), [q('max'), SAFETY_INPUT], [q('ok')], {}, q(compareOp(safeStat))),
      node('Cast', [q('ok')], [q('ok_i64')], toI64, q('Cast_ok')),
      ...perGroupSum(q, groups, q('ok_i64'), SAFETY_OUTPUTS.kSafe),
      node('And', [p('ok'), q('ok')], [q('both')], {}, q('And_both')),
      node('Cast', [q('both')], [q('both_i64')], toI64, q('Cast_both')),
      ...perGroupSum(q, groups, q('both_i64'), SAFETY_OUTPUTS.kBoth),
      ...nonfiniteRowNodes(q, output),
      ...perGroupSum(q, groups, q('nonfinite_row'), SAFETY_OUTPUTS.nonfinite),
    );
    parts.initializers.push(int64Tensor(q('axis1'), [1], [1]), ...(statistic.initializers as ReturnType<typeof int64Tensor>[]));
    parts.inputs.push(valueInfo(SAFETY_INPUT, DataType.FLOAT, [1]));
    parts.outputs.push(...Object.values(SAFETY_OUTPUTS).map((name) => valueInfo(name, DataType.INT64, ['qusop_G'])));
  }
  return parts;
}
