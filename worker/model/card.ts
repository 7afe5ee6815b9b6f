/**
 * The model card (`*.model.json` beside `*.onnx`): what a trajectory model takes, on which time grid,
 * which random-effect draws it expects and where it came from. The worker trusts nothing else about
 * the graph; models/ writes cards, the worker and coordinator read them through this schema.
 */
import { z } from 'zod';

export const MODEL_CARD_SCHEMA = 'qusop.model-card/v1';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const EtaSpecSchema = z
  .strictObject({
    /** K, the number of random effects per subject (input `eta [B,K]`). */
    dim: z.number().int().positive(),
    /** `standard-normal`: the graph applies its own Omega; `omega`: the worker feeds L z with Omega = L L'. */
    distribution: z.enum(['standard-normal', 'omega']),
    omega: z.array(z.array(finite)).optional(),
    names: z.array(z.string()).optional(),
  })
  .refine((e) => e.distribution !== 'omega' || (e.omega?.length === e.dim && e.omega.every((r) => r.length === e.dim)), {
    message: 'distribution "omega" needs omega as a dim x dim matrix',
    path: ['omega'],
  });

export const ThetaSpecSchema = z.strictObject({
  /** P, the length of one parameter-uncertainty draw (input `theta [B,P]`). */
  dim: z.number().int().positive(),
  names: z.array(z.string()).optional(),
  /** Replicate r of a sweep uses draws[r % draws.length]. */
  draws: z.array(z.array(finite)).min(1),
});

export const ModelCardSchema = z.strictObject({
  schema: z.literal(MODEL_CARD_SCHEMA),
  name: z.string().min(1),
  /** e.g. `test-known-answer`, `mechanistic-2cmt-idr`, `bilstm`, `qt-lstm` */
  family: z.string().min(1),
  version: z.string().min(1),
  /** true for models that exist to test the engine; outputs built on them say so */
  test_model: z.boolean().default(false),
  description: z.string().optional(),
  /** ONNX file, relative to the card */
  onnx: z.string().min(1),
  /** sha256 (hex) of the ONNX file */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  regimen: z.strictObject({
    name: z.string().min(1),
    tau_h: finite.positive(),
    /** steady-state window start in hours after the reference dose (informational) */
    window_start_h: finite.optional(),
    /** each dose is a zero-order IV infusion of this many hours (absent: as the family's route, a bolus for IV) */
    infusion_h: finite.positive().optional(),
  }),
  /** output time grid (hours within the dosing window); pd has shape [B, time_grid_h.length] */
  time_grid_h: z.array(finite).min(1),
  inputs: z.strictObject({
    /** ordered float32 [B] covariate inputs; the first three are always dose (mg), bw (kg), comed (0/1) */
    covariates: z.array(z.string()).min(3),
    /** the covariates after the first three (a fitted model's declared covariate effects): kind and unit, in order */
    covariate_info: z.array(z.strictObject({ name: z.string().min(1), kind: z.enum(['continuous', 'categorical']), unit: z.string().nullable() })).optional(),
    eta: EtaSpecSchema.optional(),
    theta: ThetaSpecSchema.optional(),
  }),
  outputs: z.strictObject({
    /** the biomarker output; null: the model has none (a PK-only model answers concentration questions only) */
    pd: z.string().nullable().default('pd'),
    conc: z.string().optional(),
    /**
     * optional: the graph outputs, per virtual subject, P(success) float32 [B] (the event `success_event`
     * names) instead of a biomarker trajectory; the head then sums probabilities in fixed point and the
     * aggregator gives such curves the replicate band (reduction-head.ts, coordinator/aggregate/curves.ts)
     */
    p_success: z.string().min(1).optional(),
  }),
  /** with outputs.p_success: the one question the probability answers (a p_success card answers no other) */
  success_event: z
    .strictObject({
      endpoint: z.literal('biomarker'),
      statistic: z.enum(['max', 'min', 'mean', 'trough']),
      comparison: z.enum(['<=', '>=']),
      threshold_ng_ml: finite.positive(),
    })
    .optional(),
  units: z
    .strictObject({ dose: z.string(), bw: z.string(), pd: z.string().optional(), conc: z.string().optional() })
    .default({ dose: 'mg', bw: 'kg', pd: 'ng/mL' }),
  /**
   * Largest batch (rows per session.run) this graph should get: models whose memory grows with
   * batch x time (LSTMs over long grids) set it; the worker uses min(this, its own --max-batch-rows).
   */
  max_batch_rows: z.number().int().positive().optional(),
  /** provenance of the fit / training: data hash, seeds, method */
  provenance: z.record(z.string(), z.unknown()).default({}),
  /** fit or training diagnostics (objective, losses, figures relative to the card) */
  diagnostics: z.record(z.string(), z.unknown()).default({}),
})
  .refine((c) => c.outputs.p_success === undefined || c.outputs.pd === null, {
    message: 'a p_success card outputs a probability instead of a biomarker trajectory: outputs.pd must be null',
    path: ['outputs', 'pd'],
  })
  .refine((c) => (c.outputs.p_success === undefined) === (c.success_event === undefined), {
    message: 'outputs.p_success and success_event come together (the probability of which event)',
    path: ['success_event'],
  });

export type ModelCard = z.infer<typeof ModelCardSchema>;
