/**
 * The selector's training material: trials simulated from the candidate structures with the real
 * trial's own design (its subjects read, their doses, sampling times, BW, COMED, LLOQs), through the
 * library's simulator (models/estimate/simulate-trial.ts). Trial i is of class i mod C (balanced);
 * its typical values are the data's start values for that class (models/estimate/start-values.ts)
 * times a log-uniform factor within x/÷ SPREAD, IIV 30 % on each eta, proportional residual error
 * uniform in NOISE_RANGE (additive 1 % of the data's geometric mean concentration). All draws are
 * Philox streams of (seed, trial index): trial i is the same on any machine.
 */
import type { Trial } from '../ingest/trial.js';
import { FIXED_EFFECTS, type FixedEffectName, type PopulationParameters } from '../structures/parameters.js';
import type { Structure } from '../structures/structure.js';
import { simulateTrial, subsetTrial } from '../estimate/simulate-trial.js';
import { startValues } from '../estimate/start-values.js';
import { uniformAt } from '../sequence/seeded.js';
import { trialTokens, type Normalisation, type TrialTokens } from './features.js';

/** The PK parameters the regression head predicts (those of the classes; masked where a class lacks one). */
export const PK_NAMES = ['CL', 'V1', 'Q', 'V2', 'KA', 'Q3', 'V3'] as const satisfies readonly FixedEffectName[];
/** Typical values vary within x/÷ SPREAD of the data's start values; the regression target is log(value / centre) / ln SPREAD. */
export const SPREAD = 3;
export const NOISE_RANGE = [0.05, 0.3] as const;
const IIV_VARIANCE = 0.09;
/** Philox stream of the simulated truths (seeded.ts's STREAM uses 1-4) */
const TRUTH_STREAM = 11;

export interface TrainingDesign {
  readonly design: Trial;
  readonly rows: readonly number[];
  readonly classes: readonly Structure[];
  readonly regressed: readonly FixedEffectName[];
  /** natural-scale centre of each regressed parameter (the data's start value, first class that has it) */
  readonly centres: readonly number[];
  readonly norm: Normalisation;
}

export function trainingDesign(trial: Trial, classes: readonly Structure[], rows: readonly number[], norm: Normalisation): TrainingDesign {
  const pkOnly: Trial = { ...trial, subjects: trial.subjects.map((s) => ({ ...s, pd: [] })) };
  const starts = classes.map((c) => startValues(pkOnly, c).population.fixed);
  const regressed = PK_NAMES.filter((n) => classes.some((c) => c.absent[n] === undefined));
  const centres = regressed.map((n) => starts[classes.findIndex((c) => c.absent[n] === undefined)]![n]);
  return { design: subsetTrial(pkOnly, (_, i) => rows.includes(i)), rows, classes, regressed, centres, norm };
}

export interface SimulatedExample {
  readonly tokens: TrialTokens;
  readonly label: number;
  /** standardised log typical values, 0 where masked */
  readonly target: Float32Array;
  readonly targetMask: Float32Array;
  readonly noise: number;
}

export function simulatedExample(d: TrainingDesign, seed: number, index: number, noiseOverride?: number): SimulatedExample {
  const label = index % d.classes.length;
  const structure = d.classes[label]!;
  const u = (k: number): number => uniformAt(seed, TRUTH_STREAM, index, k);
  const fixed = Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, f.neutral])) as Record<FixedEffectName, number>;
  const target = new Float32Array(d.regressed.length);
  const targetMask = new Float32Array(d.regressed.length);
  d.regressed.forEach((name, j) => {
    if (structure.absent[name] !== undefined) return;
    const z = 2 * u(j) - 1;
    fixed[name] = d.centres[j]! * SPREAD ** z;
    target[j] = z;
    targetMask[j] = 1;
  });
  const noise = noiseOverride ?? NOISE_RANGE[0] + (NOISE_RANGE[1] - NOISE_RANGE[0]) * u(PK_NAMES.length);
  const k = structure.etaNames.length;
  const truth: PopulationParameters = {
    fixed,
    omega: Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? IIV_VARIANCE : 0))),
    sigma: { pkProportional: noise, pkAdditive: 0.01 * Math.exp(d.norm.logConcMean), pdAdditive: 0 },
  };
  const sim = simulateTrial(d.design, truth, seed, index, structure).trial;
  return { tokens: trialTokens(sim, sim.subjects.map((_, i) => i), d.norm), label, target, targetMask, noise };
}
