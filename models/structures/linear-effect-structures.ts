/**
 * Direct linear PD (issue 18 §1, QDose's pd_direct_linear): the biomarker moves in proportion to the
 * plasma concentration, R = max(0, R0 + SLOPE C), with no delay. R0, BETA_COMED_R0 and the R0 eta are
 * reused; SLOPE (ng/mL per mg/L) is appended on the identity scale: the biomarker may fall (SLOPE < 0)
 * or rise (SLOPE > 0) with C, and a data set decides which, so no direction is declared up front and
 * SLOPE = 0 (no drug effect) is an interior point the fit can reach and its interval can cover. No eta on
 * SLOPE (the namespace's etas are fixed; R0's eta carries the between-subject spread of the level).
 * Clipped at 0 like QDose: a concentration-type biomarker is never negative, and a steep falling line
 * extrapolated to a high dose would otherwise predict one. Simulated and swept by the direct-effect
 * machinery (direct-effect.ts, export/pd-direct.ts) with Ce = C. Reachable with `--structure` only.
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type LinearEffectStructureId = `${1 | 2}cmt-oral-linear`;

const LINEAR = ['R0', 'BETA_COMED_R0', 'SLOPE'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function linearEffectStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).map((compartments) => define({
    id: `${compartments}cmt-oral-linear`,
    family: `mechanistic-${compartments}cmt-linear`,
    route: 'oral',
    compartments,
    pd: true,
    directEffect: { effectCompartment: false, linear: true },
    description: `${compartments}-compartment PK with first-order absorption + direct linear effect on the baseline, max(0, R0 + SLOPE C)`,
    has: [...(compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2), ...LINEAR],
  }));
}
