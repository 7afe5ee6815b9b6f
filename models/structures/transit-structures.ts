/**
 * Transit-delay PD (issue 18 §1, QDose's pd_transit_delay): the drive E(t) = R0 (1 + S(C(t))), S the
 * stimulatory sigmoid Emax of emax-structures.ts (SMAX, IC50, GAMMA), passes through a chain of three
 * equal transit compartments,
 *   dA1/dt = KTR (E - A1),  dA2/dt = KTR (A1 - A2),  dA3/dt = KTR (A2 - A3),  A_i(0) = R0,
 * and the biomarker is the last one, R = A3 (mean delay 3 / KTR, a gamma-shaped lag that an effect
 * compartment, one exponential, cannot give). KTR (1/h, log scale) is appended; R0, BETA_COMED_R0, IC50,
 * GAMMA, SMAX and the etas on R0 and IC50 are reused. Stimulatory only (a rising biomarker); an
 * inhibitory drive R0 (1 - I(C)) is the same chain with h = -I (transit-chain.ts takes either) but has
 * no structure yet. KTR -> infinity: R -> the drive (direct Emax); KTR -> 0: R -> the mean drive.
 * Simulator: transit-chain.ts; graph: export/pd-transit.ts. Reachable with `--structure` only.
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type TransitStructureId = `${1 | 2}cmt-oral-transit`;

const TRANSIT = ['R0', 'BETA_COMED_R0', 'IC50', 'GAMMA', 'SMAX', 'KTR'] as const satisfies readonly FixedEffectName[];

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function transitStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).map((compartments) => define({
    id: `${compartments}cmt-oral-transit`,
    family: `mechanistic-${compartments}cmt-transit`,
    route: 'oral',
    compartments,
    pd: true,
    transit: { compartments: 3 },
    description: `${compartments}-compartment PK with first-order absorption + stimulatory sigmoid Emax drive through a chain of 3 transit compartments (KTR)`,
    has: [...(compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2), ...TRANSIT],
  }));
}
