/**
 * report.html: one self-contained page (inline CSS and SVG, images as data URIs, no script, no
 * network) that answers the five questions and shows how: curves with bands, the decision table, the
 * 90 % vs 75 % and QD vs QW tables, the model comparison, the calibration check, fit diagnostics and provenance.
 */
import type { Answer } from '../answer/answers.js';
import { POPULATION_SHORT, POPULATIONS, QUESTION_TEXT, REGIMEN_TEXT } from '../answer/questions.js';
import type { CurveFigure } from './curve-figures.js';
import { diagnosticsHtml } from './diagnostics.js';
import { answerSourcesHtml } from './answer-sources.js';
import { esc, interval, mg, pct, REPORT_CSS, section, signedPct, table, type Cell } from './html-kit.js';
import { isTestModel, type ReportInput } from './input.js';
import { scopeSvgIds } from '../plots.js';
import { provenanceHtml } from './provenance.js';
import { coherenceRows, COHERENCE_TOLERANCE_PERCENT, reductionRows } from './tables.js';
import { calibrationHtml } from './calibration.js';
import { gateFlagHtml } from './calibration-gates.js';
import { comparisonHtml } from './comparison.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';

const num = (s: string): Cell => ({ html: esc(s), cls: 'num' });
const bandAt = (a: Answer): string => (a.band.p_hat === null ? '—' : `${pct(a.band.p_hat)} [${pct(a.band.lo)}, ${pct(a.band.hi)}]`);

function answerRow(a: Answer, multiModel: boolean): Cell[] {
  return [
    POPULATION_SHORT[a.population], REGIMEN_TEXT[a.regimen].label, percentLabel(a.target),
    { html: esc(mg(a.dose)), cls: 'dose' }, num(mg(a.mean_crossing)), num(interval(a.interval)), num(bandAt(a)),
    ...(multiModel ? [a.model.name] : []),
    { html: esc(a.flags.join(', ') || '—'), cls: a.flags.length > 0 ? 'flag' : '' },
  ];
}

function answersSection(answers: readonly Answer[], multiModel: boolean): string {
  const header = ['population', 'regimen', 'target', 'dose', 'mean crossing', 'per-replicate 95 % interval', 'p̂ [band] at dose', ...(multiModel ? ['model'] : []), 'flags'];
  const items = ([1, 2, 3, 4, 5] as const).map((q) => {
    const mine = answers.filter((a) => a.question === q);
    // the answers' own text: the threshold in the card's biomarker unit (questionText)
    return `<li><strong>${esc(mine[0]?.question_text ?? QUESTION_TEXT[q])}.</strong>${table(header, mine.map((a) => answerRow(a, multiModel)))}</li>`;
  });
  const assumptions = POPULATIONS.map((p) => {
    const a = answers.find((x) => x.population === p);
    return a === undefined ? '' : `<dt>${esc(p)}</dt><dd>${esc(a.population_assumptions)}</dd>`;
  }).join('');
  return section('answers', 'The five questions',
    `<ol class="questions">${items.join('')}</ol><h3>Population assumptions</h3><dl class="kv">${assumptions}</dl>`,
    '<b>dose</b>: the conservative dose, the smallest grid dose whose lower band is at or above the target. <b>mean crossing</b>: the smallest grid dose whose estimate p̂ reaches the target. <b>interval</b>: 2.5 % and 97.5 % quantiles of each replicate\'s own minimal dose (population and parameter-draw variation). Success means the true biomarker trajectory stays at or below the threshold throughout the steady-state dosing interval.');
}

function curvesSection(figures: readonly CurveFigure[]): string {
  const figs = figures.map((f, i) => `<figure id="plot-${esc(f.stem)}">${scopeSvgIds(f.svg, `p${i}`)}<figcaption>plots/${esc(f.stem)}.png</figcaption></figure>`);
  return section('curves', 'Dose–success curves', `<div class="plots">${figs.join('')}</div>`);
}

