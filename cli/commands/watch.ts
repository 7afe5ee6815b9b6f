/** `qusop watch <run-id>` — yargs definition; the work is in ../../watch/watch-command.ts. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { numberOption, TIMEOUT_S } from '../number-options.js';
import { natsOption } from '../nats-option.js';

const builder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', demandOption: true, describe: 'the run id (printed by qusop run / submit; the run directory name)' })
    .option(...natsOption({ describe: 'NATS URL: replay the run from JetStream (e.g. nats://127.0.0.1:4222)' }))
    .option('coordinator', { type: 'string', describe: 'coordinator HOST:PORT: follow RunService.WatchRun (token from QUSOP_ADMIN_TOKEN, else QUSOP_TOKEN); used when --nats is absent or unreachable' })
    .option('tls-ca', { type: 'string', describe: 'PEM CA of the coordinator certificate: connect over TLS' })
    .option('tls-cert', { type: 'string', describe: 'PEM client certificate for mTLS (with --tls-key)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
    .option(...numberOption('timeout-s', TIMEOUT_S, { default: 0, describe: 'give up (exit 1) when the run has not ended after this many seconds; 0: no limit' }))
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr; only the final line' });

export const watchCommandModule = defineCommand('watch <run-id>', 'Follow a run to its end: exit 0 when it succeeded, 1 when it failed', builder, async (a) => {
    const { watchCommand } = await import('../../coordinator/watch/watch-command.js');
    const admin = (process.env['QUSOP_ADMIN_TOKEN'] ?? '').trim() === '' ? undefined : process.env['QUSOP_ADMIN_TOKEN'];
    process.exitCode = await watchCommand({
      runId: a['run-id'], nats: a.nats, coordinator: a.coordinator, timeoutS: a['timeout-s'], quiet: a.quiet,
      ...(admin === undefined ? { token: process.env['QUSOP_TOKEN'], tokenSource: 'QUSOP_TOKEN' } : { token: admin, tokenSource: 'QUSOP_ADMIN_TOKEN' }),
      tls: { tlsCa: a['tls-ca'], tlsCert: a['tls-cert'], tlsKey: a['tls-key'] },
    });
});
