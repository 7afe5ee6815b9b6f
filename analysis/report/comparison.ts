/**
 * The model comparison (several models in one `qusop answer`): what each model is and assumes about
 * the virtual population (model notes from the cards), the population assumptions every model shares
 * (same scenarios, same virtual subjects), and per question cell each model's conservative dose, mean
 * crossing and per-replicate interval side by side, with the spread between models. HTML and Markdown.
 */
import type { Answer } from '../answer/answers.js';
import type { ModelNote } from '../answer/model-notes.js';
import { POPULATIONS } from '../answer/questions.js';
import { esc, interval, mdTable, mg, section, table, type Cell } from './html-kit.js';
import { comparisonRows, type ComparisonEntry } from './tables.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';

const tgt = (t: number): string => percentLabel(t);
const spread = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} %`);
const intervalText = (e: ComparisonEntry): string => (e.interval === null ? '' : `[${interval(e.interval).replace(/ mg – /, ' – ')}]`);

/** Which band the conservative doses come from: all models of a scenario share it (common random numbers). */
function bandText(answers: readonly Answer[]): string {
  const methods = [...new Set(answers.map((a) => `${percentLabel(a.band.level)} ${a.band.method}`))];
  return `Conservative doses are read from the ${methods.join(' / ')} band, the same for every model of a scenario.`;
}

function sharedAssumptions(answers: readonly Answer[]): { population: string; text: string }[] {
  return POPULATIONS.flatMap((p) => {
    const a = answers.find((x) => x.population === p);
    return a === undefined ? [] : [{ population: p, text: a.population_assumptions }];
  });
}

const NOTE_HEADER = ['model', 'kind', 'virtual subjects differ', 'parameter uncertainty', 'data', 'extrapolation'];
const noteRow = (n: ModelNote): string[] => [n.model, `${n.kind} (${n.family})`, n.between_subjects, n.parameter_uncertainty, n.data, n.extrapolation];

export function comparisonHtml(answers: readonly Answer[], models: readonly string[], notes: readonly ModelNote[] | undefined): string {
  if (models.length < 2) return '';
  const cell = (e: ComparisonEntry | undefined): Cell => ({
    html: e === undefined ? '—' : `<b>${esc(mg(e.dose))}</b><br><span class="note">crossing ${esc(mg(e.meanCrossing))}<br>${esc(intervalText(e))}</span>`,
    cls: 'num',
  });
  const rows = comparisonRows(answers).map((r) => [`Q${r.question}`, r.population, r.regimen.toUpperCase(), tgt(r.target), ...models.map((m) => cell(r.entries[m])), { html: esc(spread(r.spreadPercent)), cls: 'num' }] as Cell[]);
  const shared = sharedAssumptions(answers).map((s) => `<dt>${esc(s.population)}</dt><dd>${esc(s.text)}</dd>`).join('');
  const body = [
    notes === undefined ? '' : `<h3>The models and what each assumes</h3>${table(NOTE_HEADER, notes.map(noteRow))}`,
    `<h3>Population assumptions (the same for every model)</h3><dl class="kv">${shared}</dl>`,
    `<h3>Doses side by side</h3><p class="note">${esc(bandText(answers))}</p>${table(['question', 'population', 'regimen', 'target', ...models, 'spread (max vs min dose)'], rows)}`,
  ].join('');
  return section('comparison', 'Model comparison', body,
    'All models ran in the same scenarios with the same virtual subjects (common random numbers), so differences are the models\' own. Bold: the conservative dose; below it the mean crossing and [2.5 %, 97.5 %] of the per-replicate minimal dose. A mechanistic population fit with parameter draws and a sequence model without them are not equally trustworthy outside the trial: where they disagree above the trial\'s highest dose or for the weekly regimen, the mechanistic model is the one to trust (SCIENCE.md, Cautions).');
}


export function comparisonMarkdown(answers: readonly Answer[], models: readonly string[], notes: readonly ModelNote[] | undefined): string[] {
  if (models.length < 2) return [];
  const out = ['## Model comparison', ''];
  if (notes !== undefined) out.push(mdTable(NOTE_HEADER, notes.map(noteRow)), '');
  out.push('Population assumptions, the same for every model (same scenarios, same virtual subjects):', '');
  for (const s of sharedAssumptions(answers)) out.push(`- **${s.population}**: ${s.text}`);
  out.push('', `Per model: **conservative dose** (mean crossing; [2.5 %, 97.5 %] of the per-replicate minimal dose). ${bandText(answers)}`, '');
  const entry = (e: ComparisonEntry | undefined): string => (e === undefined ? '—' : `**${mg(e.dose)}** (${mg(e.meanCrossing)}; ${e.interval === null ? '—' : intervalText(e)})`);
  out.push(mdTable(['question', 'population', 'regimen', 'target', ...models, 'spread'], comparisonRows(answers).map((r) => [
    `Q${r.question}`, r.population, r.regimen.toUpperCase(), tgt(r.target), ...models.map((m) => entry(r.entries[m])), spread(r.spreadPercent),
  ])), '');
  return out;
}
