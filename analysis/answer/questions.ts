/**
 * The five questions of SCIENCE.md as (population, regimen, target) cells. Three populations x two
 * regimens x two targets cover all of them in the same runs: Q5 is "all of the above at 75 %", so its
 * answers are the 75 % decisions of the very runs that answer Q1-Q4 (never a separate computation).
 */

export const POPULATIONS = ['base', 'heavy', 'nocomed'] as const;
export type PopulationName = (typeof POPULATIONS)[number];

export const REGIMENS = ['qd', 'qw'] as const;
export type RegimenName = (typeof REGIMENS)[number];

/** The question's main target and the relaxed one Q5 asks about. */
export const PRIMARY_TARGET = 0.9;
export const RELAXED_TARGET = 0.75;
export const TARGETS: readonly number[] = [PRIMARY_TARGET, RELAXED_TARGET];

export type QuestionNumber = 1 | 2 | 3 | 4 | 5;

export const QUESTION_TEXT: Readonly<Record<QuestionNumber, string>> = {
  1: 'Once-daily dose (0.5 mg steps) so that >= 90 % of subjects keep PD <= 3.3 ng/mL throughout the 24 h dosing interval at steady state',
  2: 'Once-weekly dose (5 mg steps) with the same effect over the 168 h interval at steady state',
  3: 'Both doses if body weight is 70-140 kg instead',
  4: 'Both doses if concomitant medication is not allowed (COMED = 0)',
  5: 'All of the above at >= 75 % instead of 90 %',
};

/**
 * A question's text with the biomarker in the card's unit (units.pd): the threshold 3.3 is compared
 * unconverted, so on a card in % it is 3.3 % (worker/model/biomarker-unit.ts). EstData's: QUESTION_TEXT.
 */
export function questionText(q: QuestionNumber, pdUnit: string): string {
  return QUESTION_TEXT[q].replace('PD <= 3.3 ng/mL', `PD <= 3.3 ${pdUnit}`);
}

/** How each population differs from the trial, in words (the numbers come from the compiled scenario). */
export const POPULATION_TEXT: Readonly<Record<PopulationName, string>> = {
  base: 'population like the trial',
  heavy: 'body weight 70-140 kg',
  nocomed: 'no concomitant medication (COMED = 0)',
};

/** Short labels for table cells and plot titles. */
export const POPULATION_SHORT: Readonly<Record<PopulationName, string>> = {
  base: 'like the trial',
  heavy: 'BW 70–140 kg',
  nocomed: 'no COMED',
};

export const REGIMEN_TEXT: Readonly<Record<RegimenName, { label: string; tauH: number; step: string }>> = {
  qd: { label: 'once daily (QD)', tauH: 24, step: '0.5 mg' },
  qw: { label: 'once weekly (QW)', tauH: 168, step: '5 mg' },
};

const sameTarget = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/** The question a (population, regimen, target) cell answers; undefined for a target outside the five. */
export function questionFor(population: PopulationName, regimen: RegimenName, target: number): QuestionNumber | undefined {
  if (sameTarget(target, RELAXED_TARGET)) return 5;
  if (!sameTarget(target, PRIMARY_TARGET)) return undefined;
  if (population === 'heavy') return 3;
  if (population === 'nocomed') return 4;
  return regimen === 'qd' ? 1 : 2;
}

/** For a Q5 answer, the 90 % question it relaxes (Q1-Q4). */
export function relaxedFrom(population: PopulationName, regimen: RegimenName): QuestionNumber {
  return questionFor(population, regimen, PRIMARY_TARGET) ?? 1;
}

export function isPopulationName(s: string): s is PopulationName {
  return (POPULATIONS as readonly string[]).includes(s);
}

export function isRegimenName(s: string): s is RegimenName {
  return (REGIMENS as readonly string[]).includes(s);
}
