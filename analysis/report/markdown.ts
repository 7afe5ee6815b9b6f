/** summary.md (`--format md`): the answers, the derived tables, the model comparison and the calibration check as Markdown. */
import type { Answer } from '../answer/answers.js';
import { POPULATION_SHORT, QUESTION_TEXT, REGIMEN_TEXT } from '../answer/questions.js';
import { interval, mdTable, mg } from './html-kit.js';
import { isTestModel, type ReportInput } from './input.js';
import { coherenceRows, reductionRows } from './tables.js';
import { calibrationMarkdown } from './calibration.js';
import { gateFlagMarkdown } from './calibration-gates.js';
import { comparisonMarkdown } from './comparison.js';
import { answerSourcesMarkdown } from './answer-sources.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';

const tgt = (t: number): string => percentLabel(t);
const p = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

export function reportMarkdown(input: ReportInput): string {
  const models = input.run.plan.models.map((m) => m.label);
  const multi = models.length > 1;
  const out: string[] = ['# qusop answer — the five dosing questions', ''];
  if (isTestModel(input)) out.push('> **TEST MODEL**: at least one model card says test_model; these doses check the engine, they are not recommendations.', '');
  out.push(`Trial \`${input.trial.path}\` · model${multi ? 's' : ''} ${models.join(', ')} (${input.modelSource}) · run ${input.run.rounds.map((r) => r.runId).join(', ')}`, '');
  out.push(...gateFlagMarkdown(input.calibration));
  out.push('Dose = conservative dose (smallest grid dose whose lower 95 % band reaches the target); interval = 2.5–97.5 % of the per-replicate minimal dose.', '');
  for (const q of [1, 2, 3, 4, 5] as const) {
    const mine = input.answers.filter((a: Answer) => a.question === q);
    out.push(`## Q${q}. ${mine[0]?.question_text ?? QUESTION_TEXT[q]}`, '');
    const rows = mine.map((a) => [
      POPULATION_SHORT[a.population], REGIMEN_TEXT[a.regimen].label, tgt(a.target), `**${mg(a.dose)}**`, mg(a.mean_crossing), interval(a.interval),
      a.band.p_hat === null ? '—' : `${p(a.band.p_hat)} [${p(a.band.lo)}, ${p(a.band.hi)}]`, ...(multi ? [a.model.name] : []), a.flags.join(', ') || '—',
    ]);
    out.push(mdTable(['population', 'regimen', 'target', 'dose', 'mean crossing', 'interval', 'p̂ [band] at dose', ...(multi ? ['model'] : []), 'flags'], rows), '');
  }
  out.push(...answerSourcesMarkdown(input.modelNotes));
  out.push('## Population assumptions', '');
  for (const pop of ['base', 'heavy', 'nocomed'] as const) {
    const a = input.answers.find((x) => x.population === pop);
    if (a !== undefined) out.push(`- **${pop}**: ${a.population_assumptions}`);
  }
  out.push('', '## 90 % vs 75 %', '');
  out.push(mdTable(['population', 'regimen', 'model', '90 %', '75 %', 'reduction', '%'], reductionRows(input.answers).map((r) => [
    r.population, r.regimen.toUpperCase(), r.model, mg(r.dose90), mg(r.dose75), r.reductionMg === null ? '—' : `${r.reductionMg} mg`, r.reductionPercent === null ? '—' : `${r.reductionPercent.toFixed(1)} %`,
  ])), '');
  out.push('## QD vs QW coherence', '');
  out.push(mdTable(['population', 'target', 'model', 'QD', '7 x QD', 'QW', 'QW vs 7 x QD'], coherenceRows(input.answers).map((r) => [
    r.population, tgt(r.target), r.model, mg(r.qdDose), mg(r.weeklyFromDaily), mg(r.qwDose), r.differencePercent === null ? '—' : `${r.differencePercent > 0 ? '+' : ''}${r.differencePercent.toFixed(1)} %`,
  ])), '');
  out.push(...comparisonMarkdown(input.answers, models, input.modelNotes));
  out.push(...calibrationMarkdown(input.calibration));
  return `${out.join('\n')}\n`;
}
