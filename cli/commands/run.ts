/** `qusop run <scenario>` — yargs definition; the work is in ../run-command.ts. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { CORES, COUNT, intOption, LEASE_MS, LOCAL_WORKERS, numberOption, PORT, REPLICATES, THREADS, type NumberRange } from '../number-options.js';
import { DEFAULT_CUDA_MAX_BATCH_ROWS, DEFAULT_MAX_BATCH_ROWS, defaultMaxBatchRows } from '../../worker/onnx/session.js';
import { natsOption } from '../nats-option.js';

/** A half-width on a probability: 0.5 would allow all of [0, 1]. */
const HALF_WIDTH: NumberRange = { min: 0, exclusiveMin: true, max: 0.5, exclusiveMax: true, why: 'a half-width on a probability: 0.5 spans all of [0, 1]' };

const builder = (y: Argv) =>
  y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML)' })
    .option(...intOption('workers', LOCAL_WORKERS, { default: CORES, describe: 'local worker processes (default: the cores this process may use, a container CPU quota included; never more than tiles left)' }))
    .option('out', { type: 'string', describe: 'run directory (default: runs/<run id>)' })
    .option(...intOption('tile-trajectories', COUNT, { describe: 'trajectories per tile the planner aims for (default 200000)' }))
    .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider (cuda falls back to cpu, logged)' })
    .option(...intOption('max-batch-rows', COUNT, { describe: `rows per session.run (bounds worker memory); default ${DEFAULT_MAX_BATCH_ROWS}, ${DEFAULT_CUDA_MAX_BATCH_ROWS} with --provider cuda` }))
    .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime intra-op threads per worker' }))
    .option(...intOption('metrics-port', PORT, { describe: 'serve coordinator /metrics on 127.0.0.1:PORT' }))
    .option(...natsOption({ describe: 'publish run and tile events to NATS JetStream at this URL (qusop watch --nats); an outage never stops the run' }))
    .option('format', { choices: ['parquet', 'arrow', 'both'] as const, default: 'parquet' as const, describe: 'curve table format(s)' })
    .option(...intOption('lease-ms', LEASE_MS, { default: 30000, describe: 'tile lease duration; heartbeats every lease/5' }))
    .option(...numberOption('verify-fraction', { min: 0, max: 1, why: 'a fraction of the tiles' }, { default: 0, describe: 'compute this fraction of tiles (a fixed sample by run and tile id) a second time on another worker; a different result is a determinism alarm that fails the run' }))
    .option(...numberOption('half-width', HALF_WIDTH, { describe: 'adaptive precision: add replicates in rounds until the band half-width at each decision dose is at most this (needs --max-replicates)' }))
    .option(...intOption('max-replicates', REPLICATES, { describe: 'adaptive precision: the budget, at most this many replicates per scenario (needs --half-width)' }))
    .option('model', { type: 'string', array: true, default: [] as string[], describe: "override a regimen's model: REGIMEN=CARD.model.json" })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines; only warnings and errors on stderr' })
    .option('verbose', { type: 'boolean', default: false, describe: 'info-level logs from the embedded coordinator' });

export const runCommandModule = defineCommand('run <scenario>', 'Run a scenario file on this machine: embedded coordinator + N local workers over loopback gRPC', builder, async (a) => {
  const { runCommand } = await import('../run-command.js');
  process.exitCode = await runCommand({
    scenario: a.scenario, workers: a.workers, out: a.out, tileTrajectories: a['tile-trajectories'], provider: a.provider,
    maxBatchRows: a['max-batch-rows'] ?? defaultMaxBatchRows(a.provider), threads: a.threads, metricsPort: a['metrics-port'], format: a.format, leaseMs: a['lease-ms'],
    model: a.model, quiet: a.quiet, verbose: a.verbose, nats: a.nats, verifyFraction: a['verify-fraction'],
    halfWidth: a['half-width'], maxReplicates: a['max-replicates'],
  });
});
