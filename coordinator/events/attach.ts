/**
 * The one place where a run's lifecycle becomes bus events: listens to a RunController's 'progress',
 * 'tile-accepted' and 'done' and publishes RunStarted, TileCompleted, throttled RunProgressSnapshots
 * and RunFinished. The controller knows nothing about buses; publishing never throws into it.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RunEventSchema } from '../../proto/gen/qusop/v1/events_pb.js';
import type { Logger } from '../../worker/common/log.js';
import { tileTrajectories } from '../plan/tiles.js';
import type { RunController, RunPhase, RunProgressInfo } from '../run/run-controller.js';
import type { EventBus } from './bus.js';
import { runStateOf } from './run-state.js';

/** Payload of the controller's 'tile-accepted' event (emitted once per accepted tile result). */
export interface TileAcceptedInfo {
  readonly tileId: string;
  readonly workerId: string;
  readonly trajectories: number;
  readonly computeMs: number;
}

/** What observeRun needs of a run: its events and its counts (a RunController, or a fake in tests). */
export interface ObservedRun extends Pick<EventEmitter, 'on' | 'off'> {
  readonly runId: string;
  progress(): RunProgressInfo;
}

export interface ObservedRunInfo {
  readonly outDir: string;
  readonly scenarioPath: string;
  readonly trajectoriesTotal: number;
}

export interface ObserveOptions {
  /** at most one progress snapshot per this interval (phase changes always go out) */
  readonly progressIntervalMs?: number;
  readonly attemptId?: string;
  readonly nowMs?: () => number;
  readonly log?: Logger;
}

/** Publishes a RunController's events on `bus`; call before `run.prepare()` so the start is seen. */
export function attachRunEvents(run: RunController, bus: EventBus, opts: ObserveOptions = {}): () => void {
  const trajectoriesTotal = run.tiles.reduce((sum, t) => sum + tileTrajectories(run.compiled.spec, t), 0);
  return observeRun(run, { outDir: run.opts.dir, scenarioPath: run.compiled.scenarioPath, trajectoriesTotal }, bus, opts);
}

export function observeRun(run: ObservedRun, info: ObservedRunInfo, bus: EventBus, opts: ObserveOptions = {}): () => void {
  const attemptId = opts.attemptId ?? randomUUID();
  const intervalMs = opts.progressIntervalMs ?? 1_000;
  const now = opts.nowMs ?? Date.now;
  let startedMs: number | undefined;
  let lastPhase: RunPhase | undefined;
  let lastSnapshotMs = Number.NEGATIVE_INFINITY;
  const { runId } = run;

  const send = (event: NonNullable<MessageInitShape<typeof RunEventSchema>['event']>): void => {
    try {
      bus.publish(create(RunEventSchema, { event }));
    } catch (err) {
      opts.log?.error({ err: (err as Error).message }, 'event bus threw on publish (a contract violation); the run goes on');
    }
  };

  const onProgress = (p: RunProgressInfo): void => {
    if (p.phase === 'PREPARED') return;
    const t = now();
    if (startedMs === undefined) {
      startedMs = t;
      send({ case: 'started', value: { runId, attemptId, tilesTotal: p.tilesTotal, tilesResumed: p.tilesResumed, trajectoriesTotal: BigInt(info.trajectoriesTotal), outDir: info.outDir, scenarioPath: info.scenarioPath, time: timestampFromMs(t) } });
    }
    if (p.phase === lastPhase && t - lastSnapshotMs < intervalMs) return;
    lastPhase = p.phase;
    lastSnapshotMs = t;
    const progress = { runId, state: runStateOf(p.phase), tilesTotal: p.tilesTotal, tilesDone: p.tilesDone, tilesLeased: p.tilesLeased, trajectories: BigInt(p.trajectories), error: p.error };
    send({ case: 'progress', value: { attemptId, progress, tilesResumed: p.tilesResumed, time: timestampFromMs(t) } });
  };

  const onTile = (tile: TileAcceptedInfo): void => {
    const p = run.progress();
    send({
      case: 'tile',
      value: {
        runId, attemptId, tileId: tile.tileId, workerId: tile.workerId, trajectories: BigInt(tile.trajectories), computeMs: tile.computeMs,
        tilesDone: p.tilesDone, tilesTotal: p.tilesTotal, trajectoriesDone: BigInt(p.trajectories), time: timestampFromMs(now()),
      },
    });
  };

  const onDone = (p: RunProgressInfo): void => {
    onProgress(p);
    const t = now();
    send({
      case: 'finished',
      value: {
        runId, attemptId, state: runStateOf(p.phase), error: p.error, tilesDone: p.tilesDone, tilesTotal: p.tilesTotal, trajectories: BigInt(p.trajectories),
        durationMs: t - (startedMs ?? t), outDir: info.outDir, time: timestampFromMs(t),
      },
    });
    detach();
  };

  const detach = (): void => {
    run.off('progress', onProgress);
    run.off('tile-accepted', onTile);
    run.off('done', onDone);
  };
  run.on('progress', onProgress);
  run.on('tile-accepted', onTile);
  run.on('done', onDone);
  return detach;
}
