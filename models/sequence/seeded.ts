/**
 * Seeded randomness for training: the subject split, the per-epoch batch order and the initial
 * weights are pure functions of (seed, stream, index), so the same seed gives the same weights hash
 * on any machine. Built on the worker's Philox4x32-10 (checked against Random123's vectors) rather
 * than Math.random, which cannot be seeded, or tfjs's shuffle, which uses it.
 */
import { InputError } from '../../worker/common/errors.js';
import { philox4x32_10Into } from '../../worker/rng/philox.js';
import { isUint32 } from '../../worker/rng/scenario-key.js';
import { normalPairInto, uniformFromWords } from '../../worker/rng/uniform.js';

/** Named streams, so adding a use of randomness never shifts another's numbers. */
export const STREAM = {
  split: 1,
  shuffle: 2,
  init: 3,
  circuit: 4,
} as const;

export function checkSeed(seed: number, field = 'seed'): number {
  if (!isUint32(seed)) throw new InputError(`${field} (${seed}) must be an integer in [0, 4294967295]`, { details: { field, value: seed } });
  return seed;
}

/** Uniform in (0, 1): block `index` of stream `stream` (sub-stream `sub`, e.g. an epoch or a tensor). */
export function uniformAt(seed: number, stream: number, sub: number, index: number): number {
  const w = new Uint32Array(4);
  philox4x32_10Into(index >>> 0, sub >>> 0, stream >>> 0, 0, seed >>> 0, 0x51a5e9, w);
  return uniformFromWords(w[0]!, w[1]!);
}

/** n standard normals (Box–Muller on Philox blocks) of (seed, stream, sub). */
export function normals(seed: number, stream: number, sub: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const w = new Uint32Array(4);
  const pair = new Float64Array(2);
  for (let i = 0; i < n; i += 2) {
    philox4x32_10Into(i >>> 1, sub >>> 0, stream >>> 0, 1, seed >>> 0, 0x51a5e9, w);
    normalPairInto(w, pair);
    out[i] = pair[0]!;
    if (i + 1 < n) out[i + 1] = pair[1]!;
  }
  return out;
}

/** n uniforms in [lo, hi) of (seed, stream, sub). */
export function uniforms(seed: number, stream: number, sub: number, n: number, lo = 0, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + (hi - lo) * uniformAt(seed, stream, sub, i));
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(seed: number, stream: number, sub: number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(seed, stream, sub, i) * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
