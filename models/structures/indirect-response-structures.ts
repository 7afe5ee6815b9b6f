/**
 * Indirect responses II-IV (issue 18 §1, QDose's turnover classes; turnover.ts has the equations): the
 * drug inhibits the loss KOUT (II), stimulates the production KIN (III) or stimulates the loss (IV), on
 * both oral PK bodies. They keep the type-I structure's baseline, COMED effect, turnover rate, potency
 * and Hill coefficient (R0, BETA_COMED_R0, KOUT, IC50, GAMMA; etas on R0, KOUT, IC50); II keeps IMAX
 * (fraction of KOUT inhibited, < 1), III and IV take the appended SMAX (> 0, log scale) in its place.
 * Not in the default candidates: each is a full PK/PD SAEM fit (minutes), and EstData's default answer
 * must not change structure.
 */
import type { FixedEffectName } from './parameters.js';
import { familyStem, idStem, pkDescription, type PkBodies } from './pk-body.js';
import type { Route, Structure } from './structure.js';
import type { Turnover } from './turnover.js';

export type IndirectResponseStructureId = `${1 | 2}cmt-${Route}-idr${2 | 3 | 4}`;

const COMMON = ['R0', 'BETA_COMED_R0', 'KOUT', 'IC50', 'GAMMA'] as const satisfies readonly FixedEffectName[];

const TYPES: readonly { turnover: Turnover; n: 2 | 3 | 4; max: 'IMAX' | 'SMAX'; what: string }[] = [
  { turnover: 'kout-inhibition', n: 2, max: 'IMAX', what: 'inhibiting loss (type II)' },
  { turnover: 'kin-stimulation', n: 3, max: 'SMAX', what: 'stimulating production (type III)' },
  { turnover: 'kout-stimulation', n: 4, max: 'SMAX', what: 'stimulating loss (type IV)' },
];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

/** On one route's PK bodies (pk-body.ts): `1cmt-oral-idr2` ... `2cmt-iv-idr4`. */
export function indirectResponseStructures(define: Define, pk: PkBodies): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    TYPES.map((t) => define({
      id: `${idStem(compartments, pk.route)}-idr${t.n}`,
      family: `${familyStem(compartments, pk.route)}-idr${t.n}`,
      route: pk.route,
      compartments,
      pd: true,
      turnover: t.turnover,
      description: `${pkDescription(compartments, pk.route)} + indirect response ${t.what}`,
      has: [...pk[compartments], ...COMMON, t.max],
    })),
  );
}
