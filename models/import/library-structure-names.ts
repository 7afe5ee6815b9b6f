/**
 * MODEL.yaml names of the library's further PD structures (direct effects, indirect responses II-IV,
 * direct Emax, direct linear, transit delay): without them a fit of one of these wrote the first name of the list (the 2-compartment
 * IDR) into its model.yaml. Names spell out the structure id: `1cmt-oral-ke0-emax` is
 * `one-compartment-oral-effect-compartment-emax`, `2cmt-oral-idr3` `two-compartment-oral-indirect-response-iii`,
 * `1cmt-iv-idr` `one-compartment-iv-indirect-response`.
 */
import { structureById, type Structure } from '../structures/structure.js';

export const LIBRARY_PD_NAMES = [
  'one-compartment-oral-imax', 'two-compartment-oral-imax', 'one-compartment-oral-effect-compartment-imax', 'two-compartment-oral-effect-compartment-imax',
  'one-compartment-oral-indirect-response-ii', 'two-compartment-oral-indirect-response-ii',
  'one-compartment-oral-indirect-response-iii', 'two-compartment-oral-indirect-response-iii',
  'one-compartment-oral-indirect-response-iv', 'two-compartment-oral-indirect-response-iv',
  'one-compartment-oral-emax', 'two-compartment-oral-emax', 'one-compartment-oral-effect-compartment-emax', 'two-compartment-oral-effect-compartment-emax',
  'one-compartment-oral-linear', 'two-compartment-oral-linear', 'one-compartment-oral-transit', 'two-compartment-oral-transit',
  // the same PD on IV PK (bolus doses), and the indirect response I: `1cmt-iv-idr`, `2cmt-iv-ke0-emax`
  'one-compartment-iv-indirect-response', 'two-compartment-iv-indirect-response',
  'one-compartment-iv-indirect-response-ii', 'two-compartment-iv-indirect-response-ii',
  'one-compartment-iv-indirect-response-iii', 'two-compartment-iv-indirect-response-iii',
  'one-compartment-iv-indirect-response-iv', 'two-compartment-iv-indirect-response-iv',
  'one-compartment-iv-imax', 'two-compartment-iv-imax', 'one-compartment-iv-effect-compartment-imax', 'two-compartment-iv-effect-compartment-imax',
  'one-compartment-iv-emax', 'two-compartment-iv-emax', 'one-compartment-iv-effect-compartment-emax', 'two-compartment-iv-effect-compartment-emax',
] as const;
type LibraryPdName = (typeof LIBRARY_PD_NAMES)[number];

/** The structure id a name spells. */
function idOf(name: LibraryPdName): string {
  return name
    .replace(/^one-compartment/, '1cmt').replace(/^two-compartment/, '2cmt')
    .replace('-effect-compartment', '-ke0')
    .replace(/-indirect-response-(i+v?)$/, (_, n: string) => `-idr${({ ii: 2, iii: 3, iv: 4 } as Record<string, number>)[n] ?? NaN}`)
    .replace(/-indirect-response$/, '-idr');
}

export function libraryPdStructuresByName(): Record<LibraryPdName, Structure> {
  return Object.fromEntries(LIBRARY_PD_NAMES.map((n) => [n, structureById(idOf(n), 'structure')])) as Record<LibraryPdName, Structure>;
}
