/**
 * Test kit: broken model artifacts for the bad-input corpora (a NaN-producing graph, a graph whose pd
 * is far beyond any biomarker scale, a non-deterministic graph, corrupt cards).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { knownAnswerArtifact } from '../../models/testmodel/write.js';
import { decodeModel, encodeModel, node } from '../../worker/onnx/graph-builder.js';

type Card = ReturnType<typeof knownAnswerArtifact>['card'];

async function writeModel(dir: string, onnxBytes: Uint8Array, card: Card, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, card.onnx), onnxBytes);
  const path = join(dir, 'qd.model.json');
  await writeFile(path, JSON.stringify({ ...card, name, sha256: createHash('sha256').update(onnxBytes).digest('hex') }, null, 2));
  return path;
}

/** A known-answer QD graph whose baseline constant is NaN: every pd value is NaN. Returns the card path. */
export async function writeNanModel(dir: string): Promise<string> {
  const { onnxBytes, card } = knownAnswerArtifact(KNOWN_ANSWER_REGIMENS.qd, { ...KNOWN_ANSWER_PARAMS, mu: Number.NaN });
  return writeModel(dir, onnxBytes, card, 'nan-model');
}

/** A known-answer QD graph with log baseline `mu`: pd around e^mu ng/mL (30: ~1e13, 17: ~2.4e7). */
export async function writeHugePdModel(dir: string, mu: number): Promise<string> {
  const { onnxBytes, card } = knownAnswerArtifact(KNOWN_ANSWER_REGIMENS.qd, { ...KNOWN_ANSWER_PARAMS, mu });
  return writeModel(dir, onnxBytes, card, 'huge-pd-model');
}

/** The known-answer QD graph with RandomUniformLike noise in [0, 1) ng/mL added to pd: a different pd every evaluation. */
export async function writeRandomModel(dir: string): Promise<string> {
  const { onnxBytes, card } = knownAnswerArtifact(KNOWN_ANSWER_REGIMENS.qd);
  const model = decodeModel(onnxBytes);
  const g = model.graph;
  if (g === undefined) throw new Error('known-answer model has no graph');
  for (const n of g.node) n.output = n.output.map((o) => (o === 'pd' ? 'pd_exact' : o));
  g.node.push(node('RandomUniformLike', ['pd_exact'], ['pd_noise'], {}, 'noise'), node('Add', ['pd_exact', 'pd_noise'], ['pd'], {}, 'add_noise'));
  return writeModel(dir, encodeModel(model), card, 'random-model');
}
