/**
 * A column that says the unit of TIME (xgxr's and many sponsors' analysis datasets carry TIMEUNIT,
 * e.g. "Hours"). NONMEM never reads it, and neither does the conversion: TIME is in hours unless a
 * dataset spec says `time_unit: d`. What the column is for here is safety. A file whose TIMEUNIT says
 * days, read in hours, would fit every rate and answer every regimen 24 times off with exit code 0; so
 * a value that disagrees with the unit TIME is read in is refused at its line, naming the spec field
 * that reads it right. A column that agrees is named in the data summary and is not a covariate.
 */
import type { CsvRecord } from './csv-reader.js';
import type { DataSpec } from './data-spec.js';
import { inputError } from './schema.js';

/** Header names read as the unit of TIME (any letter case). */
export const TIME_UNIT_COLUMNS = ['TIMEUNIT', 'TIMEU', 'TIME_UNIT', 'TIMEUNITS'] as const;

const HOURS = new Set(['h', 'hr', 'hrs', 'hour', 'hours']);
const DAYS = new Set(['d', 'day', 'days']);

export interface TimeUnitColumn {
  readonly name: string;
  readonly index: number;
  /** the values found, as written (e.g. "Hours") */
  readonly values: readonly string[];
}

/** The file's time-unit column checked against `spec.timeUnit`, or undefined when the file has none. */
export function checkTimeUnitColumn(header: readonly string[], records: readonly CsvRecord[], spec: DataSpec, file: string): TimeUnitColumn | undefined {
  const index = header.findIndex((h) => (TIME_UNIT_COLUMNS as readonly string[]).includes(h.toUpperCase()));
  if (index < 0) return undefined;
  const name = header[index] ?? 'TIMEUNIT';
  const readAs = spec.timeUnit === 'd' ? DAYS : HOURS;
  const values = new Set<string>();
  for (const r of records) {
    const raw = (r.fields[index] ?? '').trim();
    if (raw === '' || spec.missing.includes(raw)) continue;
    const v = raw.toLowerCase();
    if (!HOURS.has(v) && !DAYS.has(v)) {
      throw inputError({ file, line: r.line, column: name, expected: 'a unit of TIME: hours (h, hr, hours) or days (d, day, days)', found: `'${raw}'` });
    }
    if (!readAs.has(v)) {
      const fix = spec.timeUnit === 'd' ? 'TIME is read in days because the spec says time_unit: d; remove it (hours are the default)' : 'TIME is read in hours (the default); a dataset spec with time_unit: d reads it in days';
      throw inputError({ file, line: r.line, column: name, expected: `${spec.timeUnit === 'd' ? 'days' : 'hours'}, the unit TIME is read in (${fix})`, found: `'${raw}'` });
    }
    values.add(raw);
  }
  return { name, index, values: [...values] };
}
