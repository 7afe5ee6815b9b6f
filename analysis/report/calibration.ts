/**
 * The report's calibration section (from calibration.json, never recomputed): per model the Brier
 * score and predicted vs observed success on the held-out subjects, the gates (calibration-gates.ts), a reliability diagram (observed
 * rate per predicted-probability bin, exact 95 % intervals, the diagonal = perfect calibration), the
 * bin table and the per-subject table; the same as Markdown for summary.md.
 */
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import type { TopLevelSpec } from 'vega-lite';
import { isSkipped, type CalibrationResult, type CalibrationSkipped, type CalibrationSubjectRow } from '../calibration/calibration-check.js';
import type { ReliabilityBin } from '../calibration/calibration-score.js';
import { esc, pct, section, table, type Cell } from './html-kit.js';
import { PLOT_FONT } from '../plots.js';
import { gatesHtml, gatesMarkdown } from './calibration-gates.js';

export const CALIBRATION_PLOT_STEM = 'calibration';
const PALETTE = ['#1f5fa8', '#c0392b', '#2e8b57', '#8e44ad', '#d4880f'];
const num = (s: string): Cell => ({ html: esc(s), cls: 'num' });
const f3 = (x: number): string => x.toFixed(3);
const binLabel = (b: ReliabilityBin, last: boolean): string => `[${b.lo.toFixed(1)}, ${b.hi.toFixed(1)}${last ? ']' : ')'}`;
const observedCell = (b: ReliabilityBin): string => (b.n === 0 ? '—' : `${b.n} · ${pct(b.mean_predicted, 0)} · ${pct(b.observed_rate, 0)} [${pct(b.observed_lo, 0)}, ${pct(b.observed_hi, 0)}]`);

/** Reliability diagram: one point per (model, non-empty bin), sized by its subjects; models nudged apart so equal bins stay visible. */
export function calibrationPlotSpec(c: CalibrationResult, size = { width: 340, height: 300 }): TopLevelSpec {
  const models = c.models.map((m) => m.model);
  const nudge = (i: number): number => (i - (models.length - 1) / 2) * 0.012;
  const points = c.models.flatMap((m, i) => m.score.bins.filter((b) => b.n > 0).map((b) => ({
    model: m.model, x: (b.mean_predicted ?? 0) + nudge(i), y: b.observed_rate, lo: b.observed_lo, hi: b.observed_hi, n: b.n,
  })));
  const color = { field: 'model', type: 'nominal', scale: { domain: models, range: PALETTE.slice(0, Math.max(1, models.length)) }, legend: { title: 'model', orient: 'right' } } as const;
  const x = { field: 'x', type: 'quantitative', title: 'predicted probability of success (bin mean)', scale: { domain: [-0.05, 1.05] }, axis: { format: '%', tickCount: 6 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    title: {
      text: `Calibration on ${c.subject_ids.length} held-out subjects (last QD window)`, anchor: 'start', fontSize: 14, offset: 12,
      subtitle: [`observed: all PD observations ≤ ${c.threshold_ng_ml} ${c.pd_unit ?? DEFAULT_BIOMARKER_UNIT}; bars: exact 95 % interval; dashed: perfect calibration`], subtitleFontSize: 11, subtitleColor: '#555',
    },
    config: { font: PLOT_FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11 }, view: { stroke: '#bbb' } },
    layer: [
      {
        data: { values: [{ x: 0, y: 0, x2: 1, y2: 1 }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#666' },
        encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [-0.05, 1.05] } }, y: { field: 'y', type: 'quantitative' }, x2: { field: 'x2' }, y2: { field: 'y2' } },
      },
      {
        data: { values: points },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.9 },
        encoding: {
          x, y: { field: 'y', type: 'quantitative', title: 'observed success rate', scale: { domain: [0, 1] }, axis: { format: '%', tickCount: 6 } },
          size: { field: 'n', type: 'quantitative', title: 'subjects in bin', scale: { range: [40, 260], zero: false }, legend: { orient: 'right', format: 'd', tickMinStep: 1 } }, color,
        },
      },
    ],
  } as TopLevelSpec;
}

function subjectRows(subjects: readonly CalibrationSubjectRow[], models: readonly string[]): Cell[][] {
  return subjects.map((s) => [
    num(String(s.id)), num(`${s.arm_dose_mg} mg`), num(`${s.bw_kg} kg`), num(String(s.comed)), num(String(s.observations)), num(`${s.observed_max_ng_ml.toFixed(2)}`),
    { html: s.observed_success === 1 ? 'yes' : 'no', cls: s.observed_success === 1 ? 'dose' : '' },
    ...models.map((m) => num(pct(s.predicted[m] ?? null, 0))),
  ]);
}

