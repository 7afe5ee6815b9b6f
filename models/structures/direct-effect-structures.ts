/**
 * The direct-effect PK/PD structures (issue 18 §1, QDose's direct PD class): the biomarker is an
 * inhibitory sigmoid Imax on a baseline, E = R0 (1 - IMAX Ce^g / (IC50^g + Ce^g)), with no turnover delay
 * (Ce = C) or with the delay of an effect compartment dCe/dt = KE0 (C - Ce). The baseline, its COMED
 * effect, the maximal fractional inhibition, the potency and the Hill coefficient mean what they mean
 * in the indirect-response structures (R0, BETA_COMED_R0, IMAX, IC50, GAMMA; etas on R0 and IC50), so
 * they are reused; only KE0 is new. The stimulatory Emax on the same machinery: emax-structures.ts.
 * Plasma-driven and effect-compartment variants on both PK
 * bodies: the effect compartment is the direct model's answer to a delayed response, the IDR's rival.
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type DirectEffectStructureId = '1cmt-oral-imax' | '2cmt-oral-imax' | '1cmt-oral-ke0-imax' | '2cmt-oral-ke0-imax';

const DIRECT = ['R0', 'BETA_COMED_R0', 'IMAX', 'IC50', 'GAMMA'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function directEffectStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    [false, true].map((effectCompartment) => {
      const body = compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2;
      const ke0 = effectCompartment ? '-ke0' : '';
      return define({
        id: `${compartments}cmt-oral${ke0}-imax` as DirectEffectStructureId,
        family: `mechanistic-${compartments}cmt${ke0}-imax`,
        route: 'oral',
        compartments,
        pd: true,
        directEffect: { effectCompartment },
        description: `${compartments}-compartment PK with first-order absorption + direct inhibitory sigmoid Imax on the baseline${effectCompartment ? ', driven by an effect compartment' : ''}`,
        has: [...body, ...DIRECT, ...(effectCompartment ? (['KE0'] as const) : [])],
      });
    }),
  );
}
