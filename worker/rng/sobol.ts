/**
 * Sobol' points, 32 bits per coordinate, by direct construction: point n of dimension j is the XOR of
 * the direction numbers v_j,k over the set bits k of gray(n) = n ^ (n >> 1), so any point is computed
 * alone, in any order, on any worker (no recursion over the previous point). The gray-code index gives
 * the order of Joe & Kuo's sobol.cc and SciPy's `qmc.Sobol`: the first 2^m points are the same set in
 * either order, a prefix of other length is not.
 *
 * Randomisation: random linear matrix scrambling with a digital shift (Matousek 1998): x' = L x + e
 * over GF(2) digits, L lower-triangular with a unit diagonal and random entries below it, e a random
 * 32-digit shift. Digit i of x' depends on digits 1..i of x only and bijectively, so every elementary
 * interval keeps its count: a (t, m, s)-net stays one, and each point is uniform on the 2^-32 grid.
 * L is linear, so it is applied once to the direction numbers and a point costs the same as unscrambled.
 */
import { JOE_KUO_6_21201 } from './sobol-joe-kuo.js';

export const SOBOL_BITS = 32;
const TWO_POW_MINUS_32 = 1 / 4294967296;

/** Direction numbers v_k (k = 0..31, v_k = m_{k+1} / 2^{k+1} as a 32-bit fraction) of each dimension. */
let directionTable: readonly Uint32Array[] | undefined;

function parseDirections(): readonly Uint32Array[] {
  const table: Uint32Array[] = [];
  const first = new Uint32Array(SOBOL_BITS);
  for (let k = 0; k < SOBOL_BITS; k++) first[k] = 2 ** (31 - k); // dimension 1: m_k = 1
  table.push(first);
  for (const line of JOE_KUO_6_21201.trim().split('\n').slice(1)) {
    const [d, s, a, ...m] = line.trim().split(/\s+/).map(Number);
    if (d !== table.length + 1 || s === undefined || a === undefined || m.length !== s) {
      throw new Error(`sobol-joe-kuo.ts: malformed row "${line}"`);
    }
    const v = new Uint32Array(SOBOL_BITS);
    for (let k = 0; k < s; k++) v[k] = (m[k] ?? 0) * 2 ** (31 - k);
    for (let k = s; k < SOBOL_BITS; k++) {
      // Bratley & Fox's recurrence on the fractions: v_k = v_{k-s} ^ (v_{k-s} >> s) ^ sum_i a_i v_{k-i}
      let x = v[k - s]! ^ (v[k - s]! >>> s);
      for (let i = 1; i < s; i++) if (((a >>> (s - 1 - i)) & 1) === 1) x ^= v[k - i]!;
      v[k] = x;
    }
    table.push(v);
  }
  return table;
}

function directions(): readonly Uint32Array[] {
  directionTable ??= parseDirections();
  return directionTable;
}

/** How many dimensions the shipped direction numbers define. */
export function sobolDimensions(): number {
  return directions().length;
}

/** The direction numbers of dimension `dimension` (0-based). */
export function sobolDirections(dimension: number): Uint32Array {
  const v = directions()[dimension];
  if (v === undefined) throw new RangeError(`Sobol dimension ${dimension} is beyond the ${sobolDimensions()} shipped`);
  return v;
}

/** Point `index` (an unsigned 32-bit integer) of a dimension, as a 32-bit integer: XOR of v_k over gray(index). */
export function sobolInteger(v: Uint32Array, index: number): number {
  let g = (index ^ (index >>> 1)) >>> 0;
  let x = 0;
  for (let k = 0; g !== 0; k++, g >>>= 1) if ((g & 1) === 1) x ^= v[k]!;
  return x >>> 0;
}

/** The unscrambled point in [0, 1): the published value, exactly. */
export function sobolPoint(dimension: number, index: number): number {
  return sobolInteger(sobolDirections(dimension), index) * TWO_POW_MINUS_32;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * L v for each direction number, L given by 32 random words: row i (digit i + 1, bit 31 - i) keeps
 * the random bits of the digits above it, has a 1 on its own digit and 0 below.
 */
export function scrambleDirections(v: Uint32Array, randomWords: Uint32Array, out: Uint32Array): void {
  const rows = new Uint32Array(SOBOL_BITS);
  for (let i = 0; i < SOBOL_BITS; i++) {
    const bit = 31 - i;
    const above = i === 0 ? 0 : ~0 << (bit + 1);
    rows[i] = (randomWords[i]! & above) | (1 << bit);
  }
  for (let k = 0; k < SOBOL_BITS; k++) {
    let y = 0;
    for (let i = 0; i < SOBOL_BITS; i++) if (parity(rows[i]! & v[k]!) === 1) y |= 1 << (31 - i);
    out[k] = y;
  }
}

/** A 32-bit scrambled integer as a uniform in (0, 1): the midpoint of its 2^-32 cell, never 0 or 1. */
export function uniformFromSobol(x: number): number {
  return (x + 0.5) * TWO_POW_MINUS_32;
}
