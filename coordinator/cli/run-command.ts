/**
 * `qusop run <scenario>`: one machine, no services. Embedded coordinator on loopback + N local worker
 * processes, progress on stderr, the decision table on stdout, outputs in the run directory.
 */
import { cpus } from 'node:os';
import { createLogger, type LogLevel } from '../../worker/common/log.js';
import { InputError } from '../../worker/common/errors.js';
import { LocalWorkers, newToken } from '../local/launcher.js';
import { writeManifest } from '../run/manifest.js';
import { Coordinator } from '../server/coordinator.js';
import { openEventBus, registerEventBusMetrics } from '../events/open.js';
import { formatDecisionTable } from './decision-table.js';
import { progressView } from './progress.js';

export interface RunCommandArgs {
  readonly scenario: string;
  readonly workers: number;
  readonly out?: string | undefined;
  readonly tileTrajectories?: number | undefined;
  readonly provider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly threads: number;
  readonly metricsPort?: number | undefined;
  readonly format: 'parquet' | 'arrow' | 'both';
  readonly leaseMs: number;
  readonly model: readonly string[];
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** NATS URL for run events (none: not published) */
  readonly nats?: string | undefined;
}

export function parseModelOverrides(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InputError(`--model ${v}: expected REGIMEN=CARD.model.json (e.g. qd=models/estdata/qd.model.json)`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export async function runCommand(a: RunCommandArgs): Promise<number> {
  const log = createLogger('qusop-run', a.verbose ? 'info' : a.quiet ? 'warn' : defaultRunLogLevel());
  const events = openEventBus(a.nats, 'qusop-run', log);
  const coordinator = new Coordinator(
    {
      listen: '127.0.0.1:0', token: newToken(), leaseMs: a.leaseMs, heartbeatMs: Math.max(200, Math.floor(a.leaseMs / 5)), format: a.format,
      ...(a.tileTrajectories === undefined ? {} : { tileTrajectories: a.tileTrajectories }),
      ...(a.metricsPort === undefined ? {} : { metricsPort: a.metricsPort }),
    },
    log,
    events,
  );
  if (events !== undefined) registerEventBusMetrics(coordinator.metrics.registry, events);
  await coordinator.start();
  const workerCount = a.workers > 0 ? a.workers : cpus().length;
  try {
    const run = await coordinator.submit(a.scenario, a.out, { modelOverrides: parseModelOverrides(a.model) });
    coordinator.drain();
    const testModel = run.runFile.models.some((m) => m.testModel);
    if (testModel) process.stderr.write('NOTE: this run uses a TEST model (known-answer, not fitted to data); its doses are not recommendations.\n');
    process.stderr.write(`run ${run.runId}: ${run.tiles.length} tiles (${run.progress().tilesResumed} already done), ${workerCount} workers -> ${run.opts.dir}\n`);
    const view = a.quiet ? { update: () => undefined, stop: () => undefined } : progressView(`run ${run.runId.slice(0, 8)}`);
    run.on('progress', (p) => view.update(p));
    const done = new Promise<void>((r) => (run.phase === 'RUNNING' || run.phase === 'AGGREGATING' ? run.once('done', () => r()) : r()));
    const workers = new LocalWorkers(coordinator, run, { workers: workerCount, executionProvider: a.provider, maxBatchRows: a.maxBatchRows, intraOpThreads: a.threads, workerLogLevel: process.env['QUSOP_LOG_LEVEL'] ?? 'warn', maxRestarts: 2 * workerCount + 2 }, log);
    const onSignal = (): void => {
      process.stderr.write('interrupted: stopping workers; finished tiles stay in the run directory for resume\n');
      run.cancel('interrupted');
      workers.stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (run.active) workers.start();
    await done;
    view.update(run.progress());
    view.stop();
    workers.stop();
    await workers.waitAll();
    await writeManifest(run, { mode: 'local', workers: workerCount, workerRestarts: workers.restarts, options: { tileTrajectories: coordinator.opts.tileTrajectories, leaseMs: a.leaseMs, provider: a.provider } });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (run.phase !== 'SUCCEEDED' || run.result === undefined) {
      process.stderr.write(`qusop: run ${run.runId} ${run.phase.toLowerCase()}: ${run.progress().error}\n`);
      return 1;
    }
    const title = `decisions for run ${run.runId}${testModel ? ' (TEST MODEL)' : ''} — ${run.opts.dir}`;
    process.stdout.write(formatDecisionTable(run.result.decisions, title));
    return 0;
  } finally {
    await coordinator.stop();
    await events?.close();
  }
}

/** `qusop run` is a terminal command: warnings and errors only, unless QUSOP_LOG_LEVEL or --verbose says otherwise. */
function defaultRunLogLevel(): LogLevel {
  const v = process.env['QUSOP_LOG_LEVEL'];
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'warn';
}
