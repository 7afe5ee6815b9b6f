/** Coordinator options: documented optional fields -> defaults -> compiled, validated form (STYLE.md 5). */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { compileOptions } from '../../worker/common/options.js';
import { DEFAULT_TILE_TRAJECTORIES } from '../plan/tiles.js';

export const CoordinatorOptionsSchema = z.strictObject({
  /** where the gRPC server listens, HOST:PORT (port 0: pick a free one) */
  listen: z.string().regex(/^[^\s]+:\d+$/, 'expected HOST:PORT').default('127.0.0.1:7070'),
  /** shared secret every worker and client must present */
  token: z.string().min(16, 'must be at least 16 characters'),
  /** PEM server certificate and key: serve gRPC over TLS */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** PEM CA bundle: require and verify client certificates (mTLS) */
  tlsClientCa: z.string().optional(),
  /** plaintext gRPC on a non-loopback address is refused unless this is set */
  allowInsecure: z.boolean().default(false),
  /** run directories go to OUT_ROOT/<run id> unless a submission names one */
  outRoot: z.string().default('runs'),
  /** trajectories per tile the planner aims for */
  tileTrajectories: z.number().int().positive().default(DEFAULT_TILE_TRAJECTORIES),
  leaseMs: z.number().int().positive().default(30_000),
  heartbeatMs: z.number().int().positive().default(5_000),
  maxAttempts: z.number().int().positive().default(3),
  backups: z.boolean().default(true),
  /** a leased tile becomes a straggler (backup copy for an idle worker) after max(backupMinMs, factor x median tile time) */
  backupMinMs: z.number().int().nonnegative().default(10_000),
  backupAfterMedianFactor: z.number().min(1).default(3),
  /** serve /metrics and /healthz on this port (undefined: off) */
  metricsPort: z.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().default('127.0.0.1'),
  format: z.enum(['parquet', 'arrow', 'both']).default('parquet'),
  /** fraction of each run's tiles computed a second time by another worker (run/run-controller.ts, schedule/verification.ts) */
  verifyFraction: z.number().min(0).max(1).default(0),
});

export type CoordinatorOptionsInput = z.input<typeof CoordinatorOptionsSchema>;
export type CoordinatorOptions = z.output<typeof CoordinatorOptionsSchema>;

export function compileCoordinatorOptions(input: CoordinatorOptionsInput): CoordinatorOptions {
  const opts = compileOptions(CoordinatorOptionsSchema, input, 'coordinator');
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new InputError('coordinator options tlsCert and tlsKey go together: give both or neither', { details: { field: opts.tlsCert === undefined ? 'tlsCert' : 'tlsKey' } });
  }
  if (opts.tlsClientCa !== undefined && opts.tlsCert === undefined) {
    throw new InputError('coordinator option tlsClientCa (mTLS) needs tlsCert and tlsKey', { details: { field: 'tlsClientCa' } });
  }
  if (opts.heartbeatMs >= opts.leaseMs) {
    throw new InputError(`coordinator option heartbeatMs (${opts.heartbeatMs}) must be < leaseMs (${opts.leaseMs})`, { details: { field: 'heartbeatMs' } });
  }
  return opts;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
