/**
 * A trial in any NONMEM layout -> a typed Dataset: subjects in file order, each with its covariates,
 * its dose events (II + ADDL expanded, zero-order inputs and steady-state doses marked, the route
 * from the dose CMT), its observations by endpoint (replicate samples at equal times kept; BLQ rows
 * flagged with their limit, or dropped and counted), and what was set aside (MDV=1, EVID 2). Doses
 * (AMT, RATE) are in mg and concentrations (DV, LLOQ) in mg/L, converted from the units the spec names
 * (units.ts); the biomarker stays in the file's unit. The
 * column mapping, endpoints and covariates that were used travel with it for the summary.
 */
import { readTextFile } from '../../worker/common/text-file.js';
import { readCsv } from './csv-reader.js';
import { mapColumns, type ColumnMap } from './column-map.js';
import { NO_SPEC, type DataSpec, type EndpointSelector } from './data-spec.js';
import { parseRecord, type NonmemRecord } from './nonmem-record.js';
import { checkIdKinds } from './subject-id.js';
import { inputError } from './schema.js';
import { convert, specUnits, type FileUnits } from './units.js';
import { subjectCovariates, type CovariateInfo, type IgnoredColumn } from './covariates.js';
import { washoutTimeline, type Washout } from './washout-timeline.js';
import { commentedRecord, selectRecords } from './record-filter.js';
import { checkTimeUnitColumn, type TimeUnitColumn } from './time-unit-column.js';
import { checkUnitColumn, findUnitColumn, type UnitColumn } from './unit-column.js';
import { checkNaturalScale } from './natural-scale.js';
import { translateClockTimes, type ClockTranslation } from './clock-time.js';

export type EndpointName = 'concentration' | 'biomarker';

export interface DatasetDose {
  readonly timeH: number;
  /** mg */
  readonly amt: number;
  readonly cmt: number | null;
  /** depot (absorption) or central (IV): a dose into the concentration's observation CMT is IV */
  readonly route: 'depot' | 'central';
  /** mg per hour; 0 = bolus; -2 = zero-order over the model's D1 */
  readonly rate: number;
  /** the item the rate was read from (RATE, or DUR as AMT / DUR) */
  readonly rateFrom: 'RATE' | 'DUR';
  /** a steady-state dose (SS=1): the state is that of repeated doses every `iiH` hours */
  readonly ss: boolean;
  readonly iiH: number;
  /** the file line of the record (an ADDL dose points at the record that implies it) */
  readonly line: number;
  readonly additional: boolean;
}

export interface DatasetObservation {
  readonly timeH: number;
  /** null only for a BLQ row whose DV is missing */
  readonly value: number | null;
  readonly endpoint: EndpointName;
  readonly blq: boolean;
  readonly lloq: number | null;
  /** where lloq came from: the LLOQ column, or a BLQ row's DV */
  readonly lloqFrom: 'column' | 'dv' | null;
  readonly cmt: number | null;
  readonly line: number;
}

/** An observation row with MDV=1: kept for the record, never fitted. */
export interface SetAsideObservation {
  readonly timeH: number;
  readonly endpoint: EndpointName;
  readonly line: number;
}

export interface DatasetSubject {
  readonly id: string;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly covariates: Readonly<Record<string, number | string>>;
  readonly doses: readonly DatasetDose[];
  readonly observations: readonly DatasetObservation[];
  /** observation rows with MDV=1 */
  readonly excluded: readonly SetAsideObservation[];
  /** EVID 2 rows */
  readonly otherEvents: number;
  /** times of EVID 3/4 resets (model time: washout-timeline.ts) */
  readonly resets: readonly number[];
  /** the washout before each reset after the subject's first record (empty: one period, times as in the file) */
  readonly washouts: readonly Washout[];
}

export interface EndpointUse {
  readonly selector: string;
  readonly unit: string | null;
  readonly count: number;
}

export interface Dataset {
  readonly file: string;
  readonly spec: DataSpec;
  readonly header: readonly string[];
  readonly columns: ColumnMap;
  readonly records: number;
  readonly subjects: readonly DatasetSubject[];
  readonly covariates: readonly CovariateInfo[];
  readonly ignored: readonly IgnoredColumn[];
  readonly endpoints: Readonly<Partial<Record<EndpointName, EndpointUse>>>;
  readonly blqDropped: number;
  /** the column saying TIME's unit, checked against the unit TIME is read in (time-unit-column.ts) */
  readonly timeUnitColumn?: TimeUnitColumn;
  /** the column saying each record's unit, checked against the units values are read in (unit-column.ts) */
  readonly unitColumn?: UnitColumn;
  /** NM-TRAN's day-time translation, when TIME holds clock times or the file has a date column (clock-time.ts) */
  readonly clockTime?: ClockTranslation;
  /** records the spec's ignore:/accept: dropped (record-filter.ts) */
  readonly selectionDropped: number;
  /** the file's units and their conversion to the model's (doses to mg, concentrations to mg/L; the biomarker as recorded) */
  readonly units: FileUnits;
}

