/**
 * Worker configuration as a pipeline (STYLE.md 5): documented optional options -> defaults ->
 * a compiled, fully-required form, validated once with the offending field named.
 */
import { z } from 'zod';
import { compileOptions } from './common/options.js';
import { isUsableToken } from './common/secrets.js';
import { DEFAULT_MAX_BATCH_ROWS } from './onnx/session.js';

export const WorkerOptionsSchema = z.strictObject({
  /** coordinator address, host:port */
  coordinator: z.string().regex(/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/, 'expected HOST:PORT'),
  /** shared secret sent as `authorization: Bearer <token>` (read from QUSOP_TOKEN by the CLI) */
  token: z.string().min(1).refine(isUsableToken, 'must be printable ASCII without surrounding whitespace'),
  /** PEM CA that signed the coordinator's certificate: connect over TLS */
  tlsCa: z.string().optional(),
  /** PEM client certificate and key for mTLS */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** onnxruntime execution provider; `cuda` falls back to `cpu` with a logged line */
  executionProvider: z.enum(['cpu', 'cuda']).default('cpu'),
  /** largest batch (rows = subjects x doses) per session.run; bounds memory */
  maxBatchRows: z.number().int().positive().default(DEFAULT_MAX_BATCH_ROWS),
  /** onnxruntime intra-op threads per worker process */
  intraOpThreads: z.number().int().positive().default(1),
  /** a name for logs and metrics */
  name: z.string().default(''),
  /** serve /metrics on this port (0: pick a free port; undefined: off) */
  metricsPort: z.number().int().min(0).max(65535).optional(),
  /** give up when the coordinator stays unreachable this long */
  connectTimeoutMs: z.number().int().positive().default(60_000),
  /** exit when the coordinator says it has no more work */
  exitWhenFinished: z.boolean().default(true),
});

export type WorkerOptionsInput = z.input<typeof WorkerOptionsSchema>;
export type WorkerOptions = z.output<typeof WorkerOptionsSchema>;

export function compileWorkerOptions(input: WorkerOptionsInput): WorkerOptions {
  return compileOptions(WorkerOptionsSchema, input, 'worker');
}
