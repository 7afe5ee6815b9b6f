/**
 * A library truth's two questions (QD, QW) as a `qusop answer --questions` file: the truth's endpoint,
 * statistic and comparison at the thresholds its true answers place, on the regimens' grids, for the
 * bench population (library-true-dose.ts). Shared by the library bench and bench/hmc's coverage study.
 */
import type { LibraryTruth } from './library-truths.js';
import { POPULATION, REGIMENS, TARGET, type TrueAnswer } from './library-true-dose.js';

/** The truth's two questions (QD, QW) as a questions file. */
export function questionsYaml(t: LibraryTruth, answers: readonly TrueAnswer[]): string {
  const q = t.question;
  return `questions:\n${REGIMENS.map((r) => {
    const a = answers.find((x) => x.regimen === r.id)!;
    return [
      `  - id: ${r.id}`,
      `    endpoint: ${q.endpoint}`,
      `    statistic: ${q.statistic}`,
      `    comparison: "${q.comparison}"`,
      `    threshold: { value: ${a.threshold}, unit: ${a.unit} }`,
      `    regimens: [{ name: ${r.tag}, tau_h: ${r.tauH}, doses_mg: { start: ${r.grid.start}, stop: ${r.grid.stop}, step: ${r.grid.step} } }]`,
      `    populations: [{ name: bw${POPULATION.bwKg[0]}to${POPULATION.bwKg[1]}, bw: "uniform:${POPULATION.bwKg[0]}:${POPULATION.bwKg[1]}", comed: "fixed:${POPULATION.comed}" }]`,
      `    targets: [${TARGET}]`,
    ].join('\n');
  }).join('\n')}\n`;
}
