/**
 * Non-compartmental summaries of one subject's profile, the raw material of data-driven start values:
 * terminal rate (log-linear fit to the last 3-6 post-peak points, best adjusted R^2), AUC (linear-up /
 * log-down trapezoids), peak and time of peak within a window. Nothing here knows EstData.
 */
import { median } from 'd3-array';

export interface Point {
  readonly timeH: number;
  readonly value: number;
}

/** Terminal elimination rate (1/h) from the points after the peak, or null if none declines. */
export function terminalRate(points: readonly Point[]): number | null {
  if (points.length < 3) return null;
  let peak = 0;
  points.forEach((p, i) => { if (p.value > (points[peak]?.value ?? -Infinity)) peak = i; });
  const tail = points.slice(peak + 1).filter((p) => p.value > 0);
  let best: { rate: number; r2: number; n: number } | null = null;
  for (let n = 3; n <= Math.min(6, tail.length); n += 1) {
    const pts = tail.slice(tail.length - n);
    const fit = logLinear(pts);
    if (fit === null || !(fit.slope < 0)) continue;
    const adj = 1 - ((1 - fit.r2) * (n - 1)) / (n - 2);
    if (best === null || adj > best.r2 - 1e-4) best = { rate: -fit.slope, r2: adj, n };
  }
  return best?.rate ?? null;
}

function logLinear(pts: readonly Point[]): { slope: number; r2: number } | null {
  const n = pts.length;
  const xs = pts.map((p) => p.timeH);
  const ys = pts.map((p) => Math.log(p.value));
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  if (!(sxx > 0)) return null;
  return { slope: sxy / sxx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}

/** AUC over the points' span, linear trapezoids rising and log trapezoids falling. */
export function auc(points: readonly Point[]): number {
  let s = 0;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const dt = b.timeH - a.timeH;
    if (dt <= 0) continue;
    if (b.value < a.value && b.value > 0 && a.value > 0) s += (dt * (a.value - b.value)) / Math.log(a.value / b.value);
    else s += (dt * (a.value + b.value)) / 2;
  }
  return s;
}

/** Largest value and its time among points with from < t <= to, or null if there are none. */
export function peak(points: readonly Point[], from: number, to: number): { timeH: number; value: number } | null {
  let best: Point | null = null;
  for (const p of points) if (p.timeH > from && p.timeH <= to && (best === null || p.value > best.value)) best = p;
  return best === null ? null : { timeH: best.timeH - from, value: best.value };
}

/** Geometric mean through the median of logs (robust to a few wild subjects). */
export function logMedian(xs: readonly number[]): number {
  return Math.exp(median(xs.filter((x) => x > 0).map(Math.log)) ?? NaN);
}
