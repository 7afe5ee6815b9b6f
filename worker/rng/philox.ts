/**
 * Philox4x32-10, the counter-based generator of Random123 (Salmon et al., SC'11). A pure function of
 * (counter, key): any subject's random numbers can be computed on any worker, in any order, which is
 * what makes tiles reproducible (DESIGN.md "Determinism"). Checked against Random123's published
 * known-answer vectors in tests/unit/philox.test.ts.
 *
 * JavaScript has no 32x32->64 multiply, so the high word is assembled exactly from 16-bit halves
 * (every partial product stays below 2^53) and the low word comes from Math.imul.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9 | 0;
const W1 = 0xbb67ae85 | 0;

const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;

/** High 32 bits of the 64-bit product of two unsigned 32-bit words (int32 inputs are read as uint32). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const cross = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1), written into out[0..3].
 * Allocation-free: this is the form the population sampler calls in its inner loops.
 */
export function philox4x32_10Into(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let key0 = k0 | 0;
  let key1 = k1 | 0;
  for (let round = 0; round < 10; round++) {
    // mulhi with the constant's halves precomputed (same arithmetic as mulhi32, inlined for speed)
    const a0Lo = x0 & 0xffff;
    const a0Hi = x0 >>> 16;
    const lh0 = a0Lo * M0_HI;
    const hl0 = a0Hi * M0_LO;
    const hi0 =
      a0Hi * M0_HI + (lh0 >>> 16) + (hl0 >>> 16) +
      ((((a0Lo * M0_LO) >>> 16) + (lh0 & 0xffff) + (hl0 & 0xffff)) >>> 16);
    const lo0 = Math.imul(x0, M0);

    const a2Lo = x2 & 0xffff;
    const a2Hi = x2 >>> 16;
    const lh1 = a2Lo * M1_HI;
    const hl1 = a2Hi * M1_LO;
    const hi1 =
      a2Hi * M1_HI + (lh1 >>> 16) + (hl1 >>> 16) +
      ((((a2Lo * M1_LO) >>> 16) + (lh1 & 0xffff) + (hl1 & 0xffff)) >>> 16);
    const lo1 = Math.imul(x2, M1);

    x0 = hi1 ^ x1 ^ key0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ key1;
    x3 = lo0;
    key0 = (key0 + W0) | 0;
    key1 = (key1 + W1) | 0;
  }
  // Uint32Array stores wrap int32 to uint32
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** Convenience form: Philox4x32-10 of a 4-word counter under a 2-word key (allocates the result). */
export function philox4x32_10(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): Uint32Array {
  const out = new Uint32Array(4);
  philox4x32_10Into(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
  return out;
}
