/**
 * The trained QT-LSTM parameters on disk (`qt-lstm.qt-params.json`): the circuit and mapping spec,
 * the angles and mapping weights (float32 values written as JSON numbers, which round-trip exactly),
 * and the sha256 of the weights they synthesise. Re-synthesising from this file must reproduce the
 * ONNX initializers bit for bit (tests/unit/sequence-qt.test.ts).
 */
import { z } from 'zod';
import { ModelError } from '../../worker/common/errors.js';
import type { QtParams, QtSpec } from './qt-lstm.js';

export const QT_PARAMS_FILE = 'qt-lstm.qt-params.json';
/** The parameters file of the cards `<base>-qd/-qw`: QT_PARAMS_FILE for the default size, `qt-lstm-h64.qt-params.json` for the paper's. */
export const qtParamsFileName = (base: string): string => `${base}.qt-params.json`;
export const QT_PARAMS_SCHEMA = 'qusop.qt-lstm-params/v1';

const Shape = z.strictObject({ inputs: z.number().int().positive(), hidden: z.number().int().positive(), dense: z.number().int().positive() });
const FileSchema = z.strictObject({
  schema: z.literal(QT_PARAMS_SCHEMA),
  spec: z.strictObject({
    network: Shape,
    circuit: z.strictObject({ qubits: z.number().int().min(2), layers: z.number().int().positive() }),
    mappingHidden: z.array(z.number().int().positive()),
    outputScale: z.number(),
  }),
  angles: z.array(z.number()),
  mapping: z.array(z.strictObject({ kernel: z.array(z.number()), bias: z.array(z.number()) })),
  weights_sha256: z.string(),
});

export function qtParamsFile(spec: QtSpec, params: QtParams, weightsSha256: string): string {
  const body = {
    schema: QT_PARAMS_SCHEMA,
    spec,
    angles: [...params.angles],
    mapping: params.mapping.map((m) => ({ kernel: [...m.kernel], bias: [...m.bias] })),
    weights_sha256: weightsSha256,
  };
  return `${JSON.stringify(body)}\n`;
}

export function parseQtParamsFile(text: string, file: string): { spec: QtSpec; params: QtParams; weightsSha256: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(`${file}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const f = parsed.data;
  return {
    spec: f.spec,
    params: { angles: Float32Array.from(f.angles), mapping: f.mapping.map((m) => ({ kernel: Float32Array.from(m.kernel), bias: Float32Array.from(m.bias) })) },
    weightsSha256: f.weights_sha256,
  };
}
