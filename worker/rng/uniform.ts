/**
 * Turning Philox words into continuous variates: uniforms strictly inside (0, 1) and Box–Muller
 * normals. Only Math.log/sqrt/cos/sin are used; V8's are fdlibm ports, so the same words give the
 * same doubles on every machine (DESIGN.md "Determinism").
 *
 * Why 52 bits and not 53: the uniform is the midpoint (x + 0.5) / 2^n of one of 2^n equal cells,
 * so it is symmetric and never 0 or 1. With n = 53 the top midpoint 1 - 2^-54 is not a double and
 * rounds to exactly 1 (log(1 - u) and floor(u * n) would then break); with n = 52 every midpoint is
 * exact, the extremes are 2^-53 and 1 - 2^-53.
 */

/** 2^26: the weight of the high word's 26 kept bits */
const TWO_POW_26 = 67108864;
/** 2^-52 */
const INV_TWO_POW_52 = 1 / 4503599627370496;
const TWO_PI = 2 * Math.PI;

/** Uniform in (0, 1) from two 32-bit words: the top 26 bits of each, as the midpoint of a 2^-52 cell. */
export function uniformFromWords(a: number, b: number): number {
  return ((a >>> 6) * TWO_POW_26 + (b >>> 6) + 0.5) * INV_TWO_POW_52;
}

/**
 * Two independent standard normals from one Philox block (4 words = 2 uniforms), Box–Muller:
 * out[0] = r cos(2 pi u2), out[1] = r sin(2 pi u2), r = sqrt(-2 ln u1). u1 > 0, so r is finite.
 */
export function normalPairInto(words: Uint32Array, out: Float64Array): void {
  const u1 = uniformFromWords(words[0]!, words[1]!);
  const u2 = uniformFromWords(words[2]!, words[3]!);
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = TWO_PI * u2;
  out[0] = r * Math.cos(theta);
  out[1] = r * Math.sin(theta);
}

/** normalPairInto's out[0] alone, for draws that need one normal (saves the sin). */
export function firstNormal(words: Uint32Array): number {
  const u1 = uniformFromWords(words[0]!, words[1]!);
  const u2 = uniformFromWords(words[2]!, words[3]!);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
}
