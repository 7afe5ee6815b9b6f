/**
 * Zero-order absorption (issue 18 §1; NONMEM RATE = -2 with the duration D1 a model parameter): every
 * dose enters the central compartment at the constant rate AMT / D1 for D1 hours, then disposition by
 * one or two compartments. PK-only. D1 is appended to the namespace (log scale, h) and carries no IIV
 * by default: like ALAG, a duration's between-subject variability is rarely identifiable from the few
 * samples of an input phase (its eta would shrink towards 0), and ETA_NAMES's length is the shipped
 * layout's eta count. The simulator is the IV infusion's (iv.ts) with the duration taken from D1
 * (zero-order.ts); the graph is the periodic steady state of that input (export/pk-zero-order-steady-state.ts).
 */
import type { FixedEffectName } from './parameters.js';
import type { Structure } from './structure.js';

export type ZeroOrderStructureId = `${1 | 2}cmt-zo`;

type Define = (s: Omit<Structure, 'fixedEffects' | 'etaNames' | 'absent'> & { readonly has: readonly FixedEffectName[] }) => Structure;

export function zeroOrderStructures(define: Define, pk: { PK_IV_1: readonly FixedEffectName[]; PK_IV_2: readonly FixedEffectName[] }): Structure[] {
  return ([1, 2] as const).map((compartments) => define({
    id: `${compartments}cmt-zo`,
    family: `mechanistic-${compartments}cmt-zo`,
    route: 'zero-order',
    compartments,
    pd: false,
    description: `${compartments}-compartment PK with zero-order absorption over D1 (no biomarker)`,
    has: [...(compartments === 1 ? pk.PK_IV_1 : pk.PK_IV_2), 'D1'],
  }));
}

/**
 * The shortest dosing interval of the regimen grids (export/time-grid.ts: QD 24 h, QW 168 h; a unit test
 * holds the two equal). The steady-state graph takes D1 <= tau, so the fit keeps D1 below it.
 */
export const SHORTEST_REGIMEN_TAU_H = 24;
/** Below 1e-3 h (3.6 s) a zero-order input cannot be told from a bolus: the IV structure is the model. */
export const D1_LOWER_H = 1e-3;
