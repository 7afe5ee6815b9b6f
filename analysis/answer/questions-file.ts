/**
 * The questions file (`scenarios/questions/*.yaml`): dose questions a user writes, each naming its
 * endpoint, statistic over the steady-state window, comparison, threshold with unit, regimens (name,
 * tau, dose grid), targets and populations (covariate overrides written as `qusop answer --bw/--comed`
 * take them, plus `fixed:0|1` for COMED). Read like a scenario file (one UTF-8 YAML document, merge
 * keys, anchors under `definitions:`), and every error names the file, the line and the field.
 *
 * questionGroups() turns the questions into what runs: one group per (population, question measure)
 * with the union of its regimens and targets in the order they first appear, so the five EstData
 * questions (scenarios/questions/estdata.yaml) group into exactly the scenarios `qusop answer` writes.
 */
import type { Document, LineCounter } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { readTextFile } from '../../worker/common/text-file.js';
import { parseYamlText } from '../../worker/common/yaml-text.js';
import { CONCENTRATION_UNITS, toNgMl } from '../../worker/onnx/window-statistic.js';
import { biomarkerUnitMismatch } from '../../worker/model/biomarker-unit.js';
import type { QuestionSpec } from '../../worker/run-spec.js';
import { DoseGridSchema } from '../../coordinator/scenario/schema.js';
import { issueError, located } from '../../coordinator/scenario/load.js';
import { CovariatePriorSchema, type CovariatePriorInput } from '../../coordinator/scenario/covariate-priors.js';
import { parseBwOption, parseComedOption, type BwOption, type ComedOption } from './populations.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." or "-", starting with a letter or digit');

const RegimenSchema = z.strictObject({ name, tau_h: finite.positive(), doses_mg: DoseGridSchema });

const PopulationSchema = z.strictObject({
  name,
  description: z.string().optional(),
  /** as `--bw`: uniform:LO:HI or resample[:SIGMA]; absent: the base population's */
  bw: z.string().optional(),
  /** as `--comed`: bernoulli:P or observed, or fixed:0 / fixed:1; absent: the base population's */
  comed: z.string().optional(),
  /** priors of the covariates a fitted model takes beyond BW and COMED (as a scenario's population.covariates) */
  covariates: z.record(z.string(), CovariatePriorSchema).optional(),
});

const QuestionSchema = z.strictObject({
  id: name,
  text: z.string().default(''),
  endpoint: z.enum(['biomarker', 'concentration']).default('biomarker'),
  statistic: z.enum(['max', 'min', 'mean', 'trough']).default('max'),
  comparison: z.enum(['<=', '>=']).default('<='),
  // unit: a concentration's one of CONCENTRATION_UNITS (semanticChecks); the biomarker's the card's (checkBiomarkerUnits), assumed when absent
  threshold: z.strictObject({ value: finite.positive(), unit: z.string().min(1).optional() }),
  regimens: z.array(RegimenSchema).min(1),
  populations: z.array(PopulationSchema).min(1),
  targets: z.array(finite.gt(0).lt(1)).min(1),
});

export const QuestionsFileSchema = z.strictObject({
  /** free-form anchors for YAML merge keys; ignored otherwise */
  definitions: z.unknown().optional(),
  questions: z.array(QuestionSchema).min(1),
});

export type QuestionsFile = z.infer<typeof QuestionsFileSchema>;
export type QuestionInput = z.infer<typeof QuestionSchema>;

export interface QuestionRegimen {
  readonly name: string;
  readonly tauH: number;
  readonly dosesMg: { readonly start: number; readonly stop: number; readonly step: number };
}

export interface QuestionPopulation {
  readonly name: string;
  readonly description: string;
  readonly bw?: BwOption;
  readonly comed?: ComedOption | { readonly fixed: 0 | 1 };
  readonly covariates?: Readonly<Record<string, CovariatePriorInput>>;
}

