/**
 * One data row as NONMEM reads it: the standard items parsed against the dataset spec (missing-value
 * codes, time unit), EVID derived from AMT and MDV when the file has none, rxode2's classic dose codes
 * (100 * CMT + 1, as nlmixr2data writes them) read as bolus doses, and the dose items (RATE, II, ADDL,
 * SS) checked (RATE = -2, zero-order over the model's D1, is accepted; -1 is not). Located errors name the file, line, column, value and what was expected.
 */
import type { CsvRecord } from './csv-reader.js';
import type { ColumnMap, StandardItem } from './column-map.js';
import type { DataSpec } from './data-spec.js';
import { inputError, quoteFound } from './schema.js';

export type RecordKind = 'observation' | 'dose' | 'other' | 'reset' | 'reset-dose';

export interface NonmemRecord {
  readonly line: number;
  readonly id: string;
  /** hours */
  readonly timeH: number;
  readonly kind: RecordKind;
  /** the EVID as written (or derived), for messages */
  readonly evid: number;
  readonly mdv: 0 | 1;
  readonly dv: number | null;
  readonly amt: number;
  readonly cmt: number | null;
  /** the DVID field's text (null when absent or missing) */
  readonly dvid: string | null;
  /** mass per hour; 0 = bolus; ZERO_ORDER_RATE (-2) = zero-order over the model's duration D1 */
  readonly rate: number;
  /** the item the rate was read from: RATE, or DUR as AMT / DUR */
  readonly rateFrom: 'RATE' | 'DUR';
  /** hours; 0 when absent */
  readonly iiH: number;
  readonly addl: number;
  readonly ss: boolean;
  readonly blq: boolean;
  readonly lloq: number | null;
  /** where the LLOQ came from: the LLOQ column, or (a BLQ row without one) the row's DV */
  readonly lloqFrom: 'column' | 'dv' | null;
  /** every field's text by header position (covariates are read from it) */
  readonly fields: readonly string[];
}

/** NONMEM's RATE = -2: the dose enters at a zero-order rate over a duration the model estimates (D1). */
export const ZERO_ORDER_RATE = -2;

/** A plain decimal number as NONMEM reads it (no hex, NaN or Inf). */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A subject's key as NONMEM reads ID: a number's canonical text (1 and 01 one subject), else the text itself (subject-id.ts). */
export const subjectKey = (text: string): string => (NUMBER.test(text) ? String(Number(text)) : text);

