/**
 * Validation of a tokenised trial file against schema.ts: header, then each record in file order
 * (field count, numbers, allowed values, EVID/MDV/AMT/DVID consistency), then the rules that span
 * records (contiguous subjects, constant covariates, non-decreasing TIME, no duplicate keys, one CMT
 * per record type). Fails on the FIRST problem, in file order, so the message is deterministic and
 * names the exact line and column; returns typed records for trial.ts to group.
 */
import type { CsvRecord, CsvTable } from './csv-reader.js';
import {
  COLUMNS,
  DVID_ON_DOSE,
  DVID_PD,
  DVID_PK,
  EVID_DOSE,
  EVID_OBSERVATION,
  OPTIONAL_COLUMNS,
  SUBJECT_CONSTANT_COLUMNS,
  inputError,
  quoteFound,
  type ColumnName,
  type Dvid,
  type Evid,
} from './schema.js';

/** Header position of each column; null for an optional column the file leaves out. */
export type ColumnIndex = Readonly<Record<ColumnName, number | null>>;

/** One validated row. dv is null where '.' was allowed; dvid is null on dose records. */
export interface TrialRecord {
  readonly line: number;
  readonly id: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  readonly doseMg: number;
  readonly timeH: number;
  readonly evid: Evid;
  readonly mdv: 0 | 1;
  readonly dv: number | null;
  readonly amtMg: number;
  readonly cmt: number | null;
  readonly dvid: Dvid | null;
  /** trimmed field text by column, for messages that quote an earlier line */
  readonly raw: Readonly<Record<ColumnName, string>>;
}

export interface CmtLayout {
  readonly doseCmt: number | null;
  readonly pkCmt: number | null;
  readonly pdCmt: number | null;
}

export interface ValidatedTable {
  readonly columns: readonly string[];
  readonly records: readonly TrialRecord[];
  readonly layout: CmtLayout;
}

