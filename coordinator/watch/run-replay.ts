/**
 * Rebuilds a run's progress from its events, in stream order (pure: events in, counts out). Tolerant
 * by design: tiles are counted once by id, counts only grow within an attempt and take the maximum of
 * what tile events, snapshots and the final event say, so a lost or deduplicated event cannot leave a
 * finished run short of 100 %. A RunStarted with a new attempt id (a resume) starts the count afresh
 * from the tiles that attempt found on disk.
 */
import type { RunEvent } from '../../proto/gen/qusop/v1/events_pb.js';
import { phaseOf } from '../events/run-state.js';
import type { RunPhase, RunProgressInfo } from '../run/run-controller.js';

export class RunReplay {
  attemptId = '';
  phase: RunPhase = 'PREPARED';
  /** the current attempt has published RunFinished */
  finished = false;
  /** any event of this run has been seen */
  seen = false;
  tilesTotal = 0;
  tilesDone = 0;
  tilesLeased = 0;
  tilesResumed = 0;
  trajectories = 0;
  trajectoriesTotal = 0;
  error = '';
  private tiles = new Set<string>();

  constructor(readonly runId: string) {}

  apply(e: RunEvent): void {
    this.seen = true;
    const ev = e.event;
    switch (ev.case) {
      case 'started':
        if (ev.value.attemptId === this.attemptId) return;
        this.attemptId = ev.value.attemptId;
        this.phase = 'RUNNING';
        this.finished = false;
        this.error = '';
        this.tiles = new Set();
        this.tilesTotal = ev.value.tilesTotal;
        this.tilesResumed = ev.value.tilesResumed;
        this.tilesDone = ev.value.tilesResumed;
        this.tilesLeased = 0;
        this.trajectories = 0;
        this.trajectoriesTotal = Number(ev.value.trajectoriesTotal);
        return;
      case 'tile': {
        if (!this.adopt(ev.value.attemptId)) return;
        const t = ev.value;
        this.tilesTotal = Math.max(this.tilesTotal, t.tilesTotal);
        if (!this.tiles.has(t.tileId)) {
          this.tiles.add(t.tileId);
          this.trajectories += Number(t.trajectories);
        }
        this.grow(t.tilesDone, Number(t.trajectoriesDone));
        if (this.phase === 'PREPARED') this.phase = 'RUNNING';
        return;
      }
      case 'progress': {
        const p = ev.value.progress;
        if (p === undefined || !this.adopt(ev.value.attemptId)) return;
        this.tilesTotal = Math.max(this.tilesTotal, p.tilesTotal);
        this.tilesResumed = Math.max(this.tilesResumed, ev.value.tilesResumed);
        this.phase = phaseOf(p.state);
        this.tilesLeased = p.tilesLeased;
        this.error = p.error;
        this.grow(p.tilesDone, Number(p.trajectories));
        return;
      }
      case 'finished': {
        if (!this.adopt(ev.value.attemptId)) return;
        const f = ev.value;
        this.tilesTotal = Math.max(this.tilesTotal, f.tilesTotal);
        this.phase = phaseOf(f.state);
        this.error = f.error;
        this.finished = true;
        this.tilesLeased = 0;
        // the coordinator's own final count is authoritative
        this.tilesDone = f.tilesDone;
        this.trajectories = Math.max(this.trajectories, Number(f.trajectories));
        return;
      }
      default:
        return;
    }
  }

  progress(): RunProgressInfo {
    return {
      runId: this.runId, phase: this.phase, tilesTotal: this.tilesTotal, tilesDone: this.tilesDone, tilesLeased: this.tilesLeased,
      tilesResumed: this.tilesResumed, trajectories: this.trajectories, error: this.error,
    };
  }

  /** Events of the current attempt count; an attempt whose start we never saw is adopted. Finished attempts are frozen. */
  private adopt(attemptId: string): boolean {
    if (this.attemptId === '') this.attemptId = attemptId;
    return attemptId === this.attemptId && !this.finished;
  }

  private grow(tilesDone: number, trajectories: number): void {
    const counted = this.tilesResumed + this.tiles.size;
    this.tilesDone = Math.max(this.tilesDone, counted, tilesDone);
    if (this.tilesTotal > 0) this.tilesDone = Math.min(this.tilesDone, this.tilesTotal);
    this.trajectories = Math.max(this.trajectories, trajectories);
  }
}
