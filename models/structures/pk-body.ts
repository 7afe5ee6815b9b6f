/**
 * The PK bodies a PD family is built on (issue 18 §1): oral (first-order absorption, KA) or IV (doses
 * into the central compartment, no KA), with 1 or 2 compartments. The PD factories
 * (direct-effect-structures.ts, emax-structures.ts, indirect-response-structures.ts and the IDR I pair
 * in structure.ts) take one route's bodies and name each structure from it: oral ids and families are
 * those of before the IV bodies (`1cmt-oral-imax`, `mechanistic-1cmt-imax`), IV ones say so
 * (`1cmt-iv-imax`, `mechanistic-1cmt-iv-imax`).
 */
import type { FixedEffectName } from './parameters.js';
import type { Route } from './structure.js';

export interface PkBodies {
  readonly route: Route;
  /** the PK parameters of the 1- and the 2-compartment body, namespace order */
  readonly 1: readonly FixedEffectName[];
  readonly 2: readonly FixedEffectName[];
}

/** `1cmt-oral`, `2cmt-iv`: the start of a structure id. */
export const idStem = (compartments: 1 | 2, route: Route): `${1 | 2}cmt-${Route}` => `${compartments}cmt-${route}`;

/** `mechanistic-1cmt` (oral, the families of before the IV bodies), `mechanistic-2cmt-iv`: the start of a card family. */
export const familyStem = (compartments: 1 | 2, route: Route): string => `mechanistic-${compartments}cmt${route === 'iv' ? '-iv' : ''}`;

/** What the fit report and the card say of the PK. */
export const pkDescription = (compartments: 1 | 2, route: Route): string =>
  `${compartments}-compartment PK ${route === 'iv' ? 'with IV bolus doses' : 'with first-order absorption'}`;
