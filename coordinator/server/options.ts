/** Coordinator options: documented optional fields -> defaults -> compiled, validated form (STYLE.md 5). */
import { z } from 'zod';
import { resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { compileOptions } from '../../worker/common/options.js';
import { isUsableToken } from '../../worker/common/secrets.js';
import { DEFAULT_TILE_TRAJECTORIES } from '../plan/tiles.js';

export const CoordinatorOptionsSchema = z.strictObject({
  /** where the gRPC server listens, HOST:PORT (port 0: pick a free one) */
  listen: z.string().regex(/^[^\s]+:\d+$/, 'expected HOST:PORT').default('127.0.0.1:7070'),
  /** the workers' shared secret (WorkerService); also lets a client watch runs and read results */
  token: z.string().min(16, 'must be at least 16 characters').refine(isUsableToken, 'must be printable ASCII without surrounding whitespace'),
  /** the submitters' secret: SubmitRun and CancelRun need it (undefined: both are refused) */
  adminToken: z.string().min(16, 'must be at least 16 characters').refine(isUsableToken, 'must be printable ASCII without surrounding whitespace').optional(),
  /** scenario files and run directories named by SubmitRun must lie under one of these (empty: the working directory) */
  allowedRoots: z.array(z.string().min(1)).default([]),
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
    const [given, missing] = opts.tlsCert === undefined ? ['--tls-key', '--tls-cert'] : ['--tls-cert', '--tls-key'];
    throw new InputError(`coordinator option ${given} needs ${missing} (the server certificate and its private key go together)`, { details: { field: missing } });
  }
  if (opts.tlsClientCa !== undefined && opts.tlsCert === undefined) {
    throw new InputError('coordinator option --tls-client-ca (mTLS) needs --tls-cert and --tls-key', { details: { field: 'tlsClientCa' } });
  }
  if (opts.adminToken !== undefined && opts.adminToken === opts.token) {
    throw new InputError('coordinator option adminToken (QUSOP_ADMIN_TOKEN) must differ from the worker token (QUSOP_TOKEN): the roles are separate', { details: { field: 'adminToken' } });
  }
  opts.allowedRoots = (opts.allowedRoots.length === 0 ? ['.'] : opts.allowedRoots).map((r) => resolve(r));
  if (opts.heartbeatMs >= opts.leaseMs) {
    throw new InputError(`coordinator option heartbeatMs (${opts.heartbeatMs}) must be < leaseMs (${opts.leaseMs})`, { details: { field: 'heartbeatMs' } });
  }
  return opts;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
