/**
 * Replays one run's events from JetStream: an ordered consumer (ephemeral, flow-controlled, recreated
 * by the client on a gap) over `qusop.run.<run>.>` from the stream's first message, then the live tail.
 */
import type { JetStreamClient } from 'nats';
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { InputError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import type { ReplayedEvent, ReplayOptions } from './bus.js';
import { decodeEvent } from './codec.js';
import { RUN_STREAM, runFilter } from './subjects.js';

export async function* replayRun(js: JetStreamClient, runId: string, opts: ReplayOptions, log: Logger): AsyncIterable<ReplayedEvent> {
  // No deliver_policy: the ordered consumer then starts at stream sequence 1, i.e. the first stored
  // event (nats.js 2.29 sends an invalid request for an explicit DeliverPolicy.All).
  const consumer = await js.consumers.get(RUN_STREAM, { filterSubjects: runFilter(runId) });
  const messages = await consumer.consume();
  const stop = (): void => void messages.close();
  if (opts.signal?.aborted === true) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of messages) {
      let event: RunEvent;
      try {
        event = decodeEvent(m.subject, m.data);
      } catch (err) {
        // a foreign or corrupt message in our subject space: say so, keep following the run
        if (!(err instanceof InputError)) throw err;
        log.warn({ subject: m.subject, seq: m.seq, err: err.message }, 'skipping a message that is not a run event');
        continue;
      }
      yield { event, pending: m.info.pending };
    }
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    await messages.close();
  }
}
