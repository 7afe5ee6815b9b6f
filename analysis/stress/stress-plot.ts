/**
 * plots/stress-<param>.png (one regimen) or stress-<param>-<regimen>.png: the minimal dose against the
 * shift, one colour per target: the conservative dose as a line with points, the mean crossing dashed,
 * and the 95 % interval of the per-replicate minimal dose as a shaded band. Values not reached on the
 * grid are left out (the subtitle says so). Rendered by the plot kit (../plots.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { PLOT_FONT, renderSvg, svgToPng } from '../plots.js';
import type { StressSweep } from './stress-results.js';

const PALETTE = ['#1f5fa8', '#c0392b', '#2e8b57', '#8e44ad', '#d4880f'];

export function stressPlotSpec(sweep: StressSweep, regimen: string, title: string): TopLevelSpec {
  const rows = sweep.points.flatMap((p) => p.doses.filter((d) => d.regimen === regimen).map((d) => ({
    x: p.value, target: percentLabel(d.target), dose: d.dose, mean: d.mean_crossing, lo: d.interval[0], hi: d.interval[1],
  })));
  const targets = [...new Set(rows.map((r) => r.target))];
  const missing = rows.filter((r) => r.dose === null).length;
  const color = { field: 'target', type: 'nominal', title: 'target', scale: { domain: targets, range: PALETTE.slice(0, Math.max(1, targets.length)) } } as const;
  const x = { field: 'x', type: 'quantitative', title: sweep.axis, scale: { zero: false }, axis: { grid: true } } as const;
  const subtitle = [
    `--shift ${sweep.option}; common random numbers across the shift`,
    `line: minimal dose (lower band >= target); dashed: mean crossing; shaded: 95 % interval of the per-replicate minimal dose${missing > 0 ? `; ${missing} not reached on the grid (left out)` : ''}`,
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 440,
    height: 250,
    title: { offset: 12, text: title, subtitle, anchor: 'start', fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555' },
    config: { font: PLOT_FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11 }, view: { stroke: '#bbb' } },
    data: { values: rows },
    layer: [
      { transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }], mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: `dose (mg, ${regimen})` }, y2: { field: 'hi' }, color } },
      { transform: [{ filter: 'datum.mean !== null' }], mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
      { transform: [{ filter: 'datum.dose !== null' }], mark: { type: 'line', strokeWidth: 2, point: true }, encoding: { x, y: { field: 'dose', type: 'quantitative' }, color } },
    ],
  } as TopLevelSpec;
}

/** Writes one PNG per (sweep, regimen) into DIR/plots; returns their paths. */
export async function writeStressPlots(dir: string, sweeps: readonly StressSweep[], title: string): Promise<string[]> {
  const plots = join(dir, 'plots');
  await mkdir(plots, { recursive: true });
  const paths: string[] = [];
  for (const sweep of sweeps) {
    const regimens = [...new Set(sweep.points.flatMap((p) => p.doses.map((d) => d.regimen)))];
    for (const regimen of regimens) {
      const path = join(plots, regimens.length === 1 ? `stress-${sweep.param}.png` : `stress-${sweep.param}-${regimen}.png`);
      await writeFile(path, svgToPng(await renderSvg(stressPlotSpec(sweep, regimen, title))));
      paths.push(path);
    }
  }
  return paths;
}
