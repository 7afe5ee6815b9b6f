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
import type { Structure } from './structure.js';
import type { Turnover } from './turnover.js';

export type IndirectResponseStructureId = `${1 | 2}cmt-oral-idr${2 | 3 | 4}`;

const COMMON = ['R0', 'BETA_COMED_R0', 'KOUT', 'IC50', 'GAMMA'] as const satisfies readonly FixedEffectName[];

const TYPES: readonly { turnover: Turnover; n: 2 | 3 | 4; max: 'IMAX' | 'SMAX'; what: string }[] = [
  { turnover: 'kout-inhibition', n: 2, max: 'IMAX', what: 'inhibiting loss (type II)' },
  { turnover: 'kin-stimulation', n: 3, max: 'SMAX', what: 'stimulating production (type III)' },
  { turnover: 'kout-stimulation', n: 4, max: 'SMAX', what: 'stimulating loss (type IV)' },
];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function indirectResponseStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).flatMap((compartments) =>
    TYPES.map((t) => define({
      id: `${compartments}cmt-oral-idr${t.n}`,
      family: `mechanistic-${compartments}cmt-idr${t.n}`,
      route: 'oral',
      compartments,
      pd: true,
      turnover: t.turnover,
      description: `${compartments}-compartment PK with first-order absorption + indirect response ${t.what}`,
      has: [...(compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2), ...COMMON, t.max],
    })),
  );
}
