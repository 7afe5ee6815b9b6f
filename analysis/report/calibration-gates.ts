/**
 * The report's calibration gates (from calibration.json's per-model assessment, never recomputed): the
 * gate table (pass / fail / inconclusive with each interval), recalibration slope and intercept,
 * calibration-in-the-large, ECE at 10 and 20 bins with their reliability tables, AUC, Hosmer–Lemeshow
 * groups, per-stratum reliability; and the flag shown next to the decisions when a model is outside the
 * gates (alert) or not shown inside them (note).
 */
import { isSkipped, type CalibrationResult, type CalibrationSkipped, type ModelCalibration } from '../calibration/calibration-check.js';
import type { ReliabilityBin } from '../calibration/calibration-score.js';
import type { Gate } from '../calibration/calibration-gates.js';
import type { WaldEstimate } from '../calibration/recalibration.js';
import { esc, pct, table, type Cell } from './html-kit.js';

const num = (s: string): Cell => ({ html: esc(s), cls: 'num' });
const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);
const waldText = (w: WaldEstimate): string => `${f2(w.estimate)} [${f2(w.lo)}, ${f2(w.hi)}]`;
const VERDICT: Record<Gate['verdict'], string> = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive' };
const STATUS = { within: 'within the gates', outside: 'OUTSIDE the gates', 'not-shown': 'not shown within the gates' } as const;

export function gateEstimateText(g: Gate): string {
  if (g.estimate === null) return '—';
  if (g.gate === 'Hosmer–Lemeshow') return `C = ${f2(g.estimate)}, p = ${g.p_value === null ? '—' : g.p_value.toPrecision(2)}`;
  return g.ci === null ? f2(g.estimate) : `${f2(g.estimate)} [${f2(g.ci[0])}, ${f2(g.ci[1])}]`;
}

function gateCell(g: Gate | undefined): Cell {
  if (g === undefined) return '—';
  return { html: `${esc(gateEstimateText(g))}<br><b>${esc(VERDICT[g.verdict])}</b>: ${esc(g.why)}`, cls: g.verdict === 'pass' ? '' : 'flag' };
}

const subjectsText = (m: ModelCalibration): string => `${m.assessment.n} ${m.relation === 'held-out' ? 'held-out subjects' : m.relation === 'in-sample' ? 'subjects it was fitted to (in-sample)' : 'trial subjects (not fitted to them)'}`;

/** Why a model is "not-shown": inconclusive gates, or gates judged on subjects it was fitted to. */
function notShownWhy(m: ModelCalibration): string {
  const open = m.assessment.gates.filter((g) => g.verdict === 'inconclusive').map((g) => g.gate);
  const parts = [open.length > 0 ? `${open.join(', ')} inconclusive on ${subjectsText(m)} (interval straddles the gate, or too few subjects to judge)` : ''];
  if (!m.assessment.held_out) parts.push(`judged in-sample: the paper's gates need subjects held out from the fit, and ${m.model} was not checked on any`);
  return parts.filter((x) => x !== '').join('; ');
}

const models = (c: CalibrationResult | CalibrationSkipped | undefined): readonly ModelCalibration[] => (c === undefined || isSkipped(c) ? [] : c.models);

/** Next to the decisions: an alert per model outside the gates, a note per model not shown within them. */
export function gateFlagHtml(c: CalibrationResult | CalibrationSkipped | undefined): string {
  const out = models(c).filter((m) => m.assessment.gate_status === 'outside').map((m) => {
    const failed = m.assessment.gates.filter((g) => g.verdict === 'fail').map((g) => `${g.gate} ${gateEstimateText(g)}`).join('; ');
    return `<div class="banner calibration-gate" role="alert">Model ${esc(m.model)} is OUTSIDE the QuSOP calibration gates on ${esc(subjectsText(m))} (${esc(failed)}). Its doses are shown unchanged, but its predicted probabilities are not calibrated: see <a href="#calibration">Calibration</a>.</div>`;
  });
  const unsure = models(c).filter((m) => m.assessment.gate_status === 'not-shown');
  for (const m of unsure) out.push(`<p class="note calibration-gate">Calibration gates: model ${esc(m.model)} is not shown within the gates — ${esc(notShownWhy(m))}; that is neither a pass nor a failure. See <a href="#calibration-gates">the gate table</a>.</p>`);
  return out.join('');
}

/** The same flag for summary.md, as quoted lines. */
export function gateFlagMarkdown(c: CalibrationResult | CalibrationSkipped | undefined): string[] {
  return models(c).filter((m) => m.assessment.gate_status !== 'within').map((m) => (m.assessment.gate_status === 'outside'
    ? `> **Model ${m.model} is OUTSIDE the QuSOP calibration gates** on ${subjectsText(m)} (${m.assessment.gates.filter((g) => g.verdict === 'fail').map((g) => g.gate).join(', ')} failed); its doses are shown unchanged.`
    : `> Calibration gates: model ${m.model} is not shown within the gates (${notShownWhy(m)}; neither a pass nor a failure).`)).flatMap((line) => [line, '']);
}

function binRows(bins: readonly ReliabilityBin[]): Cell[][] {
  return bins.filter((b) => b.n > 0).map((b, i, all) => [
    `[${f2(b.lo)}, ${f2(b.hi)}${i === all.length - 1 && b.hi === 1 ? ']' : ')'}`, num(String(b.n)), num(pct(b.mean_predicted, 0)),
    num(`${pct(b.observed_rate, 0)} [${pct(b.observed_lo, 0)}, ${pct(b.observed_hi, 0)}]`), num(f3(Math.abs((b.observed_rate ?? 0) - (b.mean_predicted ?? 0)))),
  ]);
}

