/**
 * CSV tokenising for trial files: text -> header + records, each with the 1-based line it starts on,
 * so every later validation message can point at `<file>:<line>`. Uses csv-parse (RFC 4180 quoting)
 * rather than a hand-written splitter; this file only pins its options and translates its errors.
 *
 * Conventions (documented in README.md): a UTF-8 BOM is dropped, CRLF / LF / CR line ends may mix,
 * blank (or whitespace-only) lines are skipped anywhere, fields are trimmed. Field counts are NOT
 * checked here (validate.ts does, against the header, with the column name).
 *
 * Delimiters, as NONMEM's $INPUT reads data files: the header line decides. A comma in it: comma-separated
 * (the default); else a tab: tab-separated; else a semicolon; else runs of spaces/tabs (a NONMEM
 * whitespace file: each run is one separator). A header whose first name starts with "#" (NONMEM's default
 * IGNORE=#, e.g. "#ID,TIME,...") is read without the "#"; later records starting with "#" are comments and
 * skipped.
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
  const delimiter = detectDelimiter(text);
  // a whitespace file: every run of spaces/tabs becomes one tab (line by line, so lines keep their numbers)
  const input = delimiter === 'whitespace' ? text.replace(/^\uFEFF/, '').replace(/^[ \t]+|[ \t]+$/gm, '').replace(/[ \t]+/g, '\t') : text;
  let rows: CsvRecord[];
  try {
    // csv-parse's sync overloads do not model on_record's output type
    rows = parse(input, { ...PARSE_OPTIONS, delimiter: delimiter === 'whitespace' ? '\t' : delimiter } as unknown as Options) as unknown as CsvRecord[];
  } catch (err: unknown) {
    throw translateCsvError(err, input, file, delimiter === 'whitespace' ? '\t' : delimiter);
  }
  const first = rows[0];
  if (first === undefined) {
    throw inputError({ file, line: null, column: null, expected: 'a header line naming the columns', found: 'an empty file' });
  }
  return { header: withoutIgnoreMark(first), records: rows.slice(1).filter((r) => !(r.fields[0] ?? '').startsWith('#')) };
}

/** The first line with a non-blank character (the header), BOM dropped; found without splitting the whole file. */
function firstLine(text: string): string | undefined {
  // a match starts at the beginning of the first line holding a non-space (a later start would be a suffix of a failed one)
  return /[^\r\n]*\S[^\r\n]*/.exec(text)?.[0].replace(/^\uFEFF/, '');
}

/** The separator the header line uses (module comment). */
export function detectDelimiter(text: string): ',' | '\t' | ';' | 'whitespace' {
  const header = firstLine(text) ?? '';
  if (header.includes(',')) return ',';
  if (header.trim().includes('\t')) return '\t';
  if (header.includes(';')) return ';';
  return /\S\s+\S/.test(header.trim()) ? 'whitespace' : ',';
}

/** The header without NONMEM's "#" ignore mark: "#ID" -> "ID"; a lone "#" field is dropped. */
function withoutIgnoreMark(header: CsvRecord): CsvRecord {
  const [first, ...rest] = header.fields;
  if (first === undefined || !first.startsWith('#')) return header;
  const name = first.slice(1).trim();
  return { line: header.line, fields: name === '' ? rest : [name, ...rest] };
}

/** csv-parse reports the line its error was found on; name the header column when one is known. */
function translateCsvError(err: unknown, text: string, file: string, delimiter: string): Error {
  if (!(err instanceof CsvError)) return err instanceof Error ? err : new Error(String(err));
  const lines = typeof err['lines'] === 'number' ? err['lines'] : null;
  const index = typeof err['index'] === 'number' ? err['index'] : null;
  const column = lines !== null && lines > 1 && index !== null ? headerName(text, index, delimiter) : null;
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
function headerName(text: string, index: number, delimiter: string): string | null {
  const first = firstLine(text);
  return first?.split(delimiter)[index]?.trim() ?? null;
}
