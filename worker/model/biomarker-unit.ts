/**
 * The biomarker's unit. The biomarker is never converted: it is fitted, swept and compared in the unit
 * the trial records it (a dataset spec's `endpoints.biomarker.unit`; ng/mL, EstData's, when none is
 * named), and a fitted model's card carries that unit as `units.pd`. A threshold on the biomarker is
 * therefore taken only in the card's unit: the same unit, compared after this normalisation:
 *
 *   - surrounding blanks and blanks inside are dropped, letter case is free (ng/mL = NG/ML);
 *   - the micro sign, the Greek mu and "mcg" read as "u" (µg/L = ug/L = mcg/L);
 *   - "percent" and "pct" read as "%";
 *   - two mass concentrations of the same scale are the same unit (ng/mL = ug/L, mg/L = ug/mL; the table
 *     is worker/common/mass-concentration.ts).
 *
 * Nothing else is taken as equal: mg/L and ng/mL differ (a factor of 1000 the biomarker never gets), as
 * do IU/L and U/L or mmHg and kPa.
 */

import { mgPerLPower, normaliseUnit } from '../common/mass-concentration.js';

/** the biomarker's unit when neither the trial's spec nor the card names one */
export const DEFAULT_BIOMARKER_UNIT = 'ng/mL';

export { normaliseUnit } from '../common/mass-concentration.js';

/** Whether a threshold's unit `a` is the biomarker unit `b`. */
export function sameBiomarkerUnit(a: string, b: string): boolean {
  if (normaliseUnit(a) === normaliseUnit(b)) return true;
  const [pa, pb] = [mgPerLPower(a), mgPerLPower(b)];
  return pa !== undefined && pa === pb;
}

/** A card's biomarker unit (`units.pd`; ng/mL on cards that name none). */
export function cardPdUnit(card: { readonly units: { readonly pd?: string | undefined } }): string {
  return card.units.pd ?? DEFAULT_BIOMARKER_UNIT;
}

/**
 * Why a biomarker threshold in `unit` is refused against the biomarker unit `expected`, or undefined
 * when it is taken; `whose` says where `expected` comes from (e.g. "the card's units.pd").
 */
export function biomarkerUnitMismatch(unit: string, expected: string, whose: string): string | undefined {
  if (sameBiomarkerUnit(unit, expected)) return undefined;
  return `"${unit}": expected ${expected}, ${whose}: the biomarker is compared unconverted, so its threshold is written in that unit`;
}