export function gatesHtml(c: CalibrationResult): string {
  const ms = c.models;
  const gateTable = table(['model', 'status', 'calibration slope in [0.9, 1.1]', 'AUC ≥ 0.80', 'Hosmer–Lemeshow p ≥ 0.05'], ms.map((m) => [
    m.model, { html: `<b>${esc(STATUS[m.assessment.gate_status])}</b>`, cls: m.assessment.gate_status === 'within' ? 'dose' : 'flag' },
    gateCell(m.assessment.gates.find((g) => g.gate === 'calibration slope')), gateCell(m.assessment.gates.find((g) => g.gate === 'AUC')), gateCell(m.assessment.gates.find((g) => g.gate === 'Hosmer–Lemeshow')),
  ]), { caption: 'gate: 95 % interval inside = pass, entirely outside = FAIL, straddling (or not estimable) = inconclusive' });
  const recal = table(['model', 'slope b [95 % CI]', 'intercept a [95 % CI]', 'calibration-in-the-large (slope 1) [95 % CI]', 'ECE, 10 bins', 'ECE, 20 bins', `AUC [95 % CI] (${ms[0]?.assessment.auc.method ?? ''})`, 'successes / failures'], ms.map((m) => {
    const a = m.assessment;
    const r = a.recalibration;
    return [
      m.model, num(r.estimable ? waldText(r.slope) : `not estimable: ${r.reason}`), num(r.estimable ? waldText(r.intercept) : '—'),
      num(a.calibration_in_the_large.estimable ? waldText(a.calibration_in_the_large.intercept) : `not estimable: ${a.calibration_in_the_large.reason}`),
      ...a.ece.map((e) => num(f3(e.ece))), num(a.auc.estimable ? `${f2(a.auc.auc)} [${f2(a.auc.lo)}, ${f2(a.auc.hi)}]` : `not estimable: ${a.auc.reason}`),
      num(`${a.auc.successes} / ${a.auc.failures}`),
    ];
  }));
  const strata = table(['model', 'stratum', 'subjects', 'observed success', 'mean predicted', 'ECE, 10 bins'], ms.flatMap((m) => m.assessment.strata.map((s) => [
    m.model, `${s.covariate} ${s.level}`, num(String(s.n)), num(pct(s.observed_rate, 0)), num(pct(s.mean_predicted, 0)), num(f3(s.ece_10)),
  ])));
  const details = ms.map((m) => {
    const a = m.assessment;
    const ece = a.ece.map((e) => table(['predicted probability', 'subjects', 'mean predicted', 'observed [exact 95 %]', '|gap|'], binRows(e.table), { caption: `${e.bins} equal-width bins (non-empty shown): ECE ${f3(e.ece)}` })).join('');
    const hl = a.hosmer_lemeshow === null ? '<p class="note">Hosmer–Lemeshow: fewer subjects than groups.</p>'
      : table(['group (by predicted risk)', 'subjects', 'observed', 'expected'], a.hosmer_lemeshow.groups.map((g) => [`${pct(g.p_lo, 0)}–${pct(g.p_hi, 0)}`, num(String(g.n)), num(String(g.observed)), num(f2(g.expected))]),
        { caption: `Hosmer–Lemeshow C = ${f2(a.hosmer_lemeshow.statistic)}, chi-square ${a.hosmer_lemeshow.df} df, p = ${a.hosmer_lemeshow.p_value.toPrecision(2)}` });
    return `<details><summary>${esc(m.model)}: reliability tables (10 and 20 bins) and Hosmer–Lemeshow groups</summary>${ece}${hl}</details>`;
  }).join('');
  return [
    '<h3 id="calibration-gates">Calibration gates (QuSOP paper: slope in [0.9, 1.1], AUC ≥ 0.80 on held-out subjects, Hosmer–Lemeshow not failing)</h3>',
    gateTable,
    '<p class="note">Gates are judged on the 95 % interval, never the point estimate: a held-out set too small to judge leaves the gate <b>inconclusive</b> and the model <b>not shown within the gates</b>; it does not pass. Hosmer–Lemeshow is judged once there are 5 subjects per group (50), with g degrees of freedom for held-out subjects and g − 2 for subjects the model was fitted to. The gates never change a dose; they flag the model next to its decisions.</p>',
    '<h3>Recalibration, ECE and AUC</h3>', recal,
    `<p class="note">Recalibration: logit P(success) = a + b logit(p̂), maximum likelihood (IRLS), Wald intervals; p̂ clipped to [0.5/M, 1 − 0.5/M] for M trajectories per prediction. ECE: ${esc(ms[0]?.assessment.ece_binning ?? '')}.</p>`,
    '<h3>Per-stratum reliability (body-weight tertiles of these subjects, COMED levels)</h3>', strata, details,
  ].join('');
}

export function gatesMarkdown(c: CalibrationResult): string[] {
  const out = ['### Calibration gates (slope in [0.9, 1.1], AUC ≥ 0.80, Hosmer–Lemeshow p ≥ 0.05)', '', '| model | status | slope | AUC | Hosmer–Lemeshow |', '| --- | --- | --- | --- | --- |'];
  for (const m of c.models) {
    const cell = (name: Gate['gate']): string => {
      const g = m.assessment.gates.find((x) => x.gate === name);
      return g === undefined ? '—' : `${gateEstimateText(g)} **${VERDICT[g.verdict]}**`.replace(/\|/g, '\\|');
    };
    out.push(`| ${m.model} | ${STATUS[m.assessment.gate_status]} | ${cell('calibration slope')} | ${cell('AUC')} | ${cell('Hosmer–Lemeshow')} |`);
  }
  out.push('', 'Judged on 95 % intervals: straddling a gate is inconclusive (too few subjects to judge), not a pass.', '');
  return out;
}
