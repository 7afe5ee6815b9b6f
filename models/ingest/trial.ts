/**
 * The typed Trial every consumer reads (population-model fit, scenario compiler, sequence-model
 * trainer): subjects in file order with their covariates, dose events and observations split by
 * DVID. Built only from records validate.ts accepted, so consumers need not re-check the data.
 */
import { readTextFile } from '../../worker/common/text-file.js';
import { readCsv } from './csv-reader.js';
import { DVID_PK, EVID_DOSE, inputError, type Dvid } from './schema.js';
import { validateHeader, validateRecords, type CmtLayout, type TrialRecord } from './validate.js';

export interface DoseEvent {
  readonly timeH: number;
  readonly amtMg: number;
  readonly cmt: number | null;
  /** file line, for messages from later stages */
  readonly line: number;
}

export interface Observation {
  readonly timeH: number;
  /** mg/L for PK (DVID 1), ng/mL for PD (DVID 2) */
  readonly dv: number;
  readonly cmt: number | null;
  readonly line: number;
}

/** An observation row with MDV=1: kept for the record (summary, audits), never fitted. */
export interface ExcludedObservation {
  readonly timeH: number;
  readonly dvid: Dvid;
  readonly line: number;
}

export interface Subject {
  readonly id: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  /** the arm's nominal dose (DOSE column); 0 = placebo */
  readonly doseMg: number;
  /** time-ordered, as in the file */
  readonly doses: readonly DoseEvent[];
  /** DVID 1 observations with MDV=0, time-ordered */
  readonly pk: readonly Observation[];
  /** DVID 2 observations with MDV=0, time-ordered */
  readonly pd: readonly Observation[];
  readonly excluded: readonly ExcludedObservation[];
  readonly firstLine: number;
  readonly lastLine: number;
}

export interface Trial {
  /** the file as named by the caller (used in every message) */
  readonly file: string;
  /** data records (header and blank lines not counted) */
  readonly recordCount: number;
  readonly subjects: readonly Subject[];
  /** compartments the file uses (null where the CMT column is absent or the record type never occurs) */
  readonly layout: CmtLayout;
}

/** Reads and validates a trial CSV; throws InputError `<file>:<line>: column <NAME>: ...` on the first problem. */
export async function readTrial(path: string): Promise<Trial> {
  let text: string;
  try {
    text = await readTextFile(path, 'trial CSV');
  } catch (err: unknown) {
    // the encoding errors are located already; an unreadable file keeps the ingest message's shape
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === undefined) throw err;
    throw inputError({ file: path, line: null, column: null, expected: 'a readable trial CSV file', found: code, cause: err });
  }
  return parseTrial(text, path);
}

/** Same as readTrial for text already in memory; `file` names it in messages. */
export function parseTrial(text: string, file: string): Trial {
  const table = readCsv(text, file);
  const cols = validateHeader(table.header, file);
  const { records, layout } = validateRecords(table, cols, file);
  return { file, recordCount: records.length, subjects: groupSubjects(records), layout };
}

/** Records are already known to be contiguous per ID and time-ordered. */
function groupSubjects(records: readonly TrialRecord[]): Subject[] {
  const subjects: Subject[] = [];
  let start = 0;
  for (let i = 1; i <= records.length; i++) {
    if (i < records.length && records[i]?.id === records[start]?.id) continue;
    subjects.push(buildSubject(records.slice(start, i)));
    start = i;
  }
  return subjects;
}

function buildSubject(rows: readonly TrialRecord[]): Subject {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first === undefined || last === undefined) throw new Error('buildSubject: no rows'); // unreachable
  const doses: DoseEvent[] = [];
  const pk: Observation[] = [];
  const pd: Observation[] = [];
  const excluded: ExcludedObservation[] = [];
  for (const r of rows) {
    if (r.evid === EVID_DOSE) {
      doses.push({ timeH: r.timeH, amtMg: r.amtMg, cmt: r.cmt, line: r.line });
    } else if (r.dvid !== null) {
      if (r.mdv === 1 || r.dv === null) excluded.push({ timeH: r.timeH, dvid: r.dvid, line: r.line });
      else (r.dvid === DVID_PK ? pk : pd).push({ timeH: r.timeH, dv: r.dv, cmt: r.cmt, line: r.line });
    }
  }
  return {
    id: first.id,
    bwKg: first.bwKg,
    comed: first.comed,
    doseMg: first.doseMg,
    doses,
    pk,
    pd,
    excluded,
    firstLine: first.line,
    lastLine: last.line,
  };
}

/** A subject's observations of one type (1 = PK, 2 = PD). */
export function observationsOf(subject: Subject, dvid: Dvid): readonly Observation[] {
  return dvid === DVID_PK ? subject.pk : subject.pd;
}

/** Per-subject covariates, for "resample the trial" populations. */
export function trialCovariates(trial: Trial): { id: number; bwKg: number; comed: 0 | 1 }[] {
  return trial.subjects.map((s) => ({ id: s.id, bwKg: s.bwKg, comed: s.comed }));
}

/** Fraction of subjects (not records) with COMED = 1. */
export function observedComedRate(trial: Trial): number {
  const n = trial.subjects.length;
  return n === 0 ? 0 : trial.subjects.filter((s) => s.comed === 1).length / n;
}