/** One scenario to run: a population asked one measure, on the union of its questions' regimens and targets. */
export interface QuestionGroup {
  readonly population: QuestionPopulation;
  readonly measure: QuestionSpec;
  readonly thresholdNgMl: number;
  readonly regimens: readonly QuestionRegimen[];
  readonly targets: readonly number[];
  /** the question ids each (regimen, target) answers */
  readonly questionsOf: ReadonlyMap<string, readonly string[]>;
}

export async function loadQuestionsFile(path: string): Promise<QuestionsFile> {
  return parseQuestionsText(await readTextFile(path, 'questions file'), path);
}

export function parseQuestionsText(text: string, path: string): QuestionsFile {
  const { doc, lines, value } = parseYamlText(text, path);
  if (doc.contents === null) {
    throw new InputError(`${path}:1: the file is empty; expected a mapping with a "questions:" list (see analysis/answer/README.md)`, { details: { file: path, line: 1 } });
  }
  const parsed = QuestionsFileSchema.safeParse(value);
  if (!parsed.success) throw issueError(parsed.error.issues[0], doc, lines, path);
  semanticChecks(parsed.data, doc, lines, path);
  LOCATORS.set(parsed.data, (fieldPath, message) => located(path, doc, lines, fieldPath, message));
  return parsed.data;
}

/** Each parsed file's lines, for the checks that need a model card first (checkBiomarkerUnits). */
const LOCATORS = new WeakMap<QuestionsFile, (fieldPath: (string | number)[], message: string) => InputError>();

/**
 * A biomarker threshold is compared with the biomarker unconverted, so its unit must be the biomarker's
 * (worker/model/biomarker-unit.ts: the same unit, normalised); `expected` is the card's units.pd (or the
 * trial's, which becomes the fitted card's), `whose` says which. A mismatch: InputError naming the
 * file, line and field and the unit expected. A threshold without a unit takes `expected`.
 */
export function checkBiomarkerUnits(file: QuestionsFile, path: string, expected: string, whose: string): void {
  file.questions.forEach((q, i) => {
    const unit = q.threshold.unit;
    if (q.endpoint !== 'biomarker' || unit === undefined) return;
    const why = biomarkerUnitMismatch(unit, expected, whose);
    if (why === undefined) return;
    const fieldPath = ['questions', i, 'threshold', 'unit'];
    throw LOCATORS.get(file)?.(fieldPath, why) ?? new InputError(`${path}: questions[${i}].threshold.unit: ${why}`, { details: { file: path, field: `questions[${i}].threshold.unit` } });
  });
}

/** A question's threshold unit: as written, else (a biomarker's, which may omit it) `biomarkerUnit`. */
export const thresholdUnit = (q: QuestionInput, biomarkerUnit: string): string => q.threshold.unit ?? biomarkerUnit;

/** A question's threshold as ScenarioSpec.thresholdNgMl carries it: a concentration in ng/mL, the biomarker unconverted. */
export function questionThreshold(q: QuestionInput): number {
  return q.endpoint === 'biomarker' ? q.threshold.value : (toNgMl(q.threshold.value, q.threshold.unit ?? '') ?? NaN);
}

/** Parsed covariate overrides of a population (the strings were checked by the loader). */
export function populationOf(p: QuestionInput['populations'][number]): QuestionPopulation {
  return {
    name: p.name,
    description: p.description ?? '',
    ...(p.bw === undefined ? {} : { bw: parseBwOption(p.bw) }),
    ...(p.comed === undefined ? {} : { comed: parseComed(p.comed) }),
    ...(p.covariates === undefined ? {} : { covariates: p.covariates }),
  };
}

function parseComed(text: string): ComedOption | { fixed: 0 | 1 } {
  if (text === 'fixed:0' || text === 'fixed:1') return { fixed: text === 'fixed:0' ? 0 : 1 };
  return parseComedOption(text);
}

const measureKey = (q: QuestionInput, thresholdNgMl: number): string => `${q.endpoint}/${q.statistic}/${q.comparison}/${thresholdNgMl}`;

