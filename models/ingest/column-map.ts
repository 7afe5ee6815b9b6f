/**
 * Which column holds which NONMEM item. A spec's `columns:` names them; otherwise the standard names
 * are recognised in any letter case (CENS is read as BLQ, as nlmixr2 and Monolix name it, Y and YTYPE as DV and DVID, as
 * Monolix does, and TINF as DUR; a standard name wins over an alias). Every other column is
 * a covariate candidate (dataset.ts keeps the subject-constant ones). The mapping is reported in the
 * data summary, so a user sees what was read as what.
 */
import type { CsvRecord } from './csv-reader.js';
import { inputError, quoteFound } from './schema.js';

export const STANDARD_ITEMS = ['ID', 'TIME', 'DV', 'AMT', 'EVID', 'MDV', 'CMT', 'DVID', 'RATE', 'DUR', 'II', 'ADDL', 'SS', 'BLQ', 'LLOQ'] as const;
export type StandardItem = (typeof STANDARD_ITEMS)[number];

/** Items a trial cannot do without: subjects, times, values, dose amounts. EVID is derived from AMT and MDV when absent. */
export const REQUIRED_ITEMS: readonly StandardItem[] = ['ID', 'TIME', 'DV', 'AMT'];

/** Other tools' names for standard items: nlmixr2's and Monolix's CENS (the BLQ flag), Monolix's Y (the observation, DV) with YTYPE (its type, DVID), and TINF (the infusion duration, rxode2's DUR). */
const ALIASES: Readonly<Record<string, StandardItem>> = { CENS: 'BLQ', Y: 'DV', YTYPE: 'DVID', TINF: 'DUR' };

/**
 * Other tools' names for the observed value, offered (never taken: a file may hold several value columns,
 * or a log-transformed one) when DV is missing: xgxr's LIDV, R's CONC (Theoph, Indometh), CP, ODV. Monolix's
 * Y is taken (ALIASES): it is Monolix's observation column by definition, as YTYPE is its type; a log
 * DV read through it is refused by natural-scale.ts.
 */
const DV_CANDIDATES = ['LIDV', 'CONC', 'CP', 'ODV'] as const;

/** Said when AMT is missing: a file of concentrations alone (R's Indometh, Theoph without its dose column) has no doses to read. */
const DOSES_IN_THE_FILE = '; the doses are records of the file: an AMT column and a row per dose (AMT > 0 at its TIME, or one row with ADDL/II), e.g. a row per subject at TIME 0 with AMT 25 for one 25 mg dose (DV empty or ".")';

export interface ColumnMap {
  /** header position of each item, or null when the file has none */
  readonly items: Readonly<Record<StandardItem, number | null>>;
  /** the header's name for each item present */
  readonly names: Readonly<Partial<Record<StandardItem, string>>>;
  /** the other columns, by header position */
  readonly others: readonly { readonly name: string; readonly index: number }[];
  /** "spec" where the spec named the column, "name" where it was recognised */
  readonly how: Readonly<Partial<Record<StandardItem, 'spec' | 'name'>>>;
}

export function mapColumns(header: CsvRecord, specColumns: Readonly<Partial<Record<StandardItem, string>>>, file: string, specSource: string): ColumnMap {
  const fields = header.fields;
  const site = (column: string) => ({ file, line: header.line, column, header: true }) as const;
  // NONMEM data files often have no header (the names are the control stream's $INPUT): say so, not "no ID column"
  if (fields.length > 0 && fields.every((f) => f !== '' && Number.isFinite(Number(f)))) {
    throw inputError({ ...site(fields[0] ?? ''), expected: "a header line naming the columns (qusop reads the names from the file; NONMEM takes them from $INPUT: add those names as the first line, e.g. 'ID TIME AMT WT APGR DV')", found: `a line of numbers (${fields.slice(0, 6).join(',')}${fields.length > 6 ? ',...' : ''}): the file has no header` });
  }
  const seen = new Map<string, number>();
  fields.forEach((name, i) => {
    if (name === '') throw inputError({ ...site(`#${i + 1}`), expected: 'a column name', found: 'an empty name' });
    const prev = seen.get(name.toUpperCase());
    if (prev !== undefined) throw inputError({ ...site(name), expected: 'each column name once (names are compared in any letter case)', found: `${quoteFound(fields[prev] ?? '')} at position ${prev + 1} and ${quoteFound(name)} at ${i + 1}` });
    seen.set(name.toUpperCase(), i);
  });
  const items = Object.fromEntries(STANDARD_ITEMS.map((k) => [k, null])) as Record<StandardItem, number | null>;
  const names: Partial<Record<StandardItem, string>> = {};
  const how: Partial<Record<StandardItem, 'spec' | 'name'>> = {};
  const taken = new Set<number>();
  for (const item of STANDARD_ITEMS) {
    const wanted = specColumns[item];
    if (wanted === undefined) continue;
    const index = seen.get(wanted.toUpperCase());
    if (index === undefined) {
      throw inputError({ ...site(wanted), expected: `the column that ${specSource} names for ${item} (columns: ${fields.join(',')})`, found: 'no such column' });
    }
    if (taken.has(index)) throw inputError({ ...site(wanted), expected: `one item per column; ${specSource} names it for two items`, found: `${item} and another` });
    items[item] = index;
    names[item] = fields[index] ?? wanted;
    how[item] = 'spec';
    taken.add(index);
  }
  // standard names first, then aliases (a file with both DVID and YTYPE reads DVID, wherever each stands)
  for (const alias of [false, true]) {
    fields.forEach((name, index) => {
      if (taken.has(index)) return;
      const upper = name.toUpperCase();
      const item = alias ? ALIASES[upper] : (STANDARD_ITEMS as readonly string[]).includes(upper) ? (upper as StandardItem) : undefined;
      if (item === undefined || items[item] !== null) return;
      items[item] = index;
      names[item] = name;
      how[item] = 'name';
      taken.add(index);
    });
  }
  for (const item of REQUIRED_ITEMS) {
    if (items[item] === null) {
      throw inputError({ ...site(item), expected: `a column for ${item} (named ${item} in any letter case, or named in a --data-spec's columns:)${item === 'AMT' ? DOSES_IN_THE_FILE : ''}${item === 'DV' ? dvHint(fields) : ''}`, found: `columns ${fields.join(',')}` });
    }
  }
  const others = fields.flatMap((name, index) => (taken.has(index) ? [] : [{ name, index }]));
  return { items, names, others, how };
}

/** For a file without DV: the spec line that reads a likely value column as DV, when the file has one. */
function dvHint(fields: readonly string[]): string {
  const hit = DV_CANDIDATES.map((c) => fields.find((f) => f.toUpperCase() === c)).find((f) => f !== undefined);
  return hit === undefined ? '' : `; if ${hit} holds the observed values, a spec with columns: { dv: ${hit} }`;
}
