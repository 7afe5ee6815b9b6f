/**
 * IV infusion regimens (issue 18 §1, "IV bolus and IV infusion"): a trial whose IV doses are all zero-order
 * infusions of one duration (models/ingest/trial.ts trialInfusionH) is answered on regimens of that infusion, not of boluses. The steady state of
 * an infusion every tau hours is the zero-order input's (pk-zero-order-steady-state.ts) with the duration
 * fixed: C is continuous, so the card's window is the grid's (time-grid.ts), and the PD graphs that read C
 * at the grid's nodes (indirect responses, plasma-driven direct effects, transit chain) take it as it is;
 * the effect-compartment structures filter that input's periodic steady state through KE0 in closed form
 * (pd-effect-infusion.ts); three compartments (PK-only) superpose it over their three disposition modes
 * (pk3-steady-state.ts); saturable elimination shoots the periodic state with the input on until D
 * (pk-mm-steady-state.ts, the step holding D split at D). So every IV structure sweeps the trial's infusion.
 */
import type { Structure } from '../structures/structure.js';
import type { RegimenGrid } from './time-grid.js';

/** Whether the structure's graph can sweep an infusion regimen: every IV structure's can. */
export function sweepsInfusion(s: Structure): boolean {
  return s.route === 'iv';
}

/** The grid with the infusion, when the structure sweeps one. */
export function withInfusion(grid: RegimenGrid, s: Structure, infusionH: number | undefined): RegimenGrid {
  return infusionH !== undefined && infusionH > 0 && sweepsInfusion(s) ? { ...grid, infusionH } : grid;
}