export function questionGroups(file: QuestionsFile): QuestionGroup[] {
  const groups = new Map<string, { population: QuestionPopulation; measure: QuestionSpec; thresholdNgMl: number; regimens: QuestionRegimen[]; targets: number[]; questionsOf: Map<string, string[]> }>();
  for (const q of file.questions) {
    const thresholdNgMl = questionThreshold(q);
    for (const p of q.populations) {
      const key = `${p.name}|${measureKey(q, thresholdNgMl)}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = { population: populationOf(p), measure: { endpoint: q.endpoint, statistic: q.statistic, comparison: q.comparison }, thresholdNgMl, regimens: [], targets: [], questionsOf: new Map() };
        groups.set(key, g);
      }
      for (const r of q.regimens) if (!g.regimens.some((x) => x.name === r.name)) g.regimens.push({ name: r.name, tauH: r.tau_h, dosesMg: r.doses_mg });
      for (const t of q.targets) if (!g.targets.includes(t)) g.targets.push(t);
      for (const r of q.regimens) {
        for (const t of q.targets) {
          const cell = `${r.name}@${t}`;
          g.questionsOf.set(cell, [...(g.questionsOf.get(cell) ?? []), q.id]);
        }
      }
    }
  }
  return [...groups.values()];
}

function semanticChecks(file: QuestionsFile, doc: Document, lines: LineCounter, path: string): void {
  const ids = new Set<string>();
  const regimens = new Map<string, string>();
  const populations = new Map<string, string>();
  file.questions.forEach((q, i) => {
    const at = (rest: (string | number)[], msg: string): never => {
      throw located(path, doc, lines, ['questions', i, ...rest], msg);
    };
    if (ids.has(q.id)) at(['id'], `duplicate question id "${q.id}"`);
    // a concentration is converted from its unit; the biomarker's unit is checked against the card (checkBiomarkerUnits)
    if (q.endpoint === 'concentration') {
      const unit = q.threshold.unit;
      if (unit === undefined) at(['threshold'], `a concentration threshold needs its unit: add unit: (one of ${CONCENTRATION_UNITS.map((u) => `"${u}"`).join(', ')})`);
      else if (toNgMl(1, unit) === undefined) at(['threshold', 'unit'], `"${unit}": expected one of ${CONCENTRATION_UNITS.map((u) => `"${u}"`).join(', ')} for a concentration threshold`);
    }
    ids.add(q.id);
    q.targets.forEach((t, k) => {
      if (q.targets.indexOf(t) !== k) at(['targets', k], `${t} repeats targets[${q.targets.indexOf(t)}]; each target once`);
    });
    q.regimens.forEach((r, j) => {
      if (r.doses_mg.start > r.doses_mg.stop) at(['regimens', j, 'doses_mg', 'start'], `start (${r.doses_mg.start}) must be <= stop (${r.doses_mg.stop})`);
      const same = JSON.stringify(r);
      const before = regimens.get(r.name);
      if (before !== undefined && before !== same) at(['regimens', j], `regimen "${r.name}" is defined differently by an earlier question (${before}); one definition per name`);
      regimens.set(r.name, same);
    });
    q.populations.forEach((p, j) => {
      for (const field of ['bw', 'comed'] as const) {
        const text = p[field];
        if (text === undefined) continue;
        try {
          if (field === 'bw') parseBwOption(text);
          else parseComed(text);
        } catch (err) {
          const msg = (err as Error).message.replace(/^--(bw|comed) /, '');
          at(['populations', j, field], field === 'comed' ? `${msg} (or fixed:0, fixed:1)` : msg);
        }
      }
      const same = JSON.stringify({ ...p, description: undefined });
      const before = populations.get(p.name);
      if (before !== undefined && before !== same) at(['populations', j], `population "${p.name}" is defined differently by an earlier question (${before}); one definition per name`);
      populations.set(p.name, same);
    });
  });
}
