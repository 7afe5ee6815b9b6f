/**
 * RunEvent <-> NATS message. The subject names the event kind; the payload is the proto3 JSON mapping
 * of that kind's message (readable with `nats sub`, decodable by any protobuf runtime from events.proto).
 */
import { create, fromJsonString, toJsonString, type DescMessage } from '@bufbuild/protobuf';
import {
  RunEventSchema, RunFinishedSchema, RunProgressSnapshotSchema, RunStartedSchema, TileCompletedSchema, type RunEvent,
} from '../../proto/gen/qusop/v1/events_pb.js';
import { InputError } from '../../worker/common/errors.js';
import { eventMsgId, parseRunSubject, runSubject, type RunEventKind } from './subjects.js';

export const EVENT_SCHEMAS = {
  started: RunStartedSchema,
  tile: TileCompletedSchema,
  progress: RunProgressSnapshotSchema,
  finished: RunFinishedSchema,
} as const satisfies Record<RunEventKind, DescMessage>;

export interface EncodedEvent {
  readonly subject: string;
  readonly data: Uint8Array;
  /** fully-qualified message type, sent as the `Qusop-Event` header */
  readonly type: string;
  readonly msgId: string | undefined;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function eventRunId(e: RunEvent): string {
  switch (e.event.case) {
    case 'progress':
      return e.event.value.progress?.runId ?? '';
    case undefined:
      return '';
    default:
      return e.event.value.runId;
  }
}

export function encodeEvent(e: RunEvent): EncodedEvent {
  const kind = e.event.case;
  if (kind === undefined) throw new InputError('run event: the envelope is empty (expected started, tile, progress or finished)');
  const schema: DescMessage = EVENT_SCHEMAS[kind];
  const json = toJsonString(schema, e.event.value);
  return { subject: runSubject(eventRunId(e), kind), data: utf8.encode(json), type: schema.typeName, msgId: eventMsgId(e) };
}

export function decodeEvent(subject: string, data: Uint8Array): RunEvent {
  const parsed = parseRunSubject(subject);
  if (parsed === undefined) throw new InputError(`NATS subject ${subject}: expected qusop.run.<run id>.started|tile|progress|finished`);
  const text = fromUtf8.decode(data);
  try {
    switch (parsed.kind) {
      case 'started':
        return create(RunEventSchema, { event: { case: 'started', value: fromJsonString(RunStartedSchema, text) } });
      case 'tile':
        return create(RunEventSchema, { event: { case: 'tile', value: fromJsonString(TileCompletedSchema, text) } });
      case 'progress':
        return create(RunEventSchema, { event: { case: 'progress', value: fromJsonString(RunProgressSnapshotSchema, text) } });
      case 'finished':
        return create(RunEventSchema, { event: { case: 'finished', value: fromJsonString(RunFinishedSchema, text) } });
    }
  } catch (err) {
    throw new InputError(`NATS message on ${subject}: payload is not a ${EVENT_SCHEMAS[parsed.kind].typeName} (proto3 JSON): ${(err as Error).message}`, { cause: err });
  }
}
