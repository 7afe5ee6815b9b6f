/**
 * The JetStream stream that stores run events for replay: options (documented, defaulted, validated
 * once — STYLE.md 5) and an idempotent "create if missing" that never rewrites an operator's stream.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig } from 'nats';
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { RUN_STREAM, RUN_STREAM_SUBJECTS } from './subjects.js';

export const RunStreamOptionsSchema = z.strictObject({
  /** events older than this are discarded (a week: long enough to watch or chart any run) */
  maxAgeMs: z.number().int().positive().default(7 * 24 * 3_600_000),
  /** total stream size; the oldest events go first when it is full */
  maxBytes: z.number().int().positive().default(1024 ** 3),
  /** one event is a few hundred bytes; anything near this is a bug */
  maxMsgBytes: z.number().int().positive().default(64 * 1024),
  /** window in which a re-published event with the same Nats-Msg-Id is stored once */
  duplicateWindowMs: z.number().int().positive().default(10 * 60_000),
  /** file survives a nats-server restart; memory is for throwaway setups */
  storage: z.enum(['file', 'memory']).default('file'),
});

export type RunStreamOptionsInput = z.input<typeof RunStreamOptionsSchema>;
export type RunStreamOptions = z.output<typeof RunStreamOptionsSchema>;

export function compileRunStreamOptions(input: RunStreamOptionsInput = {}): RunStreamOptions {
  const parsed = RunStreamOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    throw new InputError(`event stream option ${field}: ${issue?.message ?? 'invalid'}`, { details: { field } });
  }
  if (parsed.data.duplicateWindowMs > parsed.data.maxAgeMs) {
    throw new InputError(`event stream option duplicateWindowMs (${parsed.data.duplicateWindowMs}) must be <= maxAgeMs (${parsed.data.maxAgeMs})`, { details: { field: 'duplicateWindowMs' } });
  }
  return parsed.data;
}

export function runStreamConfig(o: RunStreamOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: RUN_STREAM,
    subjects: [RUN_STREAM_SUBJECTS],
    retention: RetentionPolicy.Limits,
    storage: o.storage === 'file' ? StorageType.File : StorageType.Memory,
    discard: DiscardPolicy.Old,
    max_age: nanos(o.maxAgeMs),
    max_bytes: o.maxBytes,
    max_msg_size: o.maxMsgBytes,
    duplicate_window: nanos(o.duplicateWindowMs),
    num_replicas: 1,
  };
}

/**
 * Creates QUSOP_RUNS when it does not exist. An existing stream is left as it is (its limits may be
 * an operator's choice) as long as it captures our subjects; otherwise that is a configuration error.
 */
export async function ensureRunStream(jsm: JetStreamManager, o: RunStreamOptions): Promise<'created' | 'existing'> {
  try {
    const info = await jsm.streams.info(RUN_STREAM);
    if (!info.config.subjects.includes(RUN_STREAM_SUBJECTS)) {
      throw new InputError(`JetStream stream ${RUN_STREAM} exists but does not capture ${RUN_STREAM_SUBJECTS} (subjects: ${info.config.subjects.join(', ')})`);
    }
    return 'existing';
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (!/stream not found/i.test((err as Error).message)) throw err;
  }
  await jsm.streams.add(runStreamConfig(o));
  return 'created';
}
