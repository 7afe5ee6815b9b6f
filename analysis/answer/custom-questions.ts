/**
 * `qusop answer --questions Q.yaml` for questions other than the five EstData ones: one run whose
 * scenarios are the file's (population, measure) groups (questions-file.ts) on each model's card for
 * the regimen's tau, then one answer per (question, population, regimen, target, model) read from the
 * run's decisions. The five-question report (and the calibration check, which is about max PD) belong
 * to the five questions; here DIR holds the run, answers.json and the table printed on stdout.
 * A file that asks exactly the five questions (isFiveQuestions) goes the five-question way instead.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { DEFAULT_QUESTION, type QuestionSpec } from '../../worker/run-spec.js';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import type { AnswerModel } from './models.js';
import { bandFor, pathForFile, writeScenarioFile } from './scenario-file.js';
import { SCENARIO_FILE, type RoundResult, type RunExecutor } from './orchestrate.js';
import { questionGroups, type QuestionGroup, type QuestionsFile } from './questions-file.js';
import { modelsPdUnit } from './threshold-units.js';
import type { BwOption, ComedOption } from './populations.js';
import { POPULATIONS, REGIMENS, REGIMEN_TEXT, TARGETS } from './questions.js';
import { DEFAULT_GRIDS } from './grid-extension.js';

export interface CustomSettings {
  readonly file: { readonly path: string; readonly sha256: string };
  /** absent (`qusop stress MODEL`): no population may resample a trial or use its COMED rate */
  readonly trial?: string;
  readonly dataSpec?: string;
  readonly base: { readonly bw: BwOption; readonly comed: ComedOption };
  readonly replicates: number;
  readonly subjects: number;
  readonly seed: number;
  readonly models: readonly AnswerModel[];
  readonly outDir: string;
  /** model averaging (`--average`): one weight per model, in models' order (model-average.ts) */
  readonly averageWeights?: readonly number[];
}

export interface CustomAnswer {
  readonly question: string;
  readonly population: string;
  readonly regimen: string;
  readonly model: string;
  readonly target: number;
  readonly endpoint: QuestionSpec['endpoint'];
  readonly statistic: QuestionSpec['statistic'];
  readonly comparison: QuestionSpec['comparison'];
  /** as the question gives it; a biomarker threshold without a unit is in the card's units.pd (`unit_assumed`) */
  readonly threshold: { readonly value: number; readonly unit: string; readonly unit_assumed?: true };
  /** conservative dose (smallest grid dose whose lower band >= target), mg */
  readonly dose: number | null;
  readonly mean_crossing: number | null;
  readonly interval: readonly [number | null, number | null];
  readonly flags: readonly string[];
}

/** The file asks the five EstData questions with their measure and threshold: the classic path answers it byte for byte. */
export function isFiveQuestions(file: QuestionsFile, thresholdNgMl: number): boolean {
  const groups = questionGroups(file);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const overrides: Record<string, unknown> = { base: {}, heavy: { bw: { uniform: { min_kg: 70, max_kg: 140 } } }, nocomed: { comed: { fixed: 0 } } };
  return (
    same(groups.map((g) => g.population.name), POPULATIONS) &&
    groups.every((g) =>
      same(g.measure, DEFAULT_QUESTION) && g.thresholdNgMl === thresholdNgMl && same(g.targets, TARGETS) &&
      same(g.regimens, REGIMENS.map((r) => ({ name: r, tauH: REGIMEN_TEXT[r].tauH, dosesMg: DEFAULT_GRIDS[r] }))) &&
      same({ ...(g.population.bw === undefined ? {} : { bw: g.population.bw }), ...(g.population.comed === undefined ? {} : { comed: g.population.comed }) }, overrides[g.population.name]),
    )
  );
}

