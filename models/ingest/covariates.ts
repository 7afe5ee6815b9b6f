/**
 * Subject covariates: the spec's declared ones (each must be present and constant within a subject:
 * a located error otherwise, unless declared `value: baseline`, which takes each subject's first
 * non-missing value and counts the subjects whose value changes: the models take one value per
 * subject, a time-varying covariate is not modelled), or, without declarations, every non-standard column that is present and
 * constant within every subject. Kind: declared, or categorical for text and for 0/1 flags, continuous
 * for other numbers (declare a numeric code like SEX 1/2 as categorical in the spec). Reference: declared, or the median
 * (continuous) or most frequent level (categorical, ties to the smallest).
 */
import { median } from 'd3-array';
import type { ColumnMap } from './column-map.js';
import type { DataSpec } from './data-spec.js';
import { NUMBER, type NonmemRecord } from './nonmem-record.js';
import type { InputError } from '../../worker/common/errors.js';
import { inputError } from './schema.js';

export interface CovariateInfo {
  readonly name: string;
  readonly column: string;
  readonly kind: 'continuous' | 'categorical';
  readonly reference: number | string;
  readonly unit: string | null;
  readonly declared: boolean;
  /** continuous: [min, max] over subjects; categorical: levels with subject counts */
  readonly range?: readonly [number, number];
  readonly levels?: readonly { readonly level: number | string; readonly subjects: number }[];
  /** declared `value: baseline`: how many subjects' values change after their first one */
  readonly baseline?: { readonly changing: number };
}

export interface IgnoredColumn {
  readonly name: string;
  readonly why: string;
  /** the located error this column would raise as a declared covariate (a consumer that needs it throws this) */
  readonly error?: InputError;
}

export function subjectCovariates(
  groups: readonly (readonly NonmemRecord[])[],
  columns: ColumnMap,
  spec: DataSpec,
  file: string,
): { covariates: CovariateInfo[]; ignored: IgnoredColumn[]; values: Record<string, number | string>[] } {
  const byName = new Map(columns.others.map((o) => [o.name.toUpperCase(), o]));
  const missing = new Set(spec.missing);
  const wanted: { name: string; column: string; index: number; declared: boolean; baseline: boolean }[] = [];
  const ignored: IgnoredColumn[] = [];
  if (spec.covariates !== undefined) {
    for (const [name, decl] of Object.entries(spec.covariates)) {
      const col = byName.get(decl.column.toUpperCase());
      if (col === undefined) {
        const header = groups[0]?.[0];
        throw inputError({ file, line: header === undefined ? null : 1, column: decl.column, header: true, expected: `the column ${spec.source} declares for covariate ${name}`, found: `columns ${columns.others.map((o) => o.name).join(',') || '(no other columns)'}` });
      }
      wanted.push({ name, column: col.name, index: col.index, declared: true, baseline: decl.value === 'baseline' });
    }
    const used = new Set(wanted.map((w) => w.index));
    for (const o of columns.others) if (!used.has(o.index)) ignored.push({ name: o.name, why: 'not declared in the spec' });
  } else {
    for (const o of columns.others) wanted.push({ name: o.name, column: o.name, index: o.index, declared: false, baseline: false });
  }
  const values: Record<string, number | string>[] = groups.map(() => ({}));
  const covariates: CovariateInfo[] = [];
  for (const w of wanted) {
    const per: string[] = [];
    let changing = 0;
    let problem: { why: string; error: InputError } | undefined;
    const absent = (v: string): boolean => missing.has(v) || v === '';
    for (const g of groups) {
      // a baseline is the first value given; a constant covariate must be given on the subject's first record
      const first = (w.baseline ? g.find((r) => !absent(r.fields[w.index] ?? '')) : undefined) ?? (g[0] as NonmemRecord);
      const v = first.fields[w.index] ?? '';
      const bad = g.find((r) => !sameValue(r.fields[w.index] ?? '', v) && !(w.baseline && absent(r.fields[w.index] ?? '')));
      if (absent(v)) {
        problem = { why: `missing for ID ${first.id} (line ${first.line})`, error: inputError({ file, line: first.line, column: w.column, expected: `a value of covariate ${w.name} for ID ${first.id}`, found: `'${v}'` }) };
      } else if (bad !== undefined && w.baseline) {
        changing += 1;
      } else if (bad !== undefined) {
        const declare = `covariates: { ${w.name}: { column: ${w.column}, value: baseline } }`;
        problem = {
          why: `changes within ID ${first.id} (lines ${first.line} and ${bad.line})`,
          error: inputError({ file, line: bad.line, column: w.column, expected: `${v} (covariate ${w.name} of ID ${first.id} on line ${first.line}: a covariate is constant within a subject; to use each subject's first value, a spec's ${declare})`, found: `'${bad.fields[w.index] ?? ''}'` }),
        };
      }
      if (problem !== undefined) break;
      per.push(v);
    }
    if (problem !== undefined) {
      if (w.declared) throw problem.error;
      ignored.push({ name: w.column, ...problem });
      continue;
    }
    const decl = spec.covariates?.[w.name];
    const numeric = per.every((v) => NUMBER.test(v));
    const flag = per.every((v) => v === '0' || v === '1');
    const kind = decl?.kind ?? (!numeric || flag ? 'categorical' : 'continuous');
    if (kind === 'continuous' && !numeric) {
      const k = per.findIndex((v) => !NUMBER.test(v));
      const first = groups[k]?.[0] as NonmemRecord;
      throw inputError({ file, line: first.line, column: w.column, expected: `a number (covariate ${w.name} is continuous)`, found: `'${per[k] ?? ''}'` });
    }
    const typed = per.map((v) => (numeric ? Number(v) : v));
    typed.forEach((v, k) => ((values[k] as Record<string, number | string>)[w.name] = v));
    const info = describe(w.name, w.column, kind, typed, decl?.reference, decl?.unit ?? null, w.declared);
    covariates.push(w.baseline ? { ...info, baseline: { changing } } : info);
  }
  return { covariates, ignored, values };
}

/** 60 and 60.0 are the same weight; text compares as written. */
function sameValue(a: string, b: string): boolean {
  return a === b || (NUMBER.test(a) && NUMBER.test(b) && Number(a) === Number(b));
}

function describe(name: string, column: string, kind: 'continuous' | 'categorical', typed: (number | string)[], reference: number | string | undefined, unit: string | null, declared: boolean): CovariateInfo {
  if (kind === 'continuous') {
    const xs = typed as number[];
    return { name, column, kind, reference: reference ?? (median(xs) as number), unit, declared, range: [Math.min(...xs), Math.max(...xs)] };
  }
  const counts = new Map<number | string, number>();
  for (const v of typed) counts.set(v, (counts.get(v) ?? 0) + 1);
  const levels = [...counts.entries()].map(([level, subjects]) => ({ level, subjects })).sort((a, b) => (a.level < b.level ? -1 : a.level > b.level ? 1 : 0));
  const mode = [...levels].sort((a, b) => b.subjects - a.subjects)[0]?.level ?? '';
  return { name, column, kind, reference: reference ?? mode, unit, declared, levels };
}
