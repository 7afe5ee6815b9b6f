/**
 * Test kit: a synthetic trial in EstData's design (its subjects, BW, COMED, doses, sampling times and
 * row layout) whose biomarker follows the TRANSIT-DELAY chain: one-compartment oral PK, the drive
 * E(t) = R0 (1 + SMAX C^g / (IC50^g + C^g)) passed through three equal compartments,
 *   dA1/dt = KTR (E - A1),  dA2/dt = KTR (A1 - A2),  dA3/dt = KTR (A2 - A3),  A_i(0) = R0,  R = A3,
 * R0 = R0_typ exp(BETA_COMED_R0 COMED). Simulated here in double precision, independently of
 * models/structures/: C in closed form, the chain by classical RK4 on steps of at most 0.05 h aligned to
 * every dose and sampling time (local error ~ (0.05 KTR)^5, far below the noise). Log-normal IIV on CL,
 * V, KA, R0, IC50 (allometric BW on CL and V), PK combined and PD additive residual error; deterministic
 * by seed (mulberry32 + Box-Muller).
 */
import { oneCompartmentOral, writeEstDataTrial, type Dose } from './estdata-design.js';

/** Typical values (70 kg): EstData's PK in one compartment; a rise up to 2.8x, delayed ~20 h (3 / KTR). */
export const TRANSIT_DELAY_TRUTH = {
  CL: 0.0437, V: 8.43, KA: 1.04, R0: 9.98, BETA_COMED_R0: -0.264, SMAX: 1.8, IC50: 1.2, GAMMA: 1, KTR: 0.15,
  /** IIV sds (log scale) */
  omegaSd: { CL: 0.29, V: 0.21, KA: 0.21, R0: 0.15, IC50: 0.2 },
  sigma: { pkProportional: 0.094, pkAdditive: 0.0011, pdAdditive: 0.5 },
} as const;

export interface TransitIndividual { readonly CL: number; readonly V: number; readonly KA: number; readonly R0: number; readonly IC50: number }

/** S(C), the fractional stimulation of the drive. */
export function transitStimulationOf(p: TransitIndividual, c: number): number {
  const { SMAX, GAMMA } = TRANSIT_DELAY_TRUTH;
  return c > 0 ? SMAX / (1 + (p.IC50 / c) ** GAMMA) : 0;
}

/** R = A3 at each (sorted) time by RK4 on the chain, steps aligned to the doses and the times. */
export function transitBiomarkerRk4(p: TransitIndividual, doses: readonly Dose[], times: readonly number[]): Map<number, number> {
  const k = TRANSIT_DELAY_TRUTH.KTR;
  const rate = (t: number, a: readonly number[]): number[] => {
    const drive = p.R0 * (1 + transitStimulationOf(p, oneCompartmentOral(p, doses, t)));
    return [k * (drive - (a[0] ?? 0)), k * ((a[0] ?? 0) - (a[1] ?? 0)), k * ((a[1] ?? 0) - (a[2] ?? 0))];
  };
  const along = (a: readonly number[], d: readonly number[], h: number): number[] => a.map((x, i) => x + h * (d[i] ?? 0));
  const stops = [...new Set([...doses.map((d) => d.t), ...times])].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let a = [p.R0, p.R0, p.R0];
  let now = Math.min(0, stops[0] ?? 0);
  for (const stop of stops) {
    const n = Math.ceil((stop - now) / 0.05);
    const h = n > 0 ? (stop - now) / n : 0;
    for (let i = 0; i < n; i += 1) {
      const t = now + i * h;
      const k1 = rate(t, a), k2 = rate(t + h / 2, along(a, k1, h / 2)), k3 = rate(t + h / 2, along(a, k2, h / 2)), k4 = rate(t + h, along(a, k3, h));
      a = a.map((x, j) => x + (h / 6) * ((k1[j] ?? 0) + 2 * (k2[j] ?? 0) + 2 * (k3[j] ?? 0) + (k4[j] ?? 0)));
    }
    now = stop;
    out.set(stop, a[2] ?? NaN);
  }
  return out;
}

/** One subject of the true model for body-weight ratio bw / 70 and COMED. */
export function drawTransitIndividual(bwRatio: number, comed: number, draw: () => number): TransitIndividual {
  const T = TRANSIT_DELAY_TRUTH;
  const w = T.omegaSd;
  return {
    CL: T.CL * bwRatio ** 0.75 * Math.exp(w.CL * draw()),
    V: T.V * bwRatio * Math.exp(w.V * draw()),
    KA: T.KA * Math.exp(w.KA * draw()),
    R0: T.R0 * Math.exp(T.BETA_COMED_R0 * comed + w.R0 * draw()),
    IC50: T.IC50 * Math.exp(w.IC50 * draw()),
  };
}

/** Writes the trial (EstData's rows, observations replaced) to `path`; returns the path. */
export async function writeTransitDelayTrial(path: string, seed: number): Promise<string> {
  return writeEstDataTrial(path, seed, TRANSIT_DELAY_TRUTH.sigma, (bw, comed, draw) => {
    const p = drawTransitIndividual(bw, comed, draw);
    return {
      conc: (doses, t) => oneCompartmentOral(p, doses, t),
      biomarker: (doses, times) => transitBiomarkerRk4(p, doses, times),
    };
  });
}