/** The models qusop answer runs are QD (24 h) + QW (168 h) card pairs: a regimen of another tau has no card. */
export function checkAnswerRegimens(file: QuestionsFile, path: string): void {
  file.questions.forEach((q, i) => q.regimens.forEach((r, j) => {
    if (!REGIMENS.some((x) => Math.abs(REGIMEN_TEXT[x].tauH - r.tau_h) < 1e-9)) {
      throw new InputError(`${path}: questions[${i}].regimens[${j}].tau_h: ${r.tau_h} h: qusop answer's models are QD (24 h) and QW (168 h) cards; expected 24 or 168`, { details: { file: path, field: `questions[${i}].regimens[${j}].tau_h` } });
    }
  }));
}

/** Scenario names: the population's, suffixed by the measure when one population is asked several. */
export function scenarioNames(groups: readonly QuestionGroup[]): string[] {
  return groups.map((g, i) => (groups.filter((h) => h.population.name === g.population.name).length > 1 ? `${g.population.name}.${i + 1}` : g.population.name));
}

export const regimenName = (regimen: string, model: AnswerModel, models: readonly AnswerModel[]): string => (models.length > 1 ? `${regimen}.${model.label}` : regimen);

/** The scenario regimen name of a regimen's model average. */
export const averageName = (regimen: string): string => `${regimen}.${AVERAGE_LABEL}`;
export const AVERAGE_LABEL = 'average';

function cardFor(model: AnswerModel, tauH: number, regimen: string, file: string): string {
  const card = Object.values(model.cards).find((c) => Math.abs(c.card.regimen.tau_h - tauH) < 1e-9);
  if (card === undefined) {
    const have = Object.values(model.cards).map((c) => `${c.card.regimen.tau_h} h`).join(', ');
    throw new InputError(`${file}: regimen "${regimen}" has tau_h ${tauH} h but model "${model.label}" has cards for ${have} only`, { details: { file, field: 'regimens' } });
  }
  return card.cardPath;
}

export function customScenarioDocument(groups: readonly QuestionGroup[], s: CustomSettings, fileDir: string): { scenarios: Record<string, unknown>[] } {
  const names = scenarioNames(groups);
  const trial = s.trial === undefined ? undefined : pathForFile(fileDir, s.trial);
  const spec = s.dataSpec === undefined ? undefined : pathForFile(fileDir, s.dataSpec);
  return {
    scenarios: groups.map((g, i) => {
      const bw = g.population.bw ?? s.base.bw;
      const comed = g.population.comed ?? s.base.comed;
      // a model with declared covariate effects resamples the covariates the population does not name
      const takesMore = s.models.some((m) => Object.values(m.cards).some((c) => c.card.inputs.covariates.slice(3).some((n) => g.population.covariates?.[n] === undefined)));
      const needsTrial = 'resample' in bw || comed === 'observed' || (takesMore && trial !== undefined);
      if (needsTrial && trial === undefined) {
        throw new InputError(`population "${g.population.name}" resamples trial weights or uses the trial's COMED rate, and no trial CSV was given; give --bw uniform:LO:HI and --comed bernoulli:P (or a trial)`, { details: { field: '--bw' } });
      }
      const m = g.measure;
      return {
        name: names[i],
        description: g.population.description,
        population: { ...(needsTrial ? { subjects_source: trial, ...(spec === undefined ? {} : { subjects_spec: spec }) } : {}), bw, comed, ...(g.population.covariates === undefined ? {} : { covariates: g.population.covariates }) },
        ...(m.endpoint === DEFAULT_QUESTION.endpoint ? {} : { endpoint: m.endpoint }),
        ...(m.statistic === DEFAULT_QUESTION.statistic ? {} : { statistic: m.statistic }),
        ...(m.comparison === DEFAULT_QUESTION.comparison ? {} : { comparison: m.comparison }),
        threshold_ng_ml: g.thresholdNgMl,
        targets: [...g.targets],
        replicates: s.replicates,
        subjects: s.subjects,
        seed: s.seed,
        band: bandFor(s.models),
        regimens: g.regimens.flatMap((r) => s.models.map((model) => ({
          name: regimenName(r.name, model, s.models),
          tau_h: r.tauH,
          model: pathForFile(fileDir, cardFor(model, r.tauH, r.name, s.file.path)),
          doses_mg: { ...r.dosesMg },
        }))),
        ...(s.averageWeights === undefined ? {} : {
          model_average: g.regimens.map((r) => ({ name: averageName(r.name), members: s.models.map((model, k) => ({ regimen: regimenName(r.name, model, s.models), weight: s.averageWeights?.[k] ?? 0 })) })),
        }),
      };
    }),
  };
}

