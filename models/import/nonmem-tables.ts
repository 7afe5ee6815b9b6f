/**
 * NONMEM's output tables for a model import: `.ext` (the final estimates, ITERATION -1000000000 of the
 * last table) and `.cov` (the covariance matrix of the estimates, one row per NAME). A MODEL.yaml's
 * `covariance.nonmem.map` names which THETAn / OMEGA(i,j) / SIGMA(i,j) is which of the structure's
 * parameters. NONMEM's SIGMA(i,i) is a variance where qusop keeps a standard deviation: those rows
 * and columns are converted by the delta method (d sd / d var = 1 / (2 sd)).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { decodeText } from '../../worker/common/text-file.js';
import type { CovarianceParameter } from './model-file.js';

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[];
}

/** The last `TABLE NO.` block of a NONMEM table file. */
function lastTable(text: string, path: string): Table {
  const lines = text.split(/\r?\n/);
  let start = -1;
  lines.forEach((l, i) => {
    if (/^\s*TABLE NO\./.test(l)) start = i;
  });
  if (start < 0 || lines[start + 1] === undefined) throw new InputError(`${path}: expected a NONMEM table ("TABLE NO." then a header line), found none`, { details: { file: path } });
  const header = (lines[start + 1] ?? '').trim().split(/\s+/);
  const rows: { line: number; cells: string[] }[] = [];
  for (let i = start + 2; i < lines.length && !/^\s*TABLE NO\./.test(lines[i] ?? ''); i += 1) {
    const cells = (lines[i] ?? '').trim().split(/\s+/).filter((c) => c !== '');
    if (cells.length > 0) rows.push({ line: i + 1, cells });
  }
  return { header, rows };
}

const number = (text: string, path: string, line: number, column: string): number => {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new InputError(`${path}:${line}: column ${column}: expected a number, found '${text}'`, { details: { file: path, line, column } });
  return v;
};

export function readNonmemTables(
  modelPath: string,
  extName: string,
  covName: string,
  map: Readonly<Record<string, CovarianceParameter>>,
): { parameters: CovarianceParameter[]; values: number[]; matrix: number[][] } {
  const base = resolve(modelPath, '..');
  const read = (name: string) => {
    const path = resolve(base, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new InputError(`${modelPath}: covariance.nonmem: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: modelPath } });
    }
    return { path, text: decodeText(bytes, path, 'NONMEM table') };
  };
  const ext = read(extName);
  const cov = read(covName);
  const extTable = lastTable(ext.text, ext.path);
  const final = extTable.rows.find((r) => Number(r.cells[0]) === -1000000000);
  if (final === undefined) throw new InputError(`${ext.path}: expected the final estimates (ITERATION -1000000000) in the last table, found none`, { details: { file: ext.path } });
  const names = Object.keys(map);
  const values = names.map((n) => {
    const col = extTable.header.indexOf(n);
    if (col < 0) throw new InputError(`${ext.path}: covariance.nonmem.map names ${n}, which the table does not have (columns: ${extTable.header.join(' ')})`, { details: { file: ext.path, column: n } });
    return number(final.cells[col] ?? '', ext.path, final.line, n);
  });
  const covTable = lastTable(cov.text, cov.path);
  const rowOf = new Map(covTable.rows.map((r) => [r.cells[0] ?? '', r]));
  const matrix = names.map((a) => {
    const row = rowOf.get(a);
    if (row === undefined) throw new InputError(`${cov.path}: expected a row NAME ${a} (covariance.nonmem.map names it), found rows ${[...rowOf.keys()].join(' ')}`, { details: { file: cov.path } });
    return names.map((b) => {
      const col = covTable.header.indexOf(b);
      if (col < 0) throw new InputError(`${cov.path}: expected a column ${b}, found ${covTable.header.join(' ')}`, { details: { file: cov.path, column: b } });
      return number(row.cells[col] ?? '', cov.path, row.line, b);
    });
  });
  // SIGMA variances -> standard deviations (values and covariance rows/columns)
  const slope = names.map((n, i) => ('sigma' in (map[n] as CovarianceParameter) ? 1 / (2 * Math.sqrt(values[i] ?? NaN)) : 1));
  return {
    parameters: names.map((n) => map[n] as CovarianceParameter),
    values: values.map((v, i) => ('sigma' in (map[names[i] ?? ''] as CovarianceParameter) ? Math.sqrt(v) : v)),
    matrix: matrix.map((row, i) => row.map((v, j) => v * (slope[i] ?? 1) * (slope[j] ?? 1))),
  };
}
