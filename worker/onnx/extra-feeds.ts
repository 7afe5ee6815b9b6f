/**
 * The inputs a head's extras take (head-extras.ts: sweep thresholds, the safety threshold) and the
 * per-group accumulation of their counts across session.run chunks (session.ts).
 */
import * as ort from 'onnxruntime-node';
import type { ModelCard } from '../model/card.js';
import type { Endpoint, SafetySpec } from '../run-spec.js';
import { SAFETY_INPUT, SWEEP_INPUT } from './head-extras.js';
import { thresholdForOutput } from './window-statistic.js';

/** What a scenario adds to its question (issue 19): both absent = the plain head. */
export interface EvaluateExtras {
  /** sweep thresholds in ng/mL, compared in the endpoint output's unit */
  readonly thresholdsNgMl?: readonly number[];
  readonly safety?: SafetySpec;
}

/** The extras' inputs (head-extras.ts), thresholds in their output's unit (`endpoint`: the question's; thresholdForOutput). */
export function extraFeeds(extras: EvaluateExtras, card: ModelCard, endpoint: Endpoint): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const t = extras.thresholdsNgMl;
  if (t !== undefined) feeds[SWEEP_INPUT] = new ort.Tensor('float32', Float32Array.from(t, (v) => thresholdForOutput(v, card, endpoint)), [t.length]);
  const safety = extras.safety;
  if (safety !== undefined) {
    feeds[SAFETY_INPUT] = new ort.Tensor('float32', Float32Array.of(thresholdForOutput(safety.thresholdNgMl, card, safety.endpoint)), [1]);
  }
  return feeds;
}

/** Adds a chunk's int64 [groups] counts into `into` from group `first`. */
export function addCounts(into: number[], counts: BigInt64Array, first: number, groups: number): void {
  for (let j = 0; j < groups; j++) into[first + j] = (into[first + j] ?? 0) + Number(counts[j] ?? 0n);
}

/** Adds a chunk's int64 [groups, H] sweep counts into `into` (per group, H each) from group `first`. */
export function addSweep(into: number[][], counts: BigInt64Array, first: number, groups: number, H: number): void {
  for (let j = 0; j < groups; j++) {
    const row = into[first + j] as number[];
    for (let h = 0; h < H; h++) row[h] = (row[h] ?? 0) + Number(counts[j * H + h] ?? 0n);
  }
}
