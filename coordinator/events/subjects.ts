/**
 * The NATS subject scheme for run events — the one place subjects, the stream name and dedup ids are
 * spelled. A run id becomes one subject token, so it must not contain NATS token separators or wildcards.
 */
import { InputError } from '../../worker/common/errors.js';
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';

export type RunEventKind = NonNullable<RunEvent['event']['case']>;

export const SUBJECT_PREFIX = 'qusop.run';
/** JetStream stream that captures every run event (`qusop.run.>`). */
export const RUN_STREAM = 'QUSOP_RUNS';
export const RUN_STREAM_SUBJECTS = `${SUBJECT_PREFIX}.>`;

const KINDS: readonly RunEventKind[] = ['started', 'tile', 'progress', 'finished'];
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export function checkRunId(runId: string): string {
  if (!TOKEN.test(runId)) throw new InputError(`run id "${runId}": expected 1-128 characters of [A-Za-z0-9_-] (it becomes a NATS subject token)`, { details: { field: 'runId' } });
  return runId;
}

/** `qusop.run.<runId>.<kind>` */
export function runSubject(runId: string, kind: RunEventKind): string {
  return `${SUBJECT_PREFIX}.${checkRunId(runId)}.${kind}`;
}

/** Every event of one run: `qusop.run.<runId>.>` */
export function runFilter(runId: string): string {
  return `${SUBJECT_PREFIX}.${checkRunId(runId)}.>`;
}

/** Parses `qusop.run.<runId>.<kind>`; undefined for anything else. */
export function parseRunSubject(subject: string): { runId: string; kind: RunEventKind } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || `${parts[0]}.${parts[1]}` !== SUBJECT_PREFIX) return undefined;
  const [, , runId, kind] = parts;
  if (runId === undefined || !TOKEN.test(runId) || !KINDS.includes(kind as RunEventKind)) return undefined;
  return { runId, kind: kind as RunEventKind };
}

/**
 * JetStream dedup id (`Nats-Msg-Id`). A tile is keyed by run + tile, so a re-published or duplicate
 * completion inside the stream's duplicate window is stored once; lifecycle events are keyed by attempt.
 */
export function eventMsgId(e: RunEvent): string | undefined {
  switch (e.event.case) {
    case 'tile':
      return `${e.event.value.runId}.${e.event.value.tileId}`;
    case 'started':
      return `${e.event.value.runId}.started.${e.event.value.attemptId}`;
    case 'finished':
      return `${e.event.value.runId}.finished.${e.event.value.attemptId}`;
    default:
      return undefined;
  }
}
