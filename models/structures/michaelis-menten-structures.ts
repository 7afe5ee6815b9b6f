/**
 * Saturable (Michaelis-Menten) elimination (issue 18 §1): one compartment, elimination
 * CL C + VMAX C / (KM + C), oral (first-order absorption) or IV (bolus or zero-order infusion).
 * PK-only. The linear clearance is kept alongside the saturable one: the linear structure is nested
 * (VMAX -> 0, or KM -> infinity with VMAX / KM as extra clearance), many drugs have both a linear (renal)
 * and a saturable (metabolic) route, and CL keeps the namespace's elimination eta (ETA_NAMES is the
 * shipped layout's eta list: no eta on VMAX without changing it). With CL -> 0 the model is pure
 * Michaelis-Menten. VMAX (mg/h at 70 kg, allometric 0.75) and KM (mg/L) are appended to the namespace,
 * log scale, no IIV; neutral VMAX = 0 leaves every other structure unchanged. The simulator is
 * michaelis-menten.ts (adaptive Dormand-Prince, Newton-shooting periodic steady state).
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type MichaelisMentenStructureId = '1cmt-oral-mm' | '1cmt-iv-mm';

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function michaelisMentenStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_IV_1: readonly FixedEffectName[] }): [Structure, Structure] {
  return [
    define({
      id: '1cmt-oral-mm',
      family: 'mechanistic-1cmt-mm',
      route: 'oral',
      compartments: 1,
      pd: false,
      description: '1-compartment PK with first-order absorption, linear + saturable (Michaelis-Menten) elimination (no biomarker)',
      has: [...pk.PK_ORAL_1, 'VMAX', 'KM'],
    }),
    define({
      id: '1cmt-iv-mm',
      family: 'mechanistic-1cmt-iv-mm',
      route: 'iv',
      compartments: 1,
      pd: false,
      description: '1-compartment PK, IV doses (bolus or zero-order infusion), linear + saturable (Michaelis-Menten) elimination (no biomarker)',
      has: [...pk.PK_IV_1, 'VMAX', 'KM'],
    }),
  ];
}
