/**
 * Each model's predicted probability that a given subject succeeds (max PD over the steady-state QD
 * window <= threshold), from the subject's dose, BW and COMED only — never from the subject's own
 * observations, so a population model and a sequence model are asked the same question:
 *   - a card with random effects (eta) and/or parameter-uncertainty draws (theta): the fraction of
 *     `etaPerTheta` x `thetaDraws` trajectories that succeed, i.e. the probability over the model's
 *     between-subject variability and its parameter uncertainty (theta draw r = card draws[r]);
 *   - a card with neither (the sequence models): its one deterministic trajectory, so 0 or 1;
 *   - a p_success card (models/qcnn): the mean of its P(success) over the same draws.
 * The worker's reduction head does the counting (the same float32 comparison as a sweep). Eta draws are
 * Philox streams of (seed, "calibration", theta draw, draw index): the same for every subject
 * (common random numbers) and every run with the same seed.
 */
import { loadModel } from '../../worker/model/load-card.js';
import type { Logger } from '../../worker/common/log.js';
import { InputError } from '../../worker/common/errors.js';
import { DEFAULT_MAX_BATCH_ROWS, loadTrajectoryModel, type TrajectoryInputs, type TrajectoryRunner } from '../../worker/onnx/session.js';
import { drawSubjects } from '../../worker/population/draw.js';
import { scenarioKey } from '../../worker/rng/scenario-key.js';
import { cholesky, correlate } from '../../worker/tile-compute.js';

export interface SubjectCovariates {
  readonly doseMg: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
}

export interface PredictionDraws {
  readonly seed: number;
  /** eta draws per theta draw (cards with eta) */
  readonly etaPerTheta: number;
  /** at most this many of the card's theta draws, from draw 0 (the point estimate) on */
  readonly maxThetaDraws: number;
}

export const DEFAULT_PREDICTION_DRAWS: Omit<PredictionDraws, 'seed'> = { etaPerTheta: 100, maxThetaDraws: 200 };

export interface SubjectPredictions {
  /** per subject, in input order */
  readonly p: readonly number[];
  /** trajectories behind each p: theta draws x eta draws (1 x 1 for a deterministic model) */
  readonly thetaDraws: number;
  readonly etaDraws: number;
}

const CALIBRATION_STREAM = 'calibration';

export async function predictSuccess(
  runner: Pick<TrajectoryRunner, 'card' | 'evaluate'>,
  subjects: readonly SubjectCovariates[],
  thresholdNgMl: number,
  draws: PredictionDraws,
): Promise<SubjectPredictions> {
  const { card } = runner;
  if (subjects.length === 0) return { p: [], thetaDraws: 0, etaDraws: 0 };
  for (const [field, v] of [['etaPerTheta', draws.etaPerTheta], ['maxThetaDraws', draws.maxThetaDraws]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new InputError(`calibration: ${field} is ${v}, expected a positive integer`);
  }
  const etaSpec = card.inputs.eta;
  const K = etaSpec?.dim ?? 0;
  const theta = card.inputs.theta;
  const P = theta?.dim ?? 0;
  const G = subjects.length;
  const M = K > 0 ? draws.etaPerTheta : 1;
  const R = theta === undefined ? 1 : Math.min(theta.draws.length, draws.maxThetaDraws);
  const L = etaSpec?.distribution === 'omega' && etaSpec.omega !== undefined ? cholesky(etaSpec.omega) : undefined;
  const rows = G * M;
  const inputs: TrajectoryInputs = { dose: new Float32Array(rows), bw: new Float32Array(rows), comed: new Float32Array(rows) };
  subjects.forEach((s, g) => {
    inputs.dose.fill(s.doseMg, g * M, (g + 1) * M);
    inputs.bw.fill(s.bwKg, g * M, (g + 1) * M);
    inputs.comed.fill(s.comed, g * M, (g + 1) * M);
  });
  if (K > 0) inputs.eta = new Float32Array(rows * K);
  if (P > 0) inputs.theta = new Float32Array(rows * P);
  const key = { seed: draws.seed, scenario: scenarioKey(CALIBRATION_STREAM) };
  // BW/COMED of the draw are unused: only its standard-normal eta block is taken
  const spec = { bw: { kind: 'fixed', valueKg: 70 }, comed: { kind: 'fixed', value: 0 }, subjects: M } as const;
  const k = new Array<number>(G).fill(0);
  const probability = card.outputs.p_success !== undefined;
  for (let r = 0; r < R; r += 1) {
    if (inputs.eta !== undefined) {
      const z = drawSubjects(key, r, spec, K, 0, M).eta;
      const eta = L === undefined ? z : correlate(z, L, K);
      for (let g = 0; g < G; g += 1) inputs.eta.set(eta, g * M * K);
    }
    if (inputs.theta !== undefined && theta !== undefined) {
      const draw = theta.draws[r] ?? [];
      for (let i = 0; i < rows; i += 1) inputs.theta.set(draw, i * P);
    }
    const out = await runner.evaluate(inputs, G, M, thresholdNgMl);
    // a p_success card: the draws' probabilities (the head's Q20 sums), not the count of p >= 0.5
    for (let g = 0; g < G; g += 1) k[g] = (k[g] ?? 0) + (probability ? Number(out.sumMaxQ20[g] ?? 0n) / 2 ** 20 : (out.k[g] ?? 0));
  }
  return { p: k.map((x) => x / (R * M)), thetaDraws: R, etaDraws: M };
}

/** Loads a card (hash checked), predicts, releases the session. */
export async function predictSuccessWithCard(
  cardPath: string,
  subjects: readonly SubjectCovariates[],
  thresholdNgMl: number,
  draws: PredictionDraws,
  logger: Logger,
): Promise<SubjectPredictions> {
  const loaded = await loadModel(cardPath);
  const runner = await loadTrajectoryModel(loaded.card, loaded.onnx, { executionProvider: 'cpu', maxBatchRows: DEFAULT_MAX_BATCH_ROWS, intraOpThreads: 1, logger });
  try {
    return await predictSuccess(runner, subjects, thresholdNgMl, draws);
  } finally {
    await runner.release();
  }
}
