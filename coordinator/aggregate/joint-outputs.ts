/**
 * The aggregator's files for issue 19, written only for a run that asks for them:
 * `threshold-sweep.json` (threshold sweep: per threshold the curve and the minimal doses) and
 * `therapeutic-window.json` (safety endpoint: joint curves and the window per target). Atomic and
 * byte-identical for identical input, like decisions.json; the plain outputs do not change.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { RegimenCells } from './curves.js';
import type { Decision } from './decisions.js';
import { sweepResult, type SweepResult } from './threshold-sweep.js';
import { windowResult, type WindowResult } from './therapeutic-window.js';

export const THRESHOLD_SWEEP_JSON = 'threshold-sweep.json';
export const THERAPEUTIC_WINDOW_JSON = 'therapeutic-window.json';

export interface JointAggregate {
  readonly sweep?: SweepResult;
  readonly window?: WindowResult;
}

export function jointAggregate(grids: readonly RegimenCells[], decisions: readonly Decision[]): JointAggregate {
  const sweep = sweepResult(grids);
  const window = windowResult(grids, decisions);
  return { ...(sweep === undefined ? {} : { sweep }), ...(window === undefined ? {} : { window }) };
}

export function sweepJson(sweep: SweepResult): string {
  return `${JSON.stringify({ decisions: sweep.decisions, curves: sweep.curves }, null, 2)}\n`;
}

export function windowJson(window: WindowResult): string {
  return `${JSON.stringify({ windows: window.windows, curves: window.curves }, null, 2)}\n`;
}

/** Writes the files `joint` holds; returns their names. */
export async function writeJointOutputs(dir: string, joint: JointAggregate): Promise<string[]> {
  const written: string[] = [];
  if (joint.sweep !== undefined) {
    await writeFileAtomic(join(dir, THRESHOLD_SWEEP_JSON), sweepJson(joint.sweep));
    written.push(THRESHOLD_SWEEP_JSON);
  }
  if (joint.window !== undefined) {
    await writeFileAtomic(join(dir, THERAPEUTIC_WINDOW_JSON), windowJson(joint.window));
    written.push(THERAPEUTIC_WINDOW_JSON);
  }
  return written;
}
