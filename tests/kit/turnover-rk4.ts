/**
 * The independent reference the indirect-response tests compare the simulator with: RK4 of
 * dR/dt = f(occupancy(t), R) from R0 on a fixed step h (checkpoints on its grid), occupancy the sigmoid
 * C^g / (IC50^g + C^g) of the plasma concentration.
 */
import type { IndividualParameters } from '../../models/structures/parameters.js';
import { concentrations, type Dose } from '../../models/structures/pk.js';

/** C^GAMMA / (IC50^GAMMA + C^GAMMA) of the individual's concentration after `doses` (0 before any drug). */
export function sigmoidOccupancy(p: IndividualParameters, doses: readonly Dose[]): (tH: number) => number {
  return (t) => {
    const c = concentrations(p, doses, [t])[0] ?? NaN;
    return c > 0 ? 1 / (1 + (p.IC50 / c) ** p.GAMMA) : 0;
  };
}

/**
 * R at each checkpoint (ascending, multiples of h) by RK4 with step h. `inset` evaluates each step's ends
 * that far inside it, so a concentration that jumps at a bolus is read on the step's own side.
 */
export function rk4Turnover(f: (occupancy: number, R: number) => number, occupancy: (tH: number) => number, r0: number, checkpoints: readonly number[], h: number, inset = 0): number[] {
  let R = r0;
  const want: number[] = [];
  for (let n = 0; want.length < checkpoints.length; n += 1) {
    const t = n * h;
    if (Math.abs(t - (checkpoints[want.length] ?? NaN)) < h / 2) want.push(R);
    const g = (u: number, r: number): number => f(occupancy(u), r);
    const k1 = g(t + inset, R), k2 = g(t + h / 2, R + (h / 2) * k1), k3 = g(t + h / 2, R + (h / 2) * k2), k4 = g(t + h - inset, R + h * k3);
    R += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return want;
}
