/**
 * Loads a model card and its ONNX bytes from disk, validating the card against the schema and the
 * bytes against the card's sha256. Errors name the card file and the offending field.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ModelError } from '../common/errors.js';
import { ModelCardSchema, type ModelCard } from './card.js';

export interface LoadedModel {
  readonly cardPath: string;
  readonly card: ModelCard;
  /** the card exactly as stored (what travels to workers) */
  readonly cardJson: string;
  readonly onnx: Uint8Array;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function parseModelCard(cardJson: string, cardPath: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(cardJson);
  } catch (err) {
    throw new ModelError(`${cardPath}: model card is not valid JSON (${(err as Error).message})`, { cause: err, details: { file: cardPath } });
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? [] : issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const field = path.map(String).join('.') || '(root)';
    const message = issue?.code === 'unrecognized_keys' ? 'unknown field' : issue?.message ?? 'invalid';
    throw new ModelError(`${cardPath}: field ${field}: ${message}`, { details: { file: cardPath, field } });
  }
  return parsed.data;
}

export async function loadModel(cardPath: string): Promise<LoadedModel> {
  let cardJson: string;
  try {
    cardJson = await readFile(cardPath, 'utf8');
  } catch (err) {
    throw new ModelError(`${cardPath}: cannot read model card (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: cardPath } });
  }
  const card = parseModelCard(cardJson, cardPath);
  const onnxPath = resolve(dirname(cardPath), card.onnx);
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(await readFile(onnxPath));
  } catch (err) {
    throw new ModelError(`${cardPath}: cannot read ONNX file ${onnxPath} named by field onnx (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
      details: { file: cardPath, field: 'onnx' },
    });
  }
  const actual = sha256Hex(onnx);
  if (actual !== card.sha256) {
    throw new ModelError(`${cardPath}: field sha256: card says ${card.sha256} but ${onnxPath} hashes to ${actual}`, {
      details: { file: cardPath, field: 'sha256' },
    });
  }
  return { cardPath, card, cardJson, onnx };
}
