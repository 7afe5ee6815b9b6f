/** Test kit: broken model artifacts for the bad-input corpus (a NaN-producing graph, corrupt cards). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { knownAnswerArtifact } from '../../models/testmodel/write.js';

/** A known-answer QD graph whose baseline constant is NaN: every pd value is NaN. Returns the card path. */
export async function writeNanModel(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { onnxBytes, card } = knownAnswerArtifact(KNOWN_ANSWER_REGIMENS.qd, { ...KNOWN_ANSWER_PARAMS, mu: Number.NaN });
  await writeFile(join(dir, card.onnx), onnxBytes);
  const path = join(dir, 'qd.model.json');
  await writeFile(path, JSON.stringify({ ...card, name: 'nan-model' }, null, 2));
  return path;
}
