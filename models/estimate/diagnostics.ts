/**
 * Fit diagnostics. Eta-shrinkage (SD version, as NONMEM reports it): 1 - sd(EBE_k) / omega_k, over
 * the subjects whose data inform random effect k (a placebo subject's PK effect is 0 by construction
 * and would inflate it). Near 0: the EBEs carry the full between-subject spread; near 1: the data say
 * little about that subject-level parameter, and EBE-based diagnostics for it mislead.
 */
import { deviation } from 'd3-array';

export function etaShrinkage(modes: readonly Float64Array[], informed: readonly (readonly boolean[])[], omega: Float64Array, k: number): Float64Array {
  return Float64Array.from({ length: k }, (_, c) => {
    const values = modes.filter((_, s) => informed[s]?.[c] === true).map((m) => m[c] ?? NaN);
    const sd = deviation(values);
    const w = Math.sqrt(omega[c * k + c] ?? NaN);
    return sd === undefined || !(w > 0) ? NaN : 1 - sd / w;
  });
}
