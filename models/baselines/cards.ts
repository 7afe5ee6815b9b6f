/**
 * A trained baseline as two trajectory models, `<family>-qd` and `<family>-qw` (ONNX + `.model.json`):
 * the same fitted parameters and uncertainty draws on the QD (tau 24 h) and QW (tau 168 h) windows.
 * Cards hold no wall-clock figure, so the same trial and seed give the same bytes.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ModelProto } from 'onnx-buf';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { MODEL_CARD_SCHEMA, ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { BASELINE_REGIMENS, type BaselineRegimen } from './graphs.js';

export const BASELINE_MODEL_VERSION = '1.0.0';

/** What differs between the two families' cards. */
export interface BaselineCardSpec {
  /** file prefix and card name prefix: `emax` -> emax-qd.onnx */
  readonly prefix: string;
  /** card `family` */
  readonly family: string;
  readonly graph: (regimen: BaselineRegimen) => ModelProto;
  readonly description: (regimen: BaselineRegimen) => string;
  /** the standard-normal `eta [B, 1]`'s name; absent: the graph has no eta (subjects differ by covariates only) */
  readonly etaName?: string;
  readonly thetaNames: readonly string[];
  readonly draws: readonly (readonly number[])[];
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly diagnostics: Readonly<Record<string, unknown>>;
}

export interface BaselineArtifact {
  readonly onnxBytes: Uint8Array;
  readonly card: ModelCard;
}

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export function baselineArtifact(spec: BaselineCardSpec, regimen: BaselineRegimen): BaselineArtifact {
  const name = `${spec.prefix}-${regimen.tag}`;
  const onnxBytes = encodeModel(spec.graph(regimen));
  const card = ModelCardSchema.parse({
    schema: MODEL_CARD_SCHEMA,
    name,
    family: spec.family,
    version: BASELINE_MODEL_VERSION,
    test_model: false,
    description: spec.description(regimen),
    onnx: `${name}.onnx`,
    sha256: sha256Hex(onnxBytes),
    regimen: { name: regimen.name, tau_h: regimen.tauH, window_start_h: 0 },
    // no time in the model: one point stands for the whole window (max = min = mean = trough)
    time_grid_h: [0],
    inputs: {
      covariates: ['dose', 'bw', 'comed'],
      ...(spec.etaName === undefined ? {} : { eta: { dim: 1, distribution: 'standard-normal', names: [spec.etaName] } }),
      theta: { dim: spec.thetaNames.length, names: [...spec.thetaNames], draws: spec.draws.map((r) => [...r]) },
    },
    outputs: { pd: 'pd' },
    units: { dose: 'mg', bw: 'kg', pd: 'ng/mL' },
    provenance: spec.provenance,
    diagnostics: spec.diagnostics,
  });
  return { onnxBytes, card };
}

/** Writes <prefix>-qd/-qw (.onnx + .model.json); returns the card paths. */
export async function writeBaselineModels(dir: string, spec: BaselineCardSpec): Promise<string[]> {
  const artifacts = BASELINE_REGIMENS.map((r) => baselineArtifact(spec, r)); // everything built before anything is written
  await makeDirectory(dir);
  const paths: string[] = [];
  for (const { onnxBytes, card } of artifacts) {
    await writeOutput(join(dir, card.onnx), onnxBytes);
    const cardPath = join(dir, `${card.name}.model.json`);
    await writeOutput(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(cardPath);
  }
  return paths;
}
