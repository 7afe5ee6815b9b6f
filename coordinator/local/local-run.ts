/**
 * One scenario file run on this machine, no services: an embedded coordinator on loopback, N local
 * worker processes, progress on stderr, manifest written at the end. `qusop run` prints the decision
 * table of the outcome; `qusop answer` chains several such runs (grid extensions) and builds a report.
 */
import { InputError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import type { CompileOptions } from '../scenario/compile.js';
import { writeManifest } from '../run/manifest.js';
import type { RunController } from '../run/run-controller.js';
import { Coordinator } from '../server/coordinator.js';
import { openEventBus, registerEventBusMetrics } from '../events/open.js';
import { progressView } from './progress.js';
import { LocalWorkers, newToken } from './launcher.js';

export interface LocalRunOptions {
  readonly scenario: string;
  /** run directory (default: runs/<run id>) */
  readonly out?: string | undefined;
  /** worker processes wanted; no more are started than the run has tiles left */
  readonly workers: number;
  readonly tileTrajectories?: number | undefined;
  readonly provider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly threads: number;
  readonly metricsPort?: number | undefined;
  readonly format: 'parquet' | 'arrow' | 'both';
  readonly leaseMs: number;
  /** fraction of tiles computed twice (by another worker when there are several) */
  readonly verifyFraction?: number;
  readonly compile?: CompileOptions;
  /** no progress bar / lines */
  readonly quiet: boolean;
  /** NATS URL for run events (none: not published) */
  readonly nats?: string | undefined;
}

export interface LocalRunOutcome {
  /** the finished (or failed / cancelled) run; `run.result` holds curves and decisions on success */
  readonly run: RunController;
  readonly succeeded: boolean;
  readonly testModel: boolean;
  /** worker processes started */
  readonly workers: number;
}

export async function runLocal(a: LocalRunOptions, log: Logger): Promise<LocalRunOutcome> {
  if (!Number.isSafeInteger(a.workers) || a.workers < 1) throw new InputError(`local run option workers: expected an integer >= 1, got ${a.workers}`, { details: { field: 'workers' } });
  const events = openEventBus(a.nats, 'qusop-run', log);
  const coordinator = new Coordinator(
    {
      listen: '127.0.0.1:0', token: newToken(), leaseMs: a.leaseMs, heartbeatMs: Math.max(200, Math.floor(a.leaseMs / 5)), format: a.format,
      ...(a.tileTrajectories === undefined ? {} : { tileTrajectories: a.tileTrajectories }),
      ...(a.metricsPort === undefined ? {} : { metricsPort: a.metricsPort }),
      ...(a.verifyFraction === undefined ? {} : { verifyFraction: a.verifyFraction }),
    },
    log,
    events,
  );
  if (events !== undefined) registerEventBusMetrics(coordinator.metrics.registry, events);
  await coordinator.start();
  try {
    const run = await coordinator.submit(a.scenario, a.out, a.compile ?? {}, { lockDir: true });
    coordinator.drain();
    const testModel = run.runFile.models.some((m) => m.testModel);
    if (testModel) process.stderr.write('NOTE: this run uses a TEST model (known-answer, not fitted to data); its doses are not recommendations.\n');
    const atStart = run.progress();
    // a worker with no tile left to lease would only cost a process and an onnxruntime session
    const workerCount = Math.min(a.workers, atStart.tilesTotal - atStart.tilesDone);
    process.stderr.write(`run ${run.runId}: ${atStart.tilesTotal} tiles (${atStart.tilesResumed} already done), ${workerCount} workers -> ${run.opts.dir}\n`);
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
    return { run, succeeded: run.phase === 'SUCCEEDED' && run.result !== undefined, testModel, workers: workerCount };
  } finally {
    await coordinator.stop();
    await events?.close();
  }
}
