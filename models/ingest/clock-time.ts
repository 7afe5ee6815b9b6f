/**
 * NM-TRAN's day-time translation. When any TIME contains a colon (clock time, hh:mm or hh:mm:ss; a
 * number there is hours on the clock, 14.75 = 14:45), or the file has a date column (DATE: month day
 * year, DAT1: day month year, DAT2: year month day, DAT3: year day month; components split by any
 * non-digit; two components drop the year, one is a day number, as NONMEM reads them), every TIME
 * becomes the hours since the first record of its subject's block of records. A one- or two-digit year
 * is 20yy up to 50 and 19yy after (NONMEM's default LAST20 = 50). With `time_unit: d` the hours are
 * divided by 24, as NM-TRAN's TRANSLATE=(TIME/24) does, so II stays in days.
 * Runs on the selected records before they are parsed; the date column is no covariate.
 */
import type { CsvRecord } from './csv-reader.js';
import type { ColumnMap } from './column-map.js';
import type { DataSpec } from './data-spec.js';
import { inputError, quoteFound } from './schema.js';
import { subjectKey } from './nonmem-record.js';

export const DATE_LABELS = ['DATE', 'DAT1', 'DAT2', 'DAT3'] as const;
type DateLabel = (typeof DATE_LABELS)[number];

/** Which of year, month, day each label's components are, in order. */
const ORDER: Readonly<Record<DateLabel, readonly ('y' | 'm' | 'd')[]>> = { DATE: ['m', 'd', 'y'], DAT1: ['d', 'm', 'y'], DAT2: ['y', 'm', 'd'], DAT3: ['y', 'd', 'm'] };

/** NONMEM's default LAST20: a two-digit year up to this is in the 2000s. */
export const LAST20 = 50;
/** a year without 29 February, for dates written without their year */
const NO_YEAR = 2001;

export interface ClockTranslation {
  /** the date column's name and index, when the file has one */
  readonly date: { readonly name: string; readonly index: number } | null;
  /** why the translation ran: clock times in TIME, or the date column */
  readonly trigger: 'clock' | 'date';
}

/** The records with TIME as hours since each subject's first record (in days with time_unit: d), or the records unchanged. */
export function translateClockTimes(records: readonly CsvRecord[], header: readonly string[], columns: ColumnMap, spec: DataSpec, file: string): { records: readonly CsvRecord[]; translation?: ClockTranslation } {
  const timeAt = columns.items.TIME;
  const idAt = columns.items.ID;
  if (timeAt === null || idAt === null) return { records };
  const dateAt = header.findIndex((h) => (DATE_LABELS as readonly string[]).includes(h.trim().toUpperCase()));
  const clock = records.some((r) => (r.fields[timeAt] ?? '').includes(':'));
  if (!clock && dateAt < 0) return { records };
  const timeName = columns.names.TIME ?? 'TIME';
  const dateName = dateAt < 0 ? '' : (header[dateAt] ?? 'DATE');
  const label = dateName.trim().toUpperCase() as DateLabel;
  const scale = spec.timeUnit === 'd' ? 1 / 24 : 1;
  let zero: { id: string; hours: number } | null = null;
  const out = records.map((r) => {
    const hours = clockHours(r.fields[timeAt] ?? '', (expected, found) => inputError({ file, line: r.line, column: timeName, expected, found }))
      + (dateAt < 0 ? 0 : 24 * dayNumber(r.fields[dateAt] ?? '', label, (expected, found) => inputError({ file, line: r.line, column: dateName, expected, found })));
    // the subject as parseRecord keys it: 1 and 01 are one subject's block
    const id = subjectKey(r.fields[idAt]?.trim() ?? '');
    if (zero === null || zero.id !== id) zero = { id, hours };
    const fields = [...r.fields];
    fields[timeAt] = String((hours - zero.hours) * scale);
    return { line: r.line, fields };
  });
  return { records: out, translation: { date: dateAt < 0 ? null : { name: dateName, index: dateAt }, trigger: clock ? 'clock' : 'date' } };
}

type Fail = (expected: string, found: string) => Error;

const CLOCK = /^(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?$/;
const HOURS = /^-?(\d+\.?\d*|\.\d+)$/;

/** hh:mm[:ss] or a number of hours, as hours. */
export function clockHours(text: string, fail: Fail): number {
  const t = text.trim();
  if (HOURS.test(t)) return Number(t);
  const m = CLOCK.exec(t);
  const minutes = Number(m?.[3]);
  const seconds = m?.[4] === undefined ? 0 : Number(m[4]);
  if (m === null || !(minutes < 60) || !(seconds < 60)) throw fail('a clock time hh:mm (or hh:mm:ss, minutes and seconds below 60) or a number of hours (NM-TRAN reads every TIME as clock time when one has a colon or the file has a date column)', quoteFound(text));
  const h = Number(m[2]) + minutes / 60 + seconds / 3600;
  return m[1] === '-' ? -h : h;
}

/** A date's day number (days since 1970-01-01, or the day itself when only the day is given). */
export function dayNumber(text: string, label: DateLabel, fail: Fail): number {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  const order = ORDER[label];
  const parts = t.split(/\D+/).filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 3 || t.startsWith('-')) throw fail(dateExpected(label), quoteFound(text));
  const withYear = parts.length === 3;
  const components = withYear ? order : order.filter((c) => c !== 'y');
  const get = (c: 'y' | 'm' | 'd'): string => parts[components.indexOf(c)] ?? '';
  const year = withYear ? fullYear(get('y')) : NO_YEAR;
  const month = Number(get('m'));
  const day = Number(get('d'));
  const at = Date.UTC(year, month - 1, day);
  const back = new Date(at);
  if (!(month >= 1 && month <= 12 && back.getUTCMonth() === month - 1 && back.getUTCDate() === day)) {
    throw fail(withYear ? dateExpected(label) : `${dateExpected(label)}; without a year, 29 February needs one`, quoteFound(text));
  }
  return Math.round(at / 86_400_000);
}

/** A written year: one or two digits are 20yy up to LAST20, else 19yy; more digits as written. */
function fullYear(text: string): number {
  const y = Number(text);
  if (text.length > 2) return y;
  return y <= LAST20 ? 2000 + y : 1900 + y;
}

/** What a date column of this label takes (for messages only). */
function dateExpected(label: DateLabel): string {
  const names = ORDER[label].map((c) => ({ y: 'year', m: 'month', d: 'day' })[c]).join(' ');
  const example = { DATE: '12/3/90 for 3 December 1990', DAT1: '3/12/90 for 3 December 1990', DAT2: '1990-12-03', DAT3: '1990/3/12 for 3 December 1990' }[label];
  return `a date as ${label} writes it (${names}, any non-digit between, e.g. ${example}; or month and day without the year; or a day number)`;
}
