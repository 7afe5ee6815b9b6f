/**
 * CSV tokenising for trial files: text -> header + records, each with the 1-based line it starts on,
 * so every later validation message can point at `<file>:<line>`. Uses csv-parse (RFC 4180 quoting)
 * rather than a hand-written splitter; this file only pins its options and translates its errors.
 *
 * Conventions (documented in README.md): a UTF-8 BOM is dropped, CRLF / LF / CR line ends may mix,
 * blank (or whitespace-only) lines are skipped anywhere, fields are trimmed. Field counts are NOT
 * checked here (validate.ts does, against the header, with the column name).
 */
import { CsvError, parse, type Options } from 'csv-parse/sync';
import { inputError } from './schema.js';

export interface CsvRecord {
  /** 1-based line of the record's first character in the file */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvTable {
  readonly header: CsvRecord;
  readonly records: readonly CsvRecord[];
}

const PARSE_OPTIONS: Options<CsvRecord, string[]> = {
  bom: true,
  trim: true,
  skip_empty_lines: true,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  // each record is turned into { line, fields } as it is parsed: with `info: true` csv-parse would keep
  // an info object per record until the end (~10 % of the peak memory on a large file)
  on_record: (record: string[], context) => {
    // Defensive: a record of one empty field is a blank line, whatever csv-parse's skipping did.
    if (record.length === 1 && record[0] === '') return null;
    return { line: context.lines - lineBreaks(record), fields: record };
  },
};

/** Line breaks inside quoted fields, so a record's start line can be told from csv-parse's end line. */
function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    if (!f.includes('\n') && !f.includes('\r')) continue;
    n += f.match(/\r\n|\n|\r/g)?.length ?? 0;
  }
  return n;
}

/**
 * Splits `text` into a header and records. Throws InputError for an empty file (no header) and for
 * CSV syntax errors (unbalanced quotes), naming the line and, past the header, the column.
 */
export function readCsv(text: string, file: string): CsvTable {
  let rows: CsvRecord[];
  try {
    // csv-parse's sync overloads do not model on_record's output type
    rows = parse(text, PARSE_OPTIONS as unknown as Options) as unknown as CsvRecord[];
  } catch (err: unknown) {
    throw translateCsvError(err, text, file);
  }
  const header = rows[0];
  if (header === undefined) {
    throw inputError({ file, line: null, column: null, expected: 'a header line naming the columns', found: 'an empty file' });
  }
  return { header, records: rows.slice(1) };
}

/** csv-parse reports the line its error was found on; name the header column when one is known. */
function translateCsvError(err: unknown, text: string, file: string): Error {
  if (!(err instanceof CsvError)) return err instanceof Error ? err : new Error(String(err));
  const lines = typeof err['lines'] === 'number' ? err['lines'] : null;
  const index = typeof err['index'] === 'number' ? err['index'] : null;
  const column = lines !== null && lines > 1 && index !== null ? headerName(text, index) : null;
  const found =
    err.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'an unclosed quote at end of file'
      : err.code === 'INVALID_OPENING_QUOTE'
        ? 'a quote inside an unquoted field'
        : err.code === 'CSV_INVALID_CLOSING_QUOTE'
          ? 'text after a closing quote'
          : `${err.code} (${err.message})`;
  return inputError({ file, line: lines, column, expected: 'well-formed CSV', found, cause: err });
}

/** Best-effort header lookup for syntax errors (the header itself is plain names, never quoted text). */
function headerName(text: string, index: number): string | null {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).find((l) => l.trim() !== '');
  return first?.split(',')[index]?.trim() ?? null;
}
