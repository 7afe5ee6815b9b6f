/**
 * The biomarker's unit on a fit: the trial's (a dataset spec's endpoints.biomarker.unit; ng/mL when
 * none is named). The fit itself is unit-free (the biomarker is never converted); the unit is what
 * labels it: FitResult.pdUnit, the parameter table's units (R0, SLOPE's "ng/mL per mg/L", the PD
 * residual sd), and the cards' units.pd (models/export/population-model.ts).
 */
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import { structureOfFit } from '../structures/structure.js';
import type { FitResult } from './fit.js';

/** The parameters' biomarker unit as the structure library writes it (parameters.ts, summary.ts). */
const LIBRARY_UNIT = DEFAULT_BIOMARKER_UNIT;

/**
 * The fit labelled with the trial's biomarker unit. A fit in ng/mL (or of a PK-only structure) is
 * returned as it is, so its fit.json and cards keep their bytes.
 */
export function withPdUnit(fit: FitResult, unit: string): FitResult {
  if (unit === DEFAULT_BIOMARKER_UNIT || !structureOfFit(fit).pd) return fit;
  const relabel = (u: string): string => (u === LIBRARY_UNIT || u.startsWith(`${LIBRARY_UNIT} `) ? `${unit}${u.slice(LIBRARY_UNIT.length)}` : u);
  return { ...fit, pdUnit: unit, table: fit.table.map((r) => ({ ...r, unit: relabel(r.unit) })) };
}

/** The unit a fit's biomarker is in (ng/mL for fits that record none). */
export const fitPdUnit = (fit: Pick<FitResult, 'pdUnit'>): string => fit.pdUnit ?? DEFAULT_BIOMARKER_UNIT;
