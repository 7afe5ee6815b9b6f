/**
 * The one message shape every ingestion error uses, and the observation types (DVID) of the Trial
 * the population model reads. README.md explains the conventions.
 */
import { InputError } from '../../worker/common/errors.js';

/** Observation types by DVID. */
export const DVID_PK = 1;
export const DVID_PD = 2;
export type Dvid = typeof DVID_PK | typeof DVID_PD;

export interface ErrorSite {
  readonly file: string;
  /** 1-based line; null when the file has no line to point at (empty file) */
  readonly line: number | null;
  /** column name (or a key like 'ID,TIME,EVID,DVID'); null when the problem is the whole line/file */
  readonly column: string | null;
  readonly expected: string;
  readonly found: string;
  /** header problems read `<file>: header: ...` instead of `<file>:<line>: ...` */
  readonly header?: boolean;
  readonly cause?: unknown;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * The one message shape: `<file>:<line>: column <NAME>: expected <what>, found <what>`, or
 * `<file>: header: ...` for header problems. details carries the same facts for programs.
 */
export function inputError(site: ErrorSite): InputError {
  const where = site.header === true ? `${site.file}: header` : site.line === null ? site.file : `${site.file}:${site.line}`;
  const col = site.column === null ? '' : `column ${site.column}: `;
  const message = `${where}: ${col}expected ${site.expected}, found ${site.found}`;
  return new InputError(message, {
    ...(site.cause === undefined ? {} : { cause: site.cause }),
    details: { file: site.file, line: site.line, column: site.column, expected: site.expected, found: site.found, ...site.extra },
  });
}

/** How a raw field appears in a message: numbers verbatim, anything else quoted. */
export function quoteFound(raw: string): string {
  return raw === '' ? 'an empty field' : `'${raw}'`;
}