export function parseRecord(rec: CsvRecord, map: ColumnMap, spec: DataSpec, header: readonly string[], file: string): NonmemRecord {
  const line = rec.line;
  if (rec.fields.length !== header.length) {
    throw inputError({ file, line, column: null, expected: `${header.length} fields (the header's columns)`, found: `${rec.fields.length}` });
  }
  const missing = new Set(spec.missing);
  const raw = (item: StandardItem): string | null => {
    const i = map.items[item];
    if (i === null) return null;
    const text = rec.fields[i] ?? '';
    return missing.has(text) ? null : text;
  };
  const col = (item: StandardItem): string => map.names[item] ?? item;
  const fail = (item: StandardItem, expected: string, found: string): never => {
    throw inputError({ file, line, column: col(item), expected, found });
  };
  const num = (item: StandardItem): number | null => {
    const text = raw(item);
    if (text === null) return null;
    if (!NUMBER.test(text)) return fail(item, `a number (or a missing-value code: ${spec.missing.map((m) => `'${m}'`).join(', ')})`, quoteFound(text));
    return Number(text);
  };
  const int = (item: StandardItem, allowed: (v: number) => boolean, expected: string): number | null => {
    const v = num(item);
    if (v !== null && (!Number.isInteger(v) || !allowed(v))) fail(item, expected, String(v));
    return v;
  };
  const idText = raw('ID');
  if (idText === null || idText === '') return fail('ID', 'a subject id', 'a missing value');
  // a number as NONMEM reads it (1 and 01 one subject), or a text ID (subject-id.ts)
  const id = subjectKey(idText);
  if (NUMBER.test(idText) && !/^\d+$/.test(id)) fail('ID', 'an integer >= 0 (NONMEM reads ID as a number) or a text ID', id);
  const time = num('TIME');
  if (time === null) return fail('TIME', 'a time', 'a missing value');
  const timeH = spec.timeUnit === 'd' ? time * 24 : time;
  const amt = num('AMT') ?? 0;
  let mdvField = int('MDV', (v) => v === 0 || v === 1, '0 or 1');
  let cmt = int('CMT', (v) => v >= 1, 'an integer >= 1');
  const evidField = int('EVID', (v) => (v >= 0 && v <= 4) || (v >= 100 && v < 10_000 && v % 100 === 1), "0-4 (NONMEM) or rxode2's classic bolus code 100*CMT+1 (e.g. 101)");
  let evid: number;
  let kind: RecordKind;
  if (evidField === null) {
    // NONMEM without EVID: a record with AMT > 0 is a dose; MDV = 1 without AMT is an "other" event
    kind = amt > 0 ? 'dose' : mdvField === 1 ? 'other' : 'observation';
    evid = kind === 'dose' ? 1 : kind === 'other' ? 2 : 0;
  } else if (evidField >= 100) {
    const classicCmt = Math.floor(evidField / 100);
    if (cmt !== null && cmt !== classicCmt) fail('CMT', `${classicCmt} (the compartment of EVID ${evidField}) or no CMT`, String(cmt));
    cmt = classicCmt;
    kind = 'dose';
    evid = evidField;
  } else {
    evid = evidField;
    kind = (['observation', 'dose', 'other', 'reset', 'reset-dose'] as const)[evidField] ?? 'observation';
  }
  const dosing = kind === 'dose' || kind === 'reset-dose';
  if (mdvField === null) mdvField = kind === 'observation' ? 0 : 1;
  if (dosing && mdvField === 0) fail('MDV', `1 on a dose record (EVID ${evid})`, '0');
  if (dosing && !(amt > 0)) fail('AMT', `> 0 on a dose record (EVID ${evid})`, String(amt));
  const rateField = dosing ? (num('RATE') ?? 0) : 0;
  // RATE = -2: zero-order input over the duration D1 the model estimates (structures 1cmt-zo, 2cmt-zo)
  if (rateField < 0 && rateField !== ZERO_ORDER_RATE) fail('RATE', `0 (bolus), > 0 (zero-order input of AMT / RATE ${spec.timeUnit === 'd' ? 'days' : 'hours'}) or ${ZERO_ORDER_RATE} (zero-order absorption over the duration D1 the model estimates: structures 1cmt-zo, 2cmt-zo); a rate the model defines (RATE = -1, R1) is not supported`, String(rateField));
  // DUR (rxode2's dur, Monolix's TINF): the infusion's duration, the same input as RATE = AMT / DUR
  const dur = dosing ? (num('DUR') ?? 0) : 0;
  if (dur < 0) fail('DUR', 'an infusion duration >= 0 (0 or empty: a bolus)', String(dur));
  if (dur > 0 && rateField !== 0) fail('DUR', `0 or empty when RATE is given (RATE ${rateField} on this record: one of them says how the dose is infused)`, String(dur));
  // a rate per day (time_unit: d) is a rate per 24 hours
  const perFileTime = dur > 0 ? amt / dur : rateField;
  const rate = perFileTime > 0 && spec.timeUnit === 'd' ? perFileTime / 24 : perFileTime;
  const ii = dosing ? (num('II') ?? 0) : 0;
  if (ii < 0) fail('II', '>= 0', String(ii));
  const iiH = spec.timeUnit === 'd' ? ii * 24 : ii;
  const addl = dosing ? (int('ADDL', (v) => v >= 0, 'an integer >= 0') ?? 0) : 0;
  if (addl > 0 && !(ii > 0)) fail('II', `> 0 when ADDL is ${addl} (the interval between the additional doses)`, String(ii));
  const ssValue = dosing ? (int('SS', (v) => v === 0 || v === 1, '0 or 1 (SS=2 and SS=3 are not supported)') ?? 0) : 0;
  if (ssValue === 1 && !(ii > 0)) fail('II', '> 0 on a steady-state dose (SS=1)', String(ii));
  const blqFlag = kind === 'observation' ? int('BLQ', (v) => v === 0 || v === 1, '0 or 1 (1 = below the limit of quantification; right-censoring, -1, is not supported)') : null;
  const blq = blqFlag === 1;
  const lloqField = num('LLOQ');
  const dv = num('DV');
  if (kind === 'observation' && lloqField !== null && !(lloqField > 0)) fail('LLOQ', 'a limit of quantification > 0', String(lloqField));
  // NONMEM's M3: a BLQ row's DV is not a value; its limit is the LLOQ column, else the DV (as many datasets write it)
  const blqLimit = blq && mdvField === 0;
  if (blqLimit && lloqField === null) {
    if (dv === null) fail(map.items.LLOQ === null ? 'DV' : 'LLOQ', `the limit of quantification of a BLQ row: an LLOQ value, or the row's DV${map.items.LLOQ === null ? ' (the file has no LLOQ column)' : ''}`, 'a missing value');
    if (!(dv !== null && dv > 0)) fail('DV', 'a limit of quantification > 0 (with no LLOQ value, a BLQ row\'s DV is its limit)', String(dv));
  }
  if (kind === 'observation' && mdvField === 0 && dv === null && !blqLimit) fail('DV', 'a value on an observation record with MDV=0', 'a missing value');
  if (kind === 'observation' && dv !== null && !Number.isFinite(dv)) fail('DV', 'a finite number', String(dv));
  const dvidText = raw('DVID');
  return {
    line, id, timeH, kind, evid, mdv: mdvField as 0 | 1, dv, amt, cmt, dvid: dvidText, rate, rateFrom: dur > 0 ? 'DUR' : 'RATE', iiH, addl, ss: ssValue === 1, blq,
    lloq: lloqField ?? (blq ? dv : null), lloqFrom: lloqField !== null ? 'column' : blq && dv !== null ? 'dv' : null, fields: rec.fields,
  };
}
