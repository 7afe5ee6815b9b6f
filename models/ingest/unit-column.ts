/**
 * A column that says each record's unit (xgxr's EVENTU: "mg" on doses, "ng/ml" on concentrations, the
 * response's unit on its records; also DVU, DVUNIT, DV_UNIT, AVALU). NONMEM never reads it, and the
 * conversion does not either: units come from the dataset spec (units.ts). The column is checked so a
 * file is never read in a unit it says it is not in: a concentration in ng/mL read as the default mg/L
 * fits volumes 1 000 times too small, and a biomarker labelled ng/mL (the default) when the file says
 * IU/L takes a threshold in the wrong unit, each with exit code 0. A record whose unit disagrees with
 * the unit its values are read in is refused at its line, naming the spec field that reads it right.
 * Concentrations compare by their factor to mg/L (ng/mL = ug/L), the biomarker by its text (any letter
 * case and blanks), doses by their factor to mg where the value is a mass unit (other text on a dose
 * record, e.g. "Dosing", is not judged). The column is never a covariate.
 */
import type { FileUnits } from './units.js';
import { concentrationPower, DOSE_UNITS, dosePower, type DoseUnit } from './units.js';
import type { NonmemRecord } from './nonmem-record.js';
import type { EndpointName } from './dataset.js';
import { inputError } from './schema.js';

/** Header names read as a record's unit (any letter case). */
export const UNIT_COLUMNS = ['EVENTU', 'DVU', 'DVUNIT', 'DV_UNIT', 'AVALU'] as const;

export interface UnitColumn {
  readonly name: string;
  readonly index: number;
}

export function findUnitColumn(header: readonly string[]): UnitColumn | undefined {
  const index = header.findIndex((h) => (UNIT_COLUMNS as readonly string[]).includes(h.toUpperCase()));
  return index < 0 ? undefined : { name: header[index] ?? 'EVENTU', index };
}

const plain = (u: string): string => u.replace(/\s+/g, '').toLowerCase();

/** Throws InputError at the first record whose unit disagrees with the unit it is read in. */
export function checkUnitColumn(col: UnitColumn, records: readonly NonmemRecord[], endpointOf: (r: NonmemRecord) => EndpointName, units: FileUnits, missing: readonly string[], file: string): void {
  const c = units.concentration;
  const b = units.biomarker;
  const d = units.dose;
  for (const r of records) {
    const raw = (r.fields[col.index] ?? '').trim();
    if (raw === '' || missing.includes(raw)) continue;
    const site = { file, line: r.line, column: col.name, found: `'${raw}'` };
    if (r.kind === 'dose' || r.kind === 'reset-dose') {
      const unit = DOSE_UNITS.find((u) => u.toLowerCase() === raw.toLowerCase()) as DoseUnit | undefined;
      if (unit !== undefined && dosePower(unit) !== d.power) {
        throw inputError({ ...site, expected: `${d.unit}, the unit AMT is read in (${d.declared ? "the spec's dose_unit" : `the default; a spec's dose_unit: ${unit} reads it so`})` });
      }
      continue;
    }
    if (r.kind !== 'observation') continue;
    if (endpointOf(r) === 'concentration') {
      const read = concentrationPower(raw);
      if ('refused' in read || read.power !== c.power) {
        throw inputError({ ...site, expected: `${c.unit}${'refused' in read ? '' : ' or the same factor to mg/L'}, the unit concentrations are read in (${c.declared ? "the spec's endpoints.concentration.unit" : `the default; a spec's endpoints.concentration.unit: ${raw} reads them so`})${'refused' in read ? `; ${read.refused}` : ''}` });
      }
    } else if (plain(raw) !== plain(b.unit)) {
      throw inputError({ ...site, expected: `${b.unit}, the biomarker's unit (${b.declared ? "the spec's endpoints.biomarker.unit" : `assumed when no spec names one; a spec's endpoints.biomarker.unit: "${raw}" labels the fit, cards and answers so`})` });
    }
  }
}
