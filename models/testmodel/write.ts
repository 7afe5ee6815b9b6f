/**
 * Artifacts of the known-answer test model: ONNX bytes plus a model card per regimen, and writing
 * them as `qd.onnx` / `qd.model.json` and `qw.onnx` / `qw.model.json`. The card's sha256 is the hash
 * of exactly the bytes written, so the worker's integrity check covers the file on disk.
 */
import { createHash } from 'node:crypto';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import { MODEL_CARD_SCHEMA, ModelCardSchema } from '../../worker/model/card.js';
import type { ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { buildKnownAnswerModel, KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS, timeGridH } from './known-answer.js';
import type { KnownAnswerParams, KnownAnswerRegimen } from './known-answer.js';

export const KNOWN_ANSWER_VERSION = '1.0.0';

export interface KnownAnswerArtifact {
  onnxBytes: Uint8Array;
  card: ModelCard;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The ONNX bytes and a schema-validated card for one regimen (pure; nothing is written). */
export function knownAnswerArtifact(regimen: KnownAnswerRegimen, params: KnownAnswerParams = KNOWN_ANSWER_PARAMS): KnownAnswerArtifact {
  const onnxBytes = encodeModel(buildKnownAnswerModel(params, regimen));
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name: `known-answer-${regimen.tag}`,
    family: 'test-known-answer',
    version: KNOWN_ANSWER_VERSION,
    test_model: true,
    description:
      'TEST MODEL (not pharmacology): pd(t) = exp(mu + beta*comed + omega*eta) * (1 - emax*h*s(t)), ' +
      'h = x/(x+ec50), x = dose/(bw*tau_days) mg/kg/day; its attainment probability has a closed form ' +
      '(models/testmodel/README.md) so engine results can be checked exactly.',
    onnx: `${regimen.tag}.onnx`,
    sha256: sha256Hex(onnxBytes),
    regimen: { name: regimen.name, tau_h: regimen.tauH },
    time_grid_h: timeGridH(regimen),
    inputs: {
      covariates: ['dose', 'bw', 'comed'],
      eta: { dim: 1, distribution: 'standard-normal', names: ['eta_log_baseline'] },
    },
    outputs: { pd: 'pd' },
    units: { dose: 'mg', bw: 'kg', pd: 'ng/mL' },
    provenance: {
      method: 'closed-form known-answer test model (no fit)',
      builder: 'models/testmodel/known-answer.ts',
      parameters: { ...params, smin: regimen.smin, tau_h: regimen.tauH, grid_points: regimen.gridPoints },
    },
    diagnostics: {},
  });
  return { onnxBytes, card };
}

/** Writes qd.onnx, qd.model.json, qw.onnx, qw.model.json into dir; returns the two card paths. */
export async function writeKnownAnswerModels(dir: string): Promise<{ qd: string; qw: string }> {
  await makeDirectory(dir);
  const write = async (regimen: KnownAnswerRegimen): Promise<string> => {
    const { onnxBytes, card } = knownAnswerArtifact(regimen);
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${regimen.tag}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    return cardPath;
  };
  return { qd: await write(KNOWN_ANSWER_REGIMENS.qd), qw: await write(KNOWN_ANSWER_REGIMENS.qw) };
}
