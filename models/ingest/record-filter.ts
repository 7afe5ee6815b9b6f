/**
 * NONMEM's record selection, `$DATA ... IGNORE=(list)` / `ACCEPT=(list)`, as a dataset spec's
 * `ignore:` or `accept:` list. Public files often hold more than the two endpoints a PK/PD structure
 * models (xgxr's MAD study: CMT 2 concentrations, CMT 3 a continuous response, CMT 4-6 count,
 * ordinal and binary responses); a user selects the records as in a NONMEM control stream:
 *
 *   ignore: [CMT.GT.3]               # drop a record when ANY condition holds
 *   accept: ["CMT.LE.3", "DVID.EQ.cp"]  # keep a record only when ANY condition holds (not with ignore:)
 *   ignore: [C]                      # IGNORE=c: drop a record whose first field starts with the character c
 *                                    # (@: with a letter or @); such marks may stand beside accept:
 *
 * A condition is `COLUMN.OP.VALUE` with OP one of EQ NE GT GE LT LE (EQN, NEN: numeric EQ, NE), or
 * `COLUMN OP VALUE` with == != /= > >= < <=. COLUMN is a header name (any letter case). Both sides
 * numbers: compared as numbers; otherwise EQ/NE compare the trimmed text, and an ordering condition
 * (GT, ...) on a field that is not a number is false (a missing "." is not greater than 3).
 *
 * Selection runs on the file's records before anything else reads them (as NONMEM drops IGNOREd records
 * before $PK sees them), so a dropped record's other fields are never checked. The data summary
 * counts what was dropped; the spec's sha256 is part of every fit's provenance.
 */
import { InputError } from '../../worker/common/errors.js';
import type { CsvRecord } from './csv-reader.js';
import { NUMBER } from './nonmem-record.js';

const WORD_OPS = { EQ: '==', NE: '!=', GT: '>', GE: '>=', LT: '<', LE: '<=', EQN: '==', NEN: '!=' } as const;
const SYMBOL_OPS: Readonly<Record<string, Operator>> = { '==': '==', '=': '==', '!=': '!=', '/=': '!=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };
type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=';

export interface RecordCondition {
  readonly column: string;
  readonly op: Operator;
  readonly value: string;
  /** as written in the spec, for messages and the data summary */
  readonly text: string;
  /** `SPEC:LINE: ignore[i]`, for messages */
  readonly at: string;
}

export interface RecordSelection {
  readonly mode: 'ignore' | 'accept';
  readonly conditions: readonly RecordCondition[];
  /** NONMEM's IGNORE=c: records whose first field starts with one of these characters are dropped ('@': a letter or '@') */
  readonly marks: readonly string[];
}

/** A one-character entry of ignore: is NONMEM's IGNORE=c, not a condition. */
export const isMark = (entry: string | number): boolean => typeof entry === 'string' && /^\S$/.test(entry.trim()) && !/^[0-9]$/.test(entry.trim());

function marked(first: string, marks: readonly string[]): boolean {
  const c = first.trim().charAt(0);
  return c !== '' && marks.some((m) => (m === '@' ? /[A-Za-z@]/.test(c) : c === m));
}

const WORD_FORM = /^([A-Za-z_][A-Za-z0-9_]*)\.(EQN|NEN|EQ|NE|GT|GE|LT|LE)\.(.*)$/i;
const SYMBOL_FORM = /^([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|\/=|>=|<=|=|>|<)\s*(.*)$/;

/** One condition as written in the spec; `at` locates it. Throws InputError for what is not one. */
export function parseCondition(written: string | number, at: string): RecordCondition {
  const text = String(written).trim();
  const word = WORD_FORM.exec(text);
  const symbol = word === null ? SYMBOL_FORM.exec(text) : null;
  const m = word ?? symbol;
  const value = m?.[3]?.trim() ?? '';
  if (m === null || value === '') {
    throw new InputError(`${at}: expected a condition COLUMN.OP.VALUE (OP: EQ, NE, GT, GE, LT, LE, as NONMEM's IGNORE/ACCEPT; e.g. CMT.GT.3) or COLUMN OP VALUE (==, !=, >, >=, <, <=), found '${text}'`, { details: { field: at } });
  }
  const op = word !== null ? WORD_OPS[(m[2] ?? '').toUpperCase() as keyof typeof WORD_OPS] : (SYMBOL_OPS[m[2] ?? ''] as Operator);
  return { column: m[1] ?? '', op, value: unquote(value), text, at };
}

const unquote = (v: string): string => (/^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v);

function holds(c: RecordCondition, field: string): boolean {
  const f = field.trim();
  if (NUMBER.test(f) && NUMBER.test(c.value)) {
    const a = Number(f);
    const b = Number(c.value);
    return c.op === '==' ? a === b : c.op === '!=' ? a !== b : c.op === '>' ? a > b : c.op === '>=' ? a >= b : c.op === '<' ? a < b : a <= b;
  }
  if (c.op === '==') return f === c.value;
  if (c.op === '!=') return f !== c.value;
  return false;
}

export interface SelectedRecords {
  readonly records: readonly CsvRecord[];
  /** records the selection dropped */
  readonly dropped: number;
}

/** The records the selection keeps (all of them without one); a condition's column must be in the header. */
export function selectRecords(records: readonly CsvRecord[], header: readonly string[], selection: RecordSelection | undefined): SelectedRecords {
  if (selection === undefined || (selection.conditions.length === 0 && selection.marks.length === 0)) return { records, dropped: 0 };
  const index = new Map(header.map((h, i) => [h.toUpperCase(), i]));
  const resolved = selection.conditions.map((c) => {
    const i = index.get(c.column.toUpperCase());
    if (i === undefined) throw new InputError(`${c.at}: column ${c.column}: expected a column of the trial file's header (${header.join(',')}), found none named so`, { details: { field: c.at } });
    return { c, i };
  });
  const any = (r: CsvRecord): boolean => resolved.some(({ c, i }) => holds(c, r.fields[i] ?? ''));
  const kept = records.filter((r) => !marked(r.fields[0] ?? '', selection.marks) && (selection.conditions.length === 0 || (selection.mode === 'ignore' ? !any(r) : any(r))));
  return { records: kept, dropped: records.length - kept.length };
}

/** "ignore: CMT.GT.3, NAME == Dosing" for the data summary. */
export function selectionText(s: RecordSelection): string {
  const marks = s.marks.map((m) => `ignore: ${m} (first character)`);
  return [...marks, ...(s.conditions.length === 0 ? [] : [`${s.mode}: ${s.conditions.map((c) => c.text).join(', ')}`])].join('; ');
}

/**
 * NONMEM's comment column: a first column named C whose records hold "C" on the ones a control stream
 * drops with IGNORE=C. NONMEM reads them unless told; so does qusop, and a fit of commented-out records
 * would be a wrong answer with exit code 0. Returns the first such record left after the selection.
 */
export function commentedRecord(records: readonly CsvRecord[], header: readonly string[]): CsvRecord | undefined {
  if ((header[0] ?? '').toUpperCase() !== 'C') return undefined;
  return records.find((r) => (r.fields[0] ?? '').trim().toUpperCase() === 'C');
}
