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
import { familyStem, idStem, pkDescription, type PkBodies } from './pk-body.js';
import type { Route, Structure } from './structure.js';

export type DirectEffectStructureId = `${1 | 2}cmt-${Route}${'' | '-ke0'}-imax`;

const DIRECT = ['R0', 'BETA_COMED_R0', 'IMAX', 'IC50', 'GAMMA'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

/** On one route's PK bodies (pk-body.ts): `1cmt-oral-imax` ... `2cmt-iv-ke0-imax`. */
export function directEffectStructures(define: Define, pk: PkBodies): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    [false, true].map((effectCompartment) => {
      const ke0 = effectCompartment ? '-ke0' : '';
      return define({
        id: `${idStem(compartments, pk.route)}${ke0}-imax`,
        family: `${familyStem(compartments, pk.route)}${ke0}-imax`,
        route: pk.route,
        compartments,
        pd: true,
        directEffect: { effectCompartment },
        description: `${pkDescription(compartments, pk.route)} + direct inhibitory sigmoid Imax on the baseline${effectCompartment ? ', driven by an effect compartment' : ''}`,
        has: [...pk[compartments], ...DIRECT, ...(effectCompartment ? (['KE0'] as const) : [])],
      });
    }),
  );
}
