/**
 * The selector's weights file (`selector.json`): its own card. What it is, the classes and regressed
 * parameters, the network's shape, the design it was trained for (sha256, features.ts) with the
 * normalisation, the training (seed, trials, epochs, held-out accuracy) and the weights (float32,
 * base64, fixed order) with their sha256. Reading checks all of it and names the file and field that
 * is wrong (exit 2), so a missing or corrupt file never reaches the fit.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { sha256Hex } from '../../worker/model/load-card.js';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { STRUCTURE_IDS, type StructureId } from '../structures/structure.js';
import { parameterShapes, type EncoderShape } from './encoder.js';

export const SELECTOR_FORMAT = 'qusop-selector/1';
export const SELECTOR_FILE = 'selector.json';

const positiveInt = z.number().int().positive();
const schema = z.object({
  format: z.literal(SELECTOR_FORMAT),
  description: z.string(),
  classes: z.array(z.enum(STRUCTURE_IDS)).min(2),
  regressed: z.array(z.string()).min(1),
  centres: z.array(z.number().positive()),
  spread: z.number().gt(1),
  shape: z.object({ features: positiveInt, dModel: positiveInt, heads: positiveInt, layers: positiveInt, ffn: positiveInt, classes: positiveInt, regressed: positiveInt }),
  design: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), subjects_read: z.array(z.number().int().nonnegative()).min(1) }),
  normalisation: z.object({ logConcMean: z.number(), logConcSd: z.number().positive(), doseRefMg: z.number().positive() }),
  training: z.record(z.string(), z.unknown()),
  weights_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  weights: z.record(z.string(), z.string()),
});

export type SelectorFile = z.infer<typeof schema> & { readonly classes: StructureId[] };

export interface LoadedSelector {
  readonly file: SelectorFile;
  readonly values: Map<string, Float32Array>;
  readonly path: string;
}

/** sha256 of the weights' float32 bytes, in parameter order. */
export function weightsSha256(shape: EncoderShape, values: Map<string, Float32Array>): string {
  const parts = parameterShapes(shape).map(([name]) => Buffer.from(values.get(name)!.buffer, values.get(name)!.byteOffset, values.get(name)!.byteLength));
  return sha256Hex(Buffer.concat(parts));
}

export async function writeSelector(dir: string, file: Omit<SelectorFile, 'weights' | 'weights_sha256' | 'format'>, values: Map<string, Float32Array>): Promise<string> {
  await makeDirectory(dir);
  const weights = Object.fromEntries(parameterShapes(file.shape).map(([name]) => [name, Buffer.from(values.get(name)!.buffer).toString('base64')]));
  const path = join(dir, SELECTOR_FILE);
  await writeOutput(path, JSON.stringify({ format: SELECTOR_FORMAT, ...file, weights_sha256: weightsSha256(file.shape, values), weights }, null, 2) + '\n');
  return path;
}

const bad = (path: string, field: string, what: string): InputError => new InputError(`${path}: ${field}: ${what}; retrain it with \`qusop train selector TRIAL --out DIR\``, { details: { file: path, field } });

/** The selector in `dir` (or a path to its selector.json), checked. */
export async function readSelector(dirOrFile: string): Promise<LoadedSelector> {
  const path = dirOrFile.endsWith('.json') ? dirOrFile : join(dirOrFile, SELECTOR_FILE);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`${path}: cannot read the selector's weights (${err.code ?? err.message}); give --selector DIR of a \`qusop train selector\` output`, { details: { file: path, field: '--selector' } });
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw bad(path, '(file)', `not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(path, issue.path.join('.') || '(file)', issue.message);
  }
  const file = parsed.data as SelectorFile;
  if (file.shape.classes !== file.classes.length || file.shape.regressed !== file.regressed.length || file.centres.length !== file.regressed.length) throw bad(path, 'shape', 'does not match classes / regressed / centres');
  const values = new Map<string, Float32Array>();
  for (const [name, dims] of parameterShapes(file.shape)) {
    const b64 = file.weights[name];
    if (b64 === undefined) throw bad(path, `weights.${name}`, 'missing');
    const bytes = Buffer.from(b64, 'base64');
    const size = dims.reduce((a, c) => a * c, 1);
    if (bytes.byteLength !== size * 4) throw bad(path, `weights.${name}`, `${bytes.byteLength} bytes, expected ${size * 4} (float32 ${dims.join('x')})`);
    values.set(name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  }
  if (weightsSha256(file.shape, values) !== file.weights_sha256) throw bad(path, 'weights_sha256', 'does not match the weights (the file was altered or truncated)');
  return { file, values, path };
}
