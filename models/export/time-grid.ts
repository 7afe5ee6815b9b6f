/**
 * The output time grid of each regimen and the quadrature built on it. Within the steady-state window
 * [0, tau) the biomarker's maximum sits a few minutes to an hour after the dose (R keeps rising until
 * the absorbed drug bites), so the grid is dense early (0.05 h) and sparse later, where only the
 * quadrature of the turnover integral needs it. Each interval [t_n, t_{n+1}] (t_T = tau) is one
 * product-integration panel with nodes at its ends and midpoint (pd-periodic.ts), so the graph
 * evaluates C at 2T points: the outputs first, then the midpoints.
 * README.md records the accuracy of these grids (window max vs a 10x finer grid, quadrature error).
 */

export interface RegimenGrid {
  readonly name: 'QD' | 'QW';
  /** file tag: qd.onnx, qw.model.json */
  readonly tag: 'qd' | 'qw';
  readonly tauH: number;
  /** output times t_0 = 0 < ... < t_{T-1} < tau (hours after the steady-state dose) */
  readonly timesH: readonly number[];
  /** an IV structure's dose is a zero-order infusion of this many hours (absent: a bolus; infusion-regimen.ts) */
  readonly infusionH?: number;
}

const EARLY_H = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6];

export const REGIMEN_GRIDS: { readonly qd: RegimenGrid; readonly qw: RegimenGrid } = {
  qd: { name: 'QD', tag: 'qd', tauH: 24, timesH: [...EARLY_H, 9, 12, 16, 20] },
  qw: { name: 'QW', tag: 'qw', tauH: 168, timesH: [...EARLY_H, 8, 12, 18, 24, 36, 48, 72, 96, 120, 144] },
};

/**
 * The output times of a structure's card on a regimen grid. An IV bolus makes the concentration jump at
 * the dose, so on [0, tau) the window's peak C(0+) is no grid value (t_0 holds the trough C(tau-)) and a
 * `max` question would read C(0.05 h) instead. IV structures therefore output the window closed at tau:
 * t_0 = 0 is C(0+), t_1..t_{T-1} as the grid, and one more point t_T = tau holding the trough C(tau-)
 * (the window statistics' "ends at tau" shape: trough at t_T, mean by trapezoids over [0, tau]). The
 * biomarker, continuous, repeats its t_0 value at tau. The graph's internal nodes are unchanged. An IV
 * infusion regimen (`infusionH`) is continuous: its outputs are the grid's.
 */
export function outputTimesH(g: RegimenGrid, route: 'oral' | 'iv' | 'zero-order'): number[] {
  // an infusion makes no jump: its window is the grid's, as for zero-order absorption
  return route === 'iv' && !((g.infusionH ?? 0) > 0) ? [...g.timesH, g.tauH] : [...g.timesH];
}

/** Panel widths t_{n+1} - t_n (n = 0..T-1, t_T = tau). */
export function panelWidthsH(g: RegimenGrid): number[] {
  return g.timesH.map((t, n) => (g.timesH[n + 1] ?? g.tauH) - t);
}

/**
 * The 2T evaluation times: outputs t_n, then panel midpoints. t_0 = 0 is evaluated as tau (the same
 * point of the periodic steady state): there the absorption and distribution modes have decayed, so
 * the float32 sum of modes does not cancel, which at t = 0 cost up to ~0.5 % of a deep trough.
 */
export function nodeTimesH(g: RegimenGrid): number[] {
  const widths = panelWidthsH(g);
  return [...g.timesH.map((t, n) => (n === 0 ? g.tauH : t)), ...g.timesH.map((t, n) => t + (widths[n] ?? NaN) / 2)];
}

/**
 * Distinct panel widths and, per panel, the index of its width: weights depend on KOUT * width, so
 * they are computed once per distinct width and gathered.
 */
export function distinctWidths(g: RegimenGrid): { widthsH: number[]; panelWidthIndex: number[] } {
  const widths = panelWidthsH(g);
  // widths come from decimal differences: round to 1e-9 h before comparing
  const key = (w: number): number => Math.round(w * 1e9);
  const distinct = [...new Set(widths.map(key))].sort((a, b) => a - b);
  return { widthsH: distinct.map((k) => k / 1e9), panelWidthIndex: widths.map((w) => distinct.indexOf(key(w))) };
}

/** The same grid refined by `factor` equal steps per interval (for sufficiency checks). */
export function refinedTimesH(g: RegimenGrid, factor: number): number[] {
  const widths = panelWidthsH(g);
  return g.timesH.flatMap((t, n) => Array.from({ length: factor }, (_, j) => t + ((widths[n] ?? NaN) * j) / factor));
}
