/**
 * `qusop watch <run-id>`: follows a run to its end and exits like it — 0 when it succeeded, 1 when it
 * failed or was cancelled (or no end was seen in time). With --nats it replays the run's events from
 * JetStream (works for a run that is half done or long finished); without, or when NATS cannot be
 * reached, it follows the coordinator's RunService.WatchRun stream (token from QUSOP_TOKEN).
 * Progress goes to stderr (a bar on a terminal, lines otherwise); the final line goes to stdout.
 */
import { createLogger } from '../../worker/common/log.js';
import { InputError, RunError } from '../../worker/common/errors.js';
import { readToken } from '../../worker/common/secrets.js';
import { readClientTls, type ClientTlsOptions } from '../../worker/rpc/client-tls.js';
import type { EventBus } from '../events/bus.js';
import { NatsEventBus } from '../events/nats-bus.js';
import { checkRunId } from '../events/subjects.js';
import { isFinalPhase } from '../events/run-state.js';
import type { RunProgressInfo } from '../run/run-controller.js';
import { busProgress, grpcProgress } from './sources.js';
import { percent, watchView } from './view.js';

export interface WatchCommandArgs {
  readonly runId: string;
  readonly nats?: string | undefined;
  readonly coordinator?: string | undefined;
  /** the token for --coordinator, and the variable it came from (for messages) */
  readonly token?: string | undefined;
  readonly tokenSource?: string | undefined;
  /** --tls-ca/--tls-cert/--tls-key for --coordinator */
  readonly tls?: ClientTlsOptions | undefined;
  /** give up after this long without seeing the run end (0: wait as long as it takes) */
  readonly timeoutS: number;
  readonly quiet: boolean;
}

export async function watchCommand(a: WatchCommandArgs): Promise<number> {
  const runId = checkRunId(a.runId);
  const log = createLogger('qusop-watch', process.env['QUSOP_LOG_LEVEL'] === undefined ? 'warn' : undefined);
  if (a.nats === undefined && a.coordinator === undefined) {
    throw new InputError('qusop watch: pass --nats URL (replays the run from JetStream) or --coordinator HOST:PORT (RunService stream; token from QUSOP_TOKEN)');
  }
  const abort = new AbortController();
  const timer = a.timeoutS > 0 ? setTimeout(() => abort.abort(), a.timeoutS * 1000) : undefined;
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let bus: EventBus | undefined;
  try {
    let updates: AsyncIterable<RunProgressInfo>;
    let where: string;
    if (a.nats !== undefined) {
      try {
        bus = await NatsEventBus.connect(a.nats, { name: 'qusop-watch' }, log);
      } catch (err) {
        if (a.coordinator === undefined) throw err;
        process.stderr.write(`qusop watch: ${(err as Error).message}; following the coordinator ${a.coordinator} instead\n`);
      }
    }
    if (bus !== undefined) {
      where = `NATS ${a.nats ?? ''}`;
      const onQuiet = (): void => void process.stderr.write(`waiting for events of run ${runId} on ${where} ...\n`);
      updates = busProgress(bus, runId, { signal: abort.signal, onQuiet });
    } else {
      const token = readToken(a.token, a.tokenSource ?? 'QUSOP_TOKEN');
      where = `coordinator ${a.coordinator ?? ''}`;
      updates = grpcProgress(a.coordinator ?? '', token, runId, { signal: abort.signal, tls: readClientTls(a.tls ?? {}) });
    }
    const view = a.quiet ? { update: () => undefined, stop: () => undefined } : watchView(`run ${runId.slice(0, 8)}`);
    let last: RunProgressInfo | undefined;
    for await (const p of updates) {
      view.update(p);
      last = p;
    }
    view.stop();
    if (last === undefined || !isFinalPhase(last.phase)) {
      const seen = last === undefined ? 'no event of the run was seen' : `last seen ${describe(last)}`;
      throw new RunError(`run ${runId}: no end seen on ${where} (${abort.signal.aborted ? 'stopped' : 'stream ended'}; ${seen})`);
    }
    process.stdout.write(`${describe(last)}\n`);
    return last.phase === 'SUCCEEDED' ? 0 : 1;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bus?.close(1_000);
  }
}

function describe(p: RunProgressInfo): string {
  const tail = p.error === '' ? '' : `: ${p.error}`;
  return `run ${p.runId} ${p.phase}: ${p.tilesDone}/${p.tilesTotal} tiles (${percent(p)}%), ${p.trajectories.toLocaleString('en-US')} trajectories${tail}`;
}
