/**
 * The walk every PD simulator of a dosing history shares (pd.ts for the indirect responses,
 * transit-chain.ts for the transit chain): doses and requested times in time order, the PK state
 * stepped exactly between them (pk.ts), a dose added to its compartment, and the PD state carried across
 * each piece by the simulator's own `advance` and read at each requested time.
 *
 * An IV infusion is two breakpoints: at its start its rate joins the state's running `infusion` (the
 * PK state then carries the zero-order input exactly, pk.ts / iv.ts), at its end the rate leaves. Inside
 * a piece C(t) stays analytic, which is what the simulators' quadratures need.
 */
import { advancePk } from './pk.js';
import type { Dose, PkRates, PkState } from './pk.js';

export interface PdStepper<S> {
  /** the PD state across `lengthH` hours, the PK state being `pk` at the piece's start */
  advance(s: S, pk: PkState, lengthH: number): S;
  read(s: S): number;
}

/** What happens to the PK state at a breakpoint: a bolus into a compartment, or an infusion starting or ending. */
interface DoseEvent {
  readonly timeH: number;
  readonly kind: 'depot' | 'central' | 'infusion-start' | 'infusion-end';
  /** mg for a bolus, mg/h for an infusion */
  readonly amount: number;
}

/** The schedule's breakpoints in time order (same-time events in the schedule's order; the result is the same in any order). */
export function doseEvents(schedule: readonly Dose[]): DoseEvent[] {
  const events: DoseEvent[] = [];
  for (const d of schedule) {
    if (d.amountMg === 0) continue;
    const T = d.durationH ?? 0;
    if (d.route === 'central' && T > 0) {
      events.push({ timeH: d.timeH, kind: 'infusion-start', amount: d.amountMg / T }, { timeH: d.timeH + T, kind: 'infusion-end', amount: d.amountMg / T });
    } else events.push({ timeH: d.timeH, kind: d.route === 'central' ? 'central' : 'depot', amount: d.amountMg });
  }
  return events.sort((a, b) => a.timeH - b.timeH);
}

/** The PK state after an event; `running` counts the infusions still on, so the rate returns to exactly 0. */
function applyEvent(state: PkState, e: DoseEvent, running: { count: number }): PkState {
  if (e.kind === 'depot') return { ...state, depot: state.depot + e.amount };
  if (e.kind === 'central') return { ...state, central: state.central + e.amount };
  running.count += e.kind === 'infusion-start' ? 1 : -1;
  const rate = running.count === 0 ? 0 : (state.infusion ?? 0) + (e.kind === 'infusion-start' ? e.amount : -e.amount);
  return { depot: state.depot, central: state.central, peripheral: state.peripheral, ...(rate === 0 ? {} : { infusion: rate }) };
}

/**
 * Writes the PD at each requested time after the first dose into `out` (the others keep their value).
 * `schedule`: the doses (oral, IV bolus or IV infusion), any order. A time at an infusion's end reads the
 * state at that instant (the same either side: an infusion's end is no jump).
 */
export function walkDoseHistory<S>(r: PkRates, schedule: readonly Dose[], timesH: readonly number[], start: S, stepper: PdStepper<S>, out: Float64Array): Float64Array {
  const events = doseEvents(schedule);
  const first = events[0];
  if (first === undefined) return out;
  const order = [...timesH.keys()].filter((i) => (timesH[i] ?? NaN) > first.timeH).sort((a, b) => (timesH[a] ?? 0) - (timesH[b] ?? 0));
  let state: PkState = { depot: 0, central: 0, peripheral: 0 };
  const running = { count: 0 };
  let carried = start;
  let now = first.timeH;
  let nextEvent = 0;
  let nextTime = 0;
  while (nextTime < order.length) {
    const eventAt = events[nextEvent]?.timeH ?? Infinity;
    const obsAt = timesH[order[nextTime] ?? 0] ?? Infinity;
    const to = Math.min(eventAt, obsAt);
    if (to > now) {
      carried = stepper.advance(carried, state, to - now);
      state = advancePk(r, state, to - now);
      now = to;
    }
    const event = events[nextEvent];
    if (event !== undefined && eventAt === now) {
      state = applyEvent(state, event, running);
      nextEvent += 1;
    } else {
      out[order[nextTime] ?? 0] = stepper.read(carried);
      nextTime += 1;
    }
  }
  return out;
}
