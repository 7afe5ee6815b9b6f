/**
 * Plots and page: the Vega-Lite curve spec renders to an SVG with real paths (band area, one line per
 * model, target rules) and to a PNG of the expected size; ids are scoped per plot; report.html is
 * self-contained and shows the TEST-MODEL banner, the model comparison only with several models, and
 * the markdown summary carries the same doses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvePlotSpec, renderSvg, scopeSvgIds, svgToPng, type CurvePlot } from '../../analysis/plots.js';
import { renderCurveFigures } from '../../analysis/report/curve-figures.js';
import { reportHtml } from '../../analysis/report/html.js';
import { reportMarkdown } from '../../analysis/report/markdown.js';
import type { ReportInput } from '../../analysis/report/input.js';
import { groupModels, type AnswerModel } from '../../analysis/answer/models.js';
import { buildAnswers } from '../../analysis/answer/answers.js';
import type { AnswerRun, CellResult } from '../../analysis/answer/orchestrate.js';
import { POPULATIONS, REGIMENS } from '../../analysis/answer/questions.js';
import type { ModelCard } from '../../worker/model/card.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

const logistic = (mid: number) => (d: number): number => 1 / (1 + Math.exp(-(d - mid) / (mid / 5)));
const rows = (doses: number[], p: (d: number) => number) => doses.map((dose) => ({ dose, p_hat: p(dose), band_lo: Math.max(0, p(dose) - 0.03), band_hi: Math.min(1, p(dose) + 0.03) }));
const QD = Array.from({ length: 80 }, (_, i) => 0.5 + 0.5 * i);

const plot = (models: string[]): CurvePlot => ({
  title: 'Q1 & Q5 · like the trial · once daily (QD)', subtitle: ['BW line', 'COMED line'], xTitle: 'dose (mg, once daily)', yTitle: 'P(max PD ≤ 3.3 ng/mL over 24 h)',
  targets: [0.9, 0.75], bandLabel: '95 % Clopper–Pearson',
  series: models.map((m, i) => ({ model: m, curve: rows(QD, logistic(10 + 5 * i)), doses: [{ target: 0.9, dose: 15 + i }, { target: 0.75, dose: null }] })),
});

test('curve plot: SVG with a band area, one line per model, target rules and labelled axes; PNG at 2x', async () => {
  for (const models of [['known-answer'], ['popmodel', 'lstm']]) {
    const svg = await renderSvg(curvePlotSpec(plot(models)));
    // Vega's hidden group foregrounds are empty by design; every drawn path must have geometry
    const paths = [...svg.matchAll(/<path([^>]*)\sd="([^"]*)"/g)].filter((m) => !(m[1] ?? '').includes('foreground')).map((m) => m[2] ?? '');
    assert.ok(paths.length >= 2 * models.length + 2, `${paths.length} paths`);
    assert.ok(paths.every((d) => d.length > 10), 'no empty path');
    const lines = [...svg.matchAll(/class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)];
    assert.equal(lines.reduce((n, m) => n + ((m[1] ?? '').match(/<path/g)?.length ?? 0), 0), models.length, 'one p-hat line per model');
    assert.match(svg, /mark-area/);
    for (const text of ['dose (mg, once daily)', 'P(max PD ≤ 3.3 ng/mL over 24 h)', '90 %', '75 %', '15 mg']) assert.ok(svg.includes(text), `SVG shows "${text}"`);
    assert.equal(svg.includes('model</text>'), models.length > 1, 'legend only with several models');
    const width = Number(/<svg[^>]*width="(\d+)"/.exec(svg)?.[1]);
    const png = svgToPng(svg);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(Buffer.from(png).readUInt32BE(16), 2 * width, 'PNG is 2x the SVG width');
    assert.ok(width < 600, `text widths estimated for DejaVu Sans keep the figure compact (${width} px)`);
  }
});

test('scopeSvgIds: every id and its url()/href references get the prefix', () => {
  const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/></g></svg>';
  assert.equal(scopeSvgIds(svg, 'p3'), '<svg><defs><clipPath id="p3-clip1"><rect/></clipPath></defs><g clip-path="url(#p3-clip1)"><use href="#p3-clip1"/></g></svg>');
});

function card(name: string, tauH: number, testModel: boolean): ModelCard {
  return {
    schema: 'qusop.model-card/v1', name, family: 'fam', version: '1', test_model: testModel, onnx: 'x.onnx', sha256: 'a'.repeat(64),
    regimen: { name: 'R', tau_h: tauH }, time_grid_h: [0], inputs: { covariates: ['dose', 'bw', 'comed'] }, outputs: { pd: 'pd' },
    units: { dose: 'mg', bw: 'kg', pd: 'ng/mL' }, provenance: {}, diagnostics: testModel ? {} : { minus2LL: 1234.5 },
  };
}

function syntheticRun(models: AnswerModel[]): AnswerRun {
  const cells: CellResult[] = [];
  for (const population of POPULATIONS) for (const regimen of REGIMENS) models.forEach((model, i) => {
    const doses = regimen === 'qd' ? QD : QD.map((d) => d * 10);
    const mid = (regimen === 'qd' ? 10 : 120) * (1 + 0.2 * i);
    const curve = rows(doses, logistic(mid)).map((c) => ({ ...c, scenario: population, regimen, n: 1000, k: 0, cp_lo: 0, cp_hi: 0, wilson_lo: 0, wilson_hi: 0, rq_lo: 0, rq_hi: 0, rep_p_q025: 0, rep_p_q50: 0, rep_p_q975: 0, mean_max_ng_ml: 0, sd_max_ng_ml: 0 }));
    const dose = (t: number): number => curve.find((c) => c.band_lo >= t)?.dose ?? NaN;
    const decisions = [0.9, 0.75].map((target) => ({ scenario: population, regimen, target, mean_crossing: dose(target), conservative: dose(target), replicate_median: dose(target), replicate_lo: dose(target), replicate_hi: dose(target), flags: [], non_monotone_steps: 0, band: { method: 'clopper-pearson' as const, level: 0.95 } }));
    cells.push({ population, regimen, model, regimenKey: regimen, grid: { start: doses[0]!, stop: doses.at(-1)!, step: doses[1]! - doses[0]! }, curve, decisions, round: 0, runId: 'run0', runDir: '/out', populationLabel: 'BW ~ Uniform(51, 100) kg; COMED = 0; 10 subjects x 2 replicates', verdict: 'resolved' });
  });
  const spec = { runId: 'run0', codeVersion: 'qusop/test', scenarios: POPULATIONS.map((name) => ({ name, seed: 7 })) } as unknown as RunSpecJson;
  return {
    plan: { outDir: '/out', trial: '/data/t.csv', base: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } }, thresholdNgMl: 3.3, targets: [0.9, 0.75], replicates: 2, subjects: 10, seed: 7, models },
    rounds: [{ runId: 'run0', dir: '/out', spec, curves: cells.flatMap((c) => c.curve), decisions: cells.flatMap((c) => c.decisions), round: 0, scenarioPath: '/out/scenarios.yaml' }],
    cells,
  };
}

const input = (run: AnswerRun): ReportInput => ({ run, answers: buildAnswers(run), trial: { path: '/data/t.csv', sha256: 'b'.repeat(64) }, modelSource: 'given with --model', manifests: [undefined], scenarioSha256: ['c'.repeat(64)] });

test('report.html: self-contained, six curve figures, TEST-MODEL banner only for test models, comparison only with several models; markdown agrees', async () => {
  const testModels = groupModels([{ cardPath: '/m/ka-qd.model.json', card: card('ka-qd', 24, true) }, { cardPath: '/m/ka-qw.model.json', card: card('ka-qw', 168, true) }]);
  const fitted = groupModels([
    { cardPath: '/m/pop-qd.model.json', card: card('pop-qd', 24, false) }, { cardPath: '/m/pop-qw.model.json', card: card('pop-qw', 168, false) },
    { cardPath: '/m/lstm-qd.model.json', card: card('lstm-qd', 24, false) }, { cardPath: '/m/lstm-qw.model.json', card: card('lstm-qw', 168, false) },
  ]);
  for (const [models, isTest] of [[testModels, true], [fitted, false]] as const) {
    const run = syntheticRun(models);
    const figures = await renderCurveFigures(run);
    assert.equal(figures.length, 6);
    const html = await reportHtml(input(run), figures);
    assert.equal(html.includes('class="banner"'), isTest);
    assert.equal((html.match(/<figure id="plot-/g) ?? []).length, 6);
    assert.equal(html.includes('id="comparison"'), models.length > 1);
    for (const id of ['answers', 'curves', 'decisions', 'reduction', 'coherence', 'diagnostics', 'provenance']) assert.ok(html.includes(`<section id="${id}">`), id);
    assert.doesNotMatch(html, /<script|<link|src="http|href="http/, 'no scripts, no external resources');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'ids unique across the inlined SVGs');
    if (!isTest) assert.match(html, /minus2LL<\/dt><dd>1234.5/);
    const md = reportMarkdown(input(run));
    const q1 = buildAnswers(run).find((a) => a.question === 1);
    assert.ok(md.includes(`**${q1?.dose} mg**`), 'markdown shows the Q1 dose');
    assert.equal(md.includes('TEST MODEL'), isTest);
  }
});
