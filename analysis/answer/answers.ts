/**
 * answers.json: one answer per (question, population, regimen, target, model), each stating its
 * population assumptions, its uncertainty (band on p(d) at the dose, interval of the per-replicate
 * minimal dose) and the model that produced it (SCIENCE.md: "a good answer states ..."). `dose` is the
 * conservative dose (smallest grid dose whose lower band >= target); null only when the grid could not
 * be extended far enough (`flags` and `grid.stop_reason` say why).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import type { CellResult, AnswerRun } from './orchestrate.js';
import { POPULATION_TEXT, questionText, REGIMEN_TEXT, questionFor, relaxedFrom, type PopulationName, type QuestionNumber, type RegimenName } from './questions.js';
import { cardPdUnit } from '../../worker/model/biomarker-unit.js';

export const ANSWERS_JSON = 'answers.json';

export interface AnswerModelRef {
  readonly name: string;
  readonly family: string;
  readonly card: string;
  readonly version: string;
  readonly sha256: string;
  readonly test_model: boolean;
  /** parameter-uncertainty draws on the card (1: point estimate only) */
  readonly parameter_draws: number;
}

export interface Answer {
  readonly question: QuestionNumber;
  readonly question_text: string;
  /** Q5 answers: the 90 % question this one relaxes */
  readonly relaxes: QuestionNumber | null;
  readonly population: PopulationName;
  readonly population_assumptions: string;
  readonly regimen: RegimenName;
  readonly tau_h: number;
  readonly target: number;
  /** mg: the conservative dose */
  readonly dose: number | null;
  readonly mean_crossing: number | null;
  readonly replicate_median: number | null;
  /** 2.5 % and 97.5 % quantiles of the per-replicate minimal dose (mg; null: beyond the grid) */
  readonly interval: readonly [number | null, number | null];
  readonly model: AnswerModelRef;
  /** the band on p(d) at `dose` */
  readonly band: { readonly method: string; readonly level: number; readonly dose: number | null; readonly p_hat: number | null; readonly lo: number | null; readonly hi: number | null };
  readonly grid: { readonly start: number; readonly stop: number; readonly step: number; readonly extensions: number; readonly stop_reason: string };
  readonly flags: readonly string[];
  readonly run_id: string;
  /** the answer in one sentence */
  readonly statement: string;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;
const mg = (x: number | null): string => (x === null ? 'beyond the grid' : `${x} mg`);

function modelRef(cell: CellResult): AnswerModelRef {
  const { card, cardPath } = cell.model.cards[cell.regimen];
  return {
    name: cell.model.label, family: card.family, card: cardPath, version: card.version, sha256: card.sha256, test_model: card.test_model,
    parameter_draws: card.inputs.theta?.draws.length ?? 1,
  };
}

export function populationAssumptions(cell: Pick<CellResult, 'population' | 'populationLabel'>): string {
  return `${POPULATION_TEXT[cell.population]}: ${cell.populationLabel}`;
}

export function answersFor(cell: CellResult): Answer[] {
  const out: Answer[] = [];
  for (const d of cell.decisions) {
    const question = questionFor(cell.population, cell.regimen, d.target);
    if (question === undefined) continue;
    const at = d.conservative === null ? undefined : cell.curve.find((c) => c.dose === d.conservative);
    const model = modelRef(cell);
    const regimen = REGIMEN_TEXT[cell.regimen];
    const statement = d.conservative === null
      ? `No ${regimen.label} dose up to ${cell.grid.stop} mg reaches ${pct(d.target)} with its lower ${pct(d.band.level)} band (${cell.verdict === 'plateau' ? 'the curve has flattened below the target' : 'grid extension limit reached'}).`
      : `${regimen.label}: ${d.conservative} mg (mean crossing ${mg(d.mean_crossing)}; per-replicate minimal dose ${pct(0.95)} interval ${mg(d.replicate_lo)} to ${mg(d.replicate_hi)}) keeps PD <= threshold over the ${regimen.tauH} h interval in >= ${pct(d.target)} of subjects, ${POPULATION_TEXT[cell.population]}, model ${model.name}${model.test_model ? ' (TEST MODEL)' : ''}.`;
    out.push({
      question,
      question_text: questionText(question, cardPdUnit(cell.model.cards[cell.regimen].card)),
      relaxes: question === 5 ? relaxedFrom(cell.population, cell.regimen) : null,
      population: cell.population,
      population_assumptions: populationAssumptions(cell),
      regimen: cell.regimen,
      tau_h: regimen.tauH,
      target: d.target,
      dose: d.conservative,
      mean_crossing: d.mean_crossing,
      replicate_median: d.replicate_median,
      interval: [d.replicate_lo, d.replicate_hi],
      model,
      band: { method: d.band.method, level: d.band.level, dose: d.conservative, p_hat: at?.p_hat ?? null, lo: at?.band_lo ?? null, hi: at?.band_hi ?? null },
      grid: { start: cell.grid.start, stop: cell.grid.stop, step: cell.grid.step, extensions: cell.round, stop_reason: cell.verdict },
      flags: [...d.flags],
      run_id: cell.runId,
      statement,
    });
  }
  return out;
}

/** All answers, ordered by question, population, regimen, model. */
export function buildAnswers(run: Pick<AnswerRun, 'cells'>): Answer[] {
  const order = (a: Answer): string => `${a.question}|${['base', 'heavy', 'nocomed'].indexOf(a.population)}|${a.regimen}`;
  return run.cells.flatMap(answersFor).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

export async function writeAnswersJson(dir: string, answers: readonly Answer[], context: Readonly<Record<string, unknown>>): Promise<string> {
  const path = join(dir, ANSWERS_JSON);
  await writeFileAtomic(path, `${JSON.stringify({ schema: 'qusop.answers/v1', ...context, answers }, null, 2)}\n`);
  return path;
}
