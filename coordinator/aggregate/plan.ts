/**
 * The AggregationPlan: everything the aggregator needs to know about a run to turn shard rows into
 * curves and decisions (which cells must exist, dose values, targets, band method). It is built by
 * the run planner from the compiled scenarios; validated here once so the aggregator can trust it.
 */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';

export const BAND_METHODS = ['clopper-pearson', 'wilson', 'replicate-quantile'] as const;
export type BandMethod = (typeof BAND_METHODS)[number];

export interface BandSpec {
  readonly method: BandMethod;
  /** two-sided confidence / coverage level, e.g. 0.95 */
  readonly level: number;
}

export interface PlanRegimen {
  readonly name: string;
  /** the dose grid, strictly increasing; `dose_index` in shards indexes it */
  readonly dosesMg: readonly number[];
  /** a p_success card's regimen: p-hats are mean probabilities (sum_max_q20 / 2^20 / n), replicate band */
  readonly probability?: boolean;
}

/** A model average (coordinator/scenario/model-average.ts): members take consecutive blocks of replicates. */
export interface PlanAverage {
  readonly name: string;
  readonly members: readonly { readonly regimen: string; readonly replicates: number }[];
}

export interface PlanScenario {
  readonly name: string;
  /** attainment targets pi in (0, 1], e.g. [0.9, 0.75] */
  readonly targets: readonly number[];
  readonly band: BandSpec;
  /** R: replicates per dose */
  readonly replicates: number;
  /** M: subjects per replicate (every cell must have n === M) */
  readonly subjects: number;
  readonly regimens: readonly PlanRegimen[];
  /** threshold sweep (ng/mL, ascending): every cell carries k_sweep of this length */
  readonly thresholdsNgMl?: readonly number[];
  /** safety endpoint: every cell carries k_safe and k_both; a dose is safe when k_safe / n >= target */
  readonly safety?: { readonly target: number };
  /** model averages over this scenario's regimens, aggregated after them */
  readonly averages?: readonly PlanAverage[];
}

export interface AggregationPlan {
  readonly scenarios: readonly PlanScenario[];
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const RegimenSchema = z.object({
  name: z.string().min(1),
  dosesMg: z
    .array(finite.nonnegative())
    .min(1)
    .refine((d) => d.every((v, i) => i === 0 || v > (d[i - 1] ?? -Infinity)), 'doses must be strictly increasing'),
  probability: z.boolean().optional(),
});

const ScenarioSchema = z.object({
  name: z.string().min(1),
  targets: z.array(finite.gt(0).lte(1)).min(1),
  band: z.object({ method: z.enum(BAND_METHODS), level: finite.gt(0).lt(1) }),
  replicates: z.number().int().positive(),
  subjects: z.number().int().positive(),
  thresholdsNgMl: z.array(finite.positive()).min(1).optional(),
  safety: z.object({ target: finite.gt(0).lt(1) }).optional(),
  regimens: z
    .array(RegimenSchema)
    .min(1)
    .refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, 'regimen names must be unique'),
});

const PlanSchema = z.object({
  scenarios: z
    .array(ScenarioSchema)
    .min(1)
    .refine((ss) => new Set(ss.map((s) => s.name)).size === ss.length, 'scenario names must be unique'),
});

/** Returns the plan unchanged when valid; otherwise InputError naming the first offending field. */
export function validatePlan(plan: AggregationPlan): AggregationPlan {
  const parsed = PlanSchema.safeParse(plan);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new InputError(`aggregation plan: ${field || '(root)'}: ${issue?.message ?? 'invalid'}`, { details: { field } });
  }
  return plan;
}
