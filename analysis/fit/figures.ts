/**
 * Fit diagnostics as pictures (Vega-Lite -> SVG in Node -> PNG with resvg, as the report's plots):
 * goodness of fit (observed vs population and individual predictions, individual residuals vs time)
 * and the visual predictive check per endpoint and dose arm.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { GofPoint } from '../../models/estimate/gof.js';
import { BELOW_LLOQ, VPC_PERCENTILES, type VpcResult } from '../../models/estimate/vpc.js';
import { PLOT_FONT } from '../plots.js';
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';

/** panel titles: the biomarker in the trial's unit (ng/mL unless a dataset spec names another) */
const endpointTitle = (dvid: 1 | 2, pdUnit: string): string => (dvid === 1 ? 'PK conc (mg/L)' : `PD biomarker (${pdUnit})`);
const config = { font: PLOT_FONT, view: { stroke: '#bbb' }, axis: { labelFontSize: 10, titleFontSize: 11 }, header: { labelFontSize: 11, labelFontWeight: 'bold' } } as const;

export function gofSpec(points: readonly GofPoint[], pdUnit: string = DEFAULT_BIOMARKER_UNIT): TopLevelSpec {
  const rows: Record<string, unknown>[] = [];
  const lines: Record<string, unknown>[] = [];
  const blqRows: Record<string, unknown>[] = [];
  for (const dvid of [1, 2] as const) {
    for (const which of ['pred', 'ipred'] as const) {
      const panel = `${endpointTitle(dvid, pdUnit)}: observed vs ${which === 'pred' ? 'population' : 'individual'} prediction`;
      const pts = points.filter((p) => p.dvid === dvid && Number.isFinite(p[which]) && !(dvid === 1 && p.dv <= 0));
      for (const p of pts) (p.blq === true ? blqRows : rows).push({ panel, x: p[which], y: p.dv, dose: `${p.period?.doseMg ?? p.doseMg} mg` });
      const values = pts.flatMap((p) => [p[which], p.dv]);
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      if (Number.isFinite(lo) && Number.isFinite(hi)) lines.push({ panel, x: lo, y: lo }, { panel, x: hi, y: hi });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Goodness of fit', subtitle: `line: identity; colour: dose arm (mg once daily)${blqRows.length > 0 ? '; grey triangles: BLQ rows at their LLOQ (below it, not values)' : ''}`, anchor: 'start' },
    data: { values: [...rows.map((r) => ({ ...r, kind: 'obs' })), ...lines.map((r) => ({ ...r, kind: 'identity' })), ...blqRows.map((r) => ({ ...r, kind: 'blq' }))] },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 220,
      layer: [
        { transform: [{ filter: "datum.kind === 'obs'" }], mark: { type: 'point', filled: true, opacity: 0.5, size: 18 }, encoding: { x: { field: 'x', type: 'quantitative', title: 'prediction' }, y: { field: 'y', type: 'quantitative', title: 'observed' }, color: { field: 'dose', type: 'nominal', title: 'arm' } } },
        // BLQ rows (M3) at their limit, drawn as "below": grey down-triangles, not as values (a layer only when there are any)
        ...(blqRows.length === 0 ? [] : [{ transform: [{ filter: "datum.kind === 'blq'" }], mark: { type: 'point', shape: 'triangle-down', color: '#777', filled: false, size: 22 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } }]),
        { transform: [{ filter: "datum.kind === 'identity'" }], mark: { type: 'line', color: '#333', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config,
  } as TopLevelSpec;
}

export function residualSpec(points: readonly GofPoint[], pdUnit: string = DEFAULT_BIOMARKER_UNIT): TopLevelSpec {
  // subjects with resets: each period on its own clock (gof.ts `period`)
  const periods = points.some((p) => p.period !== undefined);
  const rows = points.filter((p) => Number.isFinite(p.iwres)).map((p) => ({ panel: `${endpointTitle(p.dvid, pdUnit)}: IWRES vs time${periods ? ' in the period' : ''}`, t: p.period?.timeH ?? p.timeH, r: p.iwres, dose: `${p.period?.doseMg ?? p.doseMg} mg` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Individual weighted residuals', subtitle: 'should scatter around 0 within about ±2 with no trend', anchor: 'start' },
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 180,
      layer: [
        { mark: { type: 'point', filled: true, opacity: 0.5, size: 16 }, encoding: { x: { field: 't', type: 'quantitative', title: 'time (h)' }, y: { field: 'r', type: 'quantitative', title: 'IWRES' }, color: { field: 'dose', type: 'nominal', title: 'arm' } } },
        { mark: { type: 'rule', color: '#333' }, encoding: { y: { datum: 0 } } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config,
  } as TopLevelSpec;
}

export function vpcSpec(vpc: VpcResult, dvid: 1 | 2, pdUnit: string = DEFAULT_BIOMARKER_UNIT): TopLevelSpec {
  const label = ['5th', '50th', '95th'];
  const rows = vpc.bins
    // a percentile below LLOQ (BLQ rows) is not drawn, nor on the PK's log axis one <= 0 (an additive
    // error makes low percentiles negative, observed or simulated: one such value left the whole arm's
    // panel without a scale)
    .filter((b) => b.dvid === dvid)
    .flatMap((b) =>
      VPC_PERCENTILES.map((_, i) => {
        const [lo, mid, hi] = b.simulated[i] ?? [NaN, NaN, NaN];
        const drawn = (v: number | undefined): number | null => (v === BELOW_LLOQ || v === undefined || (dvid === 1 && !(v > 0)) ? null : v);
        return { arm: `${b.doseMg} mg arm`, t: b.timeH, pct: label[i], lo: drawn(lo), mid: drawn(mid), hi: drawn(hi), obs: drawn(b.observed[i]) };
      }),
    );
  const pctColor = { field: 'pct', type: 'nominal', title: 'percentile', scale: { domain: label, range: ['#2e8b57', '#c0392b', '#1f5fa8'] } } as const;
  const coverage = dvid === 1 ? vpc.coverage.pk : vpc.coverage.pd;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Visual predictive check — ${endpointTitle(dvid, pdUnit)}`,
      subtitle: `points/lines: observed 5th, 50th, 95th percentiles; shaded: 90 % interval of the same percentiles over ${vpc.replicates} simulated trials; ${Math.round(coverage * 100)} % of observed percentiles inside`,
      anchor: 'start',
    },
    data: { values: rows },
    facet: { field: 'arm', type: 'nominal', title: null, sort: { field: 't' } },
    columns: dvid === 1 ? 3 : 4,
    spec: {
      width: 230,
      height: 180,
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x: { field: 't', type: 'quantitative', title: 'time (h)' }, y: { field: 'lo', type: 'quantitative', title: endpointTitle(dvid, pdUnit), ...(dvid === 1 ? { scale: { type: 'log' } } : {}) }, y2: { field: 'hi' }, color: pctColor } },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'obs', type: 'quantitative' }, color: pctColor } },
        { mark: { type: 'point', filled: true, size: 14 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'obs', type: 'quantitative' }, color: pctColor } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config,
  } as TopLevelSpec;
}

/** HMC trace plot: each population parameter (sampled scale) against the draw, one line per chain (`qusop fit --uncertainty hmc`). */
export function traceSpec(traces: readonly { readonly name: string; readonly chains: readonly (readonly number[])[] }[]): TopLevelSpec {
  const rows = traces.flatMap((t) => t.chains.flatMap((c, chain) => c.map((v, i) => ({ parameter: t.name, chain: `chain ${chain + 1}`, draw: i + 1, value: v }))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'HMC traces (after warm-up)', subtitle: 'population parameters on the sampled scale (log / logit; omega_*, sigma_*: log sds); colour: chain', anchor: 'start' },
    data: { values: rows },
    facet: { field: 'parameter', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 260,
      height: 110,
      mark: { type: 'line', strokeWidth: 0.8, opacity: 0.8 },
      encoding: { x: { field: 'draw', type: 'quantitative', title: 'draw' }, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } }, color: { field: 'chain', type: 'nominal', title: null } },
    },
    resolve: { scale: { y: 'independent' } },
    config,
  } as TopLevelSpec;
}
