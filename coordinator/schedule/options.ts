/**
 * Tile scheduler options as a pipeline (STYLE.md 5): documented optional options -> defaults ->
 * a compiled, fully-required, validated form. Validation happens once, here, and names the field.
 */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';

export interface SchedulerOptions {
  /** How long a lease lives without a heartbeat; a heartbeat sets the deadline to now + leaseMs. */
  readonly leaseMs?: number;
  /**
   * Attempts a tile may spend before the run fails: every lease that ends badly (expired, failed
   * retryably, its worker lost) counts as one. A non-retryable failure fails the run at once.
   */
  readonly maxAttempts?: number;
  /** Whether idle workers get backup copies of stragglers once no pending tile remains. */
  readonly backups?: boolean;
  /** A lease becomes a straggler after backupAfterMedianFactor x the median completed tile time... */
  readonly backupAfterMedianFactor?: number;
  /** ...but never before backupMinMs (guards against a tiny, noisy median). */
  readonly backupMinMs?: number;
  /** The longest an idle worker is told to wait before asking for work again. */
  readonly idleRetryMs?: number;
  /** Completed tile durations kept for the median (a sliding window of the most recent ones). */
  readonly durationSamples?: number;
}

export type CompiledSchedulerOptions = Readonly<Required<SchedulerOptions>>;

export const schedulerDefaults: CompiledSchedulerOptions = Object.freeze({
  leaseMs: 30_000,
  maxAttempts: 3,
  backups: true,
  backupAfterMedianFactor: 3,
  backupMinMs: 10_000,
  idleRetryMs: 1_000,
  durationSamples: 1_001,
});

const ms = z.number().int().positive();
const schema = z.strictObject({
  leaseMs: ms,
  // Uint32 counters hold attempts; a four-digit bound also catches a typo'd huge number
  maxAttempts: z.number().int().min(1).max(1_000),
  backups: z.boolean(),
  backupAfterMedianFactor: z.number().min(1).max(1_000),
  backupMinMs: z.number().int().nonnegative(),
  idleRetryMs: ms,
  durationSamples: z.number().int().min(1).max(1_000_000),
});

/** Merges options over the defaults and validates; throws InputError naming the offending field. */
export function compileSchedulerOptions(options: SchedulerOptions = {}): CompiledSchedulerOptions {
  const merged: Record<string, unknown> = { ...schedulerDefaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '?';
    const field = issue?.path.join('.') || keys;
    throw new InputError(`scheduler options: field "${field}": ${issue?.message ?? 'invalid'}`, {
      details: { field, issues: parsed.error.issues },
    });
  }
  return Object.freeze(parsed.data);
}
