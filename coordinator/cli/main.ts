#!/usr/bin/env node
/** The `qusop` command line (yargs). Each command lives in its own module; errors exit through exit.ts. */
import { cpus } from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { reportAndExit } from './exit.js';

const env = (name: string): string | undefined => process.env[name];

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('qusop')
    .usage('$0 <command> [options]\n\nPopulation PK/PD model -> dose recommendations (attainment curves, Clopper–Pearson bands, minimal doses).')
    .command(
      'run <scenario>',
      'Run a scenario file on this machine: embedded coordinator + N local workers over loopback gRPC',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML)' })
          .option('workers', { type: 'number', default: cpus().length, describe: 'local worker processes (default: number of cores)' })
          .option('out', { type: 'string', describe: 'run directory (default: runs/<run id>)' })
          .option('tile-trajectories', { type: 'number', describe: 'trajectories per tile the planner aims for (default 200000)' })
          .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider (cuda falls back to cpu, logged)' })
          .option('max-batch-rows', { type: 'number', default: 16384, describe: 'rows per session.run (bounds worker memory)' })
          .option('threads', { type: 'number', default: 1, describe: 'onnxruntime intra-op threads per worker' })
          .option('metrics-port', { type: 'number', describe: 'serve coordinator /metrics on 127.0.0.1:PORT' })
          .option('format', { choices: ['parquet', 'arrow', 'both'] as const, default: 'parquet' as const, describe: 'curve table format(s)' })
          .option('lease-ms', { type: 'number', default: 30000, describe: 'tile lease duration; heartbeats every lease/5' })
          .option('model', { type: 'string', array: true, default: [] as string[], describe: 'override a regimen\'s model: REGIMEN=CARD.model.json' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines; only warnings and errors on stderr' })
          .option('verbose', { type: 'boolean', default: false, describe: 'info-level logs from the embedded coordinator' }),
      async (a) => {
        const { runCommand } = await import('./run-command.js');
        process.exitCode = await runCommand({
          scenario: a.scenario, workers: a.workers, out: a.out, tileTrajectories: a['tile-trajectories'], provider: a.provider, maxBatchRows: a['max-batch-rows'],
          threads: a.threads, metricsPort: a['metrics-port'], format: a.format, leaseMs: a['lease-ms'], model: a.model, quiet: a.quiet, verbose: a.verbose,
        });
      },
    )
    .command(
      'aggregate <dir>',
      'Re-aggregate a run directory from its shards (any execution mode): curves.parquet, decisions.json',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true })
          .option('format', { choices: ['parquet', 'arrow', 'both'] as const, default: 'parquet' as const }),
      async (a) => {
        const { aggregateCommand } = await import('./aggregate-command.js');
        process.exitCode = await aggregateCommand(a.dir, a.format);
      },
    )
    .command(
      'coordinator',
      'Serve runs to remote workers (farm mode). The token comes from QUSOP_TOKEN.',
      (y) =>
        y
          .option('listen', { type: 'string', default: '127.0.0.1:7070', describe: 'gRPC HOST:PORT' })
          .option('scenario', { type: 'string', describe: 'submit this scenario file at start' })
          .option('out', { type: 'string', describe: 'run directory for --scenario (default runs/<run id>)' })
          .option('out-root', { type: 'string', default: 'runs', describe: 'where submitted runs go' })
          .option('allow-insecure', { type: 'boolean', default: false, describe: 'allow plaintext gRPC on a non-loopback address' })
          .option('metrics-port', { type: 'number', default: 9464, describe: 'serve /metrics and /healthz on this port' })
          .option('metrics-host', { type: 'string', default: '127.0.0.1' })
          .option('tile-trajectories', { type: 'number' })
          .option('lease-ms', { type: 'number', default: 30000 })
          .option('exit-when-done', { type: 'boolean', default: false, describe: 'exit once the --scenario run ends (workers are told to stop)' }),
      async (a) => {
        const { coordinatorCommand } = await import('./coordinator-command.js');
        process.exitCode = await coordinatorCommand({
          listen: a.listen, scenario: a.scenario, out: a.out, outRoot: a['out-root'], allowInsecure: a['allow-insecure'], metricsPort: a['metrics-port'],
          metricsHost: a['metrics-host'], tileTrajectories: a['tile-trajectories'], leaseMs: a['lease-ms'], exitWhenDone: a['exit-when-done'], token: env('QUSOP_TOKEN'),
        });
      },
    )
    .command(
      'worker',
      'Lease and compute tiles from a coordinator. The token comes from QUSOP_TOKEN.',
      (y) =>
        y
          .option('coordinator', { type: 'string', demandOption: true, describe: 'coordinator HOST:PORT' })
          .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const })
          .option('max-batch-rows', { type: 'number', default: 16384 })
          .option('threads', { type: 'number', default: 1 })
          .option('name', { type: 'string', default: '' })
          .option('metrics-port', { type: 'number', describe: 'serve worker /metrics on 0.0.0.0:PORT' })
          .option('connect-timeout-ms', { type: 'number', default: 60000 }),
      async (a) => {
        const { runWorkerProcess } = await import('../../worker/main.js');
        const token = env('QUSOP_TOKEN');
        if (token === undefined || token === '') throw new (await import('../../worker/common/errors.js')).InputError('QUSOP_TOKEN is not set: the worker needs the coordinator\'s token');
        await runWorkerProcess({
          coordinator: a.coordinator, token, executionProvider: a.provider, maxBatchRows: a['max-batch-rows'], intraOpThreads: a.threads, name: a.name,
          connectTimeoutMs: a['connect-timeout-ms'], ...(a['metrics-port'] === undefined ? {} : { metricsPort: a['metrics-port'] }),
        });
      },
    )
    .command(
      'testmodel',
      'Write the known-answer TEST trajectory models (QD and QW ONNX + cards)',
      (y) => y.option('out', { type: 'string', default: 'models/testmodel/artifacts' }),
      async (a) => {
        const { writeKnownAnswerModels } = await import('../../models/testmodel/write.js');
        const paths = await writeKnownAnswerModels(a.out);
        process.stdout.write(`${paths.qd}\n${paths.qw}\n`);
      },
    )
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .fail((msg, err) => {
      if (err !== undefined && err !== null) reportAndExit(err);
      process.stderr.write(`qusop: ${msg}\n(see qusop --help)\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main().catch(reportAndExit);
