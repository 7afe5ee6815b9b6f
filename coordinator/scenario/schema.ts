/**
 * The scenario file schema (YAML). Every field is documented here; zod rejects unknown fields and the
 * loader (load.ts) turns a zod issue into `file:line: path: message`.
 */
import { z } from 'zod';
import { CONCENTRATION_UNITS } from '../../worker/onnx/window-statistic.js';
import { BODY_WEIGHT_MAX_KG, LIMITS } from './limits.js';
import { CovariatePriorSchema } from './covariate-priors.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const kg = finite.positive().max(BODY_WEIGHT_MAX_KG, `must be <= ${BODY_WEIGHT_MAX_KG} kg (a body weight)`);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." or "-", starting with a letter or digit');

export const DoseGridSchema = z.strictObject({
  start: finite.positive(),
  stop: finite.positive(),
  step: finite.refine((v) => v > 0, 'must be > 0'),
});

export const BwSchema = z.union([
  z.strictObject({ uniform: z.strictObject({ min_kg: kg, max_kg: kg }) }),
  z.strictObject({ fixed_kg: kg }),
  z.strictObject({
    resample: z.strictObject({
      sigma: finite.min(0).default(0.1),
      clip_kg: z.tuple([kg, kg]).default([35, 120]),
      /** scale the trial's weights (and clip_kg) by mean_kg / (the trial's mean weight): a covariate-shifted population */
      mean_kg: kg.optional(),
    }),
  }),
]);

export const ComedSchema = z.union([
  z.strictObject({ bernoulli: finite.min(0).max(1) }),
  z.strictObject({ fixed: z.union([z.literal(0), z.literal(1)]) }),
  z.literal('observed'),
  z.literal('resampled'),
]);

export const RegimenSchema = z.strictObject({
  name,
  tau_h: finite.positive(),
  /** model card path, relative to the scenario file */
  model: z.string().min(1),
  doses_mg: DoseGridSchema,
});

// unit: a concentration's one of CONCENTRATION_UNITS (load.ts); the biomarker's the card's units.pd (compile: biomarker-threshold.ts)
const ThresholdSchema = z.strictObject({ value: finite.positive(), unit: z.string().min(1) });

/** A safety endpoint: a subject is safe when `statistic(endpoint) comparison threshold`; a dose is safe when >= target of subjects are. */
export const SafetySchema = z.strictObject({
  endpoint: z.enum(['biomarker', 'concentration']).default('concentration'),
  statistic: z.enum(['max', 'min', 'mean', 'trough']).default('max'),
  comparison: z.enum(['<=', '>=']).default('<='),
  threshold: ThresholdSchema,
  target: finite.gt(0).lt(1),
});

export const ModelAverageSchema = z.strictObject({
  name,
  /** member regimens of this scenario with their weights (normalised to sum 1 when compiled) */
  members: z.array(z.strictObject({ regimen: name, weight: finite.positive() })).min(1),
});

export const ScenarioSchema = z.strictObject({
  name,
  description: z.string().default(''),
  /**
   * the name whose hash keys the scenario's random numbers (default: `name`); scenarios sharing it
   * draw the same subjects (common random numbers across populations, as `qusop stress` uses)
   */
  random_stream: name.optional(),
  population: z.strictObject({
    /** trial CSV (NONMEM layout) for resample BW and observed / resampled COMED, relative to the file */
    subjects_source: z.string().optional(),
    /** dataset spec (YAML) mapping subjects_source onto NONMEM conventions, relative to the file */
    subjects_spec: z.string().optional(),
    bw: BwSchema,
    comed: ComedSchema,
    /**
     * where the subjects' random numbers come from: philox (default: independent counter-based draws)
     * or sobol (each replicate's subjects are one scrambled Sobol' point set, quasi-Monte Carlo:
     * worker/population/draw-sobol.ts); sobol is best with subjects a power of two
     */
    sampler: z.enum(['philox', 'sobol']).optional(),
    /**
     * priors of the covariates the models take beyond dose, BW and COMED (declared covariate effects);
     * one not named is resampled from subjects_source jointly with the others (covariate-priors.ts)
     */
    covariates: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a covariate name'), CovariatePriorSchema).optional(),
  }),
  /** the card output the question reads: biomarker = outputs.pd (default), concentration = outputs.conc */
  endpoint: z.enum(['biomarker', 'concentration']).optional(),
  /** over the steady-state window (worker/onnx/window-statistic.ts): max (default), min, mean, trough */
  statistic: z.enum(['max', 'min', 'mean', 'trough']).optional(),
  /** success is `statistic comparison threshold`: <= (default) or >= */
  comparison: z.enum(['<=', '>=']).optional(),
  /** the threshold in ng/mL; or `threshold` with its unit (exactly one of the two) */
  threshold_ng_ml: finite.positive().optional(),
  threshold: ThresholdSchema.optional(),
  /**
   * threshold sweep (issue 19): counts for each of these thresholds too, from the same trajectories, in
   * the unit of `threshold` (ng/mL with threshold_ng_ml): a grid or a list, ascending
   */
  threshold_sweep: z.union([DoseGridSchema, z.array(finite.positive()).min(1)]).optional(),
  /** joint endpoints (issue 19): a safety endpoint computed in the same pass, with its own target */
  safety: SafetySchema.optional(),
  targets: z.array(finite.gt(0).lt(1)).min(1),
  replicates: z.number().int().positive().max(LIMITS.replicates),
  subjects: z.number().int().positive().max(LIMITS.subjects),
  seed: z.number().int().min(0).max(0xffffffff),
  band: z
    .strictObject({
      method: z.enum(['clopper-pearson', 'wilson', 'replicate-quantile']).default('clopper-pearson'),
      level: finite.gt(0).lt(1).default(0.95),
    })
    .default({ method: 'clopper-pearson', level: 0.95 }),
  regimens: z.array(RegimenSchema).min(1),
  /**
   * model averaging (issue 18 §3): regimens whose replicates are allotted to member regimens (same tau
   * and dose grid, other models) by weight; aggregated from the members' cells (model-average.ts)
   */
  model_average: z.array(ModelAverageSchema).min(1).optional(),
});

export const ScenarioFileSchema = z.strictObject({
  /** free-form anchors for YAML merge keys (`<<: *base`); ignored otherwise */
  definitions: z.unknown().optional(),
  scenarios: z.array(ScenarioSchema).min(1),
});

export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;
export type ScenarioInput = z.infer<typeof ScenarioSchema>;
