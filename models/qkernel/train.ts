/**
 * `qusop train qkernel TRIAL --fit DIR --out OUT`: the training set (fit's etas, trial's covariates),
 * the tuned quantum-kernel ridge on all subjects, its held-out comparison with the plain covariate
 * model and an RBF kernel ridge, and the QD/QW cards. Deterministic for a seed (the CV folds).
 */
import { checkQubits } from '../qlstm/circuit.js';
import { checkSeed } from '../sequence/seeded.js';
import { writeQkernel } from './cards.js';
import { checkReps, DEFAULT_QUBITS, DEFAULT_REPS } from './feature-map.js';
import { compareHeldOut, quantumCandidates, type HeldOutComparison } from './held-out.js';
import { tuneRidge } from './ridge.js';
import { readTrainingSet } from './training-set.js';

export interface QkernelOptions {
  readonly trialPath: string;
  readonly dataSpecPath?: string;
  readonly fitDir: string;
  readonly outDir: string;
  readonly seed: number;
  readonly qubits?: number;
  readonly reps?: number;
}

export async function trainQkernel(o: QkernelOptions): Promise<{ cards: string[]; heldOut: HeldOutComparison; scale: number }> {
  const seed = checkSeed(o.seed);
  const qubits = checkQubits(o.qubits ?? DEFAULT_QUBITS);
  const reps = checkReps(o.reps ?? DEFAULT_REPS);
  const set = await readTrainingSet(o.fitDir, o.trialPath, o.dataSpecPath);
  const data = { x: set.x, y: set.y };
  const tuned = tuneRidge(data, quantumCandidates(qubits, reps), seed);
  const heldOut = compareHeldOut(data, set.structure.etaNames, qubits, reps, seed);
  const scale = tuned.model.kernel.width;
  const cards = await writeQkernel({
    set, seed, heldOut,
    regressor: { spec: { qubits, reps, scale }, standardiser: set.standardiser, support: tuned.model.support, alpha: tuned.model.alpha },
    lambdas: tuned.model.lambdas, cvRelativeError: tuned.cvRelativeError,
  }, o.outDir);
  return { cards, heldOut, scale };
}
