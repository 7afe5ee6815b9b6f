/**
 * EstData rewritten in other NONMEM layouts a pharmacometrician's files use (issue 16's acceptance):
 * each rewrite keeps the same information, so reading it must give the same subjects, doses,
 * observations and covariates. Generated here from data/EstData.csv, never committed by hand.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export interface Layout {
  readonly name: string;
  readonly csv: string;
  /** dataset spec text (YAML), when the layout needs one */
  readonly spec?: string;
}

type Row = Record<string, string>;

function parse(text: string): { header: string[]; rows: Row[] } {
  const lines = text.trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i] ?? `#${i}`, v]))) };
}

function write(header: readonly string[], rows: readonly Row[]): string {
  return `${[header.join(','), ...rows.map((r) => header.map((h) => r[h] ?? '.').join(','))].join('\n')}\n`;
}

/** A deterministic pseudo-random number in [0, 1) from a string (for covariates and noise). */
function hashUnit(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h / 2 ** 32;
}

/** Doses of one subject compressed to runs of equal amount and spacing: first dose + II + ADDL. */
function compressDoses(rows: readonly Row[]): Row[] {
  const out: Row[] = [];
  const doses = rows.filter((r) => r['EVID'] === '1');
  const others = rows.filter((r) => r['EVID'] !== '1');
  for (let i = 0; i < doses.length; ) {
    const first = doses[i] as Row;
    let j = i + 1;
    const ii = j < doses.length ? Number((doses[j] as Row)['TIME']) - Number(first['TIME']) : 0;
    while (j < doses.length && (doses[j] as Row)['AMT'] === first['AMT'] && Number((doses[j] as Row)['TIME']) - Number((doses[j - 1] as Row)['TIME']) === ii && ii > 0) j += 1;
    out.push({ ...first, II: j - i > 1 ? String(ii) : '0', ADDL: String(j - i - 1) });
    i = j;
  }
  // doses first at equal times, as the original orders them
  return [...out, ...others].sort((a, b) => Number(a['TIME']) - Number(b['TIME']) || Number(b['EVID']) - Number(a['EVID']));
}

export async function estDataLayouts(): Promise<{ original: string; layouts: Layout[] }> {
  const original = await readFile(join(ROOT, 'data', 'EstData.csv'), 'utf8');
  const { header, rows } = parse(original);
  const byId = new Map<string, Row[]>();
  for (const r of rows) byId.set(r['ID'] ?? '', [...(byId.get(r['ID'] ?? '') ?? []), r]);
  const layouts: Layout[] = [];
  layouts.push({ name: 'lowercase names, reordered', csv: write(['time', 'id', 'dv', 'amt', 'evid', 'mdv', 'cmt', 'dvid', 'bw', 'comed', 'dose'], rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])))) });
  layouts.push({
    name: 'renamed columns with a spec',
    csv: write(['SUBJ', 'TAD', 'CONC', 'AMT', 'EVID', 'MDV', 'CMT', 'TYPE', 'WT', 'COMED', 'DOSE'], rows.map((r) => ({ ...r, SUBJ: r['ID'] ?? '', TAD: r['TIME'] ?? '', CONC: r['DV'] ?? '', TYPE: r['DVID'] ?? '', WT: r['BW'] ?? '' }))),
    spec: 'columns: { id: SUBJ, time: TAD, dv: CONC, dvid: TYPE }\ncovariates:\n  BW: { column: WT, kind: continuous, reference: 70, unit: kg }\n  COMED: { kind: categorical, reference: 0 }\n  DOSE: { kind: continuous }\nweight: BW\n',
  });
  layouts.push({
    name: 'string DVIDs',
    csv: write(header, rows.map((r) => ({ ...r, DVID: r['DVID'] === '1' ? 'cp' : r['DVID'] === '2' ? 'pca' : '.' }))),
    spec: 'endpoints:\n  concentration: { dvid: cp, unit: mg/L }\n  biomarker: { dvid: pca, unit: ng/mL }\n',
  });
  layouts.push({ name: 'dosing compressed with II/ADDL', csv: write([...header, 'II', 'ADDL'], [...byId.values()].flatMap((rs) => compressDoses(rs))) });
  layouts.push({
    name: 'time in days',
    csv: write(header, rows.map((r) => ({ ...r, TIME: String(Number(r['TIME']) / 24) }))),
    spec: 'time_unit: d\n',
  });
  layouts.push({
    name: 'extra covariates AGE, SEX, CRCL',
    csv: write([...header, 'AGE', 'SEX', 'CRCL'], rows.map((r) => {
      const u = hashUnit(`subject ${r['ID']}`);
      return { ...r, AGE: String(20 + Math.floor(50 * u)), SEX: hashUnit(`sex ${r['ID']}`) < 0.5 ? 'M' : 'F', CRCL: (60 + 60 * hashUnit(`crcl ${r['ID']}`)).toFixed(1) };
    })),
  });
  layouts.push({
    name: 'BLQ-flagged rows (none below the limit) and an LLOQ column',
    csv: write([...header, 'BLQ', 'LLOQ'], rows.map((r) => ({ ...r, BLQ: '0', LLOQ: r['DVID'] === '1' ? '0.001' : '.' }))),
  });
  layouts.push({
    name: 'CRLF line ends, a UTF-8 byte-order mark and NA for missing',
    csv: `\uFEFF${write(header, rows).replace(/\n/g, '\r\n')}`,
    spec: 'missing: [".", "NA"]\n',
  });
  return { original, layouts };
}
