/** `qusop submit slurm <scenario> --out DIR` — plan a run and submit it to SLURM (array or coordinator mode). */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption, LEASE_MS, REPLICATES, SEED, THREADS } from '../number-options.js';
import { dataSpecOption } from '../data-spec-option.js';
import { structureOption } from '../structure-option.js';
import { DEFAULT_CUDA_MAX_BATCH_ROWS, DEFAULT_MAX_BATCH_ROWS, defaultMaxBatchRows } from '../../worker/onnx/session.js';

const slurmBuilder = (y: Argv) =>
  y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML)' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory on a filesystem every compute node shares' })
    .option('mode', { choices: ['array', 'coordinator'] as const, default: 'array' as const, describe: 'array: tasks write shards directly, then an aggregation job; coordinator: one coordinator job + worker tasks' })
    .option(...intOption('tasks', COUNT, { describe: 'array tasks (slices or workers); default one per tile, at most 32' }))
    .option(...intOption('concurrency', COUNT, { describe: 'at most this many tasks at once (--array=...%K)' }))
    .option('partition', { type: 'string', describe: 'SLURM partition' })
    .option('time', { type: 'string', describe: 'SLURM time limit per job (e.g. 01:00:00)' })
    .option('sbatch-option', { type: 'string', array: true, default: [] as string[], describe: 'extra #SBATCH option, repeatable (e.g. --sbatch-option=--account=abc)' })
    .option(...intOption('tile-trajectories', COUNT, { describe: 'trajectories per tile the planner aims for (default 200000)' }))
    .option('provider', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'onnxruntime execution provider on the compute nodes' })
    .option(...intOption('max-batch-rows', COUNT, { describe: `rows per session.run (bounds memory); default ${DEFAULT_MAX_BATCH_ROWS}, ${DEFAULT_CUDA_MAX_BATCH_ROWS} with --provider cuda` }))
    .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime threads per task (also its --cpus-per-task)' }))
    .option('qusop-cmd', { type: 'string', describe: 'shell command that runs qusop on a compute node (default: this node and CLI, absolute paths)' })
    .option('aggregate-after', { choices: ['any', 'ok'] as const, default: 'any' as const, describe: 'array mode: aggregate after all tasks end (any: fails naming missing tiles) or only if all succeeded (ok)' })
    .option('listen-host', { type: 'string', default: '0.0.0.0', describe: 'coordinator mode: address the coordinator listens on (127.0.0.1 keeps workers on its node)' })
    .option('allow-insecure', { type: 'boolean', default: false, describe: 'coordinator mode: accept plaintext gRPC between nodes (token included)' })
    .option(...intOption('lease-ms', LEASE_MS, { default: 30000, describe: 'coordinator mode: tile lease duration' }))
    .option(...intOption('addr-wait-s', COUNT, { default: 600, describe: "coordinator mode: how long workers wait for the coordinator's address" }))
    .option('dry-run', { type: 'boolean', default: false, describe: 'plan and render the scripts, print the sbatch commands, submit nothing' });

const slurmCommandModule = defineCommand('slurm <scenario>', 'Plan a run, render its sbatch scripts into DIR/slurm/ and submit them', slurmBuilder, async (a) => {
  const { submitSlurm } = await import('../../coordinator/slurm/submit.js');
  const r = await submitSlurm({
    scenario: a.scenario, out: a.out, mode: a.mode, tasks: a.tasks, concurrency: a.concurrency, partition: a.partition, timeLimit: a.time,
    sbatchOptions: a['sbatch-option'], tileTrajectories: a['tile-trajectories'], provider: a.provider, maxBatchRows: a['max-batch-rows'] ?? defaultMaxBatchRows(a.provider), threads: a.threads,
    qusopCommand: a['qusop-cmd'], aggregateAfter: a['aggregate-after'], listenHost: a['listen-host'], allowInsecure: a['allow-insecure'], leaseMs: a['lease-ms'],
    addrWaitS: a['addr-wait-s'], dryRun: a['dry-run'],
  });
  process.stderr.write(`run ${r.runId}: ${r.tiles} tiles, ${r.mode} mode, ${r.tasks} tasks -> ${r.dir}\n`);
  for (const j of r.jobs) {
    const cmd = ['sbatch', '--parsable', ...j.sbatchOptions, j.script].join(' ');
    process.stdout.write(j.jobId === undefined ? `${j.role}: ${cmd}\n` : `${j.role} job ${j.jobId}\n`);
  }
});

const slurmFitBuilder = (y: Argv) =>
  y
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout, on a filesystem every compute node shares' })
    .option(...dataSpecOption())
    .option(...structureOption())
    .option('out', { type: 'string', demandOption: true, describe: 'output directory of the fit (as qusop fit --out), on the shared filesystem; candidate fits go to DIR/candidates' })
    .option(...intOption('seed', SEED, { default: 20251121, describe: 'seed of SAEM, the uncertainty draws and the VPC' }))
    .option(...intOption('draws', REPLICATES, { default: 200, describe: 'parameter-uncertainty draws stored in the cards' }))
    .option(...intOption('vpc-replicates', COUNT, { default: 200, describe: 'simulated trials in the visual predictive check' }))
    .option('force', { type: 'boolean', default: false, describe: 'export a degenerate fit anyway (as qusop fit --force)' })
    .option(...intOption('concurrency', COUNT, { describe: 'at most this many candidate fits at once (--array=...%K)' }))
    .option('partition', { type: 'string', describe: 'SLURM partition' })
    .option('time', { type: 'string', describe: 'SLURM time limit per job (e.g. 02:00:00)' })
    .option('sbatch-option', { type: 'string', array: true, default: [] as string[], describe: 'extra #SBATCH option, repeatable' })
    .option('qusop-cmd', { type: 'string', describe: 'shell command that runs qusop on a compute node (default: this node and CLI, absolute paths)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'render the scripts, print the sbatch commands, submit nothing' });

const slurmFitCommandModule = defineCommand('slurm-fit <trial>', 'Fit a trial\'s candidate structures as a SLURM array (one candidate per task), then select and export as qusop fit does', slurmFitBuilder, async (a) => {
  const { submitSlurmFit, describeSlurmFit } = await import('../../analysis/fit/slurm-fit.js');
  const r = await submitSlurmFit({
    trial: a.trial, out: a.out, dataSpec: a['data-spec'], structure: a.structure, seed: a.seed, draws: a.draws, vpcReplicates: a['vpc-replicates'], force: a.force,
    concurrency: a.concurrency, partition: a.partition, timeLimit: a.time, sbatchOptions: a['sbatch-option'], qusopCommand: a['qusop-cmd'], dryRun: a['dry-run'],
  });
  process.stderr.write(`${describeSlurmFit(r)}\n`);
  for (const j of r.jobs) {
    const cmd = ['sbatch', '--parsable', ...j.sbatchOptions, j.script].join(' ');
    process.stdout.write(j.jobId === undefined ? `${j.role}: ${cmd}\n` : `${j.role} job ${j.jobId}\n`);
  }
});

export const submitCommandModule = defineCommand('submit', 'Submit a run to a cluster scheduler (slurm)', (y: Argv) => y.command(slurmCommandModule).command(slurmFitCommandModule).demandCommand(1, 'name a scheduler: slurm (a run) or slurm-fit (a fit)'), async () => undefined);
