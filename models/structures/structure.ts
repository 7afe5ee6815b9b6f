/**
 * The library's structures (issue 18, first step): which PK the population model has, the PD being
 * the indirect response inhibiting production for both. The structures share one parameter namespace
 * (parameters.ts FIXED_EFFECTS, the packed theta of the ONNX contract); a structure that has fewer
 * parameters names the ones it does not use, and those are held (never estimated, never in the
 * parameter count, the parameter table or a model file) at a neutral value that its simulator and
 * graph ignore. One layout keeps every card of the shipped model byte-identical; structures with
 * parameters outside the namespace (3 compartments, transit, lag) will need per-structure layouts.
 *
 * - `2cmt-oral-idr`: 2-compartment PK, first-order absorption (the shipped EstData model).
 * - `1cmt-oral-idr`: 1-compartment PK, first-order absorption: V1 is the volume V, Q = 0 (no
 *   peripheral compartment; exact in the double-precision simulator, its own graph in export/).
 */
import { InputError } from '../../worker/common/errors.js';
import type { FixedEffectName } from './parameters.js';

export type StructureId = '2cmt-oral-idr' | '1cmt-oral-idr';

export interface Structure {
  readonly id: StructureId;
  /** the model card's family */
  readonly family: string;
  /** the number of PK compartments (central + peripheral) */
  readonly compartments: 1 | 2;
  /** what a pharmacometrician reads in the fit report and on the card */
  readonly description: string;
  /** parameters of the namespace this structure does not have, with the value they are held at */
  readonly unused: Readonly<Partial<Record<FixedEffectName, number>>>;
}

export const TWO_COMPARTMENT: Structure = {
  id: '2cmt-oral-idr',
  family: 'mechanistic-2cmt-idr',
  compartments: 2,
  description: '2-compartment PK with first-order absorption + indirect response inhibiting production',
  unused: {},
};

export const ONE_COMPARTMENT: Structure = {
  id: '1cmt-oral-idr',
  family: 'mechanistic-1cmt-idr',
  compartments: 1,
  description: '1-compartment PK with first-order absorption + indirect response inhibiting production',
  // held at 1 L/h and 1 L: finite on the log scale, ignored (the structure has Q = 0, no V2)
  unused: { Q: 1, V2: 1 },
};

export const STRUCTURES: readonly Structure[] = [ONE_COMPARTMENT, TWO_COMPARTMENT];
export const STRUCTURE_IDS = STRUCTURES.map((s) => s.id) as [StructureId, ...StructureId[]];
export const DEFAULT_STRUCTURE = TWO_COMPARTMENT;

export function structureById(id: string, field = '--structure'): Structure {
  const s = STRUCTURES.find((x) => x.id === id);
  if (s === undefined) throw new InputError(`${field}: unknown structure "${id}"; expected one of ${STRUCTURE_IDS.join(', ')}`, { details: { field, value: id } });
  return s;
}

export function structureOfFamily(family: string): Structure | undefined {
  return STRUCTURES.find((s) => s.family === family);
}

/** The structure a fit (fit.json `fit`) was made with: absent means the 2-compartment one. */
export function structureOfFit(fit: { readonly structure?: string }): Structure {
  return fit.structure === undefined ? TWO_COMPARTMENT : structureById(fit.structure, 'fit.structure');
}

/** True when the structure has this parameter (it is estimated and reported). */
export const uses = (s: Structure, name: FixedEffectName): boolean => s.unused[name] === undefined;

/** `--structure a,b`: the candidates to fit (undefined text: the whole library); unknown or repeated ids refused. */
export function parseStructures(text: string | undefined, field = '--structure'): Structure[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((t) => t.trim());
  if (ids.some((id) => id === '')) throw new InputError(`${field} "${text}": expected structure ids separated by commas (${STRUCTURE_IDS.join(', ')})`, { details: { field, value: text } });
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new InputError(`${field} "${text}": ${repeated} is named twice`, { details: { field, value: text } });
  return ids.map((id) => structureById(id, field));
}