export function calibrationHtml(c: CalibrationResult | CalibrationSkipped | undefined, svg?: string): string {
  if (c === undefined) return '';
  if (isSkipped(c)) return section('calibration', 'Calibration on held-out subjects', `<p class="note">Not computed: ${esc(c.skipped)}</p>`);
  const models = c.models.map((m) => m.model);
  const summary = table(
    ['model', 'these subjects are, for this model', 'predicted success', 'subjects', 'observed successes', 'mean predicted', 'Brier', 'no-skill Brier r(1−r)', `Brier, all ${c.models[0]?.score_all_subjects.n ?? ''} subjects`],
    c.models.map((m) => [
      m.model, m.note, m.prediction, num(String(m.score.n)), num(`${m.score.observed_k} (${pct(m.score.observed_rate, 0)})`), num(pct(m.score.predicted_rate)),
      { html: esc(f3(m.score.brier)), cls: 'num dose' }, num(f3(m.score.brier_base_rate)), num(f3(m.score_all_subjects.brier)),
    ]),
  );
  const bins = c.models[0]?.score.bins ?? [];
  const binTable = table(['predicted probability', ...models], bins.map((b, i) => [binLabel(b, i === bins.length - 1), ...c.models.map((m) => num(observedCell(m.score.bins[i] ?? b)))]),
    { caption: 'per bin: subjects · mean predicted · observed rate [exact 95 % interval]' });
  const chosen = c.subjects.filter((s) => s.chosen);
  const header = ['ID', 'arm', 'BW', 'COMED', 'PD obs.', `max obs. PD (${c.pd_unit ?? DEFAULT_BIOMARKER_UNIT})`, 'observed success', ...models.map((m) => `p̂ ${m}`)];
  const figure = svg === undefined ? '' : `<figure id="calibration-plot">${svg}<figcaption>${CALIBRATION_PLOT_STEM}.png</figcaption></figure>`;
  const body = [
    `<p>Subjects: ${esc(c.subjects_source)} — IDs ${esc(c.subject_ids.join(', '))}. Window: ${esc(c.window)}. Observed success: ${esc(c.observed_success)}.</p>`,
    summary, gatesHtml(c), `<div style="max-width: 640px">${figure}</div>`, binTable,
    `<h3>Per subject</h3>${table(header, subjectRows(chosen, models))}`,
    `<details><summary>All ${c.subjects.length} trial subjects (in-sample for models fitted or trained on them)</summary>${table(header, subjectRows(c.subjects, models))}</details>`,
    `<h3>Caveats</h3><ul>${c.caveats.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`,
    c.without_observations.length === 0 ? '' : `<p class="note">Left out (no PD observation in the window): ${esc(c.without_observations.join(', '))}.</p>`,
  ].join('');
  return section('calibration', 'Calibration on held-out subjects', body,
    'Each model predicts, from the subject\'s dose, body weight and COMED only, whether the subject keeps PD at or below the threshold over the QD dosing window; that is compared with what was observed in the subject\'s last dosing window. The same subjects for every model. Brier score: mean squared difference between predicted probability and observed 0/1 (lower is better).');
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

export function calibrationMarkdown(c: CalibrationResult | CalibrationSkipped | undefined): string[] {
  if (c === undefined) return [];
  if (isSkipped(c)) return ['## Calibration on held-out subjects', '', `Not computed: ${c.skipped}`, ''];
  const models = c.models.map((m) => m.model);
  const out = ['## Calibration on held-out subjects', '', `Subjects: ${c.subjects_source} (IDs ${c.subject_ids.join(', ')}). Observed success: ${c.observed_success} in the last QD window.`, ''];
  out.push(`| model | these subjects are | n | observed | mean predicted | Brier | no-skill r(1−r) | Brier, all ${c.models[0]?.score_all_subjects.n ?? ''} |`, '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const m of c.models) {
    out.push(`| ${md(m.model)} | ${md(m.note)} | ${m.score.n} | ${m.score.observed_k} (${pct(m.score.observed_rate, 0)}) | ${pct(m.score.predicted_rate)} | ${f3(m.score.brier)} | ${f3(m.score.brier_base_rate)} | ${f3(m.score_all_subjects.brier)} |`);
  }
  out.push('', ...gatesMarkdown(c));
  out.push(`| ID | arm | BW | COMED | max obs. PD | observed | ${models.map((m) => `p̂ ${md(m)}`).join(' | ')} |`, `|${' --- |'.repeat(6 + models.length)}`);
  for (const s of c.subjects.filter((x) => x.chosen)) {
    out.push(`| ${s.id} | ${s.arm_dose_mg} mg | ${s.bw_kg} kg | ${s.comed} | ${s.observed_max_ng_ml.toFixed(2)} | ${s.observed_success === 1 ? 'yes' : 'no'} | ${models.map((m) => pct(s.predicted[m] ?? null, 0)).join(' | ')} |`);
  }
  out.push('', ...c.caveats.map((x) => `- ${x}`), '');
  return out;
}
