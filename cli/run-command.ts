/**
 * `qusop run <scenario>`: one machine, no services. Embedded coordinator on loopback + N local worker
 * processes (../local/local-run.ts), progress on stderr, the decision table on stdout, outputs in the run directory.
 */
import { createLogger, type LogLevel } from '../worker/common/log.js';
import { InputError } from '../worker/common/errors.js';
import { runLocal, type LocalRunOptions } from '../coordinator/local/local-run.js';
import { runAdaptive } from '../coordinator/local/adaptive-run.js';
import { formatDecisionTable } from './decision-table.js';
import { writeJointReport } from '../analysis/report/joint-endpoints.js';
import { sweepThresholdUnits } from '../analysis/report/sweep-units.js';
import { runModelInfo } from '../coordinator/run/run-dir.js';

/** `qusop run`'s arguments: the local run's options, with --model overrides and log verbosity. */
export interface RunCommandArgs extends Omit<LocalRunOptions, 'compile'> {
  readonly model: readonly string[];
  /** adaptive precision: target band half-width at the decision doses, and the replicate budget */
  readonly halfWidth?: number | undefined;
  readonly maxReplicates?: number | undefined;
  readonly verbose: boolean;
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
  if ((a.halfWidth === undefined) !== (a.maxReplicates === undefined)) {
    throw new InputError('--half-width and --max-replicates go together: the target half-width and the budget that stops the rounds when it is not met', { details: { field: a.halfWidth === undefined ? '--half-width' : '--max-replicates' } });
  }
  const policy = a.halfWidth === undefined || a.maxReplicates === undefined ? undefined : { halfWidth: a.halfWidth, maxReplicates: a.maxReplicates };
  const { run, succeeded, testModel } = await (policy === undefined ? runLocal : (o: LocalRunOptions, l: typeof log) => runAdaptive(o, policy, l))(
    {
      scenario: a.scenario, out: a.out, workers: a.workers, tileTrajectories: a.tileTrajectories, provider: a.provider, maxBatchRows: a.maxBatchRows,
      threads: a.threads, metricsPort: a.metricsPort, format: a.format, leaseMs: a.leaseMs, compile: { modelOverrides: parseModelOverrides(a.model) },
      quiet: a.quiet, nats: a.nats, ...(a.verifyFraction === undefined ? {} : { verifyFraction: a.verifyFraction }),
    },
    log,
  );
  if (!succeeded || run.result === undefined) {
    process.stderr.write(`qusop: run ${run.runId} ${run.phase.toLowerCase()}: ${run.progress().error}\n`);
    return 1;
  }
  const title = `decisions for run ${run.runId}${testModel ? ' (TEST MODEL)' : ''} — ${run.opts.dir}`;
  process.stdout.write(formatDecisionTable(run.result.decisions, title));
  await writeJointReport(run.opts.dir, run.result.joint, sweepThresholdUnits(run.compiled.spec, [...run.compiled.models.values()].map(runModelInfo)));
  return 0;
}

/** `qusop run` is a terminal command: warnings and errors only, unless QUSOP_LOG_LEVEL or --verbose says otherwise. */
function defaultRunLogLevel(): LogLevel {
  const v = process.env['QUSOP_LOG_LEVEL'];
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'warn';
}
