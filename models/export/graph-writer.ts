/**
 * A small append-only writer for hand-built ONNX graphs: each op call adds one node and returns the
 * name of its output, constants become initializers, and every name gets a scope prefix and a
 * counter so pieces written by different files (individual parameters, PK, PD) cannot collide.
 * The population model's graph is ~250 nodes; writing it as expressions keeps each file readable.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { attr, floatTensor, int64Tensor, node } from '../../worker/onnx/graph-builder.js';
import type { AttrValue } from '../../worker/onnx/graph-builder.js';

export class GraphWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private scopeName = '';

  /** Runs fn with names prefixed by `scope/` (nested scopes join with '/'). */
  scoped<T>(scope: string, fn: () => T): T {
    const outer = this.scopeName;
    this.scopeName = `${outer}${scope}/`;
    try {
      return fn();
    } finally {
      this.scopeName = outer;
    }
  }

  /** A fresh name from a hint; a final output keeps exactly the name it asks for via `exact`. */
  fresh(hint: string, exact = false): string {
    let name = exact ? hint : `${this.scopeName}${hint}`;
    for (let i = 1; this.used.has(name); i += 1) {
      if (exact) throw new RangeError(`graph name "${hint}" is already taken`);
      name = `${this.scopeName}${hint}_${i}`;
    }
    this.used.add(name);
    return name;
  }

  /** One node with one output; returns the output name. */
  op(opType: string, inputs: readonly string[], hint: string, attrs: Readonly<Record<string, AttrValue>> = {}, exactOutput = false): string {
    const out = this.fresh(hint, exactOutput);
    this.nodes.push(node(opType, inputs, [out], attrs));
    return out;
  }

  /** One node with several outputs. */
  opMulti(opType: string, inputs: readonly string[], hints: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string[] {
    const outs = hints.map((h) => this.fresh(h));
    this.nodes.push(node(opType, inputs, outs, attrs));
    return outs;
  }

  /** float32 constant of the given dims ([] = scalar). */
  floats(hint: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(hint);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  scalar(hint: string, value: number): string {
    return this.floats(hint, [], [value]);
  }

  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    this.initializers.push(int64Tensor(name, [values.length], values));
    return name;
  }

  // Elementwise shorthands (numpy broadcasting).
  add(a: string, b: string, hint: string): string { return this.op('Add', [a, b], hint); }
  sub(a: string, b: string, hint: string): string { return this.op('Sub', [a, b], hint); }
  mul(a: string, b: string, hint: string): string { return this.op('Mul', [a, b], hint); }
  div(a: string, b: string, hint: string): string { return this.op('Div', [a, b], hint); }
  exp(a: string, hint: string): string { return this.op('Exp', [a], hint); }
  neg(a: string, hint: string): string { return this.op('Neg', [a], hint); }
  where(cond: string, a: string, b: string, hint: string): string { return this.op('Where', [cond, a, b], hint); }
  less(a: string, b: string, hint: string): string { return this.op('Less', [a, b], hint); }

  /** Indices [from, to) of a tensor along one axis. */
  slice(x: string, axis: number, from: number, to: number, hint: string): string {
    return this.op('Slice', [x, this.int64s(`${hint}_from`, [from]), this.int64s(`${hint}_to`, [to]), this.int64s(`${hint}_axis`, [axis])], hint);
  }

  /** The same indices along one axis for every other index (numpy take). */
  gather(x: string, axis: number, indices: readonly number[], hint: string): string {
    return this.op('Gather', [x, this.int64s(`${hint}_idx`, indices)], hint, { axis: attr.int(axis) });
  }

  /** Split into equal parts of size 1 along one axis (one output per hint). */
  split(x: string, axis: number, hints: readonly string[]): string[] {
    return this.opMulti('Split', [x], hints, { axis: attr.int(axis), num_outputs: attr.int(hints.length) });
  }

  concat(parts: readonly string[], axis: number, hint: string): string {
    return this.op('Concat', parts, hint, { axis: attr.int(axis) });
  }

  unsqueeze(x: string, axes: readonly number[], hint: string): string {
    return this.op('Unsqueeze', [x, this.int64s(`${hint}_axes`, axes)], hint);
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean, hint: string): string {
    return this.op('ReduceSum', [x, this.int64s(`${hint}_axes`, axes)], hint, { keepdims: attr.int(keepdims ? 1 : 0) });
  }
}
