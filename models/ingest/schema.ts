/**
 * The trial-file contract: which columns exist, which are required, their units and allowed values,
 * the record kinds (EVID) and observation types (DVID) we support, and the one message shape every
 * ingestion error uses. validate.ts enforces it; README.md explains the choices.
 */
import { InputError } from '../../worker/common/errors.js';

/** Canonical column order (EstData's); files may order columns freely. */
export const COLUMNS = ['ID', 'BW', 'COMED', 'DOSE', 'TIME', 'DV', 'EVID', 'MDV', 'AMT', 'CMT', 'DVID'] as const;
export type ColumnName = (typeof COLUMNS)[number];

/**
 * MDV is derivable from EVID (NONMEM does so when it is absent) and CMT only routes records, so both
 * may be left out; everything else is needed to build subjects, doses and observations.
 */
export const OPTIONAL_COLUMNS: ReadonlySet<ColumnName> = new Set<ColumnName>(['MDV', 'CMT']);

export interface ColumnSpec {
  readonly unit: string;
  readonly doc: string;
}

export const COLUMN_SPECS: Readonly<Record<ColumnName, ColumnSpec>> = {
  ID: { unit: '', doc: 'subject id, integer >= 0; a subject\'s rows are contiguous' },
  BW: { unit: 'kg', doc: 'body weight, > 0, constant within a subject' },
  COMED: { unit: '', doc: 'concomitant medication, 0 or 1, constant within a subject' },
  DOSE: { unit: 'mg', doc: 'nominal dose of the subject\'s arm (0 = placebo), >= 0, constant within a subject' },
  TIME: { unit: 'h', doc: 'time since first dose, >= 0, non-decreasing within a subject' },
  DV: { unit: 'mg/L (DVID 1) or ng/mL (DVID 2)', doc: 'observed value; \'.\' allowed on dose records and MDV=1 rows' },
  EVID: { unit: '', doc: 'record kind: 0 observation, 1 dose' },
  MDV: { unit: '', doc: '1 = DV missing: required on doses; MDV=1 observation rows are kept aside' },
  AMT: { unit: 'mg', doc: 'dose amount: > 0 on doses, 0 (or \'.\') on observations' },
  CMT: { unit: '', doc: 'compartment, integer >= 1; one CMT for all doses and one per DVID across the file' },
  DVID: { unit: '', doc: 'observation type: 1 PK concentration, 2 PD biomarker; 0 (or \'.\') on doses' },
};

/** Supported EVID codes. NONMEM's 2 (other event), 3 (reset) and 4 (reset + dose) are rejected. */
export const EVID_OBSERVATION = 0;
export const EVID_DOSE = 1;
export type Evid = typeof EVID_OBSERVATION | typeof EVID_DOSE;

/** Observation types by DVID. */
export const DVID_PK = 1;
export const DVID_PD = 2;
export type Dvid = typeof DVID_PK | typeof DVID_PD;
/** DVID a dose record may carry (besides '.'): doses are not observations. */
export const DVID_ON_DOSE = 0;

/** NONMEM's missing-value token. Where it is accepted is decided per column in validate.ts. */
export const MISSING = '.';

/** Columns whose value must not change within a subject (the subject's covariates and arm). */
export const SUBJECT_CONSTANT_COLUMNS = ['BW', 'COMED', 'DOSE'] as const satisfies readonly ColumnName[];

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
