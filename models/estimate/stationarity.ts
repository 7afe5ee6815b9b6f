/**
 * When to end SAEM's exploratory phase: the monitored parameters have stopped drifting. Two
 * consecutive windows of the trace are compared per parameter; the shift of their means must stay
 * within the within-window spread (plus a small absolute slack on the transformed scale). A trend
 * shows as a shift larger than the noise; a stationary, autocorrelated trace rarely does.
 */
import { mean, variance } from 'd3-array';

export const STATIONARITY_WINDOW = 50;
const ABSOLUTE_SLACK = 0.01;

/** Indices of the monitored parameters still drifting (all of them while the trace is too short). */
export function driftingParameters(trace: readonly Float64Array[], window = STATIONARITY_WINDOW): number[] {
  const p = trace[0]?.length ?? 0;
  const all = Array.from({ length: p }, (_, q) => q);
  if (trace.length < 2 * window) return all;
  const first = trace.slice(trace.length - 2 * window, trace.length - window);
  const second = trace.slice(trace.length - window);
  return all.filter((q) => {
    const a = first.map((v) => v[q] ?? NaN);
    const b = second.map((v) => v[q] ?? NaN);
    const sd = Math.sqrt(0.5 * ((variance(a) ?? NaN) + (variance(b) ?? NaN)));
    return !(Math.abs((mean(b) ?? NaN) - (mean(a) ?? NaN)) <= sd + ABSOLUTE_SLACK);
  });
}

export function isStationary(trace: readonly Float64Array[], window = STATIONARITY_WINDOW): boolean {
  return driftingParameters(trace, window).length === 0;
}
