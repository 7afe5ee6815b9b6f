/**
 * The latest completed tile durations (a ring buffer of fixed size) and their exact median, which
 * the scheduler's straggler test compares a running lease against. The median is recomputed
 * (O(window)) only after new samples; null until the first tile completes.
 */
import { median } from 'd3-array';

export class DurationWindow {
  readonly #samplesMs: Float64Array;
  #count = 0;
  #medianMs: number | null | undefined = null; // undefined: stale, recompute on demand

  constructor(size: number) {
    this.#samplesMs = new Float64Array(size);
  }

  record(ms: number): void {
    this.#samplesMs[this.#count % this.#samplesMs.length] = ms;
    this.#count++;
    this.#medianMs = undefined;
  }

  median(): number | null {
    if (this.#medianMs === undefined) {
      const filled = Math.min(this.#count, this.#samplesMs.length);
      this.#medianMs = median(this.#samplesMs.subarray(0, filled)) ?? null;
    }
    return this.#medianMs;
  }
}
