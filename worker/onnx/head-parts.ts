/**
 * Node builders the reduction head (reduction-head.ts) and its extras (head-extras.ts) share: a window
 * statistic s float32 [B] of an output y [B,T], and per-group sums of per-row int64 values. Every name
 * comes from the caller's prefix function `p`, so a second statistic (the safety endpoint) lives beside
 * the first under its own prefix; `p('axis1')` must be an int64 [1] initializer holding 1.
 */
import { attr, DataType, doubleTensor, int64Tensor, node } from './graph-builder.js';
import { ModelError } from '../common/errors.js';
import type { HeadStatistic } from './window-statistic.js';

type Node = ReturnType<typeof node>;
type Initializer = ReturnType<typeof doubleTensor>;
export type Prefix = (name: string) => string;

/** ReduceMax and ReduceMin take axes as an input (not an attribute) from opset 18. */
const REDUCE_MAX_AXES_INPUT_OPSET = 18;

export function reduceOverTime(opset: number, p: Prefix, op: 'ReduceMax' | 'ReduceMin', input: string, output: string, name: string): Node {
  return opset >= REDUCE_MAX_AXES_INPUT_OPSET
    ? node(op, [input, p('axis1')], [output], { keepdims: attr.int(0) }, name)
    : node(op, [input], [output], { keepdims: attr.int(0), axes: attr.ints([1]) }, name);
}

/** int64 [B] per-row values -> [G, Mc] (groups = the head's qusop_groups input) -> sum over Mc -> `output` [G] */
export function perGroupSum(p: Prefix, groups: string, rowValues: string, output: string): Node[] {
  return [
    node('Reshape', [rowValues, groups], [p(`${output}_grouped`)], {}, p(`Reshape_${output}`)),
    node('ReduceSum', [p(`${output}_grouped`), p('axis1')], [output], { keepdims: attr.int(0) }, p(`ReduceSum_${output}`)),
  ];
}

/** Per-row count of NaN/Inf values of y [B,T] as `p('nonfinite_row')` int64 [B]. */
export function nonfiniteRowNodes(p: Prefix, y: string): Node[] {
  const toI64 = { to: attr.int(DataType.INT64) };
  return [
    node('IsNaN', [y], [p('is_nan')], {}, p('IsNaN')),
    node('IsInf', [y], [p('is_inf')], {}, p('IsInf')),
    node('Or', [p('is_nan'), p('is_inf')], [p('nonfinite')], {}, p('Or_nonfinite')),
    node('Cast', [p('nonfinite')], [p('nonfinite_i64')], toI64, p('Cast_nonfinite')),
    node('ReduceSum', [p('nonfinite_i64'), p('axis1')], [p('nonfinite_row')], { keepdims: attr.int(0) }, p('ReduceSum_nonfinite_row')),
  ];
}

/**
 * The nodes that compute the statistic s float32 [B] of y as `p('max')` (the name the rest of the head
 * reads, whatever the statistic).
 */
export function statisticNodes(stat: HeadStatistic, y: string, p: Prefix, opset: number): { nodes: Node[]; initializers: Initializer[] } {
  const s = p('max');
  switch (stat.statistic) {
    case 'max':
      return { nodes: [reduceOverTime(opset, p, 'ReduceMax', y, s, p('ReduceMax'))], initializers: [] };
    case 'min':
      return { nodes: [reduceOverTime(opset, p, 'ReduceMin', y, s, p('ReduceMin'))], initializers: [] };
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

export function compareOp(stat: HeadStatistic): 'GreaterOrEqual' | 'LessOrEqual' {
  return stat.comparison === '>=' ? 'GreaterOrEqual' : 'LessOrEqual';
}
