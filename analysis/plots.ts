/**
 * Dose–success curves as pictures: a Vega-Lite spec per (population, regimen) — the band on p(d) as
 * an area, p-hat as a line (one colour per model), the targets as dashed rules and the conservative
 * doses as vertical rules — compiled and rendered to SVG by Vega in Node (no browser), and to PNG by
 * resvg. Fonts: DejaVu Sans (Debian fonts-dejavu-core), named in the SVG so resvg and browsers agree.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { parse as parseVega, View } from 'vega';
import { compile as compileVegaLite, type TopLevelSpec } from 'vega-lite';
import type { CurveRow } from '../coordinator/aggregate/curves.js';
import { percentLabel } from '../coordinator/scenario/percent.js';

export const PLOT_FONT = 'DejaVu Sans, Verdana, sans-serif';

export interface CurveSeries {
  /** legend label (the model) */
  readonly model: string;
  readonly curve: readonly Pick<CurveRow, 'dose' | 'p_hat' | 'band_lo' | 'band_hi'>[];
  /** conservative dose per target (mg), null when not reached */
  readonly doses: readonly { readonly target: number; readonly dose: number | null }[];
}

export interface CurvePlot {
  readonly title: string;
  /** lines under the title (population assumptions) */
  readonly subtitle: readonly string[];
  /** e.g. "dose (mg, once daily)" */
  readonly xTitle: string;
  /** e.g. "P(max PD ≤ 3.3 ng/mL over 24 h)" */
  readonly yTitle: string;
  readonly targets: readonly number[];
  readonly series: readonly CurveSeries[];
  readonly bandLabel: string;
}

const PALETTE = ['#1f5fa8', '#c0392b', '#2e8b57', '#8e44ad', '#d4880f'];

export function curvePlotSpec(p: CurvePlot, size = { width: 440, height: 250 }): TopLevelSpec {
  const rows = p.series.flatMap((s) => s.curve.map((c) => ({ model: s.model, dose: c.dose, p: c.p_hat, lo: c.band_lo, hi: c.band_hi })));
  const chosen = p.series.flatMap((s) => s.doses.filter((d) => d.dose !== null).map((d) => ({ model: s.model, dose: d.dose, target: d.target, zero: 0, label: `${d.dose} mg` })));
  const targets = p.targets.map((t) => ({ target: t, label: percentLabel(t) }));
  const models = p.series.map((s) => s.model);
  // every colour layer carries the same legend setting: Vega-Lite merges them, and a mix disables it
  const legend = models.length > 1 ? { title: 'model', orient: 'bottom-right' as const } : null;
  const color = { field: 'model', type: 'nominal', scale: { domain: models, range: PALETTE.slice(0, Math.max(1, models.length)) }, legend } as const;
  const x = { field: 'dose', type: 'quantitative', title: p.xTitle, axis: { grid: true, tickCount: 8 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    title: { offset: 12, text: p.title, subtitle: [...p.subtitle, `line: p̂(d); shaded: ${p.bandLabel} band; dotted: conservative dose per target`], anchor: 'start', fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555' },
    config: { font: PLOT_FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom-right' }, view: { stroke: '#bbb' } },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'area', opacity: 0.22 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: p.yTitle, scale: { domain: [0, 1] }, axis: { format: '%', tickCount: 6 } }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y: { field: 'p', type: 'quantitative' }, color },
      },
      {
        data: { values: targets },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#444', strokeWidth: 1 },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      },
      {
        data: { values: targets },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 11, color: '#333' },
        encoding: { y: { field: 'target', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
      },
      {
        data: { values: chosen },
        mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'dose', type: 'quantitative' }, y: { field: 'zero', type: 'quantitative' }, y2: { field: 'target' }, color },
      },
      {
        data: { values: chosen },
        mark: { type: 'point', filled: true, size: 45 },
        encoding: { x: { field: 'dose', type: 'quantitative' }, y: { field: 'target', type: 'quantitative' }, color },
      },
      {
        data: { values: chosen },
        mark: { type: 'text', align: 'left', dx: 5, dy: 11, fontSize: 11 },
        encoding: { x: { field: 'dose', type: 'quantitative' }, y: { field: 'target', type: 'quantitative' }, text: { field: 'label' }, color },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Text width in px of DejaVu Sans (advance widths in em, by character class). Without a canvas Vega
 * estimates 0.8 em per character, which lays titles and legends out ~40 % too wide.
 */
export function dejaVuWidth(text: string, fontSizePx: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (' .,:;\'!|ilj()[]'.includes(ch)) em += 0.32;
    else if (/[0-9]/.test(ch)) em += 0.636;
    else if ('mwMW%'.includes(ch)) em += 0.95;
    else if (/[A-Z]/.test(ch)) em += 0.7;
    else em += 0.6;
  }
  return em * fontSizePx * (bold ? 1.12 : 1);
}

interface TextItem { readonly text?: unknown; readonly fontSize?: number; readonly fontWeight?: string | number }
const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
metrics.width = (item, text) => {
  const t = text ?? item.text;
  const value = Array.isArray(t) ? t.map(String).reduce((a, b) => (a.length >= b.length ? a : b), '') : String(t ?? '');
  const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
  return dejaVuWidth(value, item.fontSize ?? 11, bold);
};

/** Vega-Lite -> Vega -> SVG, headless (renderer none; text widths from dejaVuWidth). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parseVega(compileVegaLite(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at `scale` x the SVG's size, with the system's fonts (DejaVu Sans in CI). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  return r.render().asPng();
}

/** Element ids made unique per plot, so several SVGs inlined in one page never share a clip path. */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] ?? ''));
  let out = svg;
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out
      .replace(new RegExp(`id="${esc}"`, 'g'), `id="${prefix}-${id}"`)
      .replace(new RegExp(`url\\(#${esc}\\)`, 'g'), `url(#${prefix}-${id})`)
      .replace(new RegExp(`href="#${esc}"`, 'g'), `href="#${prefix}-${id}"`);
  }
  return out;
}
