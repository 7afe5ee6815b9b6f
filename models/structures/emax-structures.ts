/**
 * Direct stimulatory sigmoid Emax on the baseline (issue 18 §1, QDose's Emax / sigmoid Emax classes):
 *   E = R0 (1 + SMAX Ce^g / (IC50^g + Ce^g)),  Ce = C or dCe/dt = KE0 (C - Ce),
 * the direct-effect structures' machinery (direct-effect.ts, export/pd-direct.ts) with the effect raising
 * the baseline instead of suppressing it. SMAX (> 0, log scale) is the maximal fractional rise (Emax / E0),
 * IC50 the potency (EC50, with its eta), GAMMA the Hill coefficient; R0, BETA_COMED_R0 as elsewhere.
 * Plasma- and effect-compartment-driven, on both oral PK bodies; reachable with `--structure` only.
 */
import type { FixedEffectName } from './parameters.js';
import { familyStem, idStem, pkDescription, type PkBodies } from './pk-body.js';
import type { Route, Structure } from './structure.js';

export type EmaxStructureId = `${1 | 2}cmt-${Route}${'' | '-ke0'}-emax`;

const EMAX = ['R0', 'BETA_COMED_R0', 'IC50', 'GAMMA', 'SMAX'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

/** On one route's PK bodies (pk-body.ts): `1cmt-oral-emax` ... `2cmt-iv-ke0-emax`. */
export function emaxStructures(define: Define, pk: PkBodies): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    [false, true].map((effectCompartment) => {
      const ke0 = effectCompartment ? '-ke0' : '';
      return define({
        id: `${idStem(compartments, pk.route)}${ke0}-emax`,
        family: `${familyStem(compartments, pk.route)}${ke0}-emax`,
        route: pk.route,
        compartments,
        pd: true,
        directEffect: { effectCompartment, stimulatory: true },
        description: `${pkDescription(compartments, pk.route)} + direct stimulatory sigmoid Emax on the baseline${effectCompartment ? ', driven by an effect compartment' : ''}`,
        has: [...pk[compartments], ...EMAX, ...(effectCompartment ? (['KE0'] as const) : [])],
      });
    }),
  );
}