export function customAnswers(file: QuestionsFile, groups: readonly QuestionGroup[], models: readonly AnswerModel[], decisions: readonly Decision[]): CustomAnswer[] {
  const names = scenarioNames(groups);
  const out: CustomAnswer[] = [];
  groups.forEach((g, i) => {
    for (const r of g.regimens) {
      for (const target of g.targets) {
        for (const id of g.questionsOf.get(`${r.name}@${target}`) ?? []) {
          // each model's answer, then the models' average when the run has one (--average)
          const averaged = decisions.some((x) => x.scenario === names[i] && x.regimen === averageName(r.name));
          for (const [label, regimen] of [...models.map((m) => [m.label, regimenName(r.name, m, models)]), ...(averaged ? [[AVERAGE_LABEL, averageName(r.name)]] : [])]) {
            const d = decisions.find((x) => x.scenario === names[i] && x.regimen === regimen && x.target === target);
            if (d === undefined) throw new InputError(`no decision for question ${id}: ${names[i]} ${r.name} ${target}`);
            const q = file.questions.find((x) => x.id === id);
            const threshold = q === undefined ? { value: g.thresholdNgMl, unit: 'ng/mL' } : q.threshold.unit === undefined ? { value: q.threshold.value, unit: modelsPdUnit(models), unit_assumed: true as const } : { value: q.threshold.value, unit: q.threshold.unit };
            out.push({
              question: id, population: g.population.name, regimen: r.name, model: label ?? '', target, ...g.measure, threshold: { ...threshold },
              dose: d.conservative, mean_crossing: d.mean_crossing, interval: [d.replicate_lo, d.replicate_hi], flags: d.flags,
            });
          }
        }
      }
    }
  });
  const order = file.questions.map((q) => q.id);
  return out.sort((a, b) => order.indexOf(a.question) - order.indexOf(b.question));
}

export async function answerCustomQuestions(file: QuestionsFile, s: CustomSettings, execute: RunExecutor): Promise<{ result: RoundResult; answers: CustomAnswer[] }> {
  const groups = questionGroups(file);
  const scenarioPath = join(s.outDir, SCENARIO_FILE);
  await writeScenarioFile(scenarioPath, customScenarioDocument(groups, s, s.outDir), [
    `Written by \`qusop answer --questions ${s.file.path}\` (sha256 ${s.file.sha256}): one scenario per (population, measure).`,
    'Reproduce this run with: qusop run <this file> --out <dir>',
  ]);
  const result = await execute(scenarioPath, s.outDir, 0);
  return { result, answers: customAnswers(file, groups, s.models, result.decisions) };
}

export async function writeCustomAnswersJson(outDir: string, answers: readonly CustomAnswer[], context: Record<string, unknown>): Promise<string> {
  const path = join(outDir, 'answers.json');
  await writeFile(path, `${JSON.stringify({ ...context, answers }, null, 2)}\n`);
  return path;
}

/** The plain-text table for a terminal. */
export function customAnswerTable(answers: readonly CustomAnswer[], testModel: boolean): string {
  const mgs = (x: number | null): string => (x === null ? '—' : `${x} mg`);
  const header = ['question', 'population', 'regimen', 'measure', 'target', 'dose', 'mean crossing', 'model', 'flags'];
  const rows = answers.map((x) => [x.question, x.population, x.regimen, `${x.statistic} ${x.endpoint} ${x.comparison} ${x.threshold.value} ${x.threshold.unit}${x.threshold.unit_assumed === true ? ' (the card\'s unit: none given)' : ''}`, percentLabel(x.target), mgs(x.dose), mgs(x.mean_crossing), x.model, x.flags.join(',') || '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [`questions${testModel ? ' (TEST MODEL: not dose recommendations)' : ''}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
