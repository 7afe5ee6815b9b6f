/**
 * Transit-compartment absorption (issue 18 §1, Savic et al. 2007): each oral dose passes through a chain
 * of N = 3 transit compartments of rate ktr = 4 / MTT into the absorption depot (KA), then disposition
 * by one or two compartments: a delayed, gamma-shaped absorption that a lag (a step) or first-order
 * absorption alone cannot give. PK-only. MTT (h, log scale) is appended to the namespace with neutral 0
 * (absent in every other structure); no IIV on it by default: an appended eta would change the
 * namespace's default eta count (ETA_NAMES is the shipped layout's), and the eta on KA already carries
 * the between-subject variability of the absorption phase. N = 3: Savic's fits of real drugs put N
 * mostly between 2 and 10 with flat likelihood in N; 3 keeps the chain a clearly gamma-shaped delay while
 * the graph's per-subject matrices stay small. Ids `-tabs` (the `-transit` ids are the transit-delay PD).
 * Simulator: transit-absorption.ts; graph: export/pk-transit-absorption-steady-state.ts.
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type TransitAbsorptionStructureId = `${1 | 2}cmt-oral-tabs`;

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function transitAbsorptionStructures(define: Define, pk: { PK_ORAL_1: readonly FixedEffectName[]; PK_ORAL_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).map((compartments) => define({
    id: `${compartments}cmt-oral-tabs`,
    family: `mechanistic-${compartments}cmt-transit-absorption`,
    route: 'oral',
    compartments,
    pd: false,
    description: `${compartments}-compartment PK with transit-compartment absorption (3 compartments of rate 4 / MTT before a first-order depot; no biomarker)`,
    has: [...(compartments === 1 ? pk.PK_ORAL_1 : pk.PK_ORAL_2), 'MTT'],
  }));
}

/** MTT bounds in the fit (h): below 1e-3 h the chain is first-order absorption; beyond a week nothing is absorbed within a QW interval. */
export const MTT_BOUNDS_H = { lower: 1e-3, upper: 168 } as const;

/** Whether a structure absorbs through the transit chain. */
export const hasTransitAbsorption = (s: Structure): boolean => s.absent.MTT === undefined;
