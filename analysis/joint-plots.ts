/**
 * The pictures of issue 19, in the style of plots.ts (Vega-Lite -> SVG -> PNG):
 *   dose vs threshold   the minimal dose (mean crossing, and the conservative dose dashed) per sweep
 *                       threshold, one colour per (regimen, target)
 *   Pareto              efficacy attainment p_efficacy against safety exceedance 1 - p_safe across the
 *                       dose grid, one line per regimen, each dose a labelled point
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SweepDecision } from '../coordinator/aggregate/threshold-sweep.js';
import type { JointCurveRow } from '../coordinator/aggregate/therapeutic-window.js';
import { percentLabel } from '../coordinator/scenario/percent.js';
import { PLOT_FONT } from './plots.js';

const CONFIG = { font: PLOT_FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11 }, view: { stroke: '#bbb' } };
const title = (text: string, subtitle: readonly string[]) => ({ offset: 12, text, subtitle: [...subtitle], anchor: 'start', fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555' });

export function sweepPlotSpec(scenario: string, decisions: readonly SweepDecision[], subtitle: readonly string[] = [], size = { width: 440, height: 260 }, unit = 'ng/mL'): TopLevelSpec {
  const rows = decisions
    .filter((d) => d.scenario === scenario)
    .flatMap((d) => {
      const series = `${d.regimen} ${percentLabel(d.target)}`;
      return [
        ...(d.mean_crossing === null ? [] : [{ series, threshold: d.threshold_ng_ml, dose: d.mean_crossing, kind: 'mean crossing' }]),
        ...(d.conservative === null ? [] : [{ series, threshold: d.threshold_ng_ml, dose: d.conservative, kind: 'conservative' }]),
      ];
    });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    title: title(`${scenario}: minimal dose against the threshold`, [...subtitle, 'solid: mean crossing; dashed: conservative dose (lower band reaches the target); gaps: not reached on the grid']),
    config: CONFIG,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'threshold', type: 'quantitative', title: `threshold (${unit})`, scale: { zero: false }, axis: { grid: true } },
      y: { field: 'dose', type: 'quantitative', title: 'minimal dose (mg)', axis: { grid: true } },
      color: { field: 'series', type: 'nominal', title: 'regimen, target' },
      strokeDash: { field: 'kind', type: 'nominal', title: 'dose', scale: { domain: ['mean crossing', 'conservative'], range: [[1, 0], [6, 4]] } },
    },
  } as unknown as TopLevelSpec;
}

export function paretoPlotSpec(scenario: string, curves: readonly JointCurveRow[], subtitle: readonly string[] = [], size = { width: 440, height: 300 }): TopLevelSpec {
  const rows = curves.filter((c) => c.scenario === scenario).map((c) => ({ regimen: c.regimen, dose: c.dose, exceed: c.p_exceed, efficacy: c.p_efficacy, label: `${c.dose}` }));
  const x = { field: 'exceed', type: 'quantitative', title: 'safety exceedance 1 − p_safe(d)', axis: { format: '%', grid: true } } as const;
  const y = { field: 'efficacy', type: 'quantitative', title: 'efficacy attainment p(d)', scale: { domain: [0, 1] }, axis: { format: '%', grid: true } } as const;
  const color = { field: 'regimen', type: 'nominal', title: 'regimen' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    title: title(`${scenario}: efficacy against safety exceedance across doses`, [...subtitle, 'each point a grid dose (mg); up and left is better']),
    config: CONFIG,
    data: { values: rows },
    layer: [
      { mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: { x, y, color, order: { field: 'dose', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'left', dx: 5, dy: -5, fontSize: 9, color: '#333' }, encoding: { x, y, text: { field: 'label' } } },
    ],
  } as unknown as TopLevelSpec;
}
