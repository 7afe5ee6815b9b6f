/**
 * The scenario file of a stress run: the chosen question (one id of a questions file; default the
 * first EstData question, Q1) asked of its first population shifted to each sweep value, one scenario
 * per (parameter, value), all in ONE run. Every scenario carries `random_stream: <base population>`,
 * so all of them, and `qusop answer`'s scenario of the base population, draw the same virtual subjects
 * (same seed, same Philox key): common random numbers across the shift, which is what makes the curve
 * of the minimal dose against the shift smooth (only the shifted covariate differs between scenarios).
 * The scenarios are written by answer's questions-file writer (customScenarioDocument), so a shift value
 * equal to the base population gives exactly answer's population block.
 */
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { customScenarioDocument, type CustomSettings } from '../answer/custom-questions.js';
import { questionGroups, type QuestionGroup, type QuestionInput, type QuestionsFile } from '../answer/questions-file.js';
import { SCENARIO_FILE } from '../answer/orchestrate.js';
import { writeScenarioFile } from '../answer/scenario-file.js';
import { shiftedPopulation, shiftScenarioName, type Shift, type ShiftValue, type StressPopulation } from './shift.js';

/** The question a stress run asks, and the base population it shifts. */
export interface StressQuestion {
  readonly question: QuestionInput;
  /** the question's first population, completed by --bw/--comed where it leaves a covariate open */
  readonly group: QuestionGroup;
  readonly base: StressPopulation;
}

/** One scenario of the run: a shift value. */
export interface StressCell {
  readonly shift: Shift;
  readonly value: ShiftValue;
  readonly scenario: string;
  readonly population: StressPopulation;
}

/** The question with id `id` (default: the file's first), asked of its first population. */
export function pickQuestion(file: QuestionsFile, path: string, id: string | undefined, base: StressPopulation): StressQuestion {
  const question = id === undefined ? file.questions[0] : file.questions.find((q) => q.id === id);
  if (question === undefined) {
    throw new InputError(`--question ${id ?? ''}: ${path} has no question with that id (ids: ${file.questions.map((q) => q.id).join(', ')})`, { details: { file: path, field: '--question' } });
  }
  const first = question.populations[0];
  const group = questionGroups({ questions: [{ ...question, populations: first === undefined ? [] : [first] }] })[0];
  if (group === undefined) throw new InputError(`${path}: question ${question.id} has no population`, { details: { file: path, field: 'populations' } });
  return { question, group, base: { bw: group.population.bw ?? base.bw, comed: group.population.comed ?? base.comed } };
}

export function stressCells(q: StressQuestion, shifts: readonly Shift[]): StressCell[] {
  return shifts.flatMap((shift) => shift.values.map((value) => ({ shift, value, scenario: shiftScenarioName(shift, value), population: shiftedPopulation(q.base, shift, value) })));
}

/** The run's scenarios: the question's group once per cell, each population replaced, all on the base population's random stream. */
export function stressScenarioDocument(q: StressQuestion, cells: readonly StressCell[], s: CustomSettings): { scenarios: Record<string, unknown>[] } {
  const stream = q.group.population.name;
  const groups: QuestionGroup[] = cells.map((c) => ({
    ...q.group,
    population: { name: c.scenario, description: `${q.group.population.name} with --shift ${c.shift.param}=${c.value.label}`, bw: c.population.bw, comed: c.population.comed },
  }));
  const doc = customScenarioDocument(groups, s, s.outDir);
  return { scenarios: doc.scenarios.map((sc) => ({ name: sc['name'], random_stream: stream, ...sc })) };
}

export async function writeStressScenarios(q: StressQuestion, cells: readonly StressCell[], s: CustomSettings, shifts: readonly Shift[]): Promise<string> {
  const path = join(s.outDir, SCENARIO_FILE);
  await writeScenarioFile(path, stressScenarioDocument(q, cells, s), [
    `Written by \`qusop stress\` (${shifts.map((x) => `--shift ${x.text}`).join(' ')}): question ${q.question.id} of ${s.file.path},`,
    `its population "${q.group.population.name}" shifted, one scenario per value; all share random_stream ${q.group.population.name} (common random numbers).`,
    'Reproduce this run with: qusop run <this file> --out <dir>',
  ]);
  return path;
}
