/**
 * Direct stimulatory sigmoid Emax on the baseline (issue 18 §1, QDose's Emax / sigmoid Emax classes):
 *   E = R0 (1 + SMAX Ce^g / (IC50^g + Ce^g)),  Ce = C or dCe/dt = KE0 (C - Ce),
 * the direct-effect structures' machinery (direct-effect.ts, export/pd-direct.ts) with the effect raising
 * the baseline instead of suppressing it. SMAX (> 0, log scale) is the maximal fractional rise (Emax / E0),
 * IC50 the potency (EC50, with its eta), GAMMA the Hill coefficient; R0, BETA_COMED_R0 as elsewhere.
 * Plasma- and effect-compartment-driven, on both oral PK bodies; reachable with `--structure` only.
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type EmaxStructureId = `${1 | 2}cmt-oral${'' | '-ke0'}-emax`;

const EMAX = ['R0', 'BETA_COMED_R0', 'IC50', 'GAMMA', 'SMAX'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function emaxStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    [false, true].map((effectCompartment) => {
      const ke0 = effectCompartment ? '-ke0' : '';
      return define({
        id: `${compartments}cmt-oral${ke0}-emax`,
        family: `mechanistic-${compartments}cmt${ke0}-emax`,
        route: 'oral',
        compartments,
        pd: true,
        directEffect: { effectCompartment, stimulatory: true },
        description: `${compartments}-compartment PK with first-order absorption + direct stimulatory sigmoid Emax on the baseline${effectCompartment ? ', driven by an effect compartment' : ''}`,
        has: [...(compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2), ...EMAX, ...(effectCompartment ? (['KE0'] as const) : [])],
      });
    }),
  );
}
