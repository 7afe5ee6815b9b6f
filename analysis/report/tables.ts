/**
 * The report's derived tables, from answers only (never recomputed from curves, so the 75 % vs 90 %
 * table and the coherence table are exactly the runs' decisions):
 *   reduction   — per (population, regimen, model): 90 % dose, 75 % dose, saving in mg and % of the 90 % dose
 *   coherence   — per (population, target, model): weekly dose vs 7 x daily dose, % difference
 *   comparison  — per (question cell): each model's dose, mean crossing and interval, and the spread between models
 * Doses are the conservative ones (the answers' `dose`); null propagates as "not reached".
 */
import type { Answer } from '../answer/answers.js';
import { PRIMARY_TARGET, RELAXED_TARGET, type PopulationName, type RegimenName } from '../answer/questions.js';

type A = Pick<Answer, 'population' | 'regimen' | 'target' | 'dose' | 'model' | 'question'>;

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export interface ReductionRow {
  readonly population: PopulationName;
  readonly regimen: RegimenName;
  readonly model: string;
  readonly dose90: number | null;
  readonly dose75: number | null;
  /** dose90 - dose75 (mg) */
  readonly reductionMg: number | null;
  /** 100 (dose90 - dose75) / dose90 */
  readonly reductionPercent: number | null;
}

export function reductionRows(answers: readonly A[]): ReductionRow[] {
  const rows: ReductionRow[] = [];
  for (const a90 of answers.filter((a) => same(a.target, PRIMARY_TARGET))) {
    const a75 = answers.find((a) => same(a.target, RELAXED_TARGET) && a.population === a90.population && a.regimen === a90.regimen && a.model.name === a90.model.name);
    const d90 = a90.dose;
    const d75 = a75?.dose ?? null;
    const both = d90 !== null && d75 !== null;
    rows.push({
      population: a90.population, regimen: a90.regimen, model: a90.model.name, dose90: d90, dose75: d75,
      reductionMg: both ? round(d90 - d75, 6) : null,
      reductionPercent: both && d90 > 0 ? round((100 * (d90 - d75)) / d90) : null,
    });
  }
  return rows;
}

/** SCIENCE.md's scale-up plan asks daily/weekly coherence within 5 %. */
export const COHERENCE_TOLERANCE_PERCENT = 5;

export interface CoherenceRow {
  readonly population: PopulationName;
  readonly target: number;
  readonly model: string;
  readonly qdDose: number | null;
  readonly qwDose: number | null;
  /** 7 x the daily dose: the weekly amount the daily regimen gives */
  readonly weeklyFromDaily: number | null;
  /** 100 (qw - 7 qd) / (7 qd) */
  readonly differencePercent: number | null;
  readonly withinTolerance: boolean | null;
}

export function coherenceRows(answers: readonly A[]): CoherenceRow[] {
  const rows: CoherenceRow[] = [];
  for (const qd of answers.filter((a) => a.regimen === 'qd')) {
    const qw = answers.find((a) => a.regimen === 'qw' && a.population === qd.population && same(a.target, qd.target) && a.model.name === qd.model.name);
    const weekly = qd.dose === null ? null : round(7 * qd.dose, 6);
    const qwDose = qw?.dose ?? null;
    const diff = weekly === null || qwDose === null || weekly === 0 ? null : round((100 * (qwDose - weekly)) / weekly);
    rows.push({
      population: qd.population, target: qd.target, model: qd.model.name, qdDose: qd.dose, qwDose, weeklyFromDaily: weekly,
      differencePercent: diff, withinTolerance: diff === null ? null : Math.abs(diff) <= COHERENCE_TOLERANCE_PERCENT,
    });
  }
  return rows;
}

/** One model's answer in a comparison cell; mean crossing and interval are null when the answer lacks them. */
export interface ComparisonEntry {
  readonly dose: number | null;
  readonly meanCrossing: number | null;
  readonly interval: readonly [number | null, number | null] | null;
}

export interface ComparisonRow {
  readonly question: number;
  readonly population: PopulationName;
  readonly regimen: RegimenName;
  readonly target: number;
  /** model name -> conservative dose */
  readonly doses: Readonly<Record<string, number | null>>;
  /** model name -> dose, mean crossing and per-replicate interval */
  readonly entries: Readonly<Record<string, ComparisonEntry>>;
  /** 100 (max - min) / min over models with a dose; null when fewer than two have one */
  readonly spreadPercent: number | null;
}

export function comparisonRows(answers: readonly (A & Partial<Pick<Answer, 'mean_crossing' | 'interval'>>)[]): ComparisonRow[] {
  const byCell = new Map<string, { first: A; doses: Record<string, number | null>; entries: Record<string, ComparisonEntry> }>();
  for (const a of answers) {
    const key = `${a.population}|${a.regimen}|${a.target}`;
    const cell = byCell.get(key) ?? { first: a, doses: {}, entries: {} };
    cell.doses[a.model.name] = a.dose;
    cell.entries[a.model.name] = { dose: a.dose, meanCrossing: a.mean_crossing ?? null, interval: a.interval ?? null };
    byCell.set(key, cell);
  }
  return [...byCell.values()].map(({ first, doses, entries }) => {
    const values = Object.values(doses).filter((d): d is number => d !== null);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return {
      question: first.question, population: first.population, regimen: first.regimen, target: first.target, doses, entries,
      spreadPercent: values.length >= 2 && lo > 0 ? round((100 * (hi - lo)) / lo) : null,
    };
  });
}
