/**
 * Zero-order absorption in double precision: a zero-order structure (zero-order-structures.ts) gives
 * every dose, whatever compartment the record names (RATE = -2 into the observed compartment, or an oral
 * dose into a depot when the structure is forced on an oral trial), to the central compartment as an
 * infusion of the individual's D1 hours. The responses are the IV infusion's (iv.ts, exact divided
 * differences), so D1 -> 0 is the bolus and a D1 longer than the interval overlaps inputs exactly; the
 * periodic steady state is `ivSteadyStateConcentrations(p, dose, tau, { durationH: p.D1 }, times)` (D1 <= tau).
 */
import type { Dose } from './pk.js';

/** The doses as zero-order inputs of `d1H` hours into the central compartment. */
export function zeroOrderDoses(doses: readonly Dose[], d1H: number): Dose[] {
  return doses.map((d) => ({ timeH: d.timeH, amountMg: d.amountMg, route: 'central', durationH: d1H }));
}
