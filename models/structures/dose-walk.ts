/**
 * The walk every PD simulator of a dosing history shares (pd.ts for the indirect responses,
 * transit-chain.ts for the transit chain): doses and requested times in time order, the PK state
 * stepped exactly between them (pk.ts), a dose added to its compartment, and the PD state carried across
 * each piece by the simulator's own `advance` and read at each requested time.
 */
import { advancePk } from './pk.js';
import type { Dose, PkRates, PkState } from './pk.js';

export interface PdStepper<S> {
  /** the PD state across `lengthH` hours, the PK state being `pk` at the piece's start */
  advance(s: S, pk: PkState, lengthH: number): S;
  read(s: S): number;
}

/**
 * Writes the PD at each requested time after the first dose into `out` (the others keep their value).
 * `schedule`: time-ordered doses, the first at or before every piece; IV infusions are not jumps and
 * are refused (no PD simulator integrates one).
 */
export function walkDoseHistory<S>(r: PkRates, schedule: readonly Dose[], timesH: readonly number[], start: S, stepper: PdStepper<S>, out: Float64Array): Float64Array {
  const first = schedule[0];
  if (first === undefined) return out;
  const order = [...timesH.keys()].filter((i) => (timesH[i] ?? NaN) > first.timeH).sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
  let state: PkState = { depot: 0, central: 0, peripheral: 0 };
  let carried = start;
  let now = first.timeH;
  let nextDose = 0;
  let nextTime = 0;
  while (nextTime < order.length) {
    const doseAt = schedule[nextDose]?.timeH ?? Infinity;
    const obsAt = timesH[order[nextTime] ?? 0] ?? Infinity;
    const to = Math.min(doseAt, obsAt);
    if (to > now) {
      carried = stepper.advance(carried, state, to - now);
      state = advancePk(r, state, to - now);
      now = to;
    }
    if (doseAt === now) {
      const dose = schedule[nextDose];
      // an IV bolus lands in the central compartment; an infusion is not a jump
      if (dose?.route === 'central' && (dose.durationH ?? 0) > 0) throw new RangeError('biomarker: zero-order infusions are not supported by the PD simulator');
      state = dose?.route === 'central' ? { ...state, central: state.central + dose.amountMg } : { ...state, depot: state.depot + (dose?.amountMg ?? 0) };
      nextDose += 1;
    } else {
      out[order[nextTime] ?? 0] = stepper.read(carried);
      nextTime += 1;
    }
  }
  return out;
}
