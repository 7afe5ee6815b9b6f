/** `qusop coordinator` — yargs definition. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption, LEASE_MS, numberOption, PORT } from '../number-options.js';
import { natsOption } from '../nats-option.js';

const builder = (y: Argv) =>
  y
    .option('listen', { type: 'string', default: '127.0.0.1:7070', describe: 'gRPC HOST:PORT' })
    .option('scenario', { type: 'string', describe: 'submit this scenario file at start' })
    .option('out', { type: 'string', describe: 'run directory for --scenario (default runs/<run id>)' })
    .option('out-root', { type: 'string', default: 'runs', describe: 'where submitted runs go' })
    .option('allow-insecure', { type: 'boolean', default: false, describe: 'allow plaintext gRPC on a non-loopback address' })
    .option(...intOption('metrics-port', PORT, { default: 9464, describe: 'serve /metrics and /healthz on this port (0: a free port)' }))
    .option('metrics-host', { type: 'string', default: '127.0.0.1' })
    .option(...intOption('tile-trajectories', COUNT, { describe: 'trajectories per tile the planner aims for (default 200000)' }))
    .option(...intOption('lease-ms', LEASE_MS, { default: 30000, describe: 'tile lease duration; heartbeats every lease/5' }))
    .option(...numberOption('verify-fraction', { min: 0, max: 1, why: 'a fraction of the tiles' }, { default: 0, describe: 'compute this fraction of tiles (a fixed sample by run and tile id) a second time on another worker; a different result is a determinism alarm that fails the run' }))
    .option('exit-when-done', { type: 'boolean', default: false, describe: 'exit once the --scenario run ends (workers are told to stop)' })
    .option('tls-cert', { type: 'string', describe: 'PEM server certificate: serve gRPC over TLS (with --tls-key)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
    .option('tls-client-ca', { type: 'string', describe: 'PEM CA: require client certificates signed by it (mTLS)' })
    .option(...intOption('backup-min-ms', { min: 0 }, { default: 10000, describe: 'a tile leased longer than max(this, factor x median tile time) gets a backup copy when the queue is empty' }))
    .option(...numberOption('backup-factor', { min: 1, max: 1000, why: "the scheduler's bounds" }, { default: 3, describe: 'straggler threshold as a multiple of the median tile time' }))
    .option(...intOption('shutdown-ms', { min: 0 }, { default: 10000, describe: 'on SIGTERM, wait this long for tiles in flight before writing the manifest and exiting' }))
    .option('allowed-root', { type: 'string', array: true, describe: 'SubmitRun may only name scenario files, model/trial files and run directories under these directories (repeatable; default: the working directory)' })
    .option(...natsOption({ describe: 'publish run and tile events to NATS JetStream at this URL (qusop watch --nats); an outage never stops a run' }));

export const coordinatorCommandModule = defineCommand('coordinator', 'Serve runs to remote workers (farm mode). Workers\' token from QUSOP_TOKEN; submitters\' token (SubmitRun, CancelRun) from QUSOP_ADMIN_TOKEN.', builder, async (a) => {
  const { coordinatorCommand } = await import('../coordinator-command.js');
  process.exitCode = await coordinatorCommand({
    listen: a.listen, scenario: a.scenario, out: a.out, outRoot: a['out-root'], allowInsecure: a['allow-insecure'], metricsPort: a['metrics-port'],
    metricsHost: a['metrics-host'], tileTrajectories: a['tile-trajectories'], leaseMs: a['lease-ms'], exitWhenDone: a['exit-when-done'],
    token: process.env['QUSOP_TOKEN'], adminToken: process.env['QUSOP_ADMIN_TOKEN'], allowedRoots: a['allowed-root'], nats: a.nats, tlsCert: a['tls-cert'], tlsKey: a['tls-key'], tlsClientCa: a['tls-client-ca'],
    backupMinMs: a['backup-min-ms'], backupAfterMedianFactor: a['backup-factor'], shutdownMs: a['shutdown-ms'], verifyFraction: a['verify-fraction'],
  });
});