export function validateHeader(header: CsvRecord, file: string): ColumnIndex {
  const index = new Map<ColumnName, number>();
  const known = new Set<string>(COLUMNS);
  header.fields.forEach((name, i) => {
    const shown = name === '' ? `#${i + 1}` : name;
    const site = { file, line: header.line, column: shown, header: true } as const;
    if (!known.has(name)) throw inputError({ ...site, expected: `one of ${COLUMNS.join(',')}`, found: quoteFound(name) });
    const prev = index.get(name as ColumnName);
    if (prev !== undefined) {
      throw inputError({ ...site, expected: 'each column once', found: `it at positions ${prev + 1} and ${i + 1}` });
    }
    index.set(name as ColumnName, i);
  });
  for (const col of COLUMNS) {
    if (index.has(col) || OPTIONAL_COLUMNS.has(col)) continue;
    throw inputError({ file, line: header.line, column: col, header: true, expected: `a column named ${col} (required)`, found: `columns ${header.fields.join(',')}` });
  }
  return Object.fromEntries(COLUMNS.map((c) => [c, index.get(c) ?? null])) as Record<ColumnName, number | null>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Field text -> number, null for '.', undefined for anything that is not a finite decimal. */
function toNumber(raw: string): number | null | undefined {
  if (raw === '.') return null;
  if (!NUMBER.test(raw)) return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : undefined;
}

/** Why toNumber refused `raw`: [expected, found]. */
function numberProblem(raw: string): [string, string] {
  if (NUMBER.test(raw)) return ['a finite number', raw]; // overflow, e.g. 1e999
  return [NON_FINITE.test(raw) ? 'a finite number' : 'a number', quoteFound(raw)];
}

export function validateRecords(table: CsvTable, cols: ColumnIndex, file: string): ValidatedTable {
  if (table.records.length === 0) {
    throw inputError({ file, line: table.header.line, column: null, header: true, expected: 'at least one data record after the header', found: 'none' });
  }
  const width = table.header.fields.length;
  const tracker = new SubjectTracker(file);
  const records: TrialRecord[] = [];
  // Numbers are parsed in the file's column order, so the leftmost malformed field is the one reported.
  const order = COLUMNS.filter((c) => cols[c] !== null).sort((a, b) => (cols[a] ?? 0) - (cols[b] ?? 0));
  for (const rec of table.records) {
    const row = validateRecord(rec, cols, order, width, file);
    tracker.accept(row);
    records.push(row);
  }
  return { columns: table.header.fields, records, layout: tracker.layout() };
}

function validateRecord(rec: CsvRecord, cols: ColumnIndex, order: readonly ColumnName[], width: number, file: string): TrialRecord {
  const fail = (column: string | null, expected: string, found: string) => inputError({ file, line: rec.line, column, expected, found });
  if (rec.fields.length !== width) {
    const column = rec.fields.length < width ? headerName(cols, rec.fields.length) : `#${width + 1}`;
    throw fail(column, `${width} fields as in the header`, String(rec.fields.length));
  }
  const raw = {} as Record<ColumnName, string>;
  const val = {} as Record<ColumnName, number | null>;
  for (const c of order) {
    const text = rec.fields[cols[c] ?? 0] ?? '';
    const v = toNumber(text);
    if (v === undefined) throw fail(c, ...numberProblem(text));
    raw[c] = text;
    val[c] = v;
  }
  for (const c of COLUMNS) if (cols[c] === null) raw[c] = '';

  const need = (c: ColumnName): number => {
    const v = val[c];
    if (v === null || v === undefined) throw fail(c, 'a number', quoteFound('.'));
    return v;
  };
  const oneOf = (c: ColumnName, allowed: readonly number[], expected: string): number => {
    const v = need(c);
    if (!allowed.includes(v)) throw fail(c, expected, raw[c]);
    return v;
  };
  const atLeast = (c: ColumnName, min: number, strict: boolean, integer: boolean): number => {
    const v = need(c);
    const ok = (strict ? v > min : v >= min) && (!integer || Number.isInteger(v));
    if (!ok) throw fail(c, `${integer ? 'an integer' : 'a number'} ${strict ? '>' : '>='} ${min}`, raw[c]);
    return v;
  };

  const evid = oneOf('EVID', [EVID_OBSERVATION, EVID_DOSE], '0 (observation) or 1 (dose)') as Evid;
  const mdv = (cols.MDV === null ? (evid === EVID_DOSE ? 1 : 0) : oneOf('MDV', [0, 1], '0 or 1')) as 0 | 1;
  const id = atLeast('ID', 0, false, true);
  const bwKg = atLeast('BW', 0, true, false);
  const comed = oneOf('COMED', [0, 1], '0 or 1') as 0 | 1;
  const doseMg = atLeast('DOSE', 0, false, false);
  const timeH = atLeast('TIME', 0, false, false);
  const cmt = cols.CMT === null ? null : atLeast('CMT', 1, false, true);

  let amtMg: number;
  let dvid: Dvid | null;
  const dv = val.DV ?? null;
  if (evid === EVID_DOSE) {
    if (mdv !== 1) throw fail('MDV', '1 on a dose record (EVID=1)', raw.MDV);
    amtMg = val.AMT ?? 0;
    if (!(amtMg > 0)) throw fail('AMT', 'a number > 0 on a dose record (EVID=1)', val.AMT === null ? quoteFound('.') : raw.AMT);
    if (val.DVID !== null && val.DVID !== DVID_ON_DOSE) throw fail('DVID', `${DVID_ON_DOSE} or '.' on a dose record (EVID=1)`, raw.DVID);
    dvid = null;
  } else {
    amtMg = val.AMT ?? 0;
    if (amtMg !== 0) throw fail('AMT', "0 or '.' on an observation record (EVID=0)", raw.AMT);
    const d = val.DVID ?? null;
    if (d !== DVID_PK && d !== DVID_PD) {
      throw fail('DVID', `${DVID_PK} (PK) or ${DVID_PD} (PD) on an observation record (EVID=0)`, d === null ? quoteFound('.') : raw.DVID);
    }
    dvid = d;
    if (mdv === 0 && dv === null) throw fail('DV', 'a number on an observation record with MDV=0', quoteFound('.'));
  }
  return { line: rec.line, id, bwKg, comed, doseMg, timeH, evid, mdv, dv, amtMg, cmt, dvid, raw };
}

function headerName(cols: ColumnIndex, position: number): string {
  return COLUMNS.find((c) => cols[c] === position) ?? `#${position + 1}`;
}

interface Seen {
  readonly value: number;
  readonly line: number;
}

/**
 * The rules that span records, fed one validated record at a time in file order. Only the current
 * subject's state is kept (plus each finished ID's last line), so memory stays O(subjects).
 */
class SubjectTracker {
  private current: TrialRecord | null = null; // first record of the current subject
  private lastTime: TrialRecord | null = null; // record holding the latest TIME of the current subject
  private sameTime = new Map<string, number>(); // duplicate key -> line, for records at lastTime's TIME
  private readonly finished = new Map<number, number>(); // ID -> its last line
  private previousLine = 0;
  private doseCmt: Seen | null = null;
  private readonly cmtByDvid = new Map<Dvid, Seen>();

  constructor(private readonly file: string) {}

  accept(r: TrialRecord): void {
    const fail = (column: string, expected: string, found: string, extra?: Record<string, unknown>) =>
      inputError({ file: this.file, line: r.line, column, expected, found, ...(extra === undefined ? {} : { extra }) });
    const first = this.current;
    if (first === null || first.id !== r.id) {
      if (first !== null) this.finished.set(first.id, this.previousLine);
      const endedOn = this.finished.get(r.id);
      if (endedOn !== undefined) {
        throw fail('ID', 'the rows of each subject to be contiguous', `ID ${r.raw.ID} again after its rows ended on line ${endedOn}`, { otherLine: endedOn });
      }
      this.current = r;
      this.lastTime = r;
      this.sameTime = new Map();
    } else {
      for (const c of SUBJECT_CONSTANT_COLUMNS) {
        if (Number(r.raw[c]) === Number(first.raw[c])) continue; // '58' and '58.0' are the same weight
        throw fail(c, `${first.raw[c]} (constant within ID ${first.raw.ID}, as on line ${first.line})`, r.raw[c], { otherLine: first.line });
      }
      const last = this.lastTime ?? first;
      if (r.timeH < last.timeH) {
        throw fail('TIME', `>= ${last.raw.TIME} (TIME on line ${last.line} for ID ${first.raw.ID})`, r.raw.TIME, { otherLine: last.line });
      }
      if (r.timeH > last.timeH) {
        this.lastTime = r;
        this.sameTime = new Map();
      }
    }
    this.checkDuplicate(r, fail);
    this.checkCmt(r, fail);
    this.previousLine = r.line;
  }

  layout(): CmtLayout {
    return {
      doseCmt: this.doseCmt?.value ?? null,
      pkCmt: this.cmtByDvid.get(DVID_PK)?.value ?? null,
      pdCmt: this.cmtByDvid.get(DVID_PD)?.value ?? null,
    };
  }

  /** Key: (ID, TIME, EVID, DVID) for observations, (ID, TIME, EVID, CMT) for doses; ID and TIME are the current block's. */
  private checkDuplicate(r: TrialRecord, fail: (c: string, e: string, f: string, x?: Record<string, unknown>) => Error): void {
    const key = r.evid === EVID_DOSE ? `d${r.cmt ?? ''}` : `o${r.dvid ?? ''}`;
    const other = this.sameTime.get(key);
    if (other === undefined) {
      this.sameTime.set(key, r.line);
      return;
    }
    const last = r.evid === EVID_DOSE ? (r.cmt === null ? null : 'CMT') : 'DVID';
    const names = ['ID', 'TIME', 'EVID', ...(last === null ? [] : [last])].join(', ');
    const values = `ID ${r.raw.ID}, TIME ${r.raw.TIME}, EVID ${r.raw.EVID}${last === null ? '' : `, ${last} ${r.raw[last]}`}`;
    throw fail('TIME', `one record per (${names})`, `a duplicate of line ${other} (${values})`, { otherLine: other });
  }

  /** One CMT for all doses and one per DVID, learnt from first use (the layout does not fix numbers). */
  private checkCmt(r: TrialRecord, fail: (c: string, e: string, f: string, x?: Record<string, unknown>) => Error): void {
    if (r.cmt === null) return;
    const seen = r.dvid === null ? this.doseCmt : this.cmtByDvid.get(r.dvid) ?? null;
    const what = r.dvid === null ? 'doses' : `DVID ${r.dvid}`;
    if (seen !== null) {
      if (seen.value !== r.cmt) throw fail('CMT', `${seen.value} (the CMT of ${what} since line ${seen.line})`, r.raw.CMT, { otherLine: seen.line });
      return;
    }
    if (r.dvid !== null) {
      const otherDvid = r.dvid === DVID_PK ? DVID_PD : DVID_PK;
      const clash = this.cmtByDvid.get(otherDvid);
      if (clash !== undefined && clash.value === r.cmt) {
        throw fail('CMT', `a CMT other than ${clash.value} (DVID ${otherDvid}'s since line ${clash.line}) for DVID ${r.dvid}`, r.raw.CMT, { otherLine: clash.line });
      }
      this.cmtByDvid.set(r.dvid, { value: r.cmt, line: r.line });
    } else {
      this.doseCmt = { value: r.cmt, line: r.line };
    }
  }
}
