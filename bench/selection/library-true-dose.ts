/**
 * The true answer of a library truth's questions: virtual subjects of the question's population (BW
 * uniform 50-100 kg, COMED 0) drawn from the truth (eta ~ N(0, Omega), mulberry32 + Box-Muller, seeded),
 * each one's steady-state statistic from the double-precision simulator as the graphs define it (trough:
 * C at t = tau, after the lag where there is one; biomarker max/min over the regimen's output grid,
 * models/export/time-grid.ts), its threshold dose on the question's grid by bisection (the statistic is
 * monotone in the dose), the true minimal dose the smallest grid dose reached by >= 90 % (grid-dose.ts).
 *
 * The threshold itself is placed from the truth: the share of subjects meeting it at an anchor dose
 * (QD 10 mg, QW 100 mg) is 90 %, 3 significant digits, so the true minimal dose lies inside the grid.
 */
import { individualParameters, type IndividualParameters } from '../../models/structures/parameters.js';
import { repeatedDosingWindow, steadyStateBiomarker, steadyStateConcentrations } from '../../models/structures/steady-state.js';
import { ivSteadyStateConcentrations } from '../../models/structures/iv-steady-state.js';
import { REGIMEN_GRIDS } from '../../models/export/time-grid.js';
import { mulberry32 } from '../../tests/kit/prng.js';
import type { LibraryTruth } from './library-truths.js';
import { gridDoses, quantile, thresholdIndex, trueMinimalDose, type DoseGrid } from './grid-dose.js';

export interface Regimen {
  readonly id: 'QD' | 'QW';
  readonly tag: 'qd' | 'qw';
  readonly tauH: number;
  readonly grid: DoseGrid;
  /** the dose at which 90 % of the truth's subjects meet the threshold (before rounding) */
  readonly anchorMg: number;
}

export const REGIMENS: readonly Regimen[] = [
  { id: 'QD', tag: 'qd', tauH: 24, grid: { start: 0.5, stop: 40, step: 0.5 }, anchorMg: 10 },
  { id: 'QW', tag: 'qw', tauH: 168, grid: { start: 5, stop: 400, step: 5 }, anchorMg: 100 },
];

export const TARGET = 0.9;
export const POPULATION = { bwKg: [50, 100], comed: 0 } as const;

/** The population's virtual subjects of the truth (seeded). */
export function virtualSubjects(t: LibraryTruth, n: number, seed = 2024): IndividualParameters[] {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const sd = t.structure.etaNames.map((_, i) => Math.sqrt(t.truth.omega[i]?.[i] ?? NaN));
  return Array.from({ length: n }, () => {
    const bw = POPULATION.bwKg[0] + (POPULATION.bwKg[1] - POPULATION.bwKg[0]) * u();
    return individualParameters(t.truth.fixed, bw, POPULATION.comed, sd.map((s) => s * normal()), t.structure);
  });
}

/** The subject's steady-state statistic of the truth's question at `doseMg`. */
export function statistic(t: LibraryTruth, p: IndividualParameters, r: Regimen, doseMg: number): number {
  if (t.question.endpoint === 'concentration') {
    // the closed-form steady states below are 1-2 compartment, linear, first-order absorption: three
    // compartments, transit or zero-order absorption and saturable elimination take the structure-general
    // repeated-dosing window (pk.ts superposition, or the MM integrator)
    if (p.Q3 !== undefined || p.VMAX !== undefined || p.MTT !== undefined || p.D1 !== undefined) return repeatedDosingWindow(p, doseMg, r.tauH, [r.tauH], t.structure.route === 'iv' ? { iv: { durationH: 0 } } : {}).conc[0]!;
    if (t.structure.route === 'iv') return ivSteadyStateConcentrations(p, doseMg, r.tauH, { durationH: 0 }, [r.tauH])[0]!;
    // with a lag the whole periodic profile shifts by ALAG: C(tau) is the lag-free C(tau - ALAG)
    const { ALAG: lag, ...lagFree } = p;
    return steadyStateConcentrations(lagFree, doseMg, r.tauH, [r.tauH - (lag ?? 0)])[0]!;
  }
  // IV truths' biomarker from the IV bolus steady state (the oral one read them as depot doses)
  const b = steadyStateBiomarker(p, doseMg, r.tauH, REGIMEN_GRIDS[r.tag].timesH, { ivBolus: t.structure.route === 'iv' });
  return t.question.statistic === 'max' ? Math.max(...b) : Math.min(...b);
}

const meetsThreshold = (t: LibraryTruth, value: number, threshold: number): boolean => (t.question.comparison === '>=' ? value >= threshold : value <= threshold);

/** The threshold that 90 % of the subjects meet at the regimen's anchor dose, to 3 significant digits. */
export function placeThreshold(t: LibraryTruth, subjects: readonly IndividualParameters[], r: Regimen): number {
  const values = subjects.map((p) => statistic(t, p, r, r.anchorMg));
  return Number(quantile(values, t.question.comparison === '>=' ? 1 - TARGET : TARGET).toPrecision(3));
}

export interface TrueAnswer {
  readonly regimen: Regimen['id'];
  readonly threshold: number;
  readonly unit: 'mg/L' | 'ng/mL';
  readonly dose: number;
  readonly p: number;
  readonly close: boolean;
  readonly subjects: number;
}

/** The question's threshold and true minimal dose for each regimen. */
export function trueAnswers(t: LibraryTruth, n: number): TrueAnswer[] {
  const subjects = virtualSubjects(t, n);
  return REGIMENS.map((r) => {
    const threshold = placeThreshold(t, subjects, r);
    const doses = gridDoses(r.grid);
    // linear PK: one evaluation per subject, scaled; PD and saturable (Michaelis-Menten) PK by bisection on the grid
    const indices = subjects.map((p) => {
      if (t.question.endpoint === 'concentration' && p.VMAX === undefined) {
        const perMg = statistic(t, p, r, 1);
        return thresholdIndex(doses, (d) => meetsThreshold(t, perMg * d, threshold));
      }
      return thresholdIndex(doses, (d) => meetsThreshold(t, statistic(t, p, r, d), threshold));
    });
    const unit = t.question.endpoint === 'concentration' ? 'mg/L' as const : 'ng/mL' as const;
    return { regimen: r.id, threshold, unit, ...trueMinimalDose(doses, indices, TARGET), subjects: n };
  });
}
