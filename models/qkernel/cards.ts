/**
 * Writing the regressor as `qkernel-qd` / `qkernel-qw` trajectory models: the fit's structure graph
 * with the kernel's predicted etas added to L z (graph.ts), the fit's own theta draws and eta
 * declaration (so the sweep feeds it exactly as the population cards), and a card that says what it is,
 * what it assumes and what the circuit would need on hardware; plus `qkernel.params.json`.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { codeVersion } from '../../worker/common/version.js';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { encodeModel } from '../../worker/onnx/graph-builder.js';
import { REGIMEN_GRIDS, type RegimenGrid } from '../export/time-grid.js';
import { buildTrajectoryGraph } from '../export/trajectory-graph.js';
import { featureMapHardware } from './feature-map.js';
import { kernelEtaOffsets, type KernelRegressor } from './graph.js';
import type { HeldOutComparison } from './held-out.js';
import type { TrainingSet } from './training-set.js';

export const QKERNEL_FAMILY = 'quantum-kernel-ridge';
export const QKERNEL_VERSION = '1.0.0';

export interface QkernelRecord {
  readonly set: TrainingSet;
  readonly regressor: KernelRegressor;
  readonly lambdas: readonly number[];
  readonly cvRelativeError: readonly number[];
  readonly heldOut: HeldOutComparison;
  readonly seed: number;
}

export const RESIDUAL_VARIABILITY =
  'the fitted Omega is kept unchanged for the eta the kernel does not explain: the kernel predicts the mean eta of subjects with given covariates ' +
  'and the card adds the full fitted variability around it. Shrinking Omega by the in-sample explained variance would understate it: the held-out R^2 ' +
  '(diagnostics.held_out) is about 0 or below, so out of sample the kernel explains no measurable share.';

function description(r: QkernelRecord, grid: RegimenGrid): string {
  const s = r.regressor.spec;
  const hw = featureMapHardware(s)[1]!;
  return (
    `Quantum-kernel ridge regression (issue 20 item 3) on the population model ${r.set.structure.id} (${r.set.structure.description}), regimen ${grid.name}: ` +
    `each subject's covariates (${r.regressor.standardiser.inputs.join(', ')}; standardised by the trial's mean and sd) give its kernel row ` +
    `k(x, x_j) = |<phi(x)|phi(x_j)>|^2 against the ${r.regressor.support.length} trial subjects, phi = ${s.reps} x (RY(${s.scale} z) on ${s.qubits} qubits, qubit k <- covariate k mod ${r.regressor.standardiser.inputs.length}; CNOT ring) after H^n, ` +
    `simulated exactly; ridge weights fitted to the fit's individual eta estimates turn it into predicted etas, added to the population graph's eta before the individual parameters. ` +
    `Assumes the covariate model of the fit and that the empirical-Bayes etas (shrunk toward 0) are the targets; residual variability: ${RESIDUAL_VARIABILITY} ` +
    `Hardware: ${hw.resources.qubits} qubits, depth ${hw.resources.depth}, ${hw.resources.two_qubit_gates} two-qubit gates per kernel entry (${hw.circuit}); PNU's bound (${hw.pnu_bound}) ${hw.within_pnu_bound ? 'is met' : 'is NOT met'}.`
  );
}

function artifact(r: QkernelRecord, grid: RegimenGrid, fitCard: ModelCard): { onnxBytes: Uint8Array; card: ModelCard } {
  const m = buildTrajectoryGraph(grid, r.set.structure, kernelEtaOffsets(r.regressor));
  const family = m.metadataProps.find((e) => e.key === 'family');
  if (family !== undefined) family.value = QKERNEL_FAMILY;
  m.docString = `qusop quantum-kernel ridge on ${r.set.structure.id}, regimen ${grid.name} (models/qkernel/README.md)`;
  const onnxBytes = encodeModel(m);
  const card = ModelCardSchema.parse({
    ...fitCard,
    name: `qkernel-${grid.tag}`,
    family: QKERNEL_FAMILY,
    version: QKERNEL_VERSION,
    test_model: false,
    description: description(r, grid),
    onnx: `qkernel-${grid.tag}.onnx`,
    sha256: createHash('sha256').update(onnxBytes).digest('hex'),
    provenance: {
      made_by: `qusop train qkernel ${r.set.trialPath} --fit ${r.set.fitDir} --seed ${r.seed}`,
      code_version: codeVersion(),
      data: { path: r.set.trialPath, sha256: r.set.trialSha256 },
      fit: { dir: r.set.fitDir, structure: r.set.structure.id, card_sha256: fitCard.sha256 },
      seed: r.seed,
      method: 'kernel ridge (closed form, no intercept) per eta on the fit\'s individual estimates; encoding scale and each eta\'s lambda by 5-fold CV on a seeded split (models/qkernel/ridge.ts)',
      kernel: { ...r.regressor.spec, inputs: r.regressor.standardiser.inputs, mean: r.regressor.standardiser.mean, sd: r.regressor.standardiser.sd, support: r.regressor.support.length, lambdas: r.lambdas },
      residual_variability: RESIDUAL_VARIABILITY,
      builder: 'models/qkernel/cards.ts',
    },
    diagnostics: { cv_relative_error: r.cvRelativeError, held_out: r.heldOut, hardware: featureMapHardware(r.regressor.spec) },
  });
  return { onnxBytes, card };
}

/** Writes qkernel-qd/-qw .onnx + .model.json and qkernel.params.json into outDir; returns the card paths. */
export async function writeQkernel(r: QkernelRecord, outDir: string): Promise<string[]> {
  await makeDirectory(outDir);
  const paths: string[] = [];
  for (const [grid, fitCard] of [[REGIMEN_GRIDS.qd, r.set.cards.qd], [REGIMEN_GRIDS.qw, r.set.cards.qw]] as const) {
    const { onnxBytes, card } = artifact(r, grid, fitCard);
    await writeOutput(join(outDir, card.onnx), onnxBytes);
    const path = join(outDir, `${card.name}.model.json`);
    await writeOutput(path, `${JSON.stringify(card, null, 2)}\n`);
    paths.push(path);
  }
  const params = { spec: r.regressor.spec, standardiser: r.regressor.standardiser, eta_names: r.set.structure.etaNames, support: r.regressor.support, alpha: r.regressor.alpha, lambdas: r.lambdas, subjects: r.set.ids };
  await writeOutput(join(outDir, 'qkernel.params.json'), `${JSON.stringify(params, null, 2)}\n`);
  return paths;
}
