/**
 * The files of `qusop qae`, all labelled "simulated" (names, titles, column headers): no quantum
 * device ran, and no output says anything about time.
 *   qae-simulated.json   options, method, conventions and one record per cell
 *   qae-simulated.md     the same as a table
 *   qae-simulated.png    oracle queries (simulated QAE) and Monte Carlo samples against p, log scale
 * Byte-identical for the same run, options and seed.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { PLOT_FONT, renderSvg, svgToPng } from '../plots.js';
import type { Comparison } from './compare.js';

export const QAE_JSON = 'qae-simulated.json';
export const QAE_MD = 'qae-simulated.md';
export const QAE_PNG = 'qae-simulated.png';

export const TITLE = 'Amplitude estimation (simulated) vs Monte Carlo';
const METHOD = 'iterative quantum amplitude estimation, Clopper–Pearson variant (Grinko, Gacon, Zoufal, Woerner 2021), simulated: measurement outcomes are drawn from sin^2((2k+1) theta) with a = sin^2(theta) = p; no quantum device, no wall time';
const QUERIES = 'one oracle query = one application of the state preparation A or of the Grover operator Q; a shot after k iterations costs k + 1, a Monte Carlo sample costs 1';
const MC = 'smallest n whose exact Clopper–Pearson interval at k = round(n p), level 1 - alpha, has half-width <= half_width';

const pct = (x: number): string => `${+(x * 100).toPrecision(6)} %`;

export function qaeJson(runId: string, c: Comparison): string {
  const o = c.options;
  return `${JSON.stringify({
    schema: 'qusop.qae-simulated/v1',
    simulated: true,
    title: TITLE,
    run_id: runId,
    method: METHOD,
    query_convention: QUERIES,
    monte_carlo_samples: MC,
    options: { half_width: o.halfWidth, alpha: o.alpha, seed: o.seed, shots_per_round: o.shots, max_rounds: c.maxRounds },
    cells: c.cells,
  }, null, 2)}\n`;
}

export function qaeMarkdown(runId: string, c: Comparison): string {
  const o = c.options;
  const lines = [
    `# ${TITLE}`,
    '',
    `Run ${runId}. Half-width ${pct(o.halfWidth)}, confidence ${pct(1 - o.alpha)}, seed ${o.seed}, ${o.shots} shots per round.`,
    '',
    `Method: ${METHOD}. Each cell's p = k/n is the exact success probability of the simulated state.`,
    `Oracle queries: ${QUERIES}. Monte Carlo samples: ${MC}.`,
    '',
    '| scenario | regimen | dose (mg) | p = k/n | simulated QAE estimate | simulated QAE interval | simulated QAE oracle queries | Monte Carlo samples | MC samples / simulated QAE queries |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|',
    ...c.cells.map((r) =>
      `| ${r.scenario} | ${r.regimen} | ${r.dose} | ${r.p.toFixed(4)} | ${r.simulated_qae_estimate.toFixed(4)} | [${r.simulated_qae_lo.toFixed(4)}, ${r.simulated_qae_hi.toFixed(4)}] | ${r.simulated_qae_oracle_queries} | ${r.mc_samples} | ${r.mc_to_simulated_qae.toFixed(2)} |`),
    '',
  ];
  return lines.join('\n');
}

export function qaePlotSpec(c: Comparison): TopLevelSpec {
  const queries = 'simulated QAE oracle queries';
  const samples = 'Monte Carlo samples';
  const rows = c.cells.flatMap((r) => [
    { p: r.p, count: r.simulated_qae_oracle_queries, what: queries },
    { p: r.p, count: r.mc_samples, what: samples },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 440,
    height: 260,
    title: {
      text: `${TITLE}: cost of a ±${pct(c.options.halfWidth)} interval`, anchor: 'start', offset: 12, fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555',
      subtitle: [`one point per (scenario, regimen, dose) cell, p = k/n of the run; confidence ${pct(1 - c.options.alpha)}; simulated, no wall time`],
    },
    config: { font: PLOT_FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', labelLimit: 320 }, view: { stroke: '#bbb' } },
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
    encoding: {
      x: { field: 'p', type: 'quantitative', title: 'success probability p of the cell', scale: { domain: [0, 1] }, axis: { format: '%', values: [0, 0.2, 0.4, 0.6, 0.8, 1] } },
      y: { field: 'count', type: 'quantitative', title: 'oracle queries (simulated) / samples', scale: { type: 'log' } },
      color: { field: 'what', type: 'nominal', title: null, scale: { domain: [queries, samples], range: ['#1f5fa8', '#c0392b'] } },
      shape: { field: 'what', type: 'nominal', title: null, scale: { domain: [queries, samples], range: ['circle', 'square'] } },
    },
  } as TopLevelSpec;
}

/** Writes the three files into `dir` (each atomically) and returns their paths. */
export async function writeQaeOutputs(dir: string, runId: string, c: Comparison): Promise<string[]> {
  const png = svgToPng(await renderSvg(qaePlotSpec(c)));
  const files: [string, string | Uint8Array][] = [[QAE_JSON, qaeJson(runId, c)], [QAE_MD, qaeMarkdown(runId, c)], [QAE_PNG, png]];
  for (const [name, data] of files) await writeFileAtomic(join(dir, name), data);
  return files.map(([name]) => join(dir, name));
}