function decisionSection(answers: readonly Answer[], gateFlag: string): string {
  const rows = answers.map((a) => [
    `Q${a.question}`, a.population, a.regimen.toUpperCase(), percentLabel(a.target), a.model.name, { html: esc(mg(a.dose)), cls: 'dose' },
    num(mg(a.mean_crossing)), num(mg(a.replicate_median)), num(interval(a.interval)),
    `${a.grid.start}–${a.grid.stop} by ${a.grid.step}${a.grid.extensions > 0 ? ` (extended ${a.grid.extensions}x)` : ''}`,
    { html: esc(a.flags.join(', ') || '—'), cls: a.flags.length > 0 ? 'flag' : '' },
  ] as Cell[]);
  return section('decisions', 'Decision table', gateFlag + table(['question', 'population', 'regimen', 'target', 'model', 'conservative', 'mean crossing', 'replicate median', 'replicate 95 % interval', 'grid (mg)', 'flags'], rows));
}

function reductionSection(answers: readonly Answer[]): string {
  const rows = reductionRows(answers).map((r) => [POPULATION_SHORT[r.population], REGIMEN_TEXT[r.regimen].label, r.model, num(mg(r.dose90)), num(mg(r.dose75)), num(r.reductionMg === null ? '—' : `${r.reductionMg} mg`), num(r.reductionPercent === null ? '—' : `${r.reductionPercent.toFixed(1)} %`)]);
  return section('reduction', '90 % vs 75 %: how much dose the lower target saves', table(['population', 'regimen', 'model', 'dose at 90 %', 'dose at 75 %', 'reduction', 'reduction (% of 90 % dose)'], rows),
    'From the same runs (both targets are decided on the same curves; nothing is recomputed).');
}

function coherenceSection(answers: readonly Answer[]): string {
  const rows = coherenceRows(answers).map((r) => [POPULATION_SHORT[r.population], percentLabel(r.target), r.model, num(mg(r.qdDose)), num(mg(r.weeklyFromDaily)), num(mg(r.qwDose)),
    { html: esc(signedPct(r.differencePercent)), cls: `num${r.withinTolerance === false ? ' flag' : ''}` }]);
  return section('coherence', 'Once daily vs once weekly', table(['population', 'target', 'model', 'QD dose', '7 x QD dose (per week)', 'QW dose', 'QW vs 7 x QD'], rows),
    `A weekly dose has deeper troughs than seven daily ones, so it usually needs more than 7x the daily dose; differences beyond ±${COHERENCE_TOLERANCE_PERCENT} % are marked.`);
}

export async function reportHtml(input: ReportInput, figures: readonly CurveFigure[], calibrationSvg?: string): Promise<string> {
  const models = input.run.plan.models.map((m) => m.label);
  const multi = models.length > 1;
  const runIds = input.run.rounds.map((r) => r.runId).join(', ');
  const banner = isTestModel(input)
    ? '<div class="banner" role="alert">TEST MODEL: at least one model card says test_model. Its doses check the engine against a known answer; they are not dose recommendations.</div>'
    : '';
  const noUncertainty = input.run.plan.models.filter((m) => (m.cards.qd.card.inputs.theta?.draws.length ?? 1) <= 1).map((m) => m.label);
  const caution = noUncertainty.length === 0 ? '' : `<p class="note">Model ${esc(noUncertainty.join(', '))} carries no parameter-uncertainty draws: its bands and intervals reflect population sampling only, which understates the uncertainty of a model fitted to 48 subjects (SCIENCE.md, Cautions).</p>`;
  const diagnostics = await diagnosticsHtml(input.run.plan.models);
  // a model outside the calibration gates is flagged above the answers and again above the decision table
  const gateFlag = gateFlagHtml(input.calibration);
  const body = [
    '<header><h1>qusop answer — the five dosing questions</h1>',
    `<p class="sub">trial <code>${esc(input.trial.path)}</code> · model${multi ? 's' : ''} ${esc(models.join(', '))} (${esc(input.modelSource)}) · run ${esc(runIds)}</p></header>`,
    banner, caution, gateFlag,
    answersSection(input.answers, multi),
    answerSourcesHtml(input.modelNotes),
    curvesSection(figures),
    decisionSection(input.answers, gateFlag),
    reductionSection(input.answers),
    coherenceSection(input.answers),
    comparisonHtml(input.answers, models, input.modelNotes),
    calibrationHtml(input.calibration, calibrationSvg),
    section('diagnostics', 'Fit diagnostics', diagnostics),
    section('provenance', 'Provenance', provenanceHtml(input)),
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>qusop answer${isTestModel(input) ? ' (TEST MODEL)' : ''}</title><style>${REPORT_CSS}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
