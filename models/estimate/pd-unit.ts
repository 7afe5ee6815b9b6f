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
  return { ...fit, pdUnit: unit, table: fit.table.map((r) => ({ ...r, unit: relabelPdUnit(r.unit, unit) })) };
}

/** A parameter's library unit with the biomarker in `pdUnit`: "ng/mL" -> "%", "ng/mL per mg/L" -> "% per mg/L"; others unchanged. */
export function relabelPdUnit(libraryUnit: string, pdUnit: string): string {
  return libraryUnit === LIBRARY_UNIT || libraryUnit.startsWith(`${LIBRARY_UNIT} `) ? `${pdUnit}${libraryUnit.slice(LIBRARY_UNIT.length)}` : libraryUnit;
}

/**
 * The biomarker unit a model file states (its R0's unit, as write-model-file.ts writes it from the fit),
 * for the imported cards' units.pd; ng/mL when it states none.
 */
export function modelFilePdUnit(theta: Readonly<Record<string, { readonly unit?: string | undefined } | undefined>> | undefined): string {
  const u = theta?.['R0']?.unit?.trim();
  return u === undefined || u === '' ? DEFAULT_BIOMARKER_UNIT : u;
}

/** The unit a fit's biomarker is in (ng/mL for fits that record none). */
export const fitPdUnit = (fit: Pick<FitResult, 'pdUnit'>): string => fit.pdUnit ?? DEFAULT_BIOMARKER_UNIT;