export async function readDataset(path: string, spec: DataSpec = NO_SPEC): Promise<Dataset> {
  return parseDataset(await readTextFile(path, 'trial CSV'), path, spec);
}

export function parseDataset(text: string, file: string, spec: DataSpec = NO_SPEC): Dataset {
  const units = specUnits(spec);
  const table = readCsv(text, file);
  const header = table.header.fields;
  const columns = mapColumns(table.header, spec.columns, file, spec.source);
  // NONMEM's IGNORE=/ACCEPT=: dropped records are never parsed (record-filter.ts)
  const selected = selectRecords(table.records, header, spec.selection);
  const commented = commentedRecord(selected.records, header);
  if (commented !== undefined) throw inputError({ file, line: commented.line, column: header[0] ?? 'C', expected: "a record NONMEM reads (a first column C marks the records a control stream drops with IGNORE=C: write ignore: [C] in a dataset spec to drop them, or empty the C)", found: `'${commented.fields[0] ?? ''}'` });
  // clock times and dates become hours since each subject's first record, as NM-TRAN translates them (clock-time.ts)
  const clock = translateClockTimes(selected.records, header, columns, spec, file);
  const unitColumn = checkTimeUnitColumn(header, clock.records, spec, file);
  const records = clock.records.map((r) => parseRecord(r, columns, spec, header, file));
  if (records.length === 0) throw inputError({ file, line: table.header.line, column: null, expected: `data records after the header${selected.dropped > 0 ? ` that the spec's ${spec.selection?.mode}: keeps` : ''}`, found: selected.dropped > 0 ? `none (all ${selected.dropped} dropped)` : 'none' });
  checkIdKinds(records, file, columns.names.ID ?? 'ID');
  const groups = groupSubjects(records, columns, file);
  // DVID's one value besides the concentration's, read as the biomarker (no endpoints declared): found once
  const otherBiomarker = columns.items.DVID !== null && spec.endpoints.concentration === undefined && spec.endpoints.biomarker === undefined ? otherDvid(records) : undefined;
  const endpointOf = endpointRule(records, columns, spec, file, otherBiomarker);
  const recordUnits = findUnitColumn(header);
  if (recordUnits !== undefined) checkUnitColumn(recordUnits, records, endpointOf, units, spec.missing, file);
  // the unit columns say how values read; they are no covariates
  const notCovariates = new Set([unitColumn?.index, recordUnits?.index, clock.translation?.date?.index]);
  const { covariates, ignored, values } = subjectCovariates(groups, { ...columns, others: columns.others.filter((o) => !notCovariates.has(o.index)) }, spec, file);
  const uses: Partial<Record<EndpointName, { count: number; dvids: Set<string> }>> = {};
  let blqDropped = 0;
  const concCmt = concentrationCmt(records, endpointOf);
  const mg = (x: number): number => convert(x, units.dose.power);
  const mgPerL = (x: number): number => convert(x, units.concentration.power);
  const subjects = groups.map((fileOrder, k): DatasetSubject => {
    // resets on one time axis: every later period moved past a washout (washout-timeline.ts)
    const { records: g, washouts } = washoutTimeline(fileOrder, file, columns.names.TIME ?? 'TIME');
    const doses: DatasetDose[] = [];
    const observations: DatasetObservation[] = [];
    const excluded: SetAsideObservation[] = [];
    let otherEvents = 0;
    const resets: number[] = [];
    for (const r of g) {
      if (r.kind === 'other') otherEvents += 1;
      if (r.kind === 'reset' || r.kind === 'reset-dose') resets.push(r.timeH);
      if (r.kind === 'dose' || r.kind === 'reset-dose') {
        // a dose into the observed CMT is IV; a dose without a CMT goes where the spec says (default: the depot)
        const route = r.cmt === null ? (spec.doseRoute ?? 'depot') : concCmt !== null && r.cmt === concCmt ? 'central' : 'depot';
        for (let j = 0; j <= r.addl; j += 1) {
          doses.push({ timeH: r.timeH + j * r.iiH, amt: mg(r.amt), cmt: r.cmt, route, rate: r.rate > 0 ? mg(r.rate) : r.rate, rateFrom: r.rateFrom, ss: r.ss && j === 0, iiH: r.iiH, line: r.line, additional: j > 0 });
        }
      }
      if (r.kind !== 'observation') continue;
      const endpoint = endpointOf(r);
      if (r.mdv === 1) {
        excluded.push({ timeH: r.timeH, endpoint, line: r.line });
        continue;
      }
      if (r.blq && spec.blq === 'drop') {
        blqDropped += 1;
        continue;
      }
      const use = (uses[endpoint] ??= { count: 0, dvids: new Set() });
      use.count += 1;
      if (r.dvid !== null) use.dvids.add(r.dvid.trim());
      const c = endpoint === 'concentration' ? mgPerL : (x: number): number => x;
      observations.push({ timeH: r.timeH, value: r.dv === null ? null : c(r.dv), endpoint, blq: r.blq, lloq: r.lloq === null ? null : c(r.lloq), lloqFrom: r.lloqFrom, cmt: r.cmt, line: r.line });
    }
    doses.sort((a, b) => a.timeH - b.timeH);
    const first = g[0] as NonmemRecord;
    const last = g[g.length - 1] as NonmemRecord;
    return { id: first.id, firstLine: first.line, lastLine: last.line, covariates: values[k] ?? {}, doses, observations, excluded, otherEvents, resets, washouts };
  });
  checkNaturalScale(subjects, file, columns.names.DV ?? 'DV');
  const endpoints: Partial<Record<EndpointName, EndpointUse>> = {};
  for (const name of ['concentration', 'biomarker'] as const) {
    const use = uses[name];
    if (use === undefined) continue;
    const sel = spec.endpoints[name];
    const inferred = name === 'biomarker' ? otherBiomarker : undefined;
    endpoints[name] = { selector: sel === undefined ? (inferred === undefined ? defaultSelectorText(name, columns, use.dvids) : `DVID ${inferred} (the one DVID value besides the concentration's)`) : selectorText(sel), unit: sel?.unit ?? null, count: use.count };
  }
  return { file, spec, header, columns, records: records.length, subjects, covariates, ignored, endpoints, blqDropped, selectionDropped: selected.dropped, units, ...(unitColumn === undefined ? {} : { timeUnitColumn: unitColumn }), ...(recordUnits === undefined ? {} : { unitColumn: recordUnits }), ...(clock.translation === undefined ? {} : { clockTime: clock.translation }) };
}

/** Contiguous rows per ID, TIME non-decreasing within each (a reset may restart it); an ID that comes back later is an error. */
function groupSubjects(records: readonly NonmemRecord[], columns: ColumnMap, file: string): NonmemRecord[][] {
  const groups: NonmemRecord[][] = [];
  const ended = new Map<string, number>();
  let current: NonmemRecord[] = [];
  for (const r of records) {
    const prev = current[current.length - 1];
    if (prev !== undefined && prev.id === r.id) {
      // as in NONMEM, a reset (EVID 3/4) may restart the clock
      if (r.timeH < prev.timeH && r.kind !== 'reset' && r.kind !== 'reset-dose') {
        throw inputError({ file, line: r.line, column: columns.names.TIME ?? 'TIME', expected: `>= ${prev.timeH} h (the time on line ${prev.line} for ID ${r.id}; time may not go backwards within a subject except at a reset, EVID 3/4)`, found: `${r.timeH} h` });
      }
      current.push(r);
      continue;
    }
    if (prev !== undefined) {
      ended.set(prev.id, prev.line);
      groups.push(current);
    }
    const endedAt = ended.get(r.id);
    if (endedAt !== undefined) {
      throw inputError({ file, line: r.line, column: columns.names.ID ?? 'ID', expected: `each subject's rows together (ID ${r.id}'s rows ended on line ${endedAt})`, found: `ID ${r.id} again` });
    }
    current = [r];
  }
  groups.push(current);
  return groups;
}

const CONCENTRATION_NAMES = new Set(['cp', 'c', 'conc', 'concentration', 'pk', 'plasma']);
const BIOMARKER_NAMES = new Set(['pd', 'e', 'effect', 'biomarker', 'response', 'resp']);

/** How an observation row maps to an endpoint: the spec's selectors, else DVID 1/2 or common names, else one observation CMT. */
function endpointRule(records: readonly NonmemRecord[], columns: ColumnMap, spec: DataSpec, file: string, other: string | undefined): (r: NonmemRecord) => EndpointName {
  const declared = (['concentration', 'biomarker'] as const).flatMap((name) => (spec.endpoints[name] === undefined ? [] : [{ name, sel: spec.endpoints[name] as EndpointSelector }]));
  const dvidCol = columns.names.DVID ?? 'DVID';
  if (declared.length > 0) {
    const known = declared.map((d) => `${d.name}: ${selectorText(d.sel)}`).join('; ');
    return (r) => {
      const hit = declared.find((d) => matches(d.sel, r));
      if (hit === undefined) {
        const column = declared.some((d) => d.sel.dvid !== undefined) ? dvidCol : (columns.names.CMT ?? 'CMT');
        throw inputError({ file, line: r.line, column, expected: `an endpoint ${spec.source} names (${known}); drop other endpoints' records with the spec's ignore: (e.g. ignore: [${column}.EQ.${column === dvidCol ? (r.dvid ?? '').trim() : String(r.cmt ?? '')}], as NONMEM's IGNORE=)`, found: `DVID ${r.dvid ?? '(none)'}, CMT ${r.cmt ?? '(none)'}` });
      }
      return hit.name;
    };
  }
  if (columns.items.DVID !== null) {
    return (r) => {
      const v = (r.dvid ?? '').trim();
      if (isConcentrationDvid(v)) return 'concentration';
      if (v === '2' || BIOMARKER_NAMES.has(v.toLowerCase()) || v === other) return 'biomarker';
      throw inputError({ file, line: r.line, column: dvidCol, expected: 'DVID 1 (concentration) or 2 (biomarker), or a common name (cp, conc, pd, effect, ...); name other endpoints in a --data-spec (endpoints:), or drop their records there (ignore:)', found: `'${v}'` });
    };
  }
  const cmts = [...new Set(records.filter((r) => r.kind === 'observation').map((r) => r.cmt))];
  if (cmts.length > 1) {
    const r = records.find((x) => x.kind === 'observation' && x.cmt === cmts[1]) as NonmemRecord;
    throw inputError({ file, line: r.line, column: columns.names.CMT ?? 'CMT', expected: `one observation CMT when there is no DVID column (or endpoints named by CMT in a --data-spec, whose ignore: drops other CMTs' records)`, found: `CMT ${cmts.join(' and ')}` });
  }
  return () => 'concentration';
}

const isConcentrationDvid = (v: string): boolean => v === '1' || CONCENTRATION_NAMES.has(v.toLowerCase());

/**
 * Two DVID values among the observations, one a concentration's (1, cp, conc, ...) and the other no
 * common name (e.g. nlmixr2data's warfarin: cp and pca): the other one is the biomarker, as there is
 * nothing else it could be; the data summary names it. Three or more values, or two unknown ones, stay
 * an error that asks for a --data-spec.
 */
function otherDvid(records: readonly NonmemRecord[]): string | undefined {
  const values = [...new Set(records.filter((r) => r.kind === 'observation').map((r) => (r.dvid ?? '').trim()))];
  if (values.length !== 2) return undefined;
  const conc = values.filter(isConcentrationDvid);
  const other = values.find((v) => !isConcentrationDvid(v));
  return conc.length === 1 && other !== undefined && other !== '' && other !== '2' && !BIOMARKER_NAMES.has(other.toLowerCase()) ? other : undefined;
}

function matches(sel: EndpointSelector, r: NonmemRecord): boolean {
  if (sel.cmt !== undefined) return r.cmt === sel.cmt;
  if (typeof sel.dvid === 'number') return r.dvid !== null && Number(r.dvid) === sel.dvid;
  return r.dvid !== null && r.dvid === sel.dvid;
}

function concentrationCmt(records: readonly NonmemRecord[], endpointOf: (r: NonmemRecord) => EndpointName): number | null {
  const r = records.find((x) => x.kind === 'observation' && x.mdv === 0 && x.cmt !== null && endpointOf(x) === 'concentration');
  return r?.cmt ?? null;
}

function selectorText(sel: EndpointSelector): string {
  return sel.cmt !== undefined ? `CMT ${sel.cmt}` : `DVID ${String(sel.dvid)}`;
}

/** The DVID values the file used for the endpoint (e.g. nlmixr2data's "cp"), and the rule that read them so. */
function defaultSelectorText(name: EndpointName, columns: ColumnMap, seen: ReadonlySet<string>): string {
  if (columns.items.DVID === null) return 'every observation (no DVID column)';
  const rule = name === 'concentration' ? '1, cp, conc, ...' : '2, pd, effect, ...';
  return `DVID ${[...seen].join(', ')} (read as the ${name}: ${rule})`;
}
