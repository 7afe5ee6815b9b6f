/**
 * Small helpers for writing ONNX graphs by hand with `onnx-buf` (ONNX schema on @bufbuild/protobuf v2):
 * nodes with explicitly typed attributes (an ONNX runtime rejects an INT where it wants a FLOAT, and a
 * JS number cannot tell them apart), float/int64/double initializers as little-endian raw data, value
 * infos with static or symbolic dims, and graph/model assembly. Used by models/ to build trajectory
 * models and by worker/onnx/reduction-head.ts to append the reduction head.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto, ValueInfoProto } from 'onnx-buf';

export { TensorProto_DataType as DataType } from 'onnx-buf';

/** An attribute value with its ONNX type spelled out. */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'graph'; readonly value: GraphProto };

export const attr = {
  int: (value: number | bigint): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: readonly (number | bigint)[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  /** a subgraph (the body of a Loop) */
  graph: (value: GraphProto): AttrValue => ({ kind: 'graph', value }),
};

function attribute(name: string, v: AttrValue): AttributeProto {
  switch (v.kind) {
    case 'int':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(v.value) });
    case 'float':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: v.value });
    case 'ints':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: v.value.map((x) => BigInt(x)) });
    case 'floats':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOATS, floats: [...v.value] });
    case 'string':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(v.value) });
    case 'graph':
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.GRAPH, g: v.value });
  }
}

/** A node; `name` defaults to the first output so every node is named (ORT error messages cite it). */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Readonly<Record<string, AttrValue>> = {},
  name: string = outputs[0] ?? opType,
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

/** A dim: a number is static, a string is symbolic (e.g. 'B'), null is unknown. */
export type Dim = number | string | null;

export function tensorType(elemType: TensorProto_DataType, dims: readonly Dim[]): TypeProto {
  const dim = dims.map((d) =>
    create(TensorShapeProto_DimensionSchema, {
      value:
        typeof d === 'number'
          ? { case: 'dimValue', value: BigInt(d) }
          : typeof d === 'string'
            ? { case: 'dimParam', value: d }
            : { case: undefined },
    }),
  );
  return create(TypeProtoSchema, {
    value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape: create(TensorShapeProtoSchema, { dim }) }) },
  });
}

export function valueInfo(name: string, elemType: TensorProto_DataType, dims: readonly Dim[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, { name, type: tensorType(elemType, dims) });
}

/** The element type and dims of a tensor value info, or undefined for non-tensor / untyped values. */
export function describeValueInfo(v: ValueInfoProto): { elemType: number; dims: Dim[] | undefined } | undefined {
  if (v.type?.value.case !== 'tensorType') return undefined;
  const t = v.type.value.value;
  const dims = t.shape?.dim.map((d): Dim =>
    d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null,
  );
  return { elemType: t.elemType, dims };
}

function rawTensor(name: string, dataType: TensorProto_DataType, dims: readonly number[], bytes: Uint8Array): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  const width = dataType === TensorProto_DataType.FLOAT ? 4 : 8;
  if (bytes.byteLength !== count * width) {
    throw new RangeError(`initializer ${name}: ${bytes.byteLength / width} values for dims [${dims.join(', ')}]`);
  }
  return create(TensorProtoSchema, { name, dataType, dims: dims.map((d) => BigInt(d)), rawData: bytes as Uint8Array<ArrayBuffer> });
}

function littleEndian(n: number, width: 4 | 8, put: (view: DataView, offset: number, i: number) => void): Uint8Array {
  const bytes = new Uint8Array(n * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) put(view, i * width, i);
  return bytes;
}

/** A float32 initializer (values are rounded to float32 here, once). dims [] is a scalar. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  return rawTensor(name, TensorProto_DataType.FLOAT, dims, littleEndian(values.length, 4, (v, o, i) => v.setFloat32(o, values[i] ?? NaN, true)));
}

export function doubleTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  return rawTensor(name, TensorProto_DataType.DOUBLE, dims, littleEndian(values.length, 8, (v, o, i) => v.setFloat64(o, values[i] ?? NaN, true)));
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly (number | bigint)[]): TensorProto {
  return rawTensor(name, TensorProto_DataType.INT64, dims, littleEndian(values.length, 8, (v, o, i) => v.setBigInt64(o, BigInt(values[i] ?? 0), true)));
}

export interface GraphParts {
  name: string;
  nodes: readonly NodeProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
  initializers?: readonly TensorProto[];
  valueInfo?: readonly ValueInfoProto[];
  docString?: string;
}

export function graph(parts: GraphParts): GraphProto {
  return create(GraphProtoSchema, {
    name: parts.name,
    node: [...parts.nodes],
    input: [...parts.inputs],
    output: [...parts.outputs],
    initializer: [...(parts.initializers ?? [])],
    valueInfo: [...(parts.valueInfo ?? [])],
    docString: parts.docString ?? '',
  });
}

export interface ModelParts {
  graph: GraphProto;
  /** ai.onnx opset version (the default domain) */
  opset: number;
  /** IR version; 8 covers opsets up to 18 */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export function model(parts: ModelParts): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(parts.irVersion ?? 8),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(parts.opset) })],
    producerName: parts.producerName ?? 'qusop',
    producerVersion: parts.producerVersion ?? '',
    docString: parts.docString ?? '',
    graph: parts.graph,
    metadataProps: Object.entries(parts.metadata ?? {}).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
  });
}

export function encodeModel(m: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, m);
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return fromBinary(ModelProtoSchema, bytes);
}

/** The version of the default (ai.onnx) opset the model imports, or undefined. */
export function defaultOpsetVersion(m: ModelProto): number | undefined {
  const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry === undefined ? undefined : Number(entry.version);
}
