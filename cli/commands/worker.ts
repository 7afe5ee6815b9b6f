/** `qusop worker --coordinator HOST:PORT` — yargs definition. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { readToken } from '../../worker/common/secrets.js';
import { COUNT, intOption, PORT, THREADS } from '../number-options.js';
import { DEFAULT_CUDA_MAX_BATCH_ROWS, DEFAULT_MAX_BATCH_ROWS, defaultMaxBatchRows } from '../../worker/onnx/session.js';

const builder = (y: Argv) =>
  y
    .option('coordinator', { type: 'string', demandOption: true, describe: 'coordinator HOST:PORT' })
    .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider (cuda falls back to cpu, logged)' })
    .option(...intOption('max-batch-rows', COUNT, { describe: `rows per session.run (bounds memory); default ${DEFAULT_MAX_BATCH_ROWS}, ${DEFAULT_CUDA_MAX_BATCH_ROWS} with --provider cuda` }))
    .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime intra-op threads' }))
    .option('name', { type: 'string', default: '', describe: 'a name for logs and metrics' })
    .option(...intOption('metrics-port', PORT, { describe: 'serve worker /metrics on 0.0.0.0:PORT (0: a free port)' }))
    .option('tls-ca', { type: 'string', describe: 'PEM CA of the coordinator certificate: connect over TLS' })
    .option('tls-cert', { type: 'string', describe: 'PEM client certificate for mTLS (with --tls-key)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
    .option(...intOption('connect-timeout-ms', COUNT, { default: 60000, describe: 'give up when the coordinator stays unreachable this long' }));

export const workerCommandModule = defineCommand('worker', 'Lease and compute tiles from a coordinator. The token comes from QUSOP_TOKEN.', builder, async (a) => {
  const token = readToken(process.env['QUSOP_TOKEN'], "QUSOP_TOKEN (the coordinator's worker token)");
  const { runWorkerProcess } = await import('../../worker/main.js');
  await runWorkerProcess({
    coordinator: a.coordinator, token, executionProvider: a.provider, maxBatchRows: a['max-batch-rows'] ?? defaultMaxBatchRows(a.provider), intraOpThreads: a.threads, name: a.name,
    connectTimeoutMs: a['connect-timeout-ms'], ...(a['metrics-port'] === undefined ? {} : { metricsPort: a['metrics-port'] }),
    ...(a['tls-ca'] === undefined ? {} : { tlsCa: a['tls-ca'] }), ...(a['tls-cert'] === undefined ? {} : { tlsCert: a['tls-cert'] }),
    ...(a['tls-key'] === undefined ? {} : { tlsKey: a['tls-key'] }),
  });
});
