/**
 * A fixed effect estimated at a bound of its range is usually a structure richer than the data (a lag
 * running to 0, a peripheral compartment vanishing): the simpler structure is its own candidate and
 * the fit is degenerate (degeneracy.ts). One limit is a model of its own that no other candidate
 * covers: IMAX -> 1, complete inhibition. A drug that can shut production (or loss) down entirely
 * drives IMAX to its upper bound on any data, and pharmacometricians then fix IMAX = 1 and report the
 * model with one parameter fewer. The constrained fit with IMAX at the bound is that model's fit (the
 * other parameters were estimated with IMAX there), so it is kept as such: IMAX is held at the bound
 * (no SE, out of the information, held in the uncertainty draws, not counted in BIC), the fit report
 * says so, and the fit is not called degenerate for it. IMAX at its lower bound (no effect at all)
 * stays degenerate.
 */
import type { FixedEffectName } from '../structures/parameters.js';

export interface NestedLimit {
  readonly name: FixedEffectName;
  readonly bound: 'lower' | 'upper';
  /** what the model at this limit is, for the fit report */
  readonly meaning: string;
}

export const NESTED_LIMITS: readonly NestedLimit[] = [
  { name: 'IMAX', bound: 'upper', meaning: 'complete inhibition: the data cannot tell IMAX from 1, so the model with IMAX = 1 is fitted (held at the bound, one parameter fewer)' },
];

export interface HeldAtLimit {
  readonly name: FixedEffectName;
  /** the value held (natural scale: the bound) */
  readonly value: number;
  readonly meaning: string;
}

/**
 * Splits the fixed effects found at a bound into those held at a nested limit and those that remain
 * degenerate. A parameter counts as at its upper bound when its value is nearer the upper than the
 * lower one of `bounds(name)`; without bounds it is degenerate.
 */
export function splitAtBound(
  atBound: readonly FixedEffectName[],
  value: (name: FixedEffectName) => number,
  bounds: (name: FixedEffectName) => { readonly lower: number; readonly upper: number } | undefined,
): { held: HeldAtLimit[]; degenerate: FixedEffectName[] } {
  const held: HeldAtLimit[] = [];
  const degenerate: FixedEffectName[] = [];
  for (const name of atBound) {
    const v = value(name);
    const b = bounds(name);
    const side = b === undefined ? undefined : Math.abs(v - b.upper) <= Math.abs(v - b.lower) ? 'upper' : 'lower';
    const limit = NESTED_LIMITS.find((l) => l.name === name && l.bound === side);
    if (limit === undefined) degenerate.push(name);
    else held.push({ name, value: v, meaning: limit.meaning });
  }
  return { held, degenerate };
}
