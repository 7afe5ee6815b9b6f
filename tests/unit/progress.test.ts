/**
 * The run progress view (coordinator/local/progress.ts): the ETA text, the pace it comes from, and
 * the plain lines written when stderr is not a terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaSeconds, formatEta, progressView } from '../../coordinator/local/progress.js';
import type { RunProgressInfo } from '../../coordinator/run/run-controller.js';
import { captureStream } from '../kit/streams.js';


test('formatEta: seconds, minutes, hours; rounded before splitting; "--" without an estimate', () => {
  assert.equal(formatEta(0), '0s');
  assert.equal(formatEta(7.4), '7s');
  assert.equal(formatEta(59.6), '1m00s', 'rounds to 60 s first, so never 0m60s');
  assert.equal(formatEta(119.6), '2m00s', 'never 1m60s');
  assert.equal(formatEta(65), '1m05s');
  assert.equal(formatEta(3725), '1h02m');
  assert.equal(formatEta(7385), '2h03m');
  for (const bad of [NaN, Infinity, -1]) assert.equal(formatEta(bad), '--');
});

test('etaSeconds: tiles left at the pace since the first finished tile; none before there is a pace', () => {
  assert.equal(etaSeconds(100, 10, 5), 50);
  assert.equal(etaSeconds(0, 0, 0), 0, 'nothing left');
  assert.ok(Number.isNaN(etaSeconds(100, 0, 3)), 'no tile since the first: no pace');
  assert.ok(Number.isNaN(etaSeconds(100, 5, 0)));
});

test('progressView without a terminal: a line at most every 2 s and at the end, rate and ETA from the first finished tile', () => {
  const out = captureStream(false);
  let nowMs = 1_000_000;
  const view = progressView('run x', out.stream, () => nowMs);
  const p = (tilesDone: number, trajectories: number): RunProgressInfo => ({ runId: 'x', phase: 'RUNNING', tilesTotal: 4, tilesDone, tilesLeased: 0, tilesResumed: 0, trajectories, error: '' });
  view.update(p(0, 0));
  nowMs += 1_500;
  view.update(p(1, 100)); // the first finished tile starts the pace; under 2 s since the last line: not written
  nowMs += 2_500;
  view.update(p(2, 200));
  view.update(p(4, 400)); // the end is always written
  view.stop();
  const lines = out.lines();
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.equal(lines[0], 'run x: 0/4 tiles (0%), ETA --');
  // since the first finished tile (start-up excluded): 1 more tile and 100 trajectories in 2.5 s, so 40 traj/s, and 2 tiles left take 5 s
  assert.equal(lines[1], 'run x: 2/4 tiles (50%) 40 traj/s, ETA 5s');
  assert.equal(lines[2], 'run x: 4/4 tiles (100%) 120 traj/s', 'no ETA at the end');
});

test('progressView: tiles resumed from an earlier run give no pace; the first tile finished here starts it', () => {
  const out = captureStream(false);
  let nowMs = 1_000_000;
  const view = progressView('run y', out.stream, () => nowMs);
  const p = (tilesDone: number): RunProgressInfo => ({ runId: 'y', phase: 'RUNNING', tilesTotal: 10, tilesDone, tilesLeased: 0, tilesResumed: 6, trajectories: (tilesDone - 6) * 50, error: '' });
  view.update(p(6));
  nowMs += 3_000;
  view.update(p(7));
  nowMs += 3_000;
  view.update(p(8));
  assert.deepEqual(out.lines(), ['run y: 6/10 tiles (60%), ETA --', 'run y: 7/10 tiles (70%), ETA --', 'run y: 8/10 tiles (80%) 17 traj/s, ETA 6s']);
});
